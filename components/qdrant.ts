// Qdrant: vector store with an API key, storage and snapshots under dataRoot, telemetry off.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { bashHttpProbe, dataFolderPath, hardenedContainer, type Healthcheck, type StackContext } from "./hardenedContainer.js";

export const QDRANT = Object.freeze({
  port: 6333,
  // The default image runs as root.
  uid: 0,
  gid: 0,
  dataPath: "/qdrant/data",
  // bash but no curl or wget; /readyz is one of the paths Qdrant answers without the API key.
  healthcheck: { tests: bashHttpProbe(6333, "/readyz"), interval: "10s", timeout: "5s", startPeriod: "20s", retries: 5 } satisfies Healthcheck,
  waitTimeoutSeconds: 120,
});

export const qdrantInternalUrl = (): string => `http://qdrant:${QDRANT.port}`;


export interface QdrantArgs {
  readonly ctx: StackContext;
  readonly image: string;
  readonly memoryMb: number;
}

export class Qdrant extends pulumi.ComponentResource {
  readonly apiKey: pulumi.Output<string>;

  constructor(name: string, args: QdrantArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:data:Qdrant", name, {}, opts);
    const key = new random.RandomPassword("qdrant-api-key", { length: 40, special: false }, { parent: this });
    this.apiKey = pulumi.secret(key.result);
    hardenedContainer(
      args.ctx,
      {
        service: "qdrant",
        image: args.image,
        healthcheck: QDRANT.healthcheck,
        waitTimeoutSeconds: QDRANT.waitTimeoutSeconds,
        memoryMb: args.memoryMb,
        ports: [{ internal: QDRANT.port, external: QDRANT.port }],
        envs: pulumi.secret(
          pulumi.all([
            pulumi.interpolate`QDRANT__SERVICE__API_KEY=${this.apiKey}`,
            "QDRANT__TELEMETRY_DISABLED=true",
            `QDRANT__STORAGE__STORAGE_PATH=${QDRANT.dataPath}/storage`,
            `QDRANT__STORAGE__SNAPSHOTS_PATH=${QDRANT.dataPath}/snapshots`,
          ]),
        ),
        data: { containerPath: QDRANT.dataPath, uid: QDRANT.uid, gid: QDRANT.gid },
      },
      { parent: this },
    );
    this.registerOutputs({ apiKey: this.apiKey });
  }
}
