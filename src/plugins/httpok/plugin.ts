/** httpok as `superlance httpok`: its options, and its handler as a unit of a listener. */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Gcore } from "../../services/Gcore.js"
import { HttpProbe } from "../../services/HttpProbe.js"
import { TcpProbe } from "../../services/TcpProbe.js"
import { spoolFile, supervisorLayer, type Unit, withShared } from "../common/listen.js"
import * as Plugin from "../common/Plugin.js"
import { httpok } from "./httpok.js"
import { decodeHttpok, type HttpokConfig, httpokTable } from "./options.js"

export const unit = (config: HttpokConfig): Unit => ({
  events: [],
  routing: config,
  heartbeat: config.heartbeat,
  make: (start) =>
    Effect.flatMap(spoolFile(config.spool, start.name, start.env), (file) =>
      httpok({ ...config, spoolFile: file }, start.env.self)).pipe(
        withShared(start, Layer.mergeAll(supervisorLayer, HttpProbe.layer, TcpProbe.layer, Gcore.layer))
      )
})

export const plugin = Plugin.make({
  name: "httpok",
  description: "Restart processes whose HTTP endpoint stops answering well.",
  events: "TICK_60",
  example: "-p web -m ops@example.com http://localhost:8080/health",
  options: httpokTable,
  ticks: true,
  decode: decodeHttpok,
  unit
})
