// Running the rendered Caddyfile through the real Caddy that CI has: Debian's 2.6.2, while the
// pinned image is 2.11.4. One directive differs: `request_buffers` exists since 2.7.0 (2.6 spelled
// it buffer_requests, which 2.11 no longer parses), so on an older Caddy that one line is left out.
// The whole file was checked by hand against a 2.11.4 build.
import { spawnSync } from "node:child_process";

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
