// npm run doctor -- --stack <s>
// Checks the target host before `pulumi up`: Docker, the NVIDIA runtime, free ports, disk, cron and
// the clock. Each check prints PASS or FAIL, and a FAIL says how to fix it. A remote host (host.ssh)
// is checked over SSH, trusting only its pinned host key.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { lookupHostKey } from "../config/knownHosts.js";
import { shellQuote } from "../host/scripts.js";
import { HOST_ASPECTS, HOST_PROBE_SCRIPT, parseHostProbe, planForHost, relevantGaps, type HostAspect } from "../host/probe.js";
import type { StackConfig } from "../config/schema.js";
import { readStackConfig } from "../config/stackYaml.js";
import { ConfigError, validateStackConfig } from "../config/validate.js";
import { sshArgv } from "../host/ssh.js";
import { enabledServices } from "../config/services.js";
import { planExposure } from "../services/exposure.js";
import type { ServiceName } from "../services/names.js";
import { LABEL_KEYS } from "../services/names.js";
import { runTool, ToolError } from "./cli.js";
import { fleetChecks, fleetPeers, portsOnly, type FleetPeerTarget } from "./doctorFleet.js";

export { fleetChecks, fleetPeers, type FleetPeerTarget } from "./doctorFleet.js";

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
}
/** Runs one command on the target host. Tests replace it with recorded outputs. */
export type HostRunner = (argv: readonly string[]) => CommandResult;

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  /** A failed check the stack deploys without (it loses one metric source or limit): WARN, not FAIL. */
  readonly warn?: boolean;
  readonly detail: string;
  readonly fix?: string;
}


// Roughly a Q4_K_M file: 0.6 GB per billion parameters, read from tags like "qwen2.5-coder:14b".
const GB = 1e9;
export function estimatedModelBytes(tag: string): number {
  const m = /(\d+(?:\.\d+)?)b\b/i.exec(tag.split(":")[1] ?? "");
  return m ? Math.ceil(Number(m[1]) * 0.6 * GB) : 8 * GB;
}
// Prometheus, Loki, Qdrant, images and a week of backups.
export const HEADROOM_BYTES = 30 * GB;

/** Listening sockets from `ss -ltnH`: [address, port]. */
function listening(ssOutput: string): [string, number][] {
  return ssOutput
    .split("\n")
    .map((l) => l.trim().split(/\s+/)[3])
    .filter((a): a is string => !!a && a.includes(":"))
    .map((a) => {
      const i = a.lastIndexOf(":");
      return [a.slice(0, i).replace(/^\[|\]$/g, "").replace(/%.*$/, ""), Number(a.slice(i + 1))];
    });
}

/** Host ports already published by this stack's own containers (a re-run of doctor after `up`). */
function ownPorts(dockerPsPorts: string): Set<number> {
  return new Set([...dockerPsPorts.matchAll(/:(\d+)->/g)].map((m) => Number(m[1])));
}

export function runChecks(config: StackConfig, run: HostRunner, peers: readonly FleetPeerTarget[] = []): Check[] {
  const checks: Check[] = [];
  const docker = run(["docker", "version", "--format", "{{.Server.Version}}"]);
  checks.push(
    docker.code === 0
      ? { name: "Docker", ok: true, detail: `Docker ${docker.stdout.trim()} answers` }
      : { name: "Docker", ok: false, detail: "the Docker daemon does not answer", fix: "start it (sudo systemctl enable --now docker) and add the deploy user to the docker group" },
  );

  if (config.ollama.gpus.kind === "none") {
    checks.push({ name: "NVIDIA runtime", ok: true, detail: "not needed: ollama.gpus is none" });
  } else {
    const runtimes = run(["docker", "info", "--format", "{{json .Runtimes}}"]);
    checks.push(
      runtimes.code === 0 && /"nvidia"/.test(runtimes.stdout)
        ? { name: "NVIDIA runtime", ok: true, detail: "docker info lists the nvidia runtime" }
        : {
            name: "NVIDIA runtime",
            ok: false,
            detail: "docker info lists no nvidia runtime, but ollama.gpus asks for GPUs",
            fix: "install the NVIDIA Container Toolkit, then: sudo nvidia-ctk runtime configure --runtime=docker && sudo systemctl restart docker",
          },
    );
  }

  const ss = run(["ss", "-ltnH"]);
  if (ss.code !== 0) {
    checks.push({ name: "Ports", ok: false, detail: "cannot list listening sockets", fix: "install iproute2 (ss)" });
  } else {
    const mine = ownPorts(run(["docker", "ps", "--filter", `label=${LABEL_KEYS.stack}=${config.stack}`, "--format", "{{.Ports}}"]).stdout);
    const wildcard = new Set(["0.0.0.0", "*", "::", ""]);
    // Exactly the addresses the stack will bind: the entry point's on bindAddress, the rest on loopback.
    const on = new Set(enabledServices(config));
    const wanted = Object.entries(planExposure(config, portsOnly(config)).bindings)
      .filter(([service]) => on.has(service as ServiceName))
      .flatMap(([, bindings]) => bindings);
    const clash = (addr: string, port: number) => wanted.some((w) => w.port === port && (addr === w.ip || wildcard.has(addr) || wildcard.has(w.ip)));
    const busy = listening(ss.stdout).filter(([addr, port]) => !mine.has(port) && clash(addr, port));
    const describe = [...new Set(wanted.map((w) => w.ip))].map((ip) => `${wanted.filter((w) => w.ip === ip).map((w) => w.port).join(", ")} on ${ip}`).join("; ");
    checks.push(
      busy.length === 0
        ? { name: "Ports", ok: true, detail: `${describe} are free` }
        : {
            name: "Ports",
            ok: false,
            detail: `in use: ${busy.map(([a, p]) => `${a || "*"}:${p}`).join(", ")}`,
            fix: `stop what listens there (sudo ss -ltnp 'sport = :${busy[0]![1]}') or choose another bindAddress`,
          },
    );
  }

  const need = config.ollama.models.reduce((sum, m) => sum + estimatedModelBytes(m), 0) + HEADROOM_BYTES;
  const df = run(["sh", "-c", `d=${config.dataRoot}; while [ ! -d "$d" ]; do d=$(dirname "$d"); done; df -P -B1 "$d"`]);
  const avail = Number(df.stdout.trim().split("\n")[1]?.split(/\s+/)[3]);
  checks.push(
    df.code === 0 && Number.isFinite(avail)
      ? avail >= need
        ? { name: "Disk", ok: true, detail: `${(avail / GB).toFixed(0)} GB free under ${config.dataRoot}, about ${(need / GB).toFixed(0)} GB needed` }
        : {
            name: "Disk",
            ok: false,
            detail: `${(avail / GB).toFixed(0)} GB free under ${config.dataRoot}, about ${(need / GB).toFixed(0)} GB needed for the models and data`,
            fix: "free space, or point dataRoot at a larger disk",
          }
      : { name: "Disk", ok: false, detail: `cannot read the free space under ${config.dataRoot}`, fix: "check that df works on the host" },
  );

  if (!config.backup.enabled) {
    checks.push({ name: "cron", ok: true, detail: "not needed: backup.enabled is false" });
  } else {
    const cron = run(["sh", "-c", "command -v cron || command -v crond"]);
    checks.push(
      cron.code === 0
        ? { name: "cron", ok: true, detail: `${cron.stdout.trim()} runs the backups` }
        : { name: "cron", ok: false, detail: "no cron daemon, so backups would never run", fix: "sudo apt-get install -y cron (Debian/Ubuntu) or sudo dnf install -y cronie" },
    );
  }

  checks.push(...hostProbeChecks(config, run));
  checks.push(...fleetChecks(config, peers, run));
  const limits = processLimitCheck(config, run);
  if (limits) checks.push(limits);

  const ntp = run(["timedatectl", "show", "-p", "NTPSynchronized", "--value"]);
  checks.push(
    ntp.code === 0 && ntp.stdout.trim() === "yes"
      ? { name: "Clock", ok: true, detail: "synchronised (NTP)" }
      : { name: "Clock", ok: false, detail: "not synchronised: metrics, logs and backup ages would drift", fix: "sudo timedatectl set-ntp true (systemd-timesyncd or chrony)" },
  );
  return checks;
}

/**
 * Once the stack runs: each of its containers has the process limit `pulumi up` sets with
 * `docker update --pids-limit` (the provider cannot set it). Nothing to check before the first up.
 */
function processLimitCheck(config: StackConfig, run: HostRunner): Check | undefined {
  const names = run(["docker", "ps", "--filter", `label=${LABEL_KEYS.stack}=${config.stack}`, "--format", "{{.Names}}"]).stdout.split("\n").filter(Boolean);
  if (!names.length) return undefined;
  const inspect = run(["docker", "inspect", "--format", "{{.Name}} {{.HostConfig.PidsLimit}}", ...names]);
  const unlimited = inspect.stdout
    .split("\n")
    .map((l) => l.trim().split(" "))
    .filter(([name, limit]) => name && !(Number(limit) > 0))
    .map(([name]) => name!.replace(/^\//, ""));
  if (inspect.code !== 0) return { name: "Process limits", ok: false, detail: "docker inspect failed on the stack's containers", fix: "make `docker inspect` work for this user, then run doctor again" };
  return unlimited.length
    ? { name: "Process limits", ok: false, detail: `no process limit on ${unlimited.join(", ")}`, fix: "run `pulumi up` again: it sets each limit with docker update --pids-limit" }
    : { name: "Process limits", ok: true, detail: `each of the ${names.length} running containers has one` };
}

const ASPECT_NAMES: Record<HostAspect, string> = {
  "root-propagation": "Root mount",
  "docker-root": "Docker root",
  "dev-disk": "/dev/disk",
  "dev-kmsg": "/dev/kmsg",
  "swap-limit": "Swap limit",
  "image-store": "Image store",
  "docker-socket": "Docker socket",
};

/**
 * What the exporters and the memory limits need from the host: the same probe and plan the program
 * uses, so doctor warns about exactly what `pulumi up` will do without.
 */
function hostProbeChecks(config: StackConfig, run: HostRunner): Check[] {
  const probe = run(["sh", "-c", HOST_PROBE_SCRIPT]);
  const facts = parseHostProbe(probe.stdout);
  const gaps = relevantGaps(planForHost(facts).gaps, config.exporters);
  const found: Record<HostAspect, string> = {
    "root-propagation": `/ is a ${facts.rootPropagation} mount: node-exporter sees later mounts`,
    "docker-root": `Docker keeps its data in ${facts.dockerRoot}: cAdvisor mounts it`,
    "dev-disk": "/dev/disk exists: cAdvisor mounts it",
    "dev-kmsg": "/dev/kmsg exists: cAdvisor counts out-of-memory kills",
    "swap-limit": "Docker can limit swap: each memory limit is a hard limit",
    "image-store": `Docker's own image store (${facts.storageDriver}): cAdvisor sees every container through the API`,
    "docker-socket": `the socket belongs to group ${facts.socketGroup}: the socket proxy joins it`,
  };
  const needed: Record<HostAspect, boolean> = {
    "root-propagation": config.exporters.nodeExporter,
    "docker-root": config.exporters.cadvisor,
    "dev-disk": config.exporters.cadvisor,
    "dev-kmsg": config.exporters.cadvisor,
    "swap-limit": true,
    "image-store": config.exporters.cadvisor,
    "docker-socket": true,
  };
  // The program keeps the swap limit when Docker does not answer (a healthy host's answer); doctor says it could not tell.
  if (facts.swapLimit === undefined) {
    gaps.push({ aspect: "swap-limit", exporter: "docker", problem: "docker info did not say whether Docker can limit swap", effect: "a memory limit may not bound swap", fix: "make `docker info` work for this user, then run doctor again" });
  }
  if (facts.storageDriver === undefined) {
    gaps.push({ aspect: "image-store", exporter: "cadvisor", problem: "docker info did not name Docker's storage driver", effect: "cAdvisor may see no containers (the containerd image store)", fix: "make `docker info` work for this user, then run doctor again" });
  }
  return HOST_ASPECTS.filter((a) => needed[a]).map((aspect) => {
    const gap = gaps.find((g) => g.aspect === aspect);
    return gap
      ? { name: ASPECT_NAMES[aspect], ok: false, warn: true, detail: `${gap.problem}; ${gap.effect} (the stack deploys without it)`, fix: gap.fix }
      : { name: ASPECT_NAMES[aspect], ok: true, detail: found[aspect] };
  });
}

export function formatChecks(checks: readonly Check[]): string {
  return checks.map((c) => `${c.ok ? "PASS" : c.warn ? "WARN" : "FAIL"}  ${c.name.padEnd(15)} ${c.detail}${c.fix ? `\n      fix: ${c.fix}` : ""}`).join("\n");
}

/** Runs commands on this machine, or over SSH with the same pinned host key the deploy uses. */
export function hostRunner(config: StackConfig): HostRunner {
  const prefix: string[] = [];
  if (config.host.kind === "ssh") {
    const ssh = config.host.ssh;
    const found = ssh.hostKey ? { key: ssh.hostKey, revoked: [] } : ssh.knownHostsPath ? lookupHostKey(readFileSync(ssh.knownHostsPath, "utf8"), ssh.host, ssh.port) : undefined;
    const hostKey = found?.key;
    if (!hostKey && found?.revoked.length) throw new ToolError(`the key ${ssh.knownHostsPath} lists for ${ssh.host} is revoked there (@revoked): check the host's new key out of band, then replace its line`);
    if (!hostKey) throw new ToolError(`no pinned host key for ${ssh.host}: set host.ssh.hostKey or host.ssh.knownHostsPath`);
    prefix.push(...sshArgv({ ...ssh, pinnedHostKey: hostKey }));
  }
  return (argv) => {
    // Over SSH the remote shell joins the words again, so each is quoted.
    const cmd = prefix.length ? [...prefix, argv.map(shellQuote).join(" ")] : [...argv];
    const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: "utf8", timeout: 30_000 });
    return { code: r.error ? 127 : (r.status ?? 1), stdout: r.stdout ?? "" };
  };
}

const usage = `Usage: npm run doctor -- --stack NAME [--project DIR]

Checks the host of stack NAME (from Pulumi.NAME.yaml) before \`pulumi up\`. Exit code 1 if a check
fails; a WARN is something the stack deploys without (one metric source, or the swap limit).`;

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { stack: { type: "string" }, project: { type: "string", default: "." }, help: { type: "boolean", short: "h" } } });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (!values.stack) throw new ToolError(`--stack is required\n\n${usage}`);
  let config: StackConfig;
  try {
    config = validateStackConfig(readStackConfig(resolve(values.project), values.stack));
  } catch (e) {
    if (e instanceof ConfigError) throw new ToolError(e.message);
    throw new ToolError(`cannot read Pulumi.${values.stack}.yaml: ${(e as Error).message}`);
  }
  const checks = runChecks(config, hostRunner(config), fleetPeers(config, resolve(values.project)));
  console.log(formatChecks(checks));
  return checks.every((c) => c.ok || c.warn) ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) runTool("doctor", () => main(process.argv.slice(2)));
