/**
 * The entry of the V8 startup snapshot that `npm run build` makes (`node --build-snapshot`, see
 * scripts/snapshot.js): the modules are loaded and initialised when the snapshot is built, so a
 * command starts by deserialising that heap instead of parsing and running a megabyte of
 * JavaScript. The launcher (bin/superlance.js) passes its own path where a script's would be, so
 * the invoked name still picks the subcommand.
 */
import * as Effect from "effect/Effect"
import { startupSnapshot } from "node:v8"
import { invokedName, program, start } from "./start.js"

if (startupSnapshot.isBuildingSnapshot()) {
  // crashmail starts once while the snapshot is built (the build script gives it an empty stdin
  // and a SUPERVISOR_SERVER_URL): the functions on a listener's start path are then compiled in
  // the snapshot rather than at every start. Everything it opened is closed before the snapshot.
  void Effect.runPromise(program(["crashmail"], "superlance")).then(() => {
    // Node 20 keeps its timer bookkeeping in the snapshot: a timer the warm-up cleared before it
    // was due (an 8 s grace) leaves the "next expiry" pointing at it, and a process started from
    // the snapshot would then never arm a timer due later than that (no SMTP or HTTP timeout
    // would ever fire). A timer that fires resets the bookkeeping.
    setTimeout(() => {}, 1)
  })
}

startupSnapshot.setDeserializeMainFunction(() => start(process.argv.slice(2), invokedName(process.argv[1])))
