// Who reaches what, for each kind of bind address: the plan the components, the Caddyfile, the
// outputs, the backups and doctor all read.
import { describe, expect, it } from "vitest";
import { hostLocalUrl, planExposure } from "../../services/exposure.js";

const internal = { mode: "internal", names: [] } as const;
const bound = (e: ReturnType<typeof planExposure>) =>
  Object.entries(e.bindings).flatMap(([service, bs]) => bs.map((b) => `${service} ${b.ip}:${b.port}`)).sort();

describe("the exposure plan", () => {
  it("on loopback: the entry point serves only the gateway, every service is on 127.0.0.1", () => {
    const e = planExposure({ bindAddress: "127.0.0.1", tls: { mode: "off" }, expose: [] });
    expect(e.sites.map((s) => s.service)).toEqual(["litellm"]);
    expect(e.urls.litellm).toBe("http://127.0.0.1:4000");
    expect(e.urls.grafana).toBe("http://127.0.0.1:3000");
    expect(hostLocalUrl(e, "qdrant")).toEqual({ url: "http://127.0.0.1:6333", viaEntryPoint: false });
  });

  it("on a LAN address: only Caddy binds there; the backups reach Qdrant on loopback, without TLS", () => {
    const e = planExposure({ bindAddress: "10.20.0.11", tls: internal, expose: ["ollama"] });
    expect(bound(e).filter((b) => !b.includes("127.0.0.1")).every((b) => b.startsWith("caddy "))).toBe(true);
    expect(e.sites.find((s) => s.service === "ollama")).toEqual({ port: 11434, service: "ollama", basicAuth: true });
    expect(e.urls.qdrant).toBe("https://10.20.0.11:6333");
    // Tools on the host keep the loopback port of an exposed service: no basic auth needed there.
    expect(e.urls.ollama).toBe("http://127.0.0.1:11434");
    expect(hostLocalUrl(e, "qdrant")).toEqual({ url: "http://127.0.0.1:6333", viaEntryPoint: false });
  });

  it("with ACME: URLs name the domain the certificate is for, and port 80 takes the challenge", () => {
    const e = planExposure({ bindAddress: "10.20.0.11", tls: { mode: "acme", domain: "gw.example.com", email: "a@b.co" }, expose: [] });
    expect(e.urls.litellm).toBe("https://gw.example.com:4000");
    expect(e.bindings.caddy.map((b) => b.port)).toEqual([80, 4000, 3000, 6333]);
  });

  it("on every interface: services the entry point proxies publish no loopback port of their own, so the backups use the entry point", () => {
    const e = planExposure({ bindAddress: "0.0.0.0", tls: { mode: "internal", names: ["gpu-01.lan"] }, expose: ["prometheus"] });
    expect(bound(e)).toEqual(["alertmanager 127.0.0.1:9093", "caddy 0.0.0.0:3000", "caddy 0.0.0.0:4000", "caddy 0.0.0.0:6333", "caddy 0.0.0.0:9090", "loki 127.0.0.1:3100", "ollama 127.0.0.1:11434"]);
    expect(hostLocalUrl(e, "qdrant")).toEqual({ url: "https://localhost:6333", viaEntryPoint: true });
    // An exposed service then has only its basic-auth entry: tools need the credential there.
    expect(e.urls.prometheus).toBe("https://127.0.0.1:9090");
  });
});
