// Grafana with provisioned datasources and dashboards; the admin password is generated and handed
// over as a file, never through env or config text.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderGrafanaDashboardProvider, renderGrafanaDatasources, type GrafanaRenderInput } from "../renderers/grafana.js";
import type { GeneratedFile } from "./files.js";
import { asUploads } from "./files.js";
import { hardenedContainer, type Healthcheck, type StackContext } from "./hardenedContainer.js";
import { lokiInternalUrl } from "./loki.js";

export const GRAFANA = Object.freeze({
  port: 3000,
  // USER 472, group 0; the data folder must be writable by 472.
  uid: 472,
  gid: 0,
  dataPath: "/var/lib/grafana",
  provisioningPath: "/etc/grafana/provisioning",
  dashboardsPath: "/etc/grafana/dashboards",
  passwordFile: "/run/secrets/grafana-admin-password",
  // The one image here that ships curl. /api/health also checks Grafana's database.
  healthcheck: { tests: ["CMD", "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:3000/api/health"], interval: "10s", timeout: "5s", startPeriod: "30s", retries: 5 } satisfies Healthcheck,
  waitTimeoutSeconds: 180,
});

/** The dashboards kept in the repo, sorted by file name. */
export const DASHBOARDS_DIR = fileURLToPath(new URL("../dashboards/", import.meta.url));

export function grafanaFiles(prometheusUrl: string): GeneratedFile[] {
  const input: GrafanaRenderInput = { prometheusUrl, lokiUrl: lokiInternalUrl(), dashboardsPath: GRAFANA.dashboardsPath };
  const dashboards = readdirSync(DASHBOARDS_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f): GeneratedFile => ({ service: "grafana", path: `grafana/dashboards/${f}`, containerPath: `${GRAFANA.dashboardsPath}/${f}`, content: readFileSync(`${DASHBOARDS_DIR}${f}`, "utf8") }));
  return [
    { service: "grafana", path: "grafana/provisioning/datasources/ai-gateway.yaml", containerPath: `${GRAFANA.provisioningPath}/datasources/ai-gateway.yaml`, content: renderGrafanaDatasources(input) },
    { service: "grafana", path: "grafana/provisioning/dashboards/ai-gateway.yaml", containerPath: `${GRAFANA.provisioningPath}/dashboards/ai-gateway.yaml`, content: renderGrafanaDashboardProvider(input) },
    ...dashboards,
  ];
}

export interface GrafanaArgs {
  readonly ctx: StackContext;
  readonly image: string;
  readonly memoryMb: number;
  readonly prometheusUrl: string;
  readonly dependsOn: pulumi.Resource[];
}

export class Grafana extends pulumi.ComponentResource {
  readonly adminPassword: pulumi.Output<string>;

  constructor(name: string, args: GrafanaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:observability:Grafana", name, {}, opts);
    const password = new random.RandomPassword("grafana-admin-password", { length: 32, special: false }, { parent: this });
    this.adminPassword = pulumi.secret(password.result);
    hardenedContainer(
      args.ctx,
      {
        service: "grafana",
        image: args.image,
        healthcheck: GRAFANA.healthcheck,
        waitTimeoutSeconds: GRAFANA.waitTimeoutSeconds,
        memoryMb: args.memoryMb,
        ports: [{ internal: GRAFANA.port, external: GRAFANA.port }],
        envs: [
          "GF_SECURITY_ADMIN_USER=admin",
          // run.sh reads every GF_*__FILE variable into the setting it names.
          `GF_SECURITY_ADMIN_PASSWORD__FILE=${GRAFANA.passwordFile}`,
          "GF_USERS_ALLOW_SIGN_UP=false",
          "GF_AUTH_ANONYMOUS_ENABLED=false",
          "GF_ANALYTICS_REPORTING_ENABLED=false",
          "GF_ANALYTICS_CHECK_FOR_UPDATES=false",
        ],
        data: { containerPath: GRAFANA.dataPath, uid: GRAFANA.uid, gid: GRAFANA.gid },
        uploads: pulumi.secret(
          pulumi.all([
            ...asUploads(grafanaFiles(args.prometheusUrl)),
            { file: GRAFANA.passwordFile, content: this.adminPassword, owner: String(GRAFANA.uid), group: String(GRAFANA.gid), permissions: "0400" },
          ]),
        ),
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    this.registerOutputs({ adminPassword: this.adminPassword });
  }
}
