// Who can reach the stack: the bind address, the entry point's TLS, and which services without
// authentication of their own are also exposed behind it. A stack on a shared network must be safe by
// default, so the risky choices (all interfaces, no TLS off loopback) are refused unless asked for.
import { isIP } from "node:net";
import { DEFAULTS, EXPOSABLE_SERVICES, type ExposableService, type TlsSettings } from "./schema.js";
import { bool, Collector, isPlainObject, mapping, quote, stringList } from "./validation.js";

export const isLoopback = (address: string) => address === "::1" || /^127\./.test(address);
export const isWildcard = (address: string) => address === "0.0.0.0" || address === "::";

const TLS_KEYS = ["mode", "names", "domain", "email", "certificate"] as const;
const DNS_NAME = /^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const isName = (s: string) => DNS_NAME.test(s) || isIP(s) !== 0;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PEM_CERT = /^-----BEGIN CERTIFICATE-----\r?\n[\s\S]+\r?\n-----END CERTIFICATE-----\s*$/;

export interface NetworkSettings {
  readonly allowAllInterfaces: boolean;
  readonly tls: TlsSettings;
  readonly expose: readonly ExposableService[];
}

export function validateNetwork(
  c: Collector,
  bindAddress: string,
  raw: { readonly allowAllInterfaces: string | undefined; readonly tls: unknown; readonly expose: unknown },
  tlsKey: { readonly present: boolean; readonly secret: boolean },
): NetworkSettings {
  const allowAllInterfaces = bool(c, "allowAllInterfaces", raw.allowAllInterfaces, false);
  if (isWildcard(bindAddress) && !allowAllInterfaces) {
    c.add(
      "bindAddress",
      `${quote(bindAddress)} publishes the entry point on every interface of the host, including public ones, and Docker-published ports are not filtered by ufw`,
      `pulumi config set bindAddress <the host's LAN address>, or if every interface is really meant: pulumi config set allowAllInterfaces true`,
    );
  }
  const tls = validateTls(c, mapping(c, "tls", raw.tls, TLS_KEYS), bindAddress, tlsKey);
  const expose = validateExpose(c, raw.expose, bindAddress);
  return { allowAllInterfaces, tls, expose };
}

function validateTls(c: Collector, t: Record<string, unknown>, bindAddress: string, tlsKey: { present: boolean; secret: boolean }): TlsSettings {
  const mode = t["mode"] ?? DEFAULTS.tls.mode;
  const names = t["names"] === undefined ? [] : stringList(c, "tls.names", t["names"], { test: isName }, "DNS name or IP address", "gpu-01.lan") ?? [];
  const onlyFor = (key: string, modes: string) => {
    if (t[key] !== undefined) c.add(`tls.${key}`, `is only used with tls.mode ${modes}`, `pulumi config rm --path tls.${key}`);
  };
  if (mode !== "files" && tlsKey.present) c.add("tlsPrivateKey", "is only used with tls.mode files", "pulumi config rm tlsPrivateKey");
  switch (mode) {
    case "off":
      // An address that is not an IP at all is reported under bindAddress already.
      if (isIP(bindAddress) !== 0 && !isLoopback(bindAddress)) {
        c.add("tls.mode", `"off" sends the master key and every prompt in clear text, but bindAddress ${quote(bindAddress)} is reachable from other machines`, `pulumi config set --path tls.mode internal (or bind to 127.0.0.1)`);
      }
      for (const k of ["names", "domain", "email", "certificate"]) onlyFor(k, "internal, acme or files");
      return { mode: "off" };
    case "internal":
      onlyFor("domain", "acme");
      onlyFor("email", "acme");
      onlyFor("certificate", "files");
      requireNamesOnWildcard(c, bindAddress, names);
      return { mode: "internal", names };
    case "acme": {
      onlyFor("names", "internal or files");
      onlyFor("certificate", "files");
      const domain = t["domain"];
      const email = t["email"];
      if (typeof domain !== "string" || !DNS_NAME.test(domain) || isIP(domain) !== 0) {
        c.add("tls.domain", `${quote(domain)} is not a DNS name; an ACME certificate is issued for a public name`, `pulumi config set --path tls.domain gateway.example.com`);
      }
      if (typeof email !== "string" || !EMAIL.test(email)) {
        c.add("tls.email", `${quote(email)} is not an email address; the ACME account needs one for expiry notices`, `pulumi config set --path tls.email ops@example.com`);
      }
      return { mode: "acme", domain: String(domain), email: String(email) };
    }
    case "files": {
      onlyFor("domain", "acme");
      onlyFor("email", "acme");
      const certificate = t["certificate"];
      if (typeof certificate !== "string" || !PEM_CERT.test(certificate.trim())) {
        c.add("tls.certificate", "is not a PEM certificate (-----BEGIN CERTIFICATE----- ...), with its chain", `pulumi config set --path tls.certificate "$(cat fullchain.pem)"`);
      }
      if (!tlsKey.present) c.add("tlsPrivateKey", "is missing: tls.mode files needs the certificate's private key", `pulumi config set --secret tlsPrivateKey "$(cat privkey.pem)"`);
      else if (!tlsKey.secret) c.add("tlsPrivateKey", "is stored in plain text", `pulumi config set --secret tlsPrivateKey "$(cat privkey.pem)"`);
      requireNamesOnWildcard(c, bindAddress, names);
      return { mode: "files", names, certificate: typeof certificate === "string" ? `${certificate.trim()}\n` : "" };
    }
    default:
      c.add("tls.mode", `${quote(mode)} is not one of internal, acme, files, off`, `pulumi config set --path tls.mode internal`);
      return { mode: "internal", names };
  }
}

/** On every interface the bind address names no host: the certificate needs the names clients use. */
function requireNamesOnWildcard(c: Collector, bindAddress: string, names: readonly string[]) {
  if (isWildcard(bindAddress) && names.length === 0) {
    c.add("tls.names", `is empty, but with bindAddress ${quote(bindAddress)} the certificate cannot be issued for the address clients use`, `pulumi config set --path 'tls.names[0]' gpu-01.lan (the host's name or LAN address)`);
  }
}

function validateExpose(c: Collector, raw: unknown, bindAddress: string): ExposableService[] {
  if (raw === undefined) return [...DEFAULTS.expose];
  // null: parseStructured has reported the value already.
  if (raw === null) return [];
  const parsed = raw;
  if (!Array.isArray(parsed) || parsed.some((s) => isPlainObject(s))) {
    c.add("expose", `expected a list of services, got ${quote(raw)}`, `pulumi config set --path 'expose[0]' ollama`);
    return [];
  }
  const out: ExposableService[] = [];
  parsed.forEach((s, i) => {
    if (!(EXPOSABLE_SERVICES as readonly unknown[]).includes(s)) {
      c.add(`expose[${i}]`, `${quote(s)} cannot be exposed: only ${EXPOSABLE_SERVICES.join(", ")} have no entry point of their own (the gateway, Grafana and Qdrant always go through it)`, `remove it from expose`);
    } else if (!out.includes(s as ExposableService)) {
      out.push(s as ExposableService);
    }
  });
  if (out.length && isLoopback(bindAddress)) {
    c.add("expose", `has no effect with the loopback bindAddress ${quote(bindAddress)}: ${out.join(", ")} are on 127.0.0.1 already`, `pulumi config rm expose, or bind to the host's LAN address`);
  }
  return out;
}

/**
 * On a wildcard bindAddress the entry point holds Qdrant's port on loopback too, so the backups on
 * the host reach Qdrant through it: over TLS from Caddy's own CA, whose root the host has. A given or
 * ACME certificate does not name localhost, so that combination is refused.
 */
export function backupReachesQdrant(c: Collector, bindAddress: string, tls: TlsSettings, backupEnabled: boolean) {
  if (backupEnabled && isWildcard(bindAddress) && tls.mode !== "internal") {
    c.add("tls.mode", `${quote(tls.mode)} with bindAddress ${quote(bindAddress)} leaves the backups no way to reach Qdrant on the host (its port is the entry point's, and this certificate does not name localhost)`, `pulumi config set --path tls.mode internal, or bind to a specific address`);
  }
}
