// Qdrant: vector store with a generated API key, telemetry off, data under dataRoot.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { internalUrl } from "../services/catalog.js";
import { qdrantPlainEnv } from "../services/qdrant.js";
import { ServiceComponent, type ServiceArgs } from "./serviceComponent.js";

export class Qdrant extends ServiceComponent {
  readonly apiKey: pulumi.Output<string>;
  readonly internalUrl = internalUrl("qdrant");

  constructor(name: string, args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:data:Qdrant", name, args.files, opts);
    const key = new random.RandomPassword("qdrant-api-key", { length: 40, special: false }, { parent: this });
    this.apiKey = pulumi.secret(key.result);
    this.start(args, { service: "qdrant", envs: pulumi.secret(pulumi.all([pulumi.interpolate`QDRANT__SERVICE__API_KEY=${this.apiKey}`, ...qdrantPlainEnv()])) });
    this.registerOutputs({ apiKey: this.apiKey });
  }
}
