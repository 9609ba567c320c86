// The response cache: Valkey (the BSD-licensed fork of Redis 7.2, the same protocol, which LiteLLM's
// redis client speaks unchanged), and the Redis exporter that Prometheus scrapes it through. Valkey
// rather than Redis: Redis 7.4 and later are under source-available licences (RSAL/SSPL, or AGPL
// from 8.0), Valkey stays BSD-3.
import type { ServiceFacts } from "./types.js";

export const VALKEY = Object.freeze({
  // Debian trixie base with sh and valkey-cli, no curl or wget; user valkey 999:999.
  image: "valkey/valkey:9.1.0",
  port: 6379,
  // Only LiteLLM and the exporter use it, by name on the stack network.
  published: false,
  // Started as this user its entrypoint changes nothing and needs no capability (as root it would
  // chown /data and switch user, which needs CHOWN and SETUID).
  uid: 999,
  gid: 999,
  // Its snapshots (dump.rdb): a restart keeps the cache warm. Not backed up: every entry can be asked again.
  dataPath: "/data",
  configPath: "/etc/valkey/valkey.conf",
  configFolders: ["/etc/valkey"],
  // requirepass, in a file only Valkey's user reads, included by the config (never on a command line).
  authFile: "/etc/valkey/secrets/auth.conf",
  // `-e` makes valkey-cli fail on an error answer (a plain ping exits 0 on NOAUTH); the password is
  // read from the file inside the container, so it is in neither the healthcheck nor the state.
  healthcheck: {
    tests: ["CMD", "sh", "-c", 'VALKEYCLI_AUTH="$(sed -n "s/^requirepass //p" /etc/valkey/secrets/auth.conf)" REDISCLI_AUTH="$VALKEYCLI_AUTH" valkey-cli -e ping | grep -q PONG'],
    interval: "10s",
    timeout: "5s",
    startPeriod: "10s",
    retries: 3,
  },
  waitTimeoutSeconds: 60,
  confinement: { capAdds: [], rootFs: { readOnly: true, tmpfs: [] }, pidsLimit: 256 },
} as const satisfies ServiceFacts & Record<string, unknown>);

export const REDIS_EXPORTER = Object.freeze({
  // The -alpine variant: busybox wget for the probe (the default image is scratch). USER 59000.
  image: "oliver006/redis_exporter:v1.88.0-alpine",
  port: 9121,
  published: false,
  uid: 59000,
  gid: 59000,
  configFolders: ["/etc/redis-exporter"],
  // A JSON map from the Redis address to its password: what REDIS_PASSWORD_FILE takes (not a bare password).
  passwordFile: "/etc/redis-exporter/secrets/passwords.json",
  healthcheck: { tests: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:9121/health"], interval: "10s", timeout: "5s", startPeriod: "10s", retries: 3 },
  waitTimeoutSeconds: 60,
  confinement: { capAdds: [], rootFs: { readOnly: true, tmpfs: [] }, pidsLimit: 128 },
} as const satisfies ServiceFacts & Record<string, unknown>);

/** Where LiteLLM and the exporter reach Valkey. */
export const VALKEY_ADDRESS = `redis://valkey:${VALKEY.port}`;

/** Valkey's config: persistence into the data folder, the password from the secret file, nothing else changed. */
export function renderValkeyConfig(memoryMb: number): string {
  return [
    "# Valkey config, rendered by ai-gateway. The password is in the secret file included below.",
    "bind 0.0.0.0",
    "protected-mode no",
    `port ${VALKEY.port}`,
    `dir ${VALKEY.dataPath}`,
    // A cache: the least recently used entries go before the container's memory limit is reached
    // (three quarters of memoryLimitsMb.valkey, the rest for Valkey itself and its snapshots).
    `maxmemory ${Math.floor(memoryMb * 0.75)}mb`,
    "maxmemory-policy allkeys-lru",
    `include ${VALKEY.authFile}`,
    "",
  ].join("\n");
}

/** The exporter's environment: where Valkey is, and where the password map is. */
export const redisExporterEnv = (): string[] => [`REDIS_ADDR=${VALKEY_ADDRESS}`, `REDIS_PASSWORD_FILE=${REDIS_EXPORTER.passwordFile}`];
