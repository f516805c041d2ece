/**
 * The floor of the Node side: a bare zeromq.js ROUTER that sends every
 * message straight back, no protocol, no queue. Prints its endpoint.
 */
import { Router } from "zeromq";

const router = new Router({ sendHighWaterMark: 0, receiveHighWaterMark: 0 });
await router.bind("tcp://127.0.0.1:*");
console.log(router.lastEndpoint);
process.once("SIGTERM", () => {
  router.close();
  process.exit(0);
});
for await (const frames of router) await router.send(frames);
