// Where the stack runs and what it exposes there: the Docker host (local or over SSH), the address
// the gateway binds and the folder that holds the stack's data.
import { isIP } from "node:net";
import { posix } from "node:path";
import { DEFAULTS, type HostConfig } from "./schema.js";
import { intIn, mapping, quote, type Collector } from "./validation.js";

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const HOST_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/]+={0,3}$/;

export function validateHost(c: Collector, raw: unknown): HostConfig {
  const o = mapping(c, "host", raw, ["ssh"]);
  if (o["ssh"] === undefined) return { kind: "local" };
  const s = mapping(c, "host.ssh", o["ssh"], ["host", "user", "port", "privateKeyPath", "hostKey", "knownHostsPath"]);
  const host = s["host"];
  const user = s["user"];
  if (typeof host !== "string" || (!HOSTNAME.test(host) && isIP(host) === 0)) {
    c.add("host.ssh.host", `${quote(host)} is not a host name or IP address`, `e.g. host.ssh.host: gpu-01.lan`);
  }
  if (typeof user !== "string" || !/^[a-z_][a-z0-9_-]*$/i.test(user)) {
    c.add("host.ssh.user", `${quote(user)} is not a user name`, `e.g. host.ssh.user: deploy (a member of the docker group)`);
  }
  const port = intIn(c, "host.ssh.port", s["port"], 1, 65535, 22);
  for (const k of ["privateKeyPath", "knownHostsPath"] as const) {
    const v = s[k];
    if (v !== undefined && (typeof v !== "string" || !posix.isAbsolute(v))) c.add(`host.ssh.${k}`, `${quote(v)} is not an absolute path`, `write the full path, e.g. /home/me/.ssh/${k === "privateKeyPath" ? "id_ed25519" : "known_hosts"}`);
  }
  const hostKey = s["hostKey"];
  if (hostKey !== undefined && (typeof hostKey !== "string" || !HOST_KEY.test(hostKey))) {
    c.add("host.ssh.hostKey", `${quote(hostKey)} is not "<key type> <base64 key>"`, `take it from \`ssh-keyscan -t ed25519 ${typeof host === "string" ? host : "<host>"}\` (without the host name)`);
  }
  if (hostKey === undefined && s["knownHostsPath"] === undefined) {
    // Trusting whatever key answers would hand the Docker socket (root on the host) to anyone in the middle.
    c.add("host.ssh", "no host key: the SSH host key must be pinned for a remote host", `set host.ssh.hostKey (from \`ssh-keyscan -t ed25519 <host>\`) or host.ssh.knownHostsPath`);
  }
  return {
    kind: "ssh",
    ssh: {
      host: String(host),
      user: String(user),
      port,
      ...(typeof s["privateKeyPath"] === "string" ? { privateKeyPath: s["privateKeyPath"] } : {}),
      ...(typeof hostKey === "string" ? { hostKey } : {}),
      ...(typeof s["knownHostsPath"] === "string" ? { knownHostsPath: s["knownHostsPath"] } : {}),
    },
  };
}

export function validateBindAddress(c: Collector, raw: string | undefined): string {
  const bindAddress = raw ?? DEFAULTS.bindAddress;
  if (isIP(bindAddress) === 0) {
    c.add("bindAddress", `${quote(bindAddress)} is not an IP address`, `pulumi config set bindAddress 127.0.0.1 (or the host's LAN address, or 0.0.0.0 for all interfaces)`);
  }
  return bindAddress;
}

// dataRoot ends up in host commands and bind mounts: no spaces, quotes or shell metacharacters.
const SAFE_PATH = /^\/[A-Za-z0-9._\/-]*$/;

// The operating system's and Docker's own folders: the stack creates folders owned by its services'
// users under dataRoot, which must never happen inside these.
const SYSTEM_TREES = ["/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/run", "/sbin", "/sys", "/usr", "/var/cache", "/var/lib/containerd", "/var/lib/docker", "/var/log", "/var/run", "/var/spool"];
// Folders that hold everything else: a stack's data belongs in a folder of its own below them.
const SHARED_ROOTS = ["/home", "/media", "/mnt", "/opt", "/root", "/srv", "/tmp", "/var", "/var/lib"];

/** Why a dataRoot is a system folder, or undefined when it is not. */
export function systemFolderProblem(dataRoot: string): string | undefined {
  const tree = SYSTEM_TREES.find((t) => dataRoot === t || dataRoot.startsWith(`${t}/`));
  if (tree) return `${quote(dataRoot)} is ${dataRoot === tree ? "" : "inside "}${tree}, a folder of the system or of Docker: the stack would create folders owned by its services' users there`;
  if (SHARED_ROOTS.includes(dataRoot)) return `${quote(dataRoot)} holds other software's folders: the stack's data needs a folder of its own`;
  return undefined;
}

export function validateDataRoot(c: Collector, raw: string | undefined): string {
  const dataRoot = raw ?? DEFAULTS.dataRoot;
  if (!posix.isAbsolute(dataRoot)) {
    c.add("dataRoot", `${quote(dataRoot)} is not an absolute path`, `pulumi config set dataRoot /data/stack`);
  } else if (!SAFE_PATH.test(dataRoot) || posix.normalize(dataRoot) !== dataRoot || dataRoot === "/" || dataRoot.endsWith("/")) {
    c.add("dataRoot", `${quote(dataRoot)} must be a normalised folder below / using only letters, digits, ".", "_", "-" and "/"`, `pulumi config set dataRoot /data/stack`);
  } else {
    const problem = systemFolderProblem(dataRoot);
    if (problem) c.add("dataRoot", problem, `pulumi config set dataRoot /data/stack (a folder of its own, for instance on a data disk)`);
  }
  return dataRoot;
}
