// The log shipper's config, for either agent: Promtail (YAML) or Grafana Alloy (its own syntax).
// Both discover this stack's containers through the Docker API (the socket proxy) and label every line with
// `container`, `service` and `stack`: three low-cardinality labels; anything per request stays in the line.
import type { LogShipper } from "../config/schema.js";
import { LABEL_KEYS } from "../services/names.js";
import { toYaml } from "./yaml.js";

export interface LogShipperRenderInput {
  readonly shipper: LogShipper;
  readonly stack: string;
  readonly lokiPushUrl: string;
  /** The Docker API as a Docker host URL: the socket proxy, `tcp://docker-proxy:2375`. */
  readonly dockerHost: string;
  /** Promtail's positions file, or Alloy's storage folder, inside the container. */
  readonly statePath: string;
  readonly httpPort: number;
  /**
   * A fleet worker pushes to its gateway's Loki through the gateway's entry point: basic auth with
   * its own user and a password read from a file, and the CA the gateway's certificate chains to
   * (the system's roots when unset).
   */
  readonly push?: { readonly user: string; readonly passwordFile: string; readonly caFile?: string };
}

/** Docker label `a.b` reaches discovery as `__meta_docker_container_label_a_b`. */
const metaLabel = (dockerLabel: string) => `__meta_docker_container_label_${dockerLabel.replace(/[^A-Za-z0-9_]/g, "_")}`;

interface Relabel {
  readonly source: string;
  readonly target: string;
  readonly regex?: string;
}

function relabels(): Relabel[] {
  return [
    // Docker reports names with a leading slash.
    { source: "__meta_docker_container_name", target: "container", regex: "/(.*)" },
    { source: metaLabel(LABEL_KEYS.service), target: "service" },
    { source: metaLabel(LABEL_KEYS.stack), target: "stack" },
  ];
}

export function buildPromtailConfig(input: LogShipperRenderInput): Record<string, unknown> {
  return {
    server: { http_listen_port: input.httpPort, grpc_listen_port: 0 },
    // The default (/tmp/positions.yaml) is lost with the container, and every log would be shipped again.
    positions: { filename: `${input.statePath}/positions.yaml` },
    clients: [
      {
        url: input.lokiPushUrl,
        ...(input.push
          ? { basic_auth: { username: input.push.user, password_file: input.push.passwordFile }, ...(input.push.caFile ? { tls_config: { ca_file: input.push.caFile } } : {}) }
          : {}),
      },
    ],
    scrape_configs: [
      {
        job_name: "docker",
        docker_sd_configs: [
          { host: input.dockerHost, refresh_interval: "15s", filters: [{ name: "label", values: [`${LABEL_KEYS.stack}=${input.stack}`] }] },
        ],
        relabel_configs: relabels().map((r) => ({ source_labels: [r.source], target_label: r.target, ...(r.regex ? { regex: r.regex } : {}) })),
      },
    ],
  };
}

// Alloy's configuration language has no npm emitter, so this writes it from a small tree. Strings are
// escaped as JSON strings, which Alloy's string literals accept.
type AlloyValue = string | readonly string[] | { readonly ref: string };
interface AlloyBlock {
  readonly name: string;
  readonly label?: string;
  readonly attrs?: readonly (readonly [string, AlloyValue])[];
  readonly blocks?: readonly AlloyBlock[];
}

function alloyValue(v: AlloyValue): string {
  if (typeof v === "string") return JSON.stringify(v);
  if ("ref" in v) return v.ref;
  return `[${(v as readonly string[]).map((s) => JSON.stringify(s)).join(", ")}]`;
}

function alloyBlock(b: AlloyBlock, indent = ""): string {
  const inner = indent + "  ";
  const lines = [`${indent}${b.name}${b.label !== undefined ? ` ${JSON.stringify(b.label)}` : ""} {`];
  for (const [k, v] of b.attrs ?? []) lines.push(`${inner}${k} = ${alloyValue(v)}`);
  for (const child of b.blocks ?? []) lines.push(alloyBlock(child, inner));
  lines.push(`${indent}}`);
  return lines.join("\n");
}

export function renderAlloyConfig(input: LogShipperRenderInput): string {
  const blocks: AlloyBlock[] = [
    {
      name: "discovery.docker",
      label: "stack",
      attrs: [
        ["host", input.dockerHost],
        ["refresh_interval", "15s"],
      ],
      blocks: [{ name: "filter", attrs: [["name", "label"], ["values", [`${LABEL_KEYS.stack}=${input.stack}`]]] }],
    },
    {
      // Rules only: loki.source.docker applies them to the discovered targets' __meta labels.
      name: "discovery.relabel",
      label: "stack",
      attrs: [["targets", { ref: "[]" }]],
      blocks: relabels().map((r) => ({
        name: "rule",
        attrs: [["source_labels", [r.source]], ...(r.regex ? ([["regex", r.regex]] as const) : []), ["target_label", r.target]],
      })),
    },
    {
      name: "loki.source.docker",
      label: "stack",
      attrs: [
        ["host", input.dockerHost],
        ["targets", { ref: "discovery.docker.stack.targets" }],
        ["relabel_rules", { ref: "discovery.relabel.stack.rules" }],
        ["forward_to", { ref: "[loki.write.local.receiver]" }],
      ],
    },
    {
      name: "loki.write",
      label: "local",
      blocks: [
        {
          name: "endpoint",
          attrs: [["url", input.lokiPushUrl]],
          blocks: input.push
            ? [
                { name: "basic_auth", attrs: [["username", input.push.user], ["password_file", input.push.passwordFile]] },
                ...(input.push.caFile ? [{ name: "tls_config", attrs: [["ca_file", input.push.caFile]] as const }] : []),
              ]
            : [],
        },
      ],
    },
  ];
  return `// Grafana Alloy config, rendered by ai-gateway. Do not edit: change the stack config and run \`pulumi up\`.\n\n${blocks.map((b) => alloyBlock(b)).join("\n\n")}\n`;
}

export function renderPromtailConfig(input: LogShipperRenderInput): string {
  return toYaml(buildPromtailConfig(input), "Promtail config, rendered by ai-gateway. Promtail is end-of-life: set logShipper to alloy to move off it.");
}

/** The shipper's config file name and text. */
export function renderLogShipperConfig(input: LogShipperRenderInput): string {
  return input.shipper === "alloy" ? renderAlloyConfig(input) : renderPromtailConfig(input);
}
