// The host probe: its script runs for real here, and the exporters' mounts follow what it reports.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { planForHost, formatGap, HOST_PROBE_SCRIPT, parseHostProbe } from "../../host/probe.js";
import { requiresTool } from "../support/requires.js";

// Recorded `sh -s` outputs: a systemd host, and a VM whose / is private, without udev or /dev/kmsg and
// with Docker's data root moved to another disk.
const EQUIPPED = "dockerRoot=/var/lib/docker\nexists=/dev/disk\nexists=/dev/kmsg\nrootPropagation=shared\n";
const BARE = "dockerRoot=/srv/docker\nrootPropagation=private\n";

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
  });

  it("parses a recorded probe and ignores lines it does not know", () => {
    expect(parseHostProbe(`${EQUIPPED}exists=/etc/passwd\nnoise\ndockerRoot=relative\n`)).toEqual({
      dockerRoot: "/var/lib/docker",
      existing: ["/dev/disk", "/dev/kmsg"],
      rootPropagation: "shared",
    });
    expect(parseHostProbe("dockerRoot=\n")).toEqual({ existing: [] });
  });

  it("mounts everything on an equipped host and reports no gap", () => {
    const plan = planForHost(parseHostProbe(EQUIPPED));
    expect(plan.gaps).toEqual([]);
    expect(plan.nodeExporter.rootMount).toEqual({ source: "/", target: "/host", propagation: "rslave" });
    expect(plan.cadvisor.mounts.map((m) => m.source)).toEqual(["/", "/var/run", "/sys", "/var/lib/docker", "/dev/disk"]);
    expect(plan.cadvisor.devices).toEqual(["/dev/kmsg"]);
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
    const plan = planForHost(parseHostProbe("dockerRoot=\nexists=/dev/disk\nexists=/dev/kmsg\nrootPropagation=slave\n"));
    expect(plan.nodeExporter.rootMount.propagation).toBe("rslave");
    expect(plan.gaps.map((g) => g.problem)).toEqual(["docker info did not report Docker's data root"]);
  });
});
