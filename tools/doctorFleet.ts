// doctor's checks of the rest of the fleet (tools/doctor.ts runs them): a gateway reaches each of its
// workers, a worker its gateway, from the host itself, as its containers would.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { StackConfig } from "../config/schema.js";
import { enabledServices } from "../config/services.js";
import { readStackConfig } from "../config/stackYaml.js";
import { PROJECT, validateStackConfig } from "../config/validate.js";
import { stackOfRef } from "../config/validateFleet.js";
import type { FleetExposure } from "../services/exposure.js";
import { EXPORTER_PORTS, FLEET, isProblem, readGateway, readWorker, WORKER_EXPOSED, type WorkerExporter } from "../services/fleet.js";
import { LOKI } from "../services/loki.js";
import { LABEL_KEYS } from "../services/names.js";
import { OLLAMA } from "../services/ollama.js";
import type { Check, HostRunner } from "./doctor.js";
import { stackOutputs } from "./gateway.js";

/**
 * Another host of the fleet, as doctor finds it: a gateway's worker (its entry point's ports, and the
 * relay path to its Ollama) or a worker's gateway (its Loki site). `unknown` says why it could not be found.
 */
export interface FleetPeerTarget {
  readonly host: string;
  readonly address?: string;
  readonly ports: readonly number[];
  /** A worker: `/<host>/ollama` on the gateway's relay. */
  readonly relayPath?: string;
  readonly unknown?: string;
}

/** Where the other hosts of the fleet are: their stack files beside this one, else their stack outputs. */
export function fleetPeers(config: StackConfig, projectDir: string, outputsOf: (ref: string) => Record<string, unknown> | undefined = (ref) => stackOutputs(ref, false)): FleetPeerTarget[] {
  const local = (ref: string): StackConfig | undefined => {
    const parts = ref.split("/");
    if (parts.length === 3 && parts[1] !== PROJECT) return undefined;
    const file = join(projectDir, `Pulumi.${stackOfRef(ref)}.yaml`);
    return existsSync(file) ? validateStackConfig(readStackConfig(projectDir, stackOfRef(ref))) : undefined;
  };
  if (config.role === "gpu-worker") {
    const ref = config.gatewayStack!;
    const gw = local(ref);
    if (gw) return [{ host: gw.stack, address: gw.bindAddress, ports: [LOKI.port] }];
    const announced = readGateway(ref, outputsOf(ref)?.[FLEET.gatewayOutput]);
    return [isProblem(announced) ? { host: stackOfRef(ref), ports: [], unknown: announced.problem } : { host: announced.host, address: announced.address, ports: [LOKI.port] }];
  }
  return config.workers.map((ref, i) => {
    const w = local(ref);
    if (w) {
      const exporters = enabledServices(w).filter((s): s is WorkerExporter => s in EXPORTER_PORTS);
      return { host: w.stack, address: w.bindAddress, ports: [OLLAMA.port, ...exporters.map((e) => EXPORTER_PORTS[e])], relayPath: `/${w.stack}/ollama` };
    }
    const announced = readWorker(`workers[${i}]`, ref, outputsOf(ref)?.[FLEET.workerOutput]);
    if (isProblem(announced)) return { host: stackOfRef(ref), ports: [], unknown: announced.problem };
    const portOf = (url: string) => Number(new URL(url).port);
    return { host: announced.host, address: announced.address, ports: [portOf(announced.ollamaUrl), ...announced.exporters.map((e) => portOf(e.url))], relayPath: `/${announced.host}/ollama` };
  });
}

/** Opens a TCP connection from the host, as its containers would (bash's /dev/tcp: no client to install). */
const tcpProbe = (address: string, port: number) => ["timeout", "5", "bash", "-c", `exec 3<>/dev/tcp/${address}/${port}`];

/**
 * The other hosts of the fleet, from this one: a gateway reaches each worker's entry point (and,
 * once it runs, each worker's Ollama through its relay); a worker reaches its gateway's Loki site.
 */
export function fleetChecks(config: StackConfig, peers: readonly FleetPeerTarget[], run: HostRunner): Check[] {
  return peers.map((p): Check => {
    const name = config.role === "gpu-worker" ? "Gateway" : `Worker ${p.host}`;
    if (p.unknown || !p.address) return { name, ok: false, detail: `cannot tell where ${p.host} is: ${p.unknown ?? "no address"}`, fix: `run doctor from the project folder that has Pulumi.${p.host}.yaml, or deploy ${p.host} first` };
    if (p.relayPath) {
      const url = `http://127.0.0.1:${FLEET.relayPort}${p.relayPath}${FLEET.ollamaHealthPath}`;
      const relayed = run(["sh", "-c", `curl -fsS -m 5 ${url} || wget -q -T 5 -O - ${url}`]);
      const version = /"version"\s*:\s*"([^"]+)"/.exec(relayed.stdout)?.[1];
      if (relayed.code === 0 && version) return { name, ok: true, detail: `Ollama ${version} answers through the relay, from ${p.address} over TLS with its credential` };
    }
    const closed = p.ports.filter((port) => run(tcpProbe(p.address!, port)).code !== 0);
    const what = config.role === "gpu-worker" ? `its Loki site (${p.address}:${p.ports.join(", ")}), where this worker's logs go` : `its entry point (${p.address}: ${p.ports.join(", ")})`;
    if (closed.length > 0) {
      return {
        name,
        ok: false,
        detail: `this host cannot reach ${p.address} on ${closed.join(", ")}: ${what}`,
        fix: `check that ${p.host} is up (pulumi up --stack ${p.host}) and that its firewall lets ${config.bindAddress} in on ${closed.join(", ")}`,
      };
    }
    if (p.relayPath) {
      // Reachable, but the relay got no answer: either it does not run yet, or the worker turns it away.
      const running = run(["docker", "ps", "--filter", `label=${LABEL_KEYS.stack}=${config.stack}`, "--filter", `label=${LABEL_KEYS.service}=caddy`, "--format", "{{.Names}}"]).stdout.trim();
      if (running) {
        return {
          name,
          ok: false,
          detail: `${p.address} is reachable, but its Ollama does not answer through the relay`,
          fix: `check Ollama on ${p.host} (npm run doctor -- --stack ${p.host}); after a change to ${p.host}'s address, certificate or password, run pulumi up on this stack again`,
        };
      }
    }
    return { name, ok: true, detail: `${what}: reachable from this host` };
  });
}

/** The fleet's part of the exposure, for the ports it binds (who may connect does not matter here). */
export function portsOnly(config: StackConfig): FleetExposure {
  if (config.role === "gpu-worker") return { worker: { services: enabledServices(config).filter((s) => WORKER_EXPOSED.includes(s)), gatewayAddress: "0.0.0.0" } };
  return { workers: config.workers.map((ref) => ({ host: stackOfRef(ref), address: "0.0.0.0" })) };
}
