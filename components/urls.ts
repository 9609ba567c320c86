import { isIP } from "node:net";

/** A URL a client on the host can open: a wildcard bind address is reached through loopback. */
export function hostUrl(bindAddress: string, port: number): string {
  const host = bindAddress === "0.0.0.0" ? "127.0.0.1" : bindAddress === "::" ? "::1" : bindAddress;
  return `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}
