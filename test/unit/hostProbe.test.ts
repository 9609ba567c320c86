// The host probe: its script runs for real here, and the exporters' mounts follow what it reports.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { cpuLimitsForHost, formatGap, HOST_PROBE_SCRIPT, parseHostProbe, planForHost } from "../../host/probe.js";
import { requiresTool } from "../support/requires.js";

// Recorded `sh -s` outputs: a systemd host, and a VM whose / is private, without udev or /dev/kmsg and
// with Docker's data root moved to another disk.
const EQUIPPED = "dockerRoot=/var/lib/docker\ncores=8\nstorageDriver=overlay2\nsocketGroup=999\nexists=/dev/disk\nexists=/dev/kmsg\nrootPropagation=shared\n";
const BARE = "dockerRoot=/srv/docker\nsocketGroup=0\nrootPropagation=private\n";

describe("host probe", () => {
  const shellcheck = requiresTool("shellcheck", "apt-get install -y shellcheck");
  shellcheck.it(`is clean under shellcheck${shellcheck.why}`, () => {
    const r = spawnSync("shellcheck", ["--shell=sh", "-"], { input: HOST_PROBE_SCRIPT, encoding: "utf8" });
    expect(r.stdout).toBe("");
    expect(r.status).toBe(0);
  });

  it("runs under sh on this machine and reports what it finds", () => {
    const r = spawnSync("/bin/sh", ["-c", "sh -s"], { input: HOST_PROBE_SCRIPT, encoding: "utf8" });
    expect(r.status).toBe(0);
    const facts = parseHostProbe(r.stdout);
    // Every Linux machine has a / mount; its propagation is one of the three.
    expect(["shared", "slave", "private"]).toContain(facts.rootPropagation);
    expect(r.stdout).toMatch(/^dockerRoot=/m);
    expect(r.stdout).toMatch(/^socketGroup=/m);
  });

  it("parses a recorded probe and ignores lines it does not know", () => {
    expect(parseHostProbe(`${EQUIPPED}exists=/etc/passwd\nnoise\ndockerRoot=relative\n`)).toEqual({
      dockerRoot: "/var/lib/docker",
      cores: 8,
      storageDriver: "overlay2",
      socketGroup: 999,
      existing: ["/dev/disk", "/dev/kmsg"],
      rootPropagation: "shared",
    });
    expect(parseHostProbe("cores=0\ncores=two\nsocketGroup=\nstorageDriver=a b\n")).toEqual({ existing: [] });
    // Without an answer from Docker the cores come from nproc; Docker's own count wins when it answers.
    expect(parseHostProbe("dockerRoot=\nnproc=6\n").cores).toBe(6);
    expect(parseHostProbe("cores=8\nnproc=6\n").cores).toBe(8);
    expect(parseHostProbe("dockerRoot=\n")).toEqual({ existing: [] });
  });

  it("mounts everything on an equipped host and reports no gap", () => {
    const plan = planForHost(parseHostProbe(EQUIPPED));
    expect(plan.gaps).toEqual([]);
    expect(plan.nodeExporter.rootMount).toEqual({ source: "/", target: "/host", propagation: "rslave" });
    // No /var/run: the runtime sockets are root on the host; the Docker API comes through the proxy.
    expect(plan.cadvisor.mounts.map((m) => m.source)).toEqual(["/", "/sys", "/var/lib/docker", "/dev/disk"]);
    expect(plan.cadvisor.devices).toEqual(["/dev/kmsg"]);
    expect(plan.socketGroup).toBe(999);
    expect(plan.cores).toBe(8);
  });

  it("caps each CPU limit at the cores Docker counts, and keeps them where Docker did not answer", () => {
    expect(cpuLimitsForHost({ ollama: 16, litellm: 4, caddy: 0.5 }, 2)).toEqual({ ollama: 2, litellm: 2, caddy: 0.5 });
    expect(cpuLimitsForHost({ ollama: 16 }, undefined)).toEqual({ ollama: 16 });
  });

  it("says what cAdvisor loses on Docker's containerd image store, and what the proxy lacks without the socket's group", () => {
    const plan = planForHost(parseHostProbe(EQUIPPED.replace("storageDriver=overlay2", "storageDriver=overlayfs").replace("socketGroup=999\n", "")));
    expect(plan.gaps.map((g) => [g.aspect, g.exporter])).toEqual([
      ["image-store", "cadvisor"],
      ["docker-socket", "docker-proxy"],
    ]);
    expect(plan.gaps[0]!.fix).toContain("containerd-snapshotter");
    expect(plan.socketGroup).toBeUndefined();
  });

  it("on a bare host mounts only what exists, where Docker keeps its data, and names each gap with a fix", () => {
    const plan = planForHost(parseHostProbe(BARE));
    expect(plan.nodeExporter.rootMount).toEqual({ source: "/", target: "/host" });
    expect(plan.cadvisor.mounts).toContainEqual({ source: "/srv/docker", target: "/srv/docker" });
    expect(plan.cadvisor.mounts.map((m) => m.source)).not.toContain("/dev/disk");
    expect(plan.cadvisor.mounts.map((m) => m.source)).not.toContain("/var/lib/docker");
    expect(plan.cadvisor.devices).toEqual([]);
    expect(plan.gaps.map((g) => [g.exporter, g.problem])).toEqual([
      ["node-exporter", "/ is a private mount on the host"],
      ["cadvisor", "/dev/disk does not exist on the host"],
      ["cadvisor", "/dev/kmsg does not exist on the host"],
    ]);
    for (const g of plan.gaps) expect(formatGap(g)).toMatch(/^(node-exporter|cadvisor): .+; .+\. Fix: .+/);
  });

  it("without an answer from Docker leaves its data root unmounted and says so", () => {
    const plan = planForHost(parseHostProbe("dockerRoot=\nsocketGroup=999\nexists=/dev/disk\nexists=/dev/kmsg\nrootPropagation=slave\n"));
    expect(plan.nodeExporter.rootMount.propagation).toBe("rslave");
    expect(plan.gaps.map((g) => g.problem)).toEqual(["docker info did not report Docker's data root"]);
  });
});
