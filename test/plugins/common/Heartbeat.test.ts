/**
 * `--heartbeat`: a GET on TICKs, at most once a minute of the Clock, in the background (never
 * holding an acknowledgement), a failure a WARN and nothing more; with Alertmanagers, an
 * always-firing SuperlanceHeartbeat alert too.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Layer, Option, TestClock } from "effect"
import type { Event, Tick } from "../../../src/domain/Event.js"
import { beating, make, withTicks } from "../../../src/plugins/common/Heartbeat.js"
import { crashmailAccepts } from "../../../src/plugins/crashmail/crashmail.js"
import * as Listener from "../../../src/protocol/Listener.js"
import * as ListenerIO from "../../../src/protocol/ListenerIO.js"
import * as Logging from "../../../src/protocol/Logging.js"
import { HttpProbe, HttpProbeTest } from "../../../src/services/HttpProbe.js"
import { processState, tick } from "../../support/envelope.js"
import * as HttpFixture from "../../support/http.js"
import { untimed } from "../../support/logLines.js"

const URL = "https://hc-ping.com/0d5a2a4e-secret"
const ACK = "RESULT 2\nOKREADY\n"
const tick5: Tick = { _tag: "Tick", eventName: "TICK_5", when: 0 }

/** The probe's test layer and a log capture, for a test on the TestClock. */
const testLayer = (logs: Array<string>) => Layer.merge(HttpProbe.layerTest, Logging.captureLayer(logs))

describe("Heartbeat", () => {
  it.scoped("pings on a TICK, at most once a minute of the Clock (TICK_5 for 3 minutes: 3 pings)", () => {
    const logs: Array<string> = []
    return Effect.gen(function*() {
      const heartbeat = yield* make("memmon", { url: URL, alertmanagers: [] })
      for (let i = 0; i < 36; i++) {
        yield* heartbeat.tick(tick5)
        yield* TestClock.adjust("5 seconds")
      }
      const requests = yield* (yield* HttpProbeTest).requests
      expect(requests.map((request) => request.url)).toEqual([URL, URL, URL])
      expect(requests[0]).toMatchObject({ userAgent: "superlance-heartbeat", verifyTls: true })
      expect(logs).toEqual([])
    }).pipe(Effect.provide(testLayer(logs)))
  })

  it.scoped("a failed ping is one WARN, without the URL's secret path, and is not retried", () => {
    const logs: Array<string> = []
    return Effect.gen(function*() {
      const probe = yield* HttpProbeTest
      const heartbeat = yield* make("crashmail", { url: URL, alertmanagers: [] })
      yield* probe.respondOnce({ status: 500, reason: "Internal Server Error" }, { fail: "Dns", message: "cannot resolve hc-ping.com" })
      yield* heartbeat.tick(tick5)
      yield* TestClock.adjust("59 seconds")
      expect((yield* probe.requests).length).toBe(1)
      yield* heartbeat.tick(tick5)
      yield* TestClock.adjust("1 second")
      yield* heartbeat.tick(tick5)
      yield* TestClock.adjust("1 second")
      expect((yield* probe.requests).length).toBe(2)
      expect(untimed(logs)).toEqual([
        "WARN heartbeat: https://hc-ping.com/… answered 500 Internal Server Error",
        "WARN heartbeat: GET https://hc-ping.com/… failed: cannot resolve hc-ping.com"
      ])
    }).pipe(Effect.provide(testLayer(logs)))
  })

  it.scoped("a slow endpoint never holds an acknowledgement; crashmail's handler still sees only its events", () => {
    const logs: Array<string> = []
    return Effect.gen(function*() {
      const probe = yield* HttpProbeTest
      yield* probe.respond({ delay: "1 hour" })
      const heartbeat = yield* make("crashmail", { url: URL, alertmanagers: [] })
      const seen: Array<string> = []
      const crashmail = (event: Event) => Effect.sync(() => void seen.push(event.eventName))
      const io = yield* ListenerIO.makeTest([
        tick(60) + processState("EXITED", { name: "web", expected: 0, pid: 7 }) + tick(60)
      ])
      const accepts = withTicks(crashmailAccepts)
      const listener = yield* Effect.fork(
        Listener.run(beating(heartbeat, crashmail, crashmailAccepts), accepts === undefined ? {} : { accepts }).pipe(
          Effect.provide(io.layer)
        )
      )
      // Well within the ping's 10 s: it is still waiting for its answer.
      yield* TestClock.adjust("1 second")
      const done = yield* Fiber.poll(listener)
      expect(Option.isSome(done) && Exit.isSuccess(done.value)).toBe(true)
      expect(yield* io.written).toEqual(["READY\n", ACK, ACK, ACK])
      expect(seen).toEqual(["PROCESS_STATE_EXITED"])
      expect((yield* probe.requests).length).toBe(1)
      // It gives up after 10 s, as a WARN.
      yield* TestClock.adjust("10 seconds")
      expect(untimed(logs)).toEqual(["WARN heartbeat: GET https://hc-ping.com/… failed: no complete response within 10s"])
    }).pipe(Effect.provide(testLayer(logs)))
  })

  it("crashmail takes TICKs with a heartbeat; a plugin that takes every event keeps doing so", () => {
    const accepts = withTicks(crashmailAccepts)
    expect(["TICK_5", "TICK_60", "PROCESS_STATE_EXITED", "PROCESS_STATE_FATAL"].map((name) => accepts?.(name))).toEqual([
      true,
      true,
      true,
      false
    ])
    expect(withTicks(undefined)).toBeUndefined()
  })

  it.scopedLive("with Alertmanagers, each beat also posts an always-firing SuperlanceHeartbeat alert", () =>
    Effect.gen(function*() {
      const ping = yield* HttpFixture.make()
      const alertmanager = yield* HttpFixture.make()
      const heartbeat = yield* make("memmon", {
        url: ping.url("/ping"),
        alertmanagers: [alertmanager.url()],
        host: "box1"
      }).pipe(Effect.provide(HttpProbe.layer))
      yield* heartbeat.tick({ _tag: "Tick", eventName: "TICK_3600", when: 0 })
      const [get] = yield* ping.waitForRequests(1)
      expect(get).toMatchObject({ method: "GET", path: "/ping" })
      expect(get?.headers["user-agent"]).toBe("superlance-heartbeat")
      const [post] = yield* alertmanager.waitForRequests(1)
      expect(post?.path).toBe("/api/v2/alerts")
      const [alert] = JSON.parse(post?.body ?? "[]") as ReadonlyArray<Record<string, unknown>>
      expect(alert).toMatchObject({
        labels: { alertname: "SuperlanceHeartbeat", plugin: "memmon", host: "box1" },
        annotations: { summary: "superlance memmon on box1 is alive" }
      })
      // TICK_3600 beats once an hour: the alert lasts three beats.
      expect(Date.parse(String(alert?.["endsAt"])) - Date.parse(String(alert?.["startsAt"]))).toBe(3 * 3600_000)
    }))
})
