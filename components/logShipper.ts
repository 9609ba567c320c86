// The log shipper: Promtail (the default the rollout asked for, end-of-life since 2026-03-02) or
// Grafana Alloy, its successor. One config key switches between them.
import * as pulumi from "@pulumi/pulumi";
import type { LogShipper as LogShipperKind } from "../config/schema.js";
import { renderLogShipperConfig } from "../renderers/logShipper.js";
import type { GeneratedFile } from "./files.js";
import { asUploads } from "./files.js";
import { bashHttpProbe, hardenedContainer, type StackContext } from "./hardenedContainer.js";
import { lokiInternalUrl } from "./loki.js";

const DOCKER_SOCKET = "/var/run/docker.sock";

// Both images are Ubuntu-based with bash and without curl or wget, and run as root (reading the
// Docker socket needs it anyway).
export const SHIPPERS = Object.freeze({
  promtail: {
    port: 9080,
    configPath: "/etc/promtail/config.yml",
    statePath: "/var/lib/promtail",
    command: (configPath: string) => [`-config.file=${configPath}`],
    readyPath: "/ready",
  },
  alloy: {
    port: 12345,
    configPath: "/etc/alloy/config.alloy",
    statePath: "/var/lib/alloy/data",
    // Alloy listens on 127.0.0.1 by default; Prometheus scrapes it over the stack network.
    command: (configPath: string) => ["run", "--server.http.listen-addr=0.0.0.0:12345", "--storage.path=/var/lib/alloy/data", configPath],
    // /-/healthy fails when any component is unhealthy, too strict for liveness.
    readyPath: "/-/ready",
  },
} as const satisfies Record<LogShipperKind, unknown>);

export function logShipperFiles(shipper: LogShipperKind, stack: string): GeneratedFile[] {
  const facts = SHIPPERS[shipper];
  const content = renderLogShipperConfig({
    shipper,
    stack,
    lokiPushUrl: `${lokiInternalUrl()}/loki/api/v1/push`,
    dockerSocket: DOCKER_SOCKET,
    statePath: facts.statePath,
    httpPort: facts.port,
  });
  return [{ service: shipper, path: `${shipper}/${facts.configPath.split("/").pop()}`, containerPath: facts.configPath, content }];
}

export interface LogShipperArgs {
  readonly ctx: StackContext;
  readonly shipper: LogShipperKind;
  readonly image: string;
  readonly memoryMb: number;
  readonly dependsOn: pulumi.Resource[];
}

export class LogShipper extends pulumi.ComponentResource {
  constructor(name: string, args: LogShipperArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:observability:LogShipper", name, {}, opts);
    const facts = SHIPPERS[args.shipper];
    hardenedContainer(
      args.ctx,
      {
        service: args.shipper,
        image: args.image,
        healthcheck: { tests: bashHttpProbe(facts.port, facts.readyPath), interval: "10s", timeout: "5s", startPeriod: "20s", retries: 5 },
        waitTimeoutSeconds: 120,
        memoryMb: args.memoryMb,
        ports: [],
        command: facts.command(facts.configPath),
        // Read-only keeps the socket file from being replaced; it does not limit the Docker API.
        mounts: [{ type: "bind", source: DOCKER_SOCKET, target: DOCKER_SOCKET, readOnly: true }],
        // Positions (Promtail) or the WAL and positions (Alloy): without them a restart re-ships every log.
        data: { containerPath: facts.statePath, uid: 0, gid: 0 },
        uploads: asUploads(logShipperFiles(args.shipper, args.ctx.stack)),
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    this.registerOutputs({});
  }
}
