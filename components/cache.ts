// The response cache (services/cache.ts): Valkey with a generated password, and the Redis exporter
// that Prometheus scrapes it through. Both only with cache.enabled.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { REDIS_EXPORTER, redisExporterEnv, VALKEY, VALKEY_ADDRESS } from "../services/cache.js";
import { secretConfigFile, withSecretFiles } from "./files.js";
import { ServiceComponent, type ServiceArgs } from "./serviceComponent.js";

export class Valkey extends ServiceComponent {
  /** What LiteLLM and the exporter authenticate with (secret). */
  readonly password: pulumi.Output<string>;

  constructor(name: string, args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:llm:Valkey", name, args.files, opts);
    const password = new random.RandomPassword("valkey-password", { length: 40, special: false }, { parent: this });
    this.password = pulumi.secret(password.result);
    const auth = secretConfigFile(VALKEY.authFile, VALKEY, pulumi.interpolate`requirepass ${this.password}\n`);
    // The config file is the first argument, as the image's entrypoint expects.
    this.start(args, { service: "valkey", command: ["valkey-server", VALKEY.configPath], configFiles: withSecretFiles(args.files, [auth]) });
    this.registerOutputs({});
  }
}

export interface RedisExporterArgs extends ServiceArgs {
  readonly password: pulumi.Output<string>;
  readonly dependsOn: pulumi.Resource[];
}

export class RedisExporter extends ServiceComponent {
  constructor(name: string, args: RedisExporterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:observability:RedisExporter", name, args.files, opts);
    const passwords = secretConfigFile(REDIS_EXPORTER.passwordFile, REDIS_EXPORTER, args.password.apply((p) => JSON.stringify({ [VALKEY_ADDRESS]: p })));
    this.start(args, { service: "redis-exporter", envs: redisExporterEnv(), configFiles: withSecretFiles(args.files, [passwords]) }, args.dependsOn);
    this.registerOutputs({});
  }
}
