/** memmon as `superlance memmon`: its options, and its handler as a unit of a listener. */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ProcessMemory } from "../../services/ProcessMemory.js"
import { spoolFile, supervisorLayer, type Unit, withShared } from "../common/listen.js"
import * as Plugin from "../common/Plugin.js"
import { memmon } from "./memmon.js"
import { decodeMemmon, type MemmonConfig, memmonTable } from "./options.js"

export const unit = (config: MemmonConfig): Unit => ({
  events: [],
  routing: config,
  heartbeat: config.heartbeat,
  make: (start) =>
    Effect.flatMap(spoolFile(config.spool, start.name, start.env), (file) =>
      memmon({ ...config, spoolFile: file }, start.env.self)).pipe(
        withShared(start, Layer.merge(supervisorLayer, ProcessMemory.layer))
      )
})

export const plugin = Plugin.make({
  name: "memmon",
  description: "Restart processes that use too much memory.",
  events: "TICK_60",
  example: "-p web=500MB -a 2GB -m ops@example.com",
  options: memmonTable,
  ticks: true,
  decode: decodeMemmon,
  unit
})
