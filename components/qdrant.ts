// Qdrant: vector store with a generated API key, telemetry off, data under dataRoot.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { internalUrl } from "../services/catalog.js";
import { qdrantPlainEnv } from "../services/qdrant.js";
import { ServiceComponent, type ServiceArgs } from "./serviceComponent.js";

export class Qdrant extends ServiceComponent {
  readonly apiKey: pulumi.Output<string>;
  /** Reads only (searches, listings, /metrics): what Prometheus scrapes with, so its file cannot write. */
  readonly readOnlyKey: pulumi.Output<string>;
  readonly internalUrl = internalUrl("qdrant");

  constructor(name: string, args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:data:Qdrant", name, args.files, opts);
    const key = new random.RandomPassword("qdrant-api-key", { length: 40, special: false }, { parent: this });
    this.apiKey = pulumi.secret(key.result);
    const readOnly = new random.RandomPassword("qdrant-read-only-key", { length: 40, special: false }, { parent: this });
    this.readOnlyKey = pulumi.secret(readOnly.result);
    const keys = [pulumi.interpolate`QDRANT__SERVICE__API_KEY=${this.apiKey}`, pulumi.interpolate`QDRANT__SERVICE__READ_ONLY_API_KEY=${this.readOnlyKey}`];
    this.start(args, { service: "qdrant", envs: pulumi.secret(pulumi.all([...keys, ...qdrantPlainEnv()])) });
    this.registerOutputs({ apiKey: this.apiKey });
  }
}
