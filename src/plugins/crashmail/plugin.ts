/** crashmail as `superlance crashmail`: its options, and its handler as supervisord's listener. */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { deliveryLayer, serve, spoolFile, tailLayer } from "../common/listen.js"
import * as Plugin from "../common/Plugin.js"
import { crashmail, crashmailAccepts } from "./crashmail.js"
import { type CrashmailConfig, crashmailTable, decodeCrashmail } from "./options.js"

export const listen = (config: CrashmailConfig) =>
  serve(
    "crashmail",
    (env) => Effect.flatMap(spoolFile(config.spool, "crashmail", env), (file) => crashmail({ ...config, spoolFile: file })),
    () => Layer.merge(deliveryLayer(config.mail, config.receivers, config.host), tailLayer(config.tail)),
    { accepts: crashmailAccepts, heartbeat: config.heartbeat }
  )

export const plugin = Plugin.make({
  name: "crashmail",
  description: "Mail when a process exits unexpectedly.",
  events: "PROCESS_STATE_EXITED",
  example: "-a -m ops@example.com",
  options: crashmailTable,
  decode: decodeCrashmail,
  listen
})
