// What a real Docker engine fills in or lacks, which mocks cannot see: every value Docker would
// default is set by the program (no perpetual diff), and the exporters adapt to the host.
import { describe, expect, it } from "vitest";
import { readStackConfig } from "../../config/stackYaml.js";
import { evaluateOnce, type ProgramConfig } from "../support/program.js";
import { prodStacks } from "../support/fleet.js";

const CONTAINER = "docker:index/container:Container";
const dev = readStackConfig(".", "dev");
const devConfig: ProgramConfig = { values: { ...dev.values }, secretKeys: dev.secretKeys };
const BARE_HOST = "dockerRoot=/srv/docker\nsocketGroup=0\nrootPropagation=private\n";

describe("values Docker would fill in", () => {
  const run = evaluateOnce(devConfig);

  it("every container sets memorySwap equal to its memory limit (Docker would store twice the limit)", () => {
    const containers = run().byType(CONTAINER);
    expect(containers.length).toBeGreaterThan(5);
    for (const c of containers) {
      expect(c.inputs.memorySwap, `${c.name} memorySwap`).toBeDefined();
      expect(c.inputs.memorySwap, c.name).toBe(c.inputs.memory);
    }
  });

  it("a container in the host's PID namespace carries the label=disable Docker adds to it, and no other does", () => {
    for (const c of run().byType(CONTAINER)) {
      expect(c.inputs.securityOpts.includes("label=disable"), c.name).toBe(c.inputs.pidMode === "host");
    }
    expect(run().byType(CONTAINER).filter((c) => c.inputs.pidMode === "host").map((c) => c.name)).toEqual(["node-exporter"]);
  });
});

describe("exporters on the host they find", () => {
  const equipped = evaluateOnce(devConfig);
  const bare = evaluateOnce({ ...devConfig, hostProbe: BARE_HOST });

  it("probe the host with an invoke on every run, locally on a local stack", () => {
    const probes = equipped().invokes.filter((i) => i.token === "command:local:run");
    expect(probes).toHaveLength(1);
    expect(probes[0]!.inputs.interpreter).toEqual(["/bin/sh", "-c"]);
    expect(probes[0]!.inputs.stdin).toContain("DockerRootDir");
  });

  it("on an equipped host mount rslave, Docker's root, /dev/disk and /dev/kmsg, and report no gap", async () => {
    const node = equipped().one(CONTAINER, "node-exporter").inputs;
    expect(node.mounts).toEqual([{ type: "bind", source: "/", target: "/host", readOnly: true, bindOptions: { propagation: "rslave" } }]);
    const cadvisor = equipped().one(CONTAINER, "cadvisor").inputs;
    const binds = (mounts: { type: string; source: string }[]) => mounts.filter((m) => m.type === "bind").map((m) => m.source);
    expect(binds(cadvisor.mounts)).toEqual(["/", "/sys", "/var/lib/docker", "/dev/disk"]);
    // The host's runtime sockets under /rootfs are covered by empty tmpfs.
    expect(cadvisor.mounts.filter((m: { type: string }) => m.type === "tmpfs").map((m: { target: string }) => m.target)).toEqual(["/rootfs/run", "/rootfs/var/run"]);
    expect(cadvisor.devices).toEqual([{ hostPath: "/dev/kmsg", containerPath: "/dev/kmsg" }]);
    expect(equipped().outputs["hostGaps"]).toEqual([]);
  });

  it("on a bare host still deploy both exporters, mount only what exists, and list each gap in the outputs", async () => {
    const node = bare().one(CONTAINER, "node-exporter").inputs;
    expect(node.mounts).toEqual([{ type: "bind", source: "/", target: "/host", readOnly: true }]);
    const cadvisor = bare().one(CONTAINER, "cadvisor").inputs;
    expect(cadvisor.mounts.filter((m: { type: string }) => m.type === "bind").map((m: { source: string }) => m.source)).toEqual(["/", "/sys", "/srv/docker"]);
    expect(cadvisor.devices).toBeUndefined();
    const gaps = bare().outputs["hostGaps"] as string[];
    expect(gaps).toHaveLength(3);
    expect(gaps[0]).toMatch(/^node-exporter: \/ is a private mount on the host; .* Fix: sudo mount --make-rshared \//);
    expect(gaps.slice(1).join("\n")).toMatch(/\/dev\/disk does not exist/);
  });
});

describe("the host probe on a remote host", () => {
  const prod = readStackConfig(".", "prod");
  const run = evaluateOnce({ stack: "prod", values: { ...prod.values, openaiApiKey: "sk-prod-openai-key-123456" }, secretKeys: ["openaiApiKey"], stacks: prodStacks(), hostProbe: "dockerRoot=/var/lib/docker\nswapLimit=false\nsocketGroup=999\nexists=/dev/disk\nexists=/dev/kmsg\nrootPropagation=shared\n" });

  it("runs over ssh trusting only the pinned host key, like the docker provider", () => {
    const probe = run().invokes.find((i) => i.token === "command:local:run")!;
    const argv = probe.inputs.interpreter as string[];
    expect(argv[0]).toBe("ssh");
    expect(argv.at(-1)).toBe("deploy@gpu-01.lan");
    expect(argv).toEqual(expect.arrayContaining(["StrictHostKeyChecking=yes", "UserKnownHostsFile=/dev/null"]));
    expect(argv.some((a) => a.startsWith("KnownHostsCommand=/bin/echo 'gpu-01.lan' ssh-"))).toBe(true);
    expect(probe.inputs.command).toBe("sh -s");
  });

  it("where Docker cannot limit swap, asks for the -1 Docker would store, and says so", () => {
    for (const c of run().byType(CONTAINER)) expect(c.inputs.memorySwap, c.name).toBe(-1);
    expect((run().outputs["hostGaps"] as string[]).join("\n")).toMatch(/^docker: Docker cannot limit swap on this host/m);
  });
});
