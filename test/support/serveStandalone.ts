// Runs the test server in its own process (so timing a client is not disturbed by serving on the
// same event loop) and prints its URL on the first line.
import { startTestServer } from "./testServer.js";

// Arguments: tokens per answer, delay before the first token (ms), delay between tokens (ms).
const [tokens = "20", ttftMs = "0", tokenDelayMs = "0"] = process.argv.slice(2);
const server = await startTestServer({ tokens: Number(tokens), ttftMs: Number(ttftMs), tokenDelayMs: Number(tokenDelayMs) });
console.log(server.url);
process.on("SIGTERM", () => void server.close().then(() => process.exit(0)));
