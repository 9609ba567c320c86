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
  /**
   * A gateway's workers, in the order of the workers key (the Caddyfile numbers its variables the same
   * way): the user and password its relay sends to each, and the hash each one's log pushes are checked against.
   */
  readonly fleetWorkers?: readonly { readonly user: string; readonly password: pulumi.Output<string>; readonly logPushHash: pulumi.Output<string> }[];
}

export class EntryPoint extends ServiceComponent {
  /** The basic-auth password of the exposed services (secret); undefined when none is exposed. */
  readonly basicAuthPassword?: pulumi.Output<string>;
  /** tls.mode internal: the PEM root of Caddy's own CA, which clients trust (`curl --cacert`). */
  readonly rootCertificate?: pulumi.Output<string>;
  /** What a client pins to trust this entry point: the own CA's root, the given certificate, or null for a public CA (acme). */
  readonly trust: pulumi.Output<string | null>;

  constructor(name: string, args: EntryPointArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:net:EntryPoint", name, args.files, opts);
    const env: pulumi.Output<string>[] = [];
    const base64 = (s: string) => Buffer.from(s).toString("base64");
    if (args.basicAuth) {
      const password = new random.RandomPassword("basic-auth-password", { length: 32, special: false }, { parent: this });
      this.basicAuthPassword = pulumi.secret(password.result);
      // Caddy reads the hash from its environment at start; the Caddyfile names only the variable.
      env.push(pulumi.interpolate`${CADDY.basicAuthHashEnv}=${password.bcryptHash.apply(base64)}`);
    }
    (args.fleetWorkers ?? []).forEach((w, i) => {
      env.push(pulumi.interpolate`${CADDY.fleetAuthEnvPrefix}${i + 1}=${w.password.apply((p) => base64(`${w.user}:${p}`))}`);
      env.push(pulumi.interpolate`${CADDY.fleetLogHashEnvPrefix}${i + 1}=${w.logPushHash.apply(base64)}`);
    });
    const envs = env.length > 0 ? pulumi.secret(pulumi.all(env)) : undefined;
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
    this.trust = this.rootCertificate ?? pulumi.output(args.tls.mode === "files" ? args.tls.certificate : null);
    this.registerOutputs({});
  }
}
