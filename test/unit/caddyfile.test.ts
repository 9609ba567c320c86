// The entry point's Caddyfile for each TLS mode and exposure, checked by the real `caddy validate`.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readStackConfig } from "../../config/stackYaml.js";
import { validateStackConfig } from "../../config/validate.js";
import { generatedFiles } from "../../services/files.js";
import { CADDY } from "../../services/caddy.js";
import { gatewayAnnouncement } from "../../services/fleet.js";
import { LOKI } from "../../services/loki.js";
import { forLocalCaddy } from "../support/caddy.js";
import { twoWorkerRaw, twoWorkers, workerRaw } from "../support/fleet.js";
import { requiresTool } from "../support/requires.js";

const CERT = "-----BEGIN CERTIFICATE-----\nMIIBdummy\n-----END CERTIFICATE-----";
const dev = readStackConfig(".", "dev");
const prod = readStackConfig(".", "prod");
const stack = (raw: typeof dev, patch: Record<string, string> = {}, secrets: string[] = []) =>
  validateStackConfig({ ...raw, values: { ...raw.values, ...patch }, secretKeys: new Set([...raw.secretKeys, ...secrets]) });
const caddyfileOf = (config: ReturnType<typeof stack>) => generatedFiles(config).find((f) => f.path === "caddy/Caddyfile")!.content;

const VARIANTS = {
  "dev (loopback, tls off)": caddyfileOf(stack(dev)),
  "prod (internal CA)": caddyfileOf(stack(prod)),
  "prod exposing Ollama, Loki and Prometheus": caddyfileOf(stack(prod, { expose: JSON.stringify(["ollama", "loki", "prometheus"]) })),
  "prod with ACME": caddyfileOf(stack(prod, { tls: JSON.stringify({ mode: "acme", domain: "gateway.example.com", email: "ops@example.com" }) })),
  "prod with given files": caddyfileOf(stack(prod, { tls: JSON.stringify({ mode: "files", certificate: CERT }), tlsPrivateKey: "k" }, ["tlsPrivateKey"])),
  "prod with two fleet workers": generatedFiles(stack(twoWorkerRaw), { fleet: { workers: twoWorkers() } }).find((f) => f.path === "caddy/Caddyfile")!.content,
  "the gpu-02 worker": generatedFiles(stack(workerRaw), { fleet: { gateway: gatewayAnnouncement(stack(prod), LOKI.port, "x") } }).find((f) => f.path === "caddy/Caddyfile")!.content,
};

describe("the Caddyfile", () => {
  it("serves the dev stack's gateway over plain HTTP on loopback only, with its retries", () => {
    const text = VARIANTS["dev (loopback, tls off)"];
    expect(text).toMatch(/^\tauto_https off$/m);
    expect(text).toMatch(/^http:\/\/:4000 \{$/m);
    expect(text.match(/^\S.* \{$/gm)).toEqual(["(entry) {", "http://:4000 {"]);
    expect(text).toMatch(/^\treverse_proxy litellm:4000 \{$/m);
    expect(text).toMatch(/^\t\tlb_try_duration 30s$/m);
    expect(text).toMatch(/^\t\t\tmethod GET HEAD POST$/m);
    // Without the buffer a retried POST has no body left to send (seen on a real engine).
    expect(text).toMatch(/^\t\trequest_buffers 8MB$/m);
  });

  it("serves the gateway, Grafana and Qdrant over TLS from Caddy's CA on a LAN address, for every name clients use", () => {
    const text = VARIANTS["prod (internal CA)"];
    expect(text).not.toContain("auto_https off");
    expect(text).toMatch(/^\tskip_install_trust$/m);
    expect(text).toMatch(/^\tdefault_sni 10\.20\.0\.11$/m);
    expect(text).toMatch(/^\t\t\thttp_redirect$/m);
    expect(text).toMatch(/^\ttls internal$/m);
    expect(text).toMatch(/^\t\tmax_size 32MB$/m);
    expect(text).toMatch(/^\t\tStrict-Transport-Security "max-age=31536000"$/m);
    expect(text.match(/^https:.* \{$/gm)).toEqual([
      "https://10.20.0.11:4000, https://gpu-01.lan:4000, https://localhost:4000, https://127.0.0.1:4000 {",
      "https://10.20.0.11:3000, https://gpu-01.lan:3000, https://localhost:3000, https://127.0.0.1:3000 {",
      "https://10.20.0.11:6333, https://gpu-01.lan:6333, https://localhost:6333, https://127.0.0.1:6333 {",
    ]);
    // Only the gateway retries across a container switch; no basic auth without expose.
    expect(text.match(/lb_try_duration/g)).toHaveLength(1);
    expect(text).not.toContain("basicauth");
  });

  it("puts basic auth, with the hash from the environment, in front of every exposed service and nothing else", () => {
    const text = VARIANTS["prod exposing Ollama, Loki and Prometheus"];
    const sites = text.split(/\n(?=https:)/).slice(1);
    const withAuth = sites.filter((s) => s.includes("basicauth")).map((s) => /reverse_proxy (\S+)/.exec(s)![1]);
    expect(withAuth).toEqual(["ollama:11434", "prometheus:9090", "loki:3100"]);
    expect(sites).toHaveLength(6);
    expect(text).toMatch(/^\t\tai-gateway \{\$AIGW_BASIC_AUTH_HASH\}$/m);
    expect(text).not.toMatch(/\$2[aby]\$/);
  });

  const caddy = requiresTool("caddy", "apt-get install -y caddy", ["version"]);
  for (const [name, text] of Object.entries(VARIANTS)) {
    caddy.it(`${name}: passes caddy validate (on Caddy < 2.7 without request_buffers)${caddy.why}`, () => {
      const dir = mkdtempSync(join(tmpdir(), "aigw-caddy-"));
      const local = forLocalCaddy(text);
      expect(local.removed).toBeLessThanOrEqual(1);
      writeFileSync(join(dir, "Caddyfile"), local.text);
      // The files mode reads its certificate and key at validation; a self-made pair stands in.
      const tlsDir = join(dir, "tls");
      if (name.includes("files")) {
        spawnSync("mkdir", ["-p", tlsDir]);
        const ssl = spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=gpu-01.lan", "-days", "1", "-keyout", join(tlsDir, "key.pem"), "-out", join(tlsDir, "cert.pem")]);
        expect(ssl.status).toBe(0);
        writeFileSync(join(dir, "Caddyfile"), local.text.replaceAll("/etc/caddy/tls", tlsDir));
      }
      // The workers' CAs are read at validation too.
      if (name.includes("fleet")) {
        const fleetDir = join(dir, "fleet");
        spawnSync("mkdir", ["-p", fleetDir]);
        for (const host of ["gpu-02", "gpu-03"]) {
          const ssl = spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", `/CN=${host}`, "-days", "1", "-keyout", join(fleetDir, "key.pem"), "-out", join(fleetDir, `${host}.pem`)]);
          expect(ssl.status).toBe(0);
        }
        writeFileSync(join(dir, "Caddyfile"), local.text.replaceAll("/etc/caddy/fleet", fleetDir));
      }
      const hash = Buffer.from("$2a$14$uHyVIB1H9wqv9tvfjxOu5OphhzWmgk4ZKxM/9S.v/LXDC4zCMcfLW").toString("base64");
      const fleetEnv = Object.fromEntries([1, 2].flatMap((i) => [[`${CADDY.fleetAuthEnvPrefix}${i}`, "dXNlcjpwYXNz"], [`${CADDY.fleetLogHashEnvPrefix}${i}`, hash]]));
      const env = { ...process.env, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir, HOME: dir, AIGW_BASIC_AUTH_HASH: hash, ...fleetEnv };
      const r = spawnSync("caddy", ["validate", "--config", join(dir, "Caddyfile"), "--adapter", "caddyfile"], { encoding: "utf8", env, timeout: 30_000 });
      expect(r.status, r.stderr.split("\n").filter((l) => /error/i.test(l)).join("\n")).toBe(0);
    });
  }
});
