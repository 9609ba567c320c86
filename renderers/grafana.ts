// Grafana provisioning: datasources with fixed UIDs (dashboards refer to these UIDs, never to a
// name typed by hand) and the provider that loads the dashboards kept in observability/dashboards/.
import { toYaml } from "./yaml.js";

export const DATASOURCE_UIDS = Object.freeze({ prometheus: "prometheus", loki: "loki", alertmanager: "alertmanager" });

export interface GrafanaRenderInput {
  readonly prometheusUrl: string;
  readonly lokiUrl: string;
  readonly alertmanagerUrl: string;
  /** Folder inside the container that holds the dashboard JSON files. */
  readonly dashboardsPath: string;
}

export function renderGrafanaDatasources(input: GrafanaRenderInput): string {
  return toYaml(
    {
      apiVersion: 1,
      datasources: [
        { name: "Prometheus", uid: DATASOURCE_UIDS.prometheus, type: "prometheus", access: "proxy", url: input.prometheusUrl, isDefault: true, editable: false },
        { name: "Loki", uid: DATASOURCE_UIDS.loki, type: "loki", access: "proxy", url: input.lokiUrl, editable: false },
        // Grafana's alerting pages show what fires and lets a user silence it, from Prometheus's own Alertmanager.
        { name: "Alertmanager", uid: DATASOURCE_UIDS.alertmanager, type: "alertmanager", access: "proxy", url: input.alertmanagerUrl, editable: false, jsonData: { implementation: "prometheus", handleGrafanaManagedAlerts: false } },
      ],
    },
    "Grafana datasources, provisioned by ai-gateway.",
  );
}

export function renderGrafanaDashboardProvider(input: GrafanaRenderInput): string {
  return toYaml(
    {
      apiVersion: 1,
      providers: [
        {
          name: "ai-gateway",
          folder: "ai-gateway",
          type: "file",
          // Dashboards come from the repo: edits in the UI would be lost on the next `pulumi up`.
          disableDeletion: true,
          allowUiUpdates: false,
          options: { path: input.dashboardsPath },
        },
      ],
    },
    "Grafana dashboard provider, provisioned by ai-gateway.",
  );
}
