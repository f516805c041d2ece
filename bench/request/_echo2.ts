import { Router } from "zeromq";

const router = new Router({ sendHighWaterMark: 0, receiveHighWaterMark: 0 });
await router.bind("tcp://127.0.0.1:*");
console.log(router.lastEndpoint);
process.once("SIGTERM", () => {
  router.close();
  process.exit(0);
});
const mode = process.argv[2];
const big = Buffer.alloc(200, 97);
const bigStr = big.toString("latin1");
for await (const frames of router) await router.send(mode === "str" ? [frames[0]!, bigStr] : [frames[0]!, big]);
