// doctor's checks against recorded command outputs of a healthy and of a broken host.
import { describe, expect, it } from "vitest";
import { readStackConfig } from "../../../config/stackYaml.js";
import { validateStackConfig } from "../../../config/validate.js";
import { HOST_PROBE_SCRIPT } from "../../../host/probe.js";
import { estimatedModelBytes, fleetChecks, fleetPeers, formatChecks, HEADROOM_BYTES, runChecks, type CommandResult, type HostRunner } from "../../../tools/doctor.js";
import { worker3Raw, workerOutputs } from "../../support/fleet.js";

const PROBE = `sh -c ${HOST_PROBE_SCRIPT}`;
const prod = validateStackConfig(readStackConfig(".", "prod"));
const dev = validateStackConfig(readStackConfig(".", "dev"));

// Recorded on hosts like the ones the stacks target (outputs trimmed to the lines that matter).
const HEALTHY: Record<string, CommandResult> = {
  "docker version --format {{.Server.Version}}": { code: 0, stdout: "28.2.2\n" },
  "docker info --format {{json .Runtimes}}": { code: 0, stdout: '{"io.containerd.runc.v2":{"path":"runc"},"nvidia":{"path":"nvidia-container-runtime"},"runc":{"path":"runc"}}\n' },
  "ss -ltnH": { code: 0, stdout: "LISTEN 0      4096   127.0.0.53%lo:53        0.0.0.0:*\nLISTEN 0      128          0.0.0.0:22        0.0.0.0:*\nLISTEN 0      128             [::]:22           [::]:*\n" },
  "docker ps --filter label=ai-gateway.stack=prod --format {{.Ports}}": { code: 0, stdout: "" },
  "sh -c d=/srv/ai-gateway; while [ ! -d \"$d\" ]; do d=$(dirname \"$d\"); done; df -P -B1 \"$d\"": {
    code: 0,
    stdout: "Filesystem         1-blocks         Used    Available Capacity Mounted on\n/dev/nvme0n1p2 1967317618688 412317618688 1455000000000      23% /\n",
  },
  "sh -c command -v cron || command -v crond": { code: 0, stdout: "/usr/sbin/cron\n" },
  "timedatectl show -p NTPSynchronized --value": { code: 0, stdout: "yes\n" },
  [PROBE]: { code: 0, stdout: "dockerRoot=/var/lib/docker\nswapLimit=true\nstorageDriver=overlay2\nsocketGroup=999\nexists=/dev/disk\nexists=/dev/kmsg\nrootPropagation=shared\n" },
};
// A cloud VM whose / is a private mount, without udev's /dev/disk, Docker's data on a second disk,
// and a kernel without swap accounting.
const VM_PROBE = { code: 0, stdout: "dockerRoot=/mnt/docker\nswapLimit=false\nstorageDriver=overlay2\nsocketGroup=998\nexists=/dev/kmsg\nrootPropagation=private\n" };

function recorded(overrides: Record<string, CommandResult> = {}): { run: HostRunner; calls: string[] } {
  const calls: string[] = [];
  const table = { ...HEALTHY, ...overrides };
  return {
    calls,
    run: (argv) => {
      const key = argv.join(" ").replace("label=ai-gateway.stack=dev", "label=ai-gateway.stack=prod").replace("d=/data/stack;", "d=/srv/ai-gateway;");
      calls.push(argv.join(" "));
      return table[key] ?? { code: 127, stdout: "" };
    },
  };
}

describe("doctor", () => {
  it("passes a healthy GPU host, saying what it found", () => {
    const { run } = recorded();
    const checks = runChecks(prod, run);
    expect(checks.map((c) => [c.name, c.ok])).toEqual([
      ["Docker", true],
      ["NVIDIA runtime", true],
      ["Ports", true],
      ["Disk", true],
      ["cron", true],
      ["Root mount", true],
      ["Docker root", true],
      ["/dev/disk", true],
      ["/dev/kmsg", true],
      ["Swap limit", true],
      ["Image store", true],
      ["Docker socket", true],
      ["Clock", true],
    ]);
    expect(formatChecks(checks)).toMatch(/^PASS  Docker socket\s+the socket belongs to group 999: the socket proxy joins it$/m);
    expect(formatChecks(checks)).toMatch(/^PASS  Docker root\s+Docker keeps its data in \/var\/lib\/docker: cAdvisor mounts it$/m);
    expect(formatChecks(checks)).toMatch(/^PASS  Docker\s+Docker 28.2.2 answers$/m);
    expect(checks.find((c) => c.name === "Disk")!.detail).toBe("1455 GB free under /srv/ai-gateway, about 54 GB needed");
    // The addresses the stack will bind: the entry point on the LAN address, the rest on loopback.
    expect(checks.find((c) => c.name === "Ports")!.detail).toBe("11434, 4080, 9090, 3100, 3000, 6333, 9093 on 127.0.0.1; 4000, 3100, 3000, 6333 on 10.20.0.11 are free");
  });

  it("fails each broken check with its fix", () => {
    const { run } = recorded({
      "docker version --format {{.Server.Version}}": { code: 1, stdout: "" },
      "docker info --format {{json .Runtimes}}": { code: 0, stdout: '{"runc":{"path":"runc"}}' },
      "ss -ltnH": { code: 0, stdout: "LISTEN 0      4096         0.0.0.0:3000      0.0.0.0:*\nLISTEN 0      4096  10.20.0.11:4000      0.0.0.0:*\nLISTEN 0      4096  127.0.0.1:9090      0.0.0.0:*\n" },
      'sh -c d=/srv/ai-gateway; while [ ! -d "$d" ]; do d=$(dirname "$d"); done; df -P -B1 "$d"': { code: 0, stdout: "Filesystem 1-blocks Used Available Capacity Mounted on\n/dev/sda1 100 50 20000000000 50% /\n" },
      "sh -c command -v cron || command -v crond": { code: 1, stdout: "" },
      "timedatectl show -p NTPSynchronized --value": { code: 0, stdout: "no\n" },
      [PROBE]: { code: 1, stdout: "" },
    });
    const checks = runChecks(prod, run);
    expect(checks.every((c) => !c.ok)).toBe(true);
    const byName = Object.fromEntries(checks.map((c) => [c.name, c]));
    expect(byName["NVIDIA runtime"]!.fix).toContain("nvidia-ctk runtime configure --runtime=docker");
    // Each collides with an address the stack binds: the entry point on 10.20.0.11 (4000) and on
    // every address (3000 against the wildcard), Prometheus on loopback (9090).
    expect(byName["Ports"]!.detail).toBe("in use: 0.0.0.0:3000, 10.20.0.11:4000, 127.0.0.1:9090");
    expect(byName["Disk"]!.detail).toBe("20 GB free under /srv/ai-gateway, about 54 GB needed for the models and data");
    expect(byName["cron"]!.fix).toContain("apt-get install -y cron");
    expect(byName["Clock"]!.fix).toContain("timedatectl set-ntp true");
    expect(formatChecks(checks)).toMatch(/^FAIL  Docker\s+the Docker daemon does not answer\n\s+fix: start it/m);
  });

  it("warns, with the fix, about a host without a shared / or /dev/disk, and still passes: the stack deploys without them", () => {
    const { run } = recorded({ [PROBE]: VM_PROBE });
    const checks = runChecks(prod, run);
    const byName = Object.fromEntries(checks.map((c) => [c.name, c]));
    expect(checks.filter((c) => !c.ok).map((c) => [c.name, c.warn])).toEqual([
      ["Root mount", true],
      ["/dev/disk", true],
      ["Swap limit", true],
    ]);
    expect(byName["Root mount"]!.fix).toBe("sudo mount --make-rshared / (systemd hosts do this at boot; on others add it to the boot scripts)");
    expect(byName["/dev/disk"]!.detail).toMatch(/^\/dev\/disk does not exist on the host; .*\(the stack deploys without it\)$/);
    expect(byName["Docker root"]!.detail).toBe("Docker keeps its data in /mnt/docker: cAdvisor mounts it");
    expect(formatChecks(checks)).toMatch(/^WARN  Root mount\s+\/ is a private mount on the host; .*\n\s+fix: sudo mount --make-rshared \//m);
  });

  it("once the stack runs, checks that each of its containers has a process limit", () => {
    const ps = "docker ps --filter label=ai-gateway.stack=prod --format {{.Names}}";
    const inspect = "docker inspect --format {{.Name}} {{.HostConfig.PidsLimit}} ai-gateway-prod-ollama ai-gateway-prod-grafana";
    const names = { code: 0, stdout: "ai-gateway-prod-ollama\nai-gateway-prod-grafana\n" };
    const limited = runChecks(prod, recorded({ [ps]: names, [inspect]: { code: 0, stdout: "/ai-gateway-prod-ollama 2048\n/ai-gateway-prod-grafana 512\n" } }).run);
    expect(limited.find((c) => c.name === "Process limits")).toMatchObject({ ok: true, detail: "each of the 2 running containers has one" });
    const missing = runChecks(prod, recorded({ [ps]: names, [inspect]: { code: 0, stdout: "/ai-gateway-prod-ollama 2048\n/ai-gateway-prod-grafana <no value>\n" } }).run);
    expect(missing.find((c) => c.name === "Process limits")).toMatchObject({ ok: false, detail: "no process limit on ai-gateway-prod-grafana" });
    expect(missing.find((c) => c.name === "Process limits")!.fix).toContain("pulumi up");
    // Before the first up there is nothing to check.
    expect(runChecks(prod, recorded().run).map((c) => c.name)).not.toContain("Process limits");
  });

  it("leaves out the exporters' checks when the stack runs no exporter", () => {
    const noExporters = { ...prod, exporters: { nodeExporter: false, cadvisor: false, dcgm: prod.exporters.dcgm } };
    const { run } = recorded({ [PROBE]: VM_PROBE });
    expect(runChecks(noExporters, run).filter((c) => !c.ok).map((c) => c.name)).toEqual(["Swap limit"]);
  });

  it("does not count the stack's own published ports, and skips what a CPU-only stack does not need", () => {
    const { run, calls } = recorded({
      "ss -ltnH": { code: 0, stdout: "LISTEN 0      4096  127.0.0.1:4000      0.0.0.0:*\n" },
      "docker ps --filter label=ai-gateway.stack=prod --format {{.Ports}}": { code: 0, stdout: "127.0.0.1:4000->4000/tcp\n" },
    });
    const checks = runChecks(dev, run);
    expect(checks.find((c) => c.name === "Ports")!.ok).toBe(true);
    expect(checks.find((c) => c.name === "NVIDIA runtime")!.detail).toBe("not needed: ollama.gpus is none");
    expect(calls).not.toContain("docker info --format {{json .Runtimes}}");
  });

  it("estimates model sizes from their tags", () => {
    expect(estimatedModelBytes("qwen2.5-coder:32b")).toBe(19.2e9);
    expect(estimatedModelBytes("llama3.2:1b")).toBe(0.6e9);
    expect(estimatedModelBytes("nomic-embed-text")).toBe(8e9);
    expect(HEADROOM_BYTES).toBe(30e9);
  });
});

describe("doctor on a fleet", () => {
  const worker = validateStackConfig(readStackConfig(".", "gpu-02"));
  const RELAY = "curl -sS -m 5 -o - -w \n%{http_code} http://127.0.0.1:4080/gpu-02/ollama/api/version";
  const tcp = (address: string, port: number) => `timeout 5 bash -c exec 3<>/dev/tcp/${address}/${port}`;
  const CADDY_RUNNING = "docker ps --filter label=ai-gateway.stack=prod --filter label=ai-gateway.service=caddy --format {{.Names}}";
  const open = Object.fromEntries([11434, 9100, 8080, 9400].map((p) => [tcp("10.20.0.12", p), { code: 0, stdout: "" }]));

  it("finds each worker from its stack file beside the gateway's, and a worker's gateway the same way", () => {
    expect(fleetPeers(prod, ".", () => undefined)).toEqual([{ host: "gpu-02", address: "10.20.0.12", ports: [11434, 9100, 8080, 9400], relayPath: "/gpu-02/ollama" }]);
    expect(fleetPeers(worker, ".", () => undefined)).toEqual([{ host: "prod", address: "10.20.0.11", ports: [3100] }]);
  });

  it("reads a worker of another project from its stack outputs, and says so when it cannot", () => {
    const elsewhere = { ...prod, workers: ["acme/ai-gateway/gpu-03"] };
    const outputs = workerOutputs(worker3Raw).outputs;
    expect(fleetPeers(elsewhere, "/nonexistent", (ref) => (ref === "acme/ai-gateway/gpu-03" ? outputs : undefined))).toEqual([
      { host: "gpu-03", address: "10.20.0.13", ports: [11434, 9100, 8080, 9400], relayPath: "/gpu-03/ollama" },
    ]);
    const [unknown] = fleetPeers(elsewhere, "/nonexistent", () => undefined);
    expect(unknown).toMatchObject({ host: "gpu-03", ports: [] });
    const [check] = fleetChecks(prod, [unknown!], recorded().run);
    expect(check).toMatchObject({ name: "Worker gpu-03", ok: false });
    expect(check!.detail).toContain("it has published nothing yet");
    const [notAWorker] = fleetPeers(elsewhere, "/nonexistent", () => ({ role: "gateway" }));
    expect(notAWorker!.unknown).toContain("has no fleetWorker output: it is not a gpu-worker stack");
  });

  it("passes a worker whose Ollama answers through the relay, with its version", () => {
    const { run } = recorded({ [RELAY]: { code: 0, stdout: '{"version":"0.32.15"}\n200' } });
    const checks = runChecks(prod, run, fleetPeers(prod, ".", () => undefined));
    expect(checks.find((c) => c.name === "Worker gpu-02")).toEqual({ name: "Worker gpu-02", ok: true, detail: "Ollama 0.32.15 answers through the relay, from 10.20.0.12 over TLS with its credential" });
  });

  it("says why the relay gets no answer: not deployed with it yet (a warning), turned away, or the worker's Ollama down", () => {
    const answer = (status: number) => fleetChecks(prod, fleetPeers(prod, ".", () => undefined), recorded({ ...open, [RELAY]: { code: 0, stdout: `\n${status}` } }).run)[0]!;
    expect(answer(404)).toMatchObject({ ok: false, warn: true, detail: "the relay has no route to gpu-02 yet", fix: "run pulumi up on prod: it adds gpu-02 once gpu-02 has been deployed" });
    expect(answer(403)).toMatchObject({ ok: false, detail: expect.stringContaining("gpu-02 turns the relay away (403)") });
    expect(answer(403).warn).toBeUndefined();
    expect(answer(403).fix).toBe("bindAddress (10.20.0.11) must be the address this host's connections to 10.20.0.12 leave from; check `ip route get 10.20.0.12`");
    expect(answer(401).detail).toBe("gpu-02 refuses the relay's credential (401)");
    expect(answer(503).detail).toContain("marked gpu-02's Ollama down");
  });

  it("before the first up with the worker: its entry point's ports reachable is enough", () => {
    const { run } = recorded(open);
    const [check] = fleetChecks(prod, fleetPeers(prod, ".", () => undefined), run);
    expect(check).toMatchObject({ ok: true, detail: "its entry point (10.20.0.12: 11434, 9100, 8080, 9400): reachable from this host" });
  });

  it("fails a worker this host cannot reach, naming the ports and the firewall rule to check", () => {
    const { run } = recorded({ ...open, [tcp("10.20.0.12", 9400)]: { code: 1, stdout: "" } });
    const [check] = fleetChecks(prod, fleetPeers(prod, ".", () => undefined), run);
    expect(check).toMatchObject({ ok: false, detail: "this host cannot reach 10.20.0.12 on 9400: its entry point (10.20.0.12: 11434, 9100, 8080, 9400)" });
    expect(check!.fix).toBe("check that gpu-02 is up (pulumi up --stack gpu-02) and that its firewall lets 10.20.0.11 in on 9400");
  });

  it("fails a reachable worker whose Ollama does not answer the running relay", () => {
    const { run } = recorded({ ...open, [CADDY_RUNNING]: { code: 0, stdout: "ai-gateway-prod-caddy\n" } });
    const [check] = fleetChecks(prod, fleetPeers(prod, ".", () => undefined), run);
    expect(check).toMatchObject({ ok: false, detail: "10.20.0.12 is reachable, but its Ollama does not answer through the relay" });
  });

  it("on a worker: checks the gateway's Loki site, where its logs go, and only warns when it is closed (the worker deploys without it)", () => {
    const { run } = recorded({ [tcp("10.20.0.11", 3100)]: { code: 0, stdout: "" } });
    expect(fleetChecks(worker, fleetPeers(worker, ".", () => undefined), run)).toEqual([
      { name: "Gateway", ok: true, detail: "its Loki site (10.20.0.11:3100), where this worker's logs go: reachable from this host" },
    ]);
    const [closed] = fleetChecks(worker, fleetPeers(worker, ".", () => undefined), recorded().run);
    expect(closed).toMatchObject({ ok: false, warn: true, detail: "this host cannot reach 10.20.0.11 on 3100: its Loki site (10.20.0.11:3100), where this worker's logs go" });
  });
});
