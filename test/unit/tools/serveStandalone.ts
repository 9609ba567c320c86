// Runs the test server in its own process (so timing a client is not disturbed by serving on the
// same event loop) and prints its URL on the first line.
import { startTestServer } from "./testServer.js";

const server = await startTestServer({ tokens: Number(process.argv[2] ?? 20) });
console.log(server.url);
process.on("SIGTERM", () => void server.close().then(() => process.exit(0)));
