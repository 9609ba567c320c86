// The entry point: Caddy in front of LiteLLM. It owns the gateway's published port, so the LiteLLM
// container behind it can be replaced (new one first, old one last) without dropping requests.
import * as pulumi from "@pulumi/pulumi";
import { renderCaddyfile } from "../renderers/caddy.js";
import { asUploads, type GeneratedFile } from "./files.js";
import { LITELLM } from "./gateway.js";
import { hardenedContainer, type Healthcheck, type StackContext } from "./hardenedContainer.js";

export const CADDY = Object.freeze({
  // The gateway's port: clients keep the URL they had when LiteLLM published it itself.
  port: LITELLM.port,
  caddyfilePath: "/etc/caddy/Caddyfile",
  // The image runs as root; /data keeps certificates and Caddy's own CA once TLS is on.
  uid: 0,
  gid: 0,
  dataPath: "/data",
  adminAddress: "localhost:2019",
  // busybox wget is in the image; the admin API answers once the config is loaded.
  healthcheck: { tests: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:2019/config/"], interval: "10s", timeout: "5s", startPeriod: "10s", retries: 3 } satisfies Healthcheck,
  waitTimeoutSeconds: 60,
  // Longer than a LiteLLM container takes to start and pass its first probe.
  retrySeconds: 30,
});

export function entryPointFiles(): GeneratedFile[] {
  const content = renderCaddyfile({
    listenPort: CADDY.port,
    gatewayUpstream: `litellm:${LITELLM.port}`,
    adminAddress: CADDY.adminAddress,
    retrySeconds: CADDY.retrySeconds,
  });
  return [{ service: "caddy", path: "caddy/Caddyfile", containerPath: CADDY.caddyfilePath, content }];
}

export interface EntryPointArgs {
  readonly ctx: StackContext;
  readonly image: string;
  readonly memoryMb: number;
  readonly files: readonly GeneratedFile[];
}

export class EntryPoint extends pulumi.ComponentResource {
  constructor(name: string, args: EntryPointArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:net:EntryPoint", name, {}, opts);
    hardenedContainer(
      args.ctx,
      {
        service: "caddy",
        image: args.image,
        healthcheck: CADDY.healthcheck,
        waitTimeoutSeconds: CADDY.waitTimeoutSeconds,
        memoryMb: args.memoryMb,
        ports: [{ internal: CADDY.port, external: CADDY.port }],
        uploads: asUploads(args.files),
        data: { containerPath: CADDY.dataPath, uid: CADDY.uid, gid: CADDY.gid },
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}
