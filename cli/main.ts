import { finish } from "./exit.js";
import { runMain } from "./run-main.js";

// No top-level await: the single binary bundles this file as CommonJS (docs/build.md).
// A service host, started once per instance, loads only what a host needs: the
// bundle evaluates a module when it is first imported, so the rest of the CLI,
// the engine and the dashboard stay unevaluated in it (bench/README.md).
const program =
  process.argv[2] === "service-host"
    ? import("./host-program.js").then((m) => m.createHostProgram())
    : import("./program.js").then((m) => m.createProgram());

// runMain never rejects; it turns every ending into an exit code.
void program.then((created) => runMain(process.argv, created)).then(finish);
