// Qdrant and the backup schedule under mocks.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { readStackConfig } from "../../config/stackYaml.js";
import { evaluateOnce, isSecretInput, promiseOf, runProgram, type ProgramConfig } from "../support/program.js";

const CONTAINER = "docker:index/container:Container";
const COMMAND = "command:local:Command";
const dev = readStackConfig(".", "dev");
const base: ProgramConfig = { values: { ...dev.values }, secretKeys: dev.secretKeys };

describe("Qdrant under mocks", () => {
  it("runs with a secret API key, telemetry off, data under dataRoot and its port on bindAddress", async () => {
    const run = await runProgram(base);
    const q = run.one(CONTAINER, "qdrant");
    expect(isSecretInput(q.rawInputs["envs"])).toBe(true);
    const key = await promiseOf(run.outputs["qdrantApiKey"] as pulumi.Output<string>);
    expect(await pulumi.isSecret(run.outputs["qdrantApiKey"] as pulumi.Output<string>)).toBe(true);
    expect(q.inputs.envs).toEqual(
      expect.arrayContaining([`QDRANT__SERVICE__API_KEY=${key}`, "QDRANT__TELEMETRY_DISABLED=true", "QDRANT__STORAGE__SNAPSHOTS_PATH=/qdrant/data/snapshots"]),
    );
    expect(q.inputs.ports).toEqual([{ internal: 6333, external: 6333, ip: "127.0.0.1", protocol: "tcp" }]);
    expect(q.inputs.mounts).toEqual([{ type: "bind", source: "/data/stack/qdrant", target: "/qdrant/data" }]);
    expect(q.inputs.healthcheck.tests.join(" ")).toContain("GET /readyz");
    expect(run.outputs["qdrantUrl"]).toBe("http://127.0.0.1:6333");
    // Prometheus scrapes with the read-only key, given to it as a file, as LiteLLM's: never the full key.
    const readOnly = (q.inputs.envs as string[]).find((e) => e.startsWith("QDRANT__SERVICE__READ_ONLY_API_KEY="))!.split("=")[1]!;
    expect(readOnly).not.toBe(key);
    const files = run.configFiles(run.one(CONTAINER, "prometheus"));
    const scrapeKey = files.find((u) => u.file === "/etc/prometheus/secrets/qdrant-api-key")!.content;
    expect(scrapeKey).toBe(readOnly);
    expect(JSON.stringify(files)).not.toContain(key);
  });
});

describe("backups under mocks", () => {
  const baseRun = evaluateOnce(base);

  it("installs the schedule with one idempotent host command that gets the key on stdin only", async () => {
    const run = baseRun();
    const install = run.one(COMMAND, "backup-install");
    expect(install.options.deleteBeforeReplace).toBe(true);
    expect(isSecretInput(install.rawInputs["stdin"])).toBe(true);
    const key = await promiseOf(run.outputs["qdrantApiKey"] as pulumi.Output<string>);
    expect(install.inputs.stdin).toBe(key);
    expect(install.inputs.create).not.toContain(key);
    expect(install.inputs.create).toContain("/etc/cron.d/ai-gateway-dev-backup");
    expect(install.inputs.create).toContain("15 3 * * * root /data/stack/backup/bin/backup.sh /data/stack/backup/backup.env");
    // The LiteLLM container's name carries its config version: the backups copy from the running one.
    const litellm = run.container("litellm").inputs.name as string;
    expect(install.inputs.create).toContain(`CONFIG_SOURCES='${litellm}:/etc/litellm/config.yaml ai-gateway-dev-caddy:/etc/caddy/Caddyfile ai-gateway-dev-prometheus:/etc/prometheus/prometheus.yml`);
    expect(install.inputs.delete).toContain("rm -f '/etc/cron.d/ai-gateway-dev-backup'");
    expect(run.one(CONTAINER, "node-exporter").inputs.command).toContain("--collector.textfile.directory=/host/data/stack/backup/textfile");
    const rules = run.configFiles(run.one(CONTAINER, "prometheus")).map((u) => u.file);
    expect(rules).toContain("/etc/prometheus/rules/backup.yml");
    expect(run.outputs["backupsDir"]).toBe("/data/stack/backups");
  });

  it("on every interface reaches Qdrant through the entry point, trusting Caddy's CA from its data folder", async () => {
    const tls = JSON.stringify({ mode: "internal", names: ["gpu-01.lan"] });
    const run = await runProgram({ ...base, values: { ...base.values, bindAddress: "0.0.0.0", allowAllInterfaces: "true", tls } });
    const create = run.one(COMMAND, "backup-install").inputs.create as string;
    expect(create).toContain("QDRANT_URL='https://localhost:6333'");
    expect(create).toContain("QDRANT_CA_FILE='/data/stack/caddy/caddy/pki/authorities/local/root.crt'");
    const local = (await runProgram(base)).one(COMMAND, "backup-install").inputs.create as string;
    expect(local).toContain("QDRANT_URL='http://127.0.0.1:6333'");
    expect(local).not.toContain("QDRANT_CA_FILE='");
  });

  it("installs nothing with backup.enabled false", async () => {
    const run = await runProgram({ ...base, values: { ...base.values, backup: JSON.stringify({ enabled: false }) } });
    expect(run.byType(COMMAND).map((c) => c.name)).not.toContain("backup-install");
    expect(run.one(CONTAINER, "node-exporter").inputs.command).toEqual(["--path.rootfs=/host"]);
    expect(run.configFiles(run.one(CONTAINER, "prometheus")).map((u) => u.file)).not.toContain("/etc/prometheus/rules/backup.yml");
    expect(run.outputs["backupsDir"]).toBeNull();
  });
});
