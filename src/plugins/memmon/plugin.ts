/** memmon as `superlance memmon`: its options, and its handler as supervisord's listener. */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ProcessMemory } from "../../services/ProcessMemory.js"
import { deliveryLayer, serve, spoolFile, supervisorLayer } from "../common/listen.js"
import * as Plugin from "../common/Plugin.js"
import { memmon } from "./memmon.js"
import { decodeMemmon, type MemmonConfig, memmonTable } from "./options.js"

export const listen = (config: MemmonConfig) =>
  serve(
    "memmon",
    (env) => Effect.flatMap(spoolFile(config.spool, "memmon", env), (file) => memmon({ ...config, spoolFile: file }, env.self)),
    () =>
      Layer.mergeAll(
        deliveryLayer(config.mail, config.receivers, config.host),
        supervisorLayer,
        ProcessMemory.layer
      ),
    { heartbeat: config.heartbeat }
  )

export const plugin = Plugin.make({
  name: "memmon",
  description: "Restart processes that use too much memory.",
  events: "TICK_60",
  example: "-p web=500MB -a 2GB -m ops@example.com",
  options: memmonTable,
  decode: decodeMemmon,
  listen
})
