/** httpok as `superlance httpok`: its options, and its handler as supervisord's listener. */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Gcore } from "../../services/Gcore.js"
import { HttpProbe } from "../../services/HttpProbe.js"
import { TcpProbe } from "../../services/TcpProbe.js"
import { deliveryLayer, serve, spoolFile, supervisorLayer } from "../common/listen.js"
import * as Plugin from "../common/Plugin.js"
import { httpok } from "./httpok.js"
import { decodeHttpok, type HttpokConfig, httpokTable } from "./options.js"

export const listen = (config: HttpokConfig) =>
  serve(
    "httpok",
    (env) => Effect.flatMap(spoolFile(config.spool, "httpok", env), (file) => httpok({ ...config, spoolFile: file }, env.self)),
    () =>
      Layer.mergeAll(
        deliveryLayer(config.mail, config.receivers, config.host),
        supervisorLayer,
        HttpProbe.layer,
        TcpProbe.layer,
        Gcore.layer
      ),
    { heartbeat: config.heartbeat }
  )

export const plugin = Plugin.make({
  name: "httpok",
  description: "Restart processes whose HTTP endpoint stops answering well.",
  events: "TICK_60",
  example: "-p web -m ops@example.com http://localhost:8080/health",
  options: httpokTable,
  decode: decodeHttpok,
  listen
})
