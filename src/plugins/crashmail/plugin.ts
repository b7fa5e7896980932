/** crashmail as `superlance crashmail`: its options, and its handler as a unit of a listener. */
import * as Effect from "effect/Effect"
import { spoolFile, tailLayer, type Unit, withShared } from "../common/listen.js"
import * as Plugin from "../common/Plugin.js"
import { crashmail, crashmailEvents } from "./crashmail.js"
import { type CrashmailConfig, crashmailTable, decodeCrashmail } from "./options.js"

export const unit = (config: CrashmailConfig): Unit => ({
  events: crashmailEvents,
  routing: config,
  heartbeat: config.heartbeat,
  make: (start) =>
    Effect.flatMap(spoolFile(config.spool, start.name, start.env), (file) => crashmail({ ...config, spoolFile: file })).pipe(
      withShared(start, tailLayer(config.tail))
    )
})

export const plugin = Plugin.make({
  name: "crashmail",
  description: "Mail when a process exits unexpectedly.",
  events: "PROCESS_STATE_EXITED",
  example: "-a -m ops@example.com",
  options: crashmailTable,
  ticks: false,
  decode: decodeCrashmail,
  unit
})
