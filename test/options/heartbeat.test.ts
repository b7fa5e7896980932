import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { plugins } from "../../src/plugins/registry.js"
import { message, throughPlugin } from "../support/options.js"

const ping = "https://hc-ping.com/0d5a2a4e"
const batch = ["--toEmail=ops@example.com", "--fromEmail=sv@example.com"]

describe("--heartbeat URL", () => {
  it.effect("every plugin takes it; without it there is no heartbeat", () =>
    Effect.gen(function*() {
      const configs = [
        yield* throughPlugin(plugins.httpok)(["--heartbeat", ping, "http://127.0.0.1/health"]),
        yield* throughPlugin(plugins.crashmail)(["--heartbeat", ping]),
        yield* throughPlugin(plugins.memmon)(["-a", "1GB", `--heartbeat=${ping}`]),
        yield* throughPlugin(plugins.crashmailbatch)([...batch, "--heartbeat", ping]),
        yield* throughPlugin(plugins.fatalmailbatch)([...batch, "--heartbeat", ping]),
        yield* throughPlugin(plugins.crashsms)([...batch, "--heartbeat", ping])
      ]
      for (const config of configs) expect(config.heartbeat).toEqual({ url: ping, alertmanagers: [], host: undefined })
      expect((yield* throughPlugin(plugins.crashmail)([])).heartbeat).toBeUndefined()
    }))

  it.effect("takes the plugin's Alertmanagers and --hostname for its SuperlanceHeartbeat alert", () =>
    Effect.gen(function*() {
      const config = yield* throughPlugin(plugins.crashmail)([
        "--heartbeat",
        ping,
        "--alertmanager",
        "http://am1:9093",
        "--alertmanager",
        "http://am2:9093",
        "--webhook",
        "http://hooks.example.com/x",
        "--hostname",
        "box1"
      ])
      expect(config.heartbeat).toEqual({ url: ping, alertmanagers: ["http://am1:9093", "http://am2:9093"], host: "box1" })
    }))

  it.effect("a URL that is not http or https is a one-line error", () =>
    Effect.gen(function*() {
      expect(yield* message(throughPlugin(plugins.crashmail)(["--heartbeat", "hc-ping.com/x"]))).toBe(
        "--heartbeat: \"hc-ping.com/x\" is not an http or https URL"
      )
    }))
})
