// Least privilege, checked on every container of the dev stack, the prod stack (remote, GPUs,
// entry point on a LAN address) and a dev variant with Alloy and a given TLS key: no capability but
// those the service's facts give back with a reason, its own user, a read-only root where the facts
// say so, a CPU limit, a process limit, and no Docker socket outside the socket proxy.
import { describe, expect, it } from "vitest";
import { readStackConfig } from "../../config/stackYaml.js";
import { dockerCpus } from "../../components/hardenedContainer.js";
import { CADVISOR_MASKED_PATHS } from "../../host/probe.js";
import { FACTS } from "../../services/catalog.js";
import { DOCKER_API_ALLOWLIST, DOCKER_SOCKET, dockerProxyCommand } from "../../services/dockerProxy.js";
import type { ServiceName } from "../../services/names.js";
import { prodStacks, workerRaw, workerStacks } from "../support/fleet.js";
import { evaluateOnce, serviceOf, type ProgramConfig, type ProgramRun, type Registered } from "../support/program.js";

const CONTAINER = "docker:index/container:Container";
const dev = readStackConfig(".", "dev");
const prod = readStackConfig(".", "prod");
const CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
const STACKS: Record<string, ProgramConfig> = {
  dev: { values: { ...dev.values }, secretKeys: dev.secretKeys },
  prod: { stack: "prod", values: { ...prod.values, openaiApiKey: "sk-prod-openai-key-123456" }, secretKeys: ["openaiApiKey"], stacks: prodStacks() },
  "the gpu-02 worker": { stack: "gpu-02", values: { ...workerRaw.values }, stacks: workerStacks() },
  "dev with Alloy, a given certificate, the cache and Slack alerts": {
    values: {
      ...dev.values,
      logShipper: "alloy",
      tls: JSON.stringify({ mode: "files", certificate: CERT }),
      tlsPrivateKey: "a-key",
      cache: JSON.stringify({ enabled: true }),
      alerting: JSON.stringify({ slack: { channel: "#alerts" } }),
      alertSlackWebhookUrl: "https://hooks.slack.com/services/x",
    },
    secretKeys: ["tlsPrivateKey", "alertSlackWebhookUrl"],
  },
  // A 2-core host: every CPU limit above 2 becomes 2 (Docker refuses more than it counts).
  "dev on a 2-core host": {
    values: { ...dev.values },
    secretKeys: dev.secretKeys,
    hostProbe: "dockerRoot=/var/lib/docker\nswapLimit=true\ncores=2\nstorageDriver=overlay2\nsocketGroup=998\nrootPropagation=shared\n",
  },
};
const CORES: Record<string, number> = { "dev on a 2-core host": 2 };

const facts = (c: Registered) => FACTS[serviceOf(c) as ServiceName];
type Mount = { type: string; source?: string; target: string };

describe.each(Object.entries(STACKS))("least privilege on %s", (name, cfg) => {
  const run: () => ProgramRun = evaluateOnce(cfg);
  const containers = () => run().byType(CONTAINER);

  it("drops every capability and adds back only those the service's facts give, each with a reason", () => {
    expect(containers().length).toBeGreaterThan(name.includes("worker") ? 6 : 8);
    for (const c of containers()) {
      const capAdds = facts(c).confinement.capAdds;
      expect(c.inputs.capabilities, c.name).toEqual({ drops: ["ALL"], ...(capAdds.length ? { adds: capAdds.map((a) => a.cap) } : {}) });
      for (const a of capAdds) expect(a.why.length, `${c.name} ${a.cap}`).toBeGreaterThan(40);
      expect(c.inputs.privileged, c.name).toBeUndefined();
      expect(c.inputs.securityOpts, c.name).toContain("no-new-privileges:true");
    }
  });

  it("runs each service as its own user; root only where the facts say why", () => {
    for (const c of containers()) {
      const f = facts(c);
      expect(c.inputs.user, c.name).toBe(`${f.uid}:${f.gid}`);
      expect(f.confinement.rootWhy !== undefined, `${c.name}: a reason exactly when it runs as root`).toBe(f.uid === 0);
    }
    const nonRoot = containers().filter((c) => facts(c).uid !== 0).map(serviceOf);
    expect(nonRoot).toEqual(expect.arrayContaining(name.includes("worker") ? ["node-exporter", "docker-proxy"] : ["prometheus", "loki", "grafana", "qdrant", "docker-proxy"]));
    expect(nonRoot).toContain(name.includes("Alloy") ? "alloy" : "promtail");
  });

  it("mounts the root filesystem read-only with a tmpfs for each path the facts list, and its config read-only", () => {
    for (const c of containers()) {
      const rootFs = facts(c).confinement.rootFs;
      expect(c.inputs.readOnly, c.name).toBe(rootFs.readOnly);
      if (!rootFs.readOnly) continue;
      expect(Object.keys(c.inputs.tmpfs ?? {}).sort(), c.name).toEqual([...rootFs.tmpfs].sort());
      for (const opts of Object.values(c.inputs.tmpfs ?? {})) expect(opts).toMatch(/nosuid.*nodev.*size=\d+m/);
      // Nothing is copied into the container: Docker refuses that on a read-only root.
      expect(c.inputs.uploads, c.name).toBeUndefined();
      // Config comes from the host, read-only: one mount per config folder, every file inside one.
      const folders = [...(facts(c).configFolders ?? [])];
      const hasConfig = run().resources.some((r) => r.name === `${c.name}-config`);
      const configMounts = ((c.inputs.mounts as (Mount & { readOnly?: boolean })[] | undefined) ?? []).filter((m) => folders.includes(m.target));
      expect(configMounts.map((m) => m.target).sort(), c.name).toEqual(hasConfig ? folders.sort() : []);
      for (const m of configMounts) {
        expect(m, c.name).toMatchObject({ type: "bind", readOnly: true });
        expect(m.source, c.name).toMatch(new RegExp(`^/[^ ]+/config/${c.name}-[0-9a-f]{12}${m.target}$`));
      }
      if (hasConfig) for (const f of run().configFiles(c)) expect(folders.some((d) => f.file.startsWith(`${d}/`)), `${c.name}: ${f.file} is outside its config folders`).toBe(true);
    }
    // Every image here allows it.
    expect(containers().filter((c) => !c.inputs.readOnly).map(serviceOf)).toEqual([]);
  });

  it("limits every container's CPU, at most to the host's cores", () => {
    const cores = CORES[name] ?? 8;
    for (const c of containers()) {
      const cpus = Number(c.inputs.cpus);
      expect(cpus, c.name).toBeGreaterThan(0);
      expect(cpus, c.name).toBeLessThanOrEqual(cores);
      expect(c.inputs.cpus, c.name).toMatch(/^\d+\.\d?$/);
    }
  });

  it("sets a process limit on every container once it exists, and again when it is replaced", () => {
    const commands = run().resources.filter((r) => r.type.startsWith("command:") && r.name.endsWith("-pids-limit"));
    for (const c of containers()) {
      const limit = commands.find((r) => r.name === `${c.name}-pids-limit`);
      expect(limit, `${c.name} has no process limit`).toBeDefined();
      expect(limit!.inputs.create).toBe(`docker update --pids-limit ${facts(c).confinement.pidsLimit} ${c.inputs.name} >/dev/null`);
      expect(limit!.options.dependencies.some((d) => d.endsWith(`::${c.name}`)), c.name).toBe(true);
      // A replaced container has a new id, which runs the command again.
      expect(limit!.inputs.triggers, c.name).toHaveLength(1);
    }
    expect(commands).toHaveLength(containers().length);
  });

  it("gives the Docker socket to the socket proxy alone; cAdvisor sees the host's root with its runtime sockets covered", () => {
    for (const c of containers()) {
      const mounts = (c.inputs.mounts as Mount[] | undefined) ?? [];
      const binds = mounts.filter((m) => m.type === "bind").map((m) => m.source!);
      if (serviceOf(c) === "docker-proxy") {
        expect(binds).toEqual([DOCKER_SOCKET]);
        continue;
      }
      for (const source of binds) {
        expect([DOCKER_SOCKET, "/var/run", "/run", "/run/docker.sock", "/var/run/docker", "/run/containerd"], `${c.name} mounts ${source}`).not.toContain(source);
      }
      expect((c.inputs.volumes ?? []) as unknown[], c.name).toEqual([]);
      // The host's whole root, where the socket is a file like any other: only as a user outside
      // the socket's group, or with tmpfs over the folders the sockets live in.
      const root = mounts.find((m) => m.type === "bind" && m.source === "/");
      if (root) {
        const masked = mounts.filter((m) => m.type === "tmpfs").map((m) => m.target);
        const coversSockets = [`${root.target}/run`, `${root.target}/var/run`].every((t) => masked.includes(t));
        expect(coversSockets || (facts(c).uid !== 0 && c.inputs.groupAdds === undefined), `${c.name} can reach the socket under ${root.target}`).toBe(true);
      }
    }
    const cadvisor = containers().find((c) => serviceOf(c) === "cadvisor");
    if (cadvisor) expect((cadvisor.inputs.mounts as Mount[]).filter((m) => m.type === "tmpfs").map((m) => m.target)).toEqual([...CADVISOR_MASKED_PATHS]);
    const proxy = containers().find((c) => serviceOf(c) === "docker-proxy")!;
    expect(proxy.inputs.groupAdds).toEqual([name.includes("2-core") ? "998" : "999"]);
  });

  it("lets only the stack's Docker API clients call the proxy", () => {
    const proxy = containers().find((c) => serviceOf(c) === "docker-proxy")!;
    const shipper = name.includes("Alloy") ? "alloy" : "promtail";
    const clients = containers().some((c) => serviceOf(c) === "cadvisor") ? [shipper, "cadvisor"] : [shipper];
    expect(proxy.inputs.command).toEqual(dockerProxyCommand(clients));
  });
});

describe("the socket proxy's allowlist", () => {
  // As the proxy compiles it: the text between ^ and $, matched against the path alone.
  const allowed = (method: "GET" | "HEAD", path: string) => new RegExp(`^${DOCKER_API_ALLOWLIST[method]}$`).test(path);

  it("answers the calls the log shippers and cAdvisor make", () => {
    const id = "4f66ad9a0b2b2b4c35b0a6e0c3f9d4f8a1d6e5b7c8a9b0c1d2e3f4a5b6c7d8e9";
    expect(allowed("HEAD", "/_ping")).toBe(true);
    for (const path of ["/_ping", "/v1.41/info", "/v1.47/version", "/v1.41/containers/json", "/v1.41/networks", `/v1.41/containers/${id}/json`, `/v1.41/containers/${id}/logs`]) {
      expect(allowed("GET", path), path).toBe(true);
    }
  });

  it("refuses every call that starts, changes or reads into containers, and anything else", () => {
    for (const path of [
      "/v1.41/containers/create",
      "/v1.41/containers/abc/exec",
      "/v1.41/containers/abc/archive",
      "/v1.41/containers/abc/export",
      "/v1.41/containers/abc/attach",
      "/v1.41/containers/abc/top",
      "/v1.41/exec/abc/start",
      "/v1.41/images/json",
      "/v1.41/images/create",
      "/v1.41/volumes",
      "/v1.41/secrets",
      "/v1.41/events",
      "/v1.41/containers/json/../../images/json",
      "/_pingx",
      "/x/_ping",
      "/x/v1.41/info",
      "/v1.41/infox",
    ]) {
      expect(allowed("GET", path), path).toBe(false);
    }
    expect(allowed("HEAD", "/v1.41/containers/json")).toBe(false);
    // No other method has an allowlist: the proxy answers 405 to each.
    expect(Object.keys(DOCKER_API_ALLOWLIST).sort()).toEqual(["GET", "HEAD"]);
  });
});

describe("CPU limits as the docker provider reads them back", () => {
  it("spells each limit as the provider does, so the next preview shows no change", () => {
    // Seen on a real engine: 2 cores read back as "2.0", 0.5 as "0.5", 0.2 as "0.2". The rest follow the
    // provider's formatting: nine decimals, one kept where they hold exactly nine zeros, else trimmed.
    expect([2, 0.5, 0.2, 1.5, 16, 10, 20, 10.5, 100].map(dockerCpus)).toEqual(["2.0", "0.5", "0.2", "1.5", "16.0", "10.", "20.", "10.5", "100."]);
    for (const n of [0.1, 0.7, 3, 4.2, 10, 64, 99.9]) expect(Number(dockerCpus(n)), String(n)).toBe(n);
  });
});
