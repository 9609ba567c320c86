// The bench tool's own overhead, measured against a zero-delay server in another process.
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { streamChat } from "../../tools/gateway.js";
import { KEY } from "../support/testServer.js";

const opts = { prompt: "hi", maxTokens: 16 };

describe("bench overhead", () => {
  it("adds well under 1 ms per request over a bare streaming read (zero-delay server)", async () => {
    // The server runs in its own process, so serving does not share the event loop being timed.
    const child = spawn(process.execPath, ["--import", "tsx/esm", "test/support/serveStandalone.ts", "20"], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const url = await new Promise<string>((resolve) => child.stdout!.once("data", (d: Buffer) => resolve(d.toString().trim().split("\n")[0]!)));
      const t = { url, key: KEY };
      const body = JSON.stringify({ model: "m", stream: true, messages: [{ role: "user", content: "hi" }] });
      // The baseline streams the same answer chunk by chunk, as any client measuring TTFT must, but
      // parses and measures nothing: the difference is the tool's own work.
      const bare = async () => {
        const r = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" }, body });
        for await (const _ of r.body as unknown as AsyncIterable<Uint8Array>);
      };
      const N = 100;
      const time = async (f: () => Promise<unknown>) => {
        const t0 = performance.now();
        for (let i = 0; i < N; i++) await f();
        return (performance.now() - t0) / N;
      };
      for (let i = 0; i < 30; i++) await Promise.all([bare(), streamChat(t, "m", opts)]); // warm-up
      // Interleaved rounds; the median of each damps noise from other work on the machine.
      const tool: number[] = [];
      const raw: number[] = [];
      for (let round = 0; round < 5; round++) {
        raw.push(await time(bare));
        tool.push(await time(() => streamChat(t, "m", opts)));
      }
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const overhead = median(tool) - median(raw);
      console.info(`bench overhead: ${overhead.toFixed(3)} ms per request (tool ${median(tool).toFixed(3)} ms, bare streaming read ${median(raw).toFixed(3)} ms; 20-token streams, medians of 5 × ${N})`);
      expect(overhead).toBeLessThan(1);
    } finally {
      child.kill("SIGTERM");
    }
  });
});
