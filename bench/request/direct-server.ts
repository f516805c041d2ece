/**
 * A trivial OpenAI-compatible server (answers /v1/completions at once), the
 * "backend called directly" reference for the overhead measurements.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const server = createServer((req, res) => {
  let body = "";
  req.on("data", (chunk) => {
    body += chunk;
  });
  req.on("end", () => {
    const prompt = body ? (JSON.parse(body) as { prompt?: string }).prompt : "";
    const reply = JSON.stringify({
      id: "cmpl-bench",
      object: "text_completion",
      created: 0,
      model: "bench",
      choices: [{ index: 0, text: prompt ?? "", finish_reason: "stop", logprobs: null }],
    });
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(reply) });
    res.end(reply);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  console.log(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.once("SIGTERM", () => server.close(() => process.exit(0)));
