// Installs the real LiteLLM proxy from PyPI (the release of the pinned image tag) into a cached
// virtualenv, and runs it against a rendered config with the environment the container gets. The
// real-LiteLLM test suites and `npm run bench:gateway` share it.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { COMPROMISED_LITELLM_VERSIONS, PINNED_IMAGES, litellmVersionOf } from "../config/images.js";

export function pinnedLiteLlmVersion(): string {
  const version = litellmVersionOf(PINNED_IMAGES.litellm);
  if (!version) throw new Error(`cannot tell the LiteLLM release of the pinned image ${PINNED_IMAGES.litellm}`);
  return version;
}

export function cacheRoot(): string {
  return process.env["AI_GATEWAY_CACHE"] ?? join(process.env["XDG_CACHE_HOME"] ?? join(homedir(), ".cache"), "ai-gateway");
}

/** Returns the venv's bin folder, creating it once per machine and version. */
export function ensureLiteLlmVenv(version: string): string {
  if (COMPROMISED_LITELLM_VERSIONS.includes(version)) throw new Error(`refusing to install LiteLLM ${version}: it is reported compromised`);
  // The image installs more than the PyPI package's [proxy] extra (its requirements.txt). Two of those
  // change behaviour here: without prometheus_client the proxy refuses to start with
  // `callbacks: ["prometheus"]`, and without prisma every refused key becomes a 500 instead of a 4xx.
  const requirements = [`litellm[proxy]==${version}`, "prometheus_client==0.26.0", "prisma==0.11.0"];
  const venv = join(cacheRoot(), `litellm-${version}`);
  const bin = join(venv, "bin");
  const marker = join(venv, ".ai-gateway-installed");
  if (existsSync(marker) && readFileSync(marker, "utf8") === requirements.join(" ") && existsSync(join(bin, "litellm"))) return bin;

  rmSync(venv, { recursive: true, force: true });
  mkdirSync(cacheRoot(), { recursive: true });
  const mk = spawnSync("python3", ["-m", "venv", venv], { encoding: "utf8" });
  if (mk.status !== 0) {
    throw new Error(`could not create a Python virtualenv (apt-get install -y python3-venv): ${mk.stderr || mk.error?.message}`);
  }
  const pip = spawnSync(join(bin, "pip"), ["install", "--disable-pip-version-check", "--quiet", ...requirements], {
    encoding: "utf8",
    timeout: 900_000,
  });
  if (pip.status !== 0) {
    rmSync(venv, { recursive: true, force: true });
    const tail = `${pip.stderr ?? ""}${pip.stdout ?? ""}`.trim().split("\n").slice(-8).join("\n");
    throw new Error(`pip install ${requirements.join(" ")} failed; is PyPI reachable from this machine?\n${tail || pip.error?.message}`);
  }
  writeFileSync(marker, requirements.join(" "));
  return bin;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface RunningProxy {
  readonly url: string;
  readonly port: number;
  readonly bin: string;
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts `litellm --config <file> --port <free port>` with the given environment and waits until
 * /health/liveliness answers. Nothing else of the machine's environment leaks in except PATH/HOME.
 */
export async function startProxy(bin: string, configYaml: string, env: Record<string, string>, workers = 1): Promise<RunningProxy> {
  const dir = mkdtempSync(join(tmpdir(), "aigw-litellm-"));
  const configPath = join(dir, "config.yaml");
  writeFileSync(configPath, configYaml);
  const port = await freePort();
  let output = "";
  const child: ChildProcess = spawn(join(bin, "litellm"), ["--config", configPath, "--port", String(port), "--host", "127.0.0.1", "--num_workers", String(workers)], {
    env: { PATH: `${bin}:${process.env["PATH"]}`, HOME: process.env["HOME"] ?? dir, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`litellm exited with ${child.exitCode} before it was ready:\n${output.slice(-4000)}`);
    try {
      const r = await fetch(`${url}/health/liveliness`);
      if (r.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`litellm did not become ready within 180 s:\n${output.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  return {
    url,
    port,
    bin,
    log: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5000).unref();
      }),
  };
}
