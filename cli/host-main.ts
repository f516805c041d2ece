import { createHostProgram } from "./host-program.js";
import { runMain } from "./run-main.js";

// The entry of the service host's own bundle (build/build.ts): the single
// binary runs it for `flotilla service-host`, so a host, started once per
// instance, neither loads nor caches the code of the rest of the CLI.
void runMain(process.argv, createHostProgram()).then((code) => {
  process.exitCode = code;
});
