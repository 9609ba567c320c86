// The two-worker gateway's rendered LiteLLM config on the real proxy, with one Ollama stand-in per
// host: every route is served by the local Ollama and both workers, and a worker that stops answering
// costs no failed request and no cloud call: its requests move on to another host until LiteLLM
// cools it down.
// The only change to the rendered file: the three Ollama endpoints (local, and the relay's path to
// each worker) point at the stand-ins.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateStackConfig } from "../../config/validate.js";
import { ALLOWED_FAILS } from "../../renderers/litellm.js";
import { filesOf, generatedFiles } from "../../services/files.js";
import { relayUrl } from "../../services/fleet.js";
import { internalUrl } from "../../services/catalog.js";
import { ensureLiteLlmVenv, pinnedLiteLlmVersion, startProxy, type RunningProxy } from "../../tools/litellmProxy.js";
import { twoWorkerRaw, twoWorkers } from "../support/fleet.js";
import { chat, containerEnv, OPENAI_KEY } from "./harness.js";
import { startOllamaStandIn, startOpenAiStandIn, type StandIn } from "./standins.js";

const config = validateStackConfig({ ...twoWorkerRaw, values: { ...twoWorkerRaw.values, openaiApiKey: OPENAI_KEY }, secretKeys: new Set(["openaiApiKey"]) });
const chats = (s: StandIn) => s.requests.filter((r) => r.path === "/api/chat").length;

describe("LiteLLM over a gateway and two fleet workers", () => {
  const hosts: Record<string, StandIn> = {};
  let openai: StandIn;
  let proxy: RunningProxy;

  beforeAll(async () => {
    const bin = ensureLiteLlmVenv(pinnedLiteLlmVersion());
    for (const h of ["local", "gpu-02", "gpu-03"]) hosts[h] = await startOllamaStandIn();
    openai = await startOpenAiStandIn();
    let yaml = filesOf(generatedFiles(config, { workers: 1, fleet: { workers: twoWorkers() } }), "litellm")[0]!.content;
    const bases: [string, StandIn][] = [
      [internalUrl("ollama"), hosts["local"]!],
      [relayUrl("caddy", "gpu-02", "ollama"), hosts["gpu-02"]!],
      [relayUrl("caddy", "gpu-03", "ollama"), hosts["gpu-03"]!],
    ];
    for (const [base, s] of bases) {
      expect(yaml, base).toContain(`api_base: "${base}"\n`);
      yaml = yaml.replaceAll(`api_base: "${base}"\n`, `api_base: "${s.url}"\n`);
    }
    proxy = await startProxy(bin, yaml, containerEnv(hosts["local"]!.url, true, openai.url));
  });
  afterAll(async () => {
    await proxy?.stop();
    for (const s of [...Object.values(hosts), openai]) await s?.close();
  });

  it("spreads every route over the local Ollama and both workers", async () => {
    for (const route of ["task:code", "task:docs"]) {
      const before = Object.fromEntries(Object.entries(hosts).map(([h, s]) => [h, chats(s)]));
      // simple-shuffle: a host left out of 30 requests by chance is (2/3)^30, about 5 in a million.
      const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => chat(proxy, route, i % 2 === 0)));
      expect(answers.map((a) => a.status)).toEqual(Array(30).fill(200));
      expect(answers.every((a) => a.text.startsWith("local answer from "))).toBe(true);
      for (const [h, s] of Object.entries(hosts)) expect(chats(s) - before[h]!, `${route} on ${h}`).toBeGreaterThan(0);
    }
    expect(openai.requests).toHaveLength(0);
  });

  // A worker that is down answers through the relay with a 502 or 503 (the relay's health check marks
  // it down within 15 s). The rendered config turns on LiteLLM's weighted failover for routes served by
  // several hosts, so a request that fails there is sent on to another host, never to the cloud; after
  // ALLOWED_FAILS + 1 failures the worker is cooled down and gets nothing for COOLDOWN_SECONDS.
  // (Without it, each of those failures fell back to the cloud, or failed outright on a local-only stack:
  // 3 of 40 here, 3 of 20 on a real engine.)
  it("answers every request from a host that works while a worker is down, and cools the worker down", async () => {
    await hosts["gpu-03"]!.setMode("fail500");
    try {
      const before = chats(hosts["gpu-03"]!);
      const answers = [];
      for (let i = 0; i < 40; i++) answers.push(await chat(proxy, "task:code", i % 2 === 0));
      expect(answers.map((a) => a.status)).toEqual(Array(40).fill(200));
      expect(answers.filter((a) => !a.text.startsWith("local answer")).map((a) => a.text)).toEqual([]);
      expect(openai.requests).toHaveLength(0);
      // With a third of 40 requests aimed at it, fewer than ALLOWED_FAILS + 1 failures is about a
      // one-in-50,000 draw; more would mean it was never cooled down.
      expect(chats(hosts["gpu-03"]!) - before).toBe(ALLOWED_FAILS + 1);
    } finally {
      await hosts["gpu-03"]!.setMode("answer");
    }
  });
});
