// The entry point: Caddy, the only container that publishes on a non-loopback bindAddress. It owns
// the gateway's port, so the LiteLLM container behind it can be replaced new-first without dropping
// requests; it terminates TLS, and puts basic auth in front of the services that have no auth of
// their own when they are exposed.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { TlsSettings } from "../config/schema.js";
import { AS_ROOT_PRELUDE, shellQuote } from "../host/scripts.js";
import { CADDY } from "../services/caddy.js";
import { secretConfigFile, withSecretFiles } from "./files.js";
import { hostCommand } from "./host.js";
import { ServiceComponent, type ServiceArgs } from "./serviceComponent.js";

export interface EntryPointArgs extends ServiceArgs {
  readonly tls: TlsSettings;
  /** Whether any service is exposed with basic auth. */
  readonly basicAuth: boolean;
  /** tls.mode files: the certificate's key (secret). */
  readonly tlsPrivateKey?: pulumi.Output<string>;
}

export class EntryPoint extends ServiceComponent {
  /** The basic-auth password of the exposed services (secret); undefined when none is exposed. */
  readonly basicAuthPassword?: pulumi.Output<string>;
  /** tls.mode internal: the PEM root of Caddy's own CA, which clients trust (`curl --cacert`). */
  readonly rootCertificate?: pulumi.Output<string>;

  constructor(name: string, args: EntryPointArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:net:EntryPoint", name, args.files, opts);
    let envs: pulumi.Output<string[]> | undefined;
    if (args.basicAuth) {
      const password = new random.RandomPassword("basic-auth-password", { length: 32, special: false }, { parent: this });
      this.basicAuthPassword = pulumi.secret(password.result);
      // Caddy reads the hash from its environment at start; the Caddyfile names only the variable.
      envs = pulumi.secret(pulumi.all([pulumi.interpolate`${CADDY.basicAuthHashEnv}=${password.bcryptHash.apply((h) => Buffer.from(h).toString("base64"))}`]));
    }
    const configFiles = args.tlsPrivateKey ? withSecretFiles(args.files, [secretConfigFile(`${CADDY.tlsDir}/key.pem`, CADDY, args.tlsPrivateKey)]) : undefined;
    const { container } = this.start(args, { service: "caddy", ...(envs ? { envs } : {}), ...(configFiles ? { configFiles } : {}) });

    if (args.tls.mode === "internal") {
      // The CA exists once Caddy has loaded its config (it is healthy by then); it lives in the data
      // folder, so it survives a replaced container and is read back from there.
      const read = hostCommand(
        args.ctx.host,
        "entry-point-root-certificate",
        { create: `${AS_ROOT_PRELUDE}\n$SUDO cat ${shellQuote(`${this.dataFolder}${CADDY.rootCertPath.slice(CADDY.dataPath.length)}`)}`, triggers: [container.id] },
        { parent: this, dependsOn: [container] },
      );
      this.rootCertificate = read.stdout;
    }
    this.registerOutputs({});
  }
}
