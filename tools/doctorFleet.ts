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
  // A peer whose own stack file is invalid is reported as such, not as a crash of doctor.
  const peer = (ref: string, find: () => FleetPeerTarget): FleetPeerTarget => {
    try {
      return find();
    } catch (e) {
      return { host: stackOfRef(ref), ports: [], unknown: `Pulumi.${stackOfRef(ref)}.yaml is invalid: ${(e as Error).message.split("\n").slice(0, 2).join(" ")}` };
    }
  };
  if (config.role === "gpu-worker") {
    const ref = config.gatewayStack!;
    return [peer(ref, () => gatewayPeer(ref))];
  }
  return config.workers.map((ref, i) => peer(ref, () => workerPeer(ref, i)));

  function gatewayPeer(ref: string): FleetPeerTarget {
    const gw = local(ref);
    if (gw) return { host: gw.stack, address: gw.bindAddress, ports: [LOKI.port] };
    const announced = readGateway(ref, outputsOf(ref)?.[FLEET.gatewayOutput]);
    return isProblem(announced) ? { host: stackOfRef(ref), ports: [], unknown: announced.problem } : { host: announced.host, address: announced.address, ports: [LOKI.port] };
  }

  function workerPeer(ref: string, i: number): FleetPeerTarget {
    const w = local(ref);
    if (w) {
      const exporters = enabledServices(w).filter((s): s is WorkerExporter => s in EXPORTER_PORTS);
      return { host: w.stack, address: w.bindAddress, ports: [OLLAMA.port, ...exporters.map((e) => EXPORTER_PORTS[e])], relayPath: `/${w.stack}/ollama` };
    }
    const published = outputsOf(ref);
    if (!published || Object.keys(published).length === 0) return { host: stackOfRef(ref), ports: [], unknown: "it has published nothing yet (not deployed, or its outputs could not be read)" };
    const announced = readWorker(`workers[${i}]`, ref, published[FLEET.workerOutput]);
    if (isProblem(announced)) return { host: stackOfRef(ref), ports: [], unknown: announced.problem };
    const portOf = (url: string) => Number(new URL(url).port);
    return { host: announced.host, address: announced.address, ports: [portOf(announced.ollamaUrl), ...announced.exporters.map((e) => portOf(e.url))], relayPath: `/${announced.host}/ollama` };
  }
}

/** What the relay's answer says, beyond "it answers". */
const RELAY_STATUS: Readonly<Record<number, { detail(p: FleetPeerTarget): string; fix(p: FleetPeerTarget, c: StackConfig): string }>> = {
  404: {
    detail: (p) => `the relay has no route to ${p.host} yet`,
    fix: (p, c) => `run pulumi up on ${c.stack}: it adds ${p.host} once ${p.host} has been deployed`,
  },
  401: {
    detail: (p) => `${p.host} refuses the relay's credential (401)`,
    fix: (p, c) => `${p.host}'s password changed: run pulumi up on ${c.stack} again`,
  },
  403: {
    detail: (p) => `${p.host} turns the relay away (403): it lets in only this gateway's address, and this host's connections reach it from another one`,
    fix: (p, c) => `bindAddress (${c.bindAddress}) must be the address this host's connections to ${p.address} leave from; check \`ip route get ${p.address}\``,
  },
  502: {
    detail: (p) => `the relay cannot reach ${p.host}'s entry point, or it has no answer from Ollama there (502)`,
    fix: (p) => `check ${p.host} with npm run doctor -- --stack ${p.host}, and docker ps there`,
  },
  503: {
    detail: (p) => `the relay has marked ${p.host}'s Ollama down: it failed the health check (503)`,
    fix: (p) => `check Ollama on ${p.host}: docker logs ai-gateway-${p.host}-ollama`,
  },
};

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
      // The status says why a worker does not answer: the relay's own answers differ from the worker's.
      const relayed = run(["curl", "-sS", "-m", "5", "-o", "-", "-w", "\n%{http_code}", url]);
      const status = Number(relayed.stdout.trim().split("\n").pop());
      const version = /"version"\s*:\s*"([^"]+)"/.exec(relayed.stdout)?.[1];
      if (status === 200 && version) return { name, ok: true, detail: `Ollama ${version} answers through the relay, from ${p.address} over TLS with its credential` };
      const why = RELAY_STATUS[status];
      if (why) return { name, ok: false, ...(status === 404 ? { warn: true } : {}), detail: why.detail(p), fix: why.fix(p, config) };
    }
    const closed = p.ports.filter((port) => run(tcpProbe(p.address!, port)).code !== 0);
    const what = config.role === "gpu-worker" ? `its Loki site (${p.address}:${p.ports.join(", ")}), where this worker's logs go` : `its entry point (${p.address}: ${p.ports.join(", ")})`;
    if (closed.length > 0) {
      return {
        name,
        ok: false,
        // A worker deploys without its gateway (its logs wait): a warning there, a failure on a gateway.
        ...(config.role === "gpu-worker" ? { warn: true } : {}),
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
