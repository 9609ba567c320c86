// Every file a stack generates, as the containers receive them. `npm run render` writes this list;
// the components upload the same entries (plus secret files, which are never rendered).
import type { StackConfig } from "../config/schema.js";
import { entryPointFiles } from "./entryPoint.js";
import type { GeneratedFile } from "./files.js";
import { gatewayFiles } from "./gateway.js";
import { grafanaFiles } from "./grafana.js";
import { logShipperFiles } from "./logShipper.js";
import { lokiFiles } from "./loki.js";
import { ollamaInternalUrl } from "./ollama.js";
import { prometheusFiles, prometheusInternalUrl } from "./prometheus.js";

export function stackFiles(config: StackConfig): GeneratedFile[] {
  return [
    ...gatewayFiles({
      routes: config.routes,
      cloudModels: config.cloudModels,
      ollamaApiBase: ollamaInternalUrl(),
      extraOllamaApiBases: config.ollama.hosts,
      routingStrategy: config.routingStrategy,
    }),
    ...entryPointFiles(),
    ...prometheusFiles(config),
    ...lokiFiles(config.loki),
    ...logShipperFiles(config.logShipper, config.stack),
    ...grafanaFiles(prometheusInternalUrl()),
  ];
}
