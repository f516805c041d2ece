import { finish } from "./exit.js";
import { runMain } from "./run-main.js";

// No top-level await: the single binary bundles this file as CommonJS (docs/build.md).
// runMain never rejects; it turns every ending into an exit code.
void runMain(process.argv).then(finish);
