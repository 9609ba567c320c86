// Alertmanager: takes the alerts Prometheus fires and sends them to a person (webhook, Slack, email).
import type { ServiceFacts } from "./types.js";

export const ALERTMANAGER = Object.freeze({
  // Busybox image (sh and wget, no curl), USER nobody. Tags keep the "v".
  image: "prom/alertmanager:v0.34.0",
  port: 9093,
  // On loopback for its UI (silences) from the host; Prometheus and Grafana reach it by name.
  published: true,
  uid: 65534,
  gid: 65534,
  // Silences and the notification log: kept so a restart neither forgets a silence nor repeats a message.
  dataPath: "/alertmanager",
  configPath: "/etc/alertmanager/alertmanager.yml",
  configFolders: ["/etc/alertmanager"],
  // The secret receiver settings, read by Alertmanager when it sends (api_url_file, auth_password_file).
  slackWebhookUrlFile: "/etc/alertmanager/secrets/slack-webhook-url",
  smtpPasswordFile: "/etc/alertmanager/secrets/smtp-password",
  healthcheck: { tests: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:9093/-/healthy"], interval: "10s", timeout: "5s", startPeriod: "10s", retries: 3 },
  waitTimeoutSeconds: 60,
  // Writes only its data folder.
  confinement: { capAdds: [], rootFs: { readOnly: true, tmpfs: [] }, pidsLimit: 256 },
} as const satisfies ServiceFacts & Record<string, unknown>);

/** The command: replacing the image's drops its default flags, so both are spelled out; one node, no cluster. */
export const alertmanagerCommand = (): string[] => [
  `--config.file=${ALERTMANAGER.configPath}`,
  `--storage.path=${ALERTMANAGER.dataPath}`,
  // A single Alertmanager: no gossip port (the default listens on 0.0.0.0:9094).
  "--cluster.listen-address=",
];
