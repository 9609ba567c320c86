// Running the rendered Caddyfile through the real Caddy that CI has: Debian's 2.6.2, while the
// pinned image is 2.11.4. One directive differs: `request_buffers` exists since 2.7.0 (2.6 spelled
// it buffer_requests, which 2.11 no longer parses), so on an older Caddy that one line is left out.
// The whole file was checked by hand against a 2.11.4 build.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import { CADDY } from "../../services/caddy.js";

export function caddyVersion(): [number, number] | undefined {
  const m = /v(\d+)\.(\d+)/.exec(spawnSync("caddy", ["version"], { encoding: "utf8" }).stdout ?? "");
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

export const isModernCaddy = () => {
  const v = caddyVersion();
  return !!v && (v[0] > 2 || (v[0] === 2 && v[1] >= 7));
};

/** The Caddyfile as this machine's Caddy can read it, and how many lines were left out for it. */
export function forLocalCaddy(text: string): { text: string; removed: number } {
  if (isModernCaddy()) return { text, removed: 0 };
  const adapted = text.replace(/^\t\trequest_buffers .*\n/gm, "");
  return { text: adapted, removed: text.split("\n").length - adapted.split("\n").length };
}

/** base64 of the bcrypt hash of a password, as the Caddyfile's basic auth reads it from the environment. */
export function caddyPasswordHash(password: string): string {
  const hash = spawnSync("caddy", ["hash-password", "--plaintext", password], { encoding: "utf8" }).stdout.trim();
  return hash.startsWith("$") ? Buffer.from(hash).toString("base64") : hash;
}

export interface RunningCaddy {
  readonly proc: ChildProcess;
  /** What it has written to stderr so far. */
  log(): string;
}

/** Runs a rendered Caddyfile (as this machine's Caddy reads it) with its state in `dir` and `env` added. */
export function runCaddy(dir: string, caddyfile: string, env: Record<string, string>): RunningCaddy {
  writeFileSync(join(dir, "Caddyfile"), forLocalCaddy(caddyfile).text);
  const proc = spawn("caddy", ["run", "--config", join(dir, "Caddyfile"), "--adapter", "caddyfile"], {
    env: { ...process.env, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir, HOME: dir, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  proc.stderr!.on("data", (c) => (log += c));
  return { proc, log: () => log };
}

/** Waits until Caddy has made its local CA in `dir` and answers over TLS on `port` with it; returns the CA's root. */
export async function waitForLocalCa(dir: string, port: number, caddy: RunningCaddy): Promise<string> {
  const root = join(dir, "caddy", "pki", "authorities", "local", "root.crt");
  const answers = (ca: string) =>
    new Promise<boolean>((resolve) => {
      const req = httpsRequest({ host: "127.0.0.1", servername: "localhost", port, path: "/", ca, timeout: 2_000 }, (res) => (res.resume(), resolve(true)));
      req.on("error", () => resolve(false));
      req.end();
    });
  for (let i = 0; i < 100 && caddy.proc.exitCode === null; i++) {
    if (existsSync(root)) {
      const ca = readFileSync(root, "utf8");
      if (await answers(ca)) return ca;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Caddy did not start:\n${caddy.log()}`);
}

/**
 * The settings of a rendered Caddyfile that runs on this machine: no admin API, short retries, and
 * Caddy's own CA for `names` (the first is the certificate a client without SNI gets).
 */
export const localCaddySettings = (names: readonly string[]) => ({
  adminAddress: "off",
  retrySeconds: 2,
  retryBufferMb: 1,
  maxBodyMb: 8,
  basicAuthUser: CADDY.basicAuthUser,
  basicAuthHashEnv: CADDY.basicAuthHashEnv,
  tls: { mode: "internal" as const, names },
});
