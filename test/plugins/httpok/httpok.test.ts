import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Fiber, Layer, TestClock } from "effect"
import * as Delivery from "../../../src/alerts/Delivery.js"
import { formatAsctime } from "../../../src/domain/Time.js"
import type { ProgramSpec } from "../../../src/domain/Selection.js"
import { httpok, type HttpokSettings, isStale, pythonList } from "../../../src/plugins/httpok/httpok.js"
import type { Event } from "../../../src/domain/Event.js"
import { decodeEvent } from "../../../src/protocol/Payload.js"
import * as Logging from "../../../src/protocol/Logging.js"
import { Gcore, GcoreError, GcoreTest } from "../../../src/services/Gcore.js"
import { HttpProbe, HttpProbeTest } from "../../../src/services/HttpProbe.js"
import { TcpProbe, TcpProbeTest } from "../../../src/services/TcpProbe.js"
import { Routes, RoutesTest } from "../../../src/alerts/Routes.js"
import { RpcFault, RpcTransportError } from "../../../src/supervisor/Supervisor.js"
import { SupervisorTest, type TestProcess } from "../../../src/supervisor/SupervisorTest.js"
import * as HttpFixture from "../../support/http.js"
import { waitUntil } from "../../support/supervisord.js"
import { untimed } from "../../support/logLines.js"

const HEALTH = "http://app.example/health"

const base: HttpokSettings = {
  url: HEALTH,
  programs: [],
  any: false,
  timeout: Duration.seconds(10),
  codes: [200],
  body: undefined,
  eager: true,
  gcore: "/usr/bin/gcore -o",
  coredir: undefined,
  name: undefined,
  verifyTls: false
}

const program = (text: string): ProgramSpec => {
  const i = text.indexOf(":")
  return i === -1 ? { text, name: text } : { text, group: text.slice(0, i), name: text.slice(i + 1) }
}
const programs = (...texts: ReadonlyArray<string>) => texts.map(program)

const event = (eventname: string, payload: string): Event =>
  Either.getOrThrow(decodeEvent({
    header: { ver: "3.0", server: "supervisor", serial: 1, pool: "httpok", poolserial: 1, eventname, len: 0 },
    payload
  }))
const tick = (when = 1_700_000_000, period = 5) => event(`TICK_${period}`, `when:${when}`)

/** Alerts recorded, supervisord and gcore scripted, log lines collected; the probe as given. */
const servicesWith = <P>(probe: Layer.Layer<P>) => (processes: ReadonlyArray<TestProcess>, log: Array<string> = []) =>
  Layer.mergeAll(
    Delivery.layer.pipe(Layer.provideMerge(Layer.mergeAll(Routes.layerTest, NodeFileSystem.layer))),
    SupervisorTest.layer(processes),
    probe,
    TcpProbe.layerTest,
    Gcore.layerTest
  ).pipe(Layer.provideMerge(Logging.captureLayer(log)))

const services = servicesWith(HttpProbe.layerTest)

/** Handles the events, lets the alerts go out, and answers them. */
const run = (config: HttpokSettings, events: ReadonlyArray<Event> = [tick()], self?: { group: string; name: string }) =>
  Effect.gen(function*() {
    const handle = yield* httpok(config, self)
    for (const e of events) yield* handle(e)
    yield* TestClock.adjust("10 millis")
    return yield* Effect.flatMap(RoutesTest, (test) => test.sent)
  })

const restarts = Effect.gen(function*() {
  const supervisor = yield* SupervisorTest
  return {
    stopped: (yield* supervisor.callsOf("stopProcess")).map(([spec]) => spec),
    started: (yield* supervisor.callsOf("startProcess")).map(([spec]) => spec)
  }
})

const web: TestProcess = { name: "web", pid: 101 }

describe("httpok", () => {
  it.scoped("does nothing when the URL answers 200", () =>
    Effect.gen(function*() {
      expect(yield* run({ ...base, programs: programs("web") })).toEqual([])
      expect(yield* restarts).toEqual({ stopped: [], started: [] })
      const [request] = yield* Effect.flatMap(HttpProbeTest, (t) => t.requests)
      expect(request).toEqual({ url: HEALTH, timeout: Duration.seconds(10), verifyTls: false })
    }).pipe(Effect.provide(services([web]))))

  it.scoped("on a 500, restarts the selected RUNNING processes and mails the original's report", () =>
    Effect.gen(function*() {
      yield* Effect.flatMap(HttpProbeTest, (t) => t.respond({ status: 500, reason: "Internal Server Error" }))
      const sent = yield* run({ ...base, programs: programs("web", "batch:worker", "db", "ghost") })
      expect(sent).toEqual([{
        plugin: "httpok",
        subject: `httpok: ${HEALTH}: bad status returned`,
        body: [
          `status contacting ${HEALTH}: 500 Internal Server Error`,
          "Restarting selected processes ['web', 'batch:worker', 'db', 'ghost']",
          "web is in RUNNING state, restarting",
          "web restarted",
          "batch:worker is in RUNNING state, restarting",
          "batch:worker restarted",
          "db not in RUNNING state, NOT restarting",
          "Programs not restarted because they did not exist: ['ghost']"
        ].join("\n"),
        processes: ["web:web", "batch:worker"]
      }])
      expect(yield* restarts).toEqual({ stopped: ["web", "batch:worker"], started: ["web", "batch:worker"] })
      const supervisor = yield* SupervisorTest
      expect((yield* supervisor.process("web")).pid).not.toBe(101)
    }).pipe(Effect.provide(services([
      web,
      { name: "worker", group: "batch" },
      { name: "worker", group: "other" },
      { name: "db", statename: "STOPPED" }
    ]))))

  it.scoped("a status among the -c codes is fine; another is not", () =>
    Effect.gen(function*() {
      const probe = yield* HttpProbeTest
      const config = { ...base, programs: programs("web"), codes: [200, 201] }
      yield* probe.respond({ status: 201, reason: "Created" })
      expect(yield* run(config)).toEqual([])
      yield* probe.respond({ status: 204, reason: "No Content" })
      const [alert] = yield* run(config)
      expect(alert?.body.split("\n")[0]).toBe(`status contacting ${HEALTH}: 204 No Content`)
    }).pipe(Effect.provide(services([web]))))

  it.scoped("a body without the -b text is a bad body", () =>
    Effect.gen(function*() {
      const probe = yield* HttpProbeTest
      const config = { ...base, programs: programs("web"), body: "db: ok" }
      yield* probe.respond({ body: "status: fine\ndb: ok\n" })
      expect(yield* run(config)).toEqual([])
      yield* probe.respond({ body: "status: fine\ndb: down\n" })
      const [alert] = yield* run(config)
      expect(alert?.subject).toBe(`httpok: ${HEALTH}: bad body returned`)
      expect(alert?.body.split("\n").slice(0, 2)).toEqual([
        `status contacting ${HEALTH}: 200 OK`,
        "Restarting selected processes ['web']"
      ])
      expect((yield* restarts).started).toEqual(["web"])
    }).pipe(Effect.provide(services([web]))))

  it.scoped("no response at all is a bad status with the error in the report, and in one log line", () => {
    const log: Array<string> = []
    return Effect.gen(function*() {
      yield* Effect.flatMap(HttpProbeTest, (t) => t.respond({ delay: "1 minute" }))
      const fiber = yield* Effect.fork(run({ ...base, programs: programs("web"), timeout: Duration.seconds(2) }))
      yield* TestClock.adjust("2 seconds")
      const [alert] = yield* Fiber.join(fiber)
      expect(alert?.subject).toBe(`httpok: ${HEALTH}: bad status returned`)
      expect(alert?.body).toBe([
        `error contacting ${HEALTH}:`,
        "",
        " no complete response within 2s",
        "Restarting selected processes ['web']",
        "web is in RUNNING state, restarting",
        "web restarted"
      ].join("\n"))
      expect(log).toEqual([
        `1970-01-01T00:00:02Z INFO error contacting ${HEALTH}: no complete response within 2s`,
        "1970-01-01T00:00:02Z INFO Restarting selected processes ['web']",
        "1970-01-01T00:00:02Z INFO web is in RUNNING state, restarting",
        "1970-01-01T00:00:02Z INFO web restarted"
      ])
    }).pipe(Effect.provide(services([web], log)))
  })

  it.scoped("-n puts the name in the subject", () =>
    Effect.gen(function*() {
      yield* Effect.flatMap(HttpProbeTest, (t) => t.respond({ status: 503, reason: "Service Unavailable" }))
      const [alert] = yield* run({ ...base, name: "shop" })
      expect(alert?.subject).toBe(`httpok [shop]: ${HEALTH}: bad status returned`)
    }).pipe(Effect.provide(services([web]))))

  it.scoped("-a restarts every RUNNING process but the listener itself, and says so", () =>
    Effect.gen(function*() {
      yield* Effect.flatMap(HttpProbeTest, (t) => t.respond({ status: 500, reason: "Internal Server Error" }))
      const [alert] = yield* run({ ...base, any: true }, [tick()], { group: "httpok", name: "httpok" })
      expect(alert?.body.split("\n").slice(1)).toEqual([
        "Restarting all running processes",
        "web is in RUNNING state, restarting",
        "web restarted",
        "api:api_0 is in RUNNING state, restarting",
        "api:api_0 restarted",
        "cron not in RUNNING state, NOT restarting"
      ])
      expect(yield* restarts).toEqual({ stopped: ["web", "api:api_0"], started: ["web", "api:api_0"] })
    }).pipe(Effect.provide(services([
      web,
      { name: "httpok" },
      { name: "api_0", group: "api" },
      { name: "cron", statename: "EXITED" }
    ]))))

  it.scoped("with neither -p nor -a, nothing is restarted but the report is still mailed", () =>
    Effect.gen(function*() {
      yield* Effect.flatMap(HttpProbeTest, (t) => t.respond({ status: 500, reason: "Internal Server Error" }))
      const [alert] = yield* run(base)
      expect(alert?.body).toBe(`status contacting ${HEALTH}: 500 Internal Server Error\nRestarting selected processes []`)
      expect(yield* restarts).toEqual({ stopped: [], started: [] })
    }).pipe(Effect.provide(services([web]))))

  it.scoped("reports stop and start faults by name and carries on", () =>
    Effect.gen(function*() {
      const supervisor = yield* SupervisorTest
      yield* Effect.flatMap(HttpProbeTest, (t) => t.respond({ status: 500, reason: "Internal Server Error" }))
      yield* supervisor.setFault("stopProcess", RpcFault.of("FAILED", "web"), { namespec: "web" })
      yield* supervisor.setFault("startProcess", RpcFault.of("SPAWN_ERROR", "web"), { namespec: "web" })
      const [alert] = yield* run({ ...base, programs: programs("web", "api") })
      expect(alert?.body.split("\n").slice(2)).toEqual([
        "web is in RUNNING state, restarting",
        "Failed to stop process web: FAILED: web",
        "Failed to start process web: SPAWN_ERROR: web",
        "api is in RUNNING state, restarting",
        "api restarted"
      ])
      expect(alert?.processes).toEqual(["api:api"])
    }).pipe(Effect.provide(services([web, { name: "api" }]))))

  it.scoped("with -d, takes a core with the gcore program before restarting and reports its output", () =>
    Effect.gen(function*() {
      const gcore = yield* GcoreTest
      yield* gcore.respond("Saved corefile /var/cores/batch:worker.202\n")
      yield* Effect.flatMap(HttpProbeTest, (t) => t.respond({ status: 500, reason: "Internal Server Error" }))
      const [alert] = yield* run({ ...base, programs: programs("worker"), coredir: "/var/cores/", gcore: "gcore -o" })
      expect(yield* gcore.requests).toEqual([{ command: "gcore -o", corefile: "/var/cores/batch:worker", pid: 202 }])
      expect(alert?.body.split("\n").slice(2)).toEqual([
        "gcore output for batch:worker:",
        "",
        " Saved corefile /var/cores/batch:worker.202",
        "",
        "batch:worker is in RUNNING state, restarting",
        "batch:worker restarted"
      ])
    }).pipe(Effect.provide(services([{ name: "worker", group: "batch", pid: 202 }]))))

  it.scoped("a failing gcore is reported and the restart still happens", () =>
    Effect.gen(function*() {
      const gcore = yield* GcoreTest
      yield* gcore.respond(
        new GcoreError({ reason: "Unavailable", output: "sh: 1: gcore: not found\n", message: "gcore command (gcore -o) exited with code 127: sh: 1: gcore: not found" })
      )
      yield* Effect.flatMap(HttpProbeTest, (t) => t.respond({ status: 500, reason: "Internal Server Error" }))
      const [alert] = yield* run({ ...base, programs: programs("web"), coredir: "/cores", gcore: "gcore -o" })
      expect(alert?.body.split("\n").slice(2)).toEqual([
        "gcore output for web:",
        "",
        " sh: 1: gcore: not found",
        "",
        "gcore failed for web: gcore command (gcore -o) exited with code 127: sh: 1: gcore: not found",
        "web is in RUNNING state, restarting",
        "web restarted"
      ])
    }).pipe(Effect.provide(services([web]))))

  it.scoped("-E: no request while no watched process is RUNNING", () =>
    Effect.gen(function*() {
      const supervisor = yield* SupervisorTest
      const probe = yield* HttpProbeTest
      const config = { ...base, eager: false, programs: programs("web") }
      expect(yield* run(config)).toEqual([])
      expect(yield* probe.requests).toEqual([])
      yield* supervisor.updateProcess("web", { statename: "RUNNING" })
      yield* run(config)
      expect(yield* probe.requests).toHaveLength(1)
    }).pipe(Effect.provide(services([{ name: "web", statename: "STOPPED" }, { name: "other" }]))))

  it.scoped("-E with -a does not count the listener itself as watched", () =>
    Effect.gen(function*() {
      yield* run({ ...base, eager: false, any: true }, [tick()], { group: "httpok", name: "httpok" })
      expect(yield* Effect.flatMap(HttpProbeTest, (t) => t.requests)).toEqual([])
    }).pipe(Effect.provide(services([{ name: "httpok" }, { name: "web", statename: "STOPPED" }]))))

  it.scoped("eager (the default) checks and mails even when nothing watched runs", () =>
    Effect.gen(function*() {
      yield* Effect.flatMap(HttpProbeTest, (t) => t.respond({ status: 500, reason: "Internal Server Error" }))
      const [alert] = yield* run({ ...base, programs: programs("web") })
      expect(alert?.body.split("\n").slice(1)).toEqual([
        "Restarting selected processes ['web']",
        "web not in RUNNING state, NOT restarting"
      ])
    }).pipe(Effect.provide(services([{ name: "web", statename: "STOPPED" }]))))

  it.scoped("ignores events other than ticks", () =>
    Effect.gen(function*() {
      yield* run({ ...base, programs: programs("web") }, [
        event("PROCESS_STATE_EXITED", "processname:web groupname:web from_state:RUNNING expected:0 pid:1")
      ])
      expect(yield* Effect.flatMap(HttpProbeTest, (t) => t.requests)).toEqual([])
    }).pipe(Effect.provide(services([web]))))

  const log: Array<string> = []
  it.scoped("supervisord unreachable: the tick is handled, the failure logged, and the next tick acts", () =>
    Effect.gen(function*() {
      const supervisor = yield* SupervisorTest
      const unreachable = new RpcTransportError({ reason: "SocketMissing", url: "unix:///run/supervisor.sock", method: "supervisor.getAllProcessInfo" })
      yield* supervisor.setFault("getAllProcessInfo", unreachable, { times: 1 })
      yield* Effect.flatMap(HttpProbeTest, (t) => t.respond({ status: 500, reason: "Internal Server Error" }))
      const handle = yield* httpok({ ...base, programs: programs("web") })
      // The handler cannot fail: the listener acknowledges the tick.
      yield* handle(tick(1_700_000_000))
      expect(yield* restarts).toEqual({ stopped: [], started: [] })
      expect(untimed(log)).toContain(
        "INFO Exception retrieving process info cannot reach supervisord at unix:///run/supervisor.sock: no such socket (supervisor.getAllProcessInfo), not acting"
      )
      yield* handle(tick(1_700_000_005))
      expect(yield* restarts).toEqual({ stopped: ["web"], started: ["web"] })
    }).pipe(Effect.provide(services([web], log))))

  it.scoped("-E with supervisord unreachable: logged, no request, next tick checks", () =>
    Effect.gen(function*() {
      const supervisor = yield* SupervisorTest
      const probe = yield* HttpProbeTest
      yield* supervisor.setFault("getAllProcessInfo", new RpcTransportError({ reason: "Refused", url: "http://127.0.0.1:9001" }), {
        times: 1
      })
      const handle = yield* httpok({ ...base, eager: false, programs: programs("web") })
      yield* handle(tick(1_700_000_000))
      expect(yield* probe.requests).toEqual([])
      yield* handle(tick(1_700_000_005))
      expect(yield* probe.requests).toHaveLength(1)
    }).pipe(Effect.provide(services([web]))))

  it.scoped("one check at a time: ticks queued during a long check are skipped, the newest one runs", () =>
    Effect.gen(function*() {
      const probe = yield* HttpProbeTest
      yield* TestClock.setTime(1_700_000_000_000)
      yield* probe.respondOnce({ delay: "12 seconds" })
      const handle = yield* httpok({ ...base, programs: programs("web"), timeout: Duration.seconds(30) })
      const first = yield* Effect.fork(handle(tick(1_700_000_000)))
      yield* TestClock.adjust("12 seconds")
      yield* Fiber.join(first)
      // TICK_5 of :05 and :10 were queued meanwhile; :05's period ended before the check did.
      yield* handle(tick(1_700_000_005))
      expect(yield* probe.requests).toHaveLength(1)
      yield* handle(tick(1_700_000_010))
      expect(yield* probe.requests).toHaveLength(2)
    }).pipe(Effect.provide(services([web]))))
})

describe("isStale", () => {
  it("only a tick whose whole period ended before the last check ended", () => {
    expect(isStale({ eventName: "TICK_5", when: 100 }, 105_000)).toBe(true)
    expect(isStale({ eventName: "TICK_5", when: 100 }, 104_999)).toBe(false)
    expect(isStale({ eventName: "TICK_60", when: 60 }, 100_000)).toBe(false)
    expect(isStale({ eventName: "TICK_5", when: 100 }, 0)).toBe(false)
  })
})

describe("pythonList", () => {
  it("prints names as the original's report does", () => {
    expect(pythonList([])).toBe("[]")
    expect(pythonList(["a", "g:b"])).toBe("['a', 'g:b']")
    expect(pythonList(["it's"])).toBe(`["it's"]`)
  })
})

describe("httpok with the real probe and an HTTP server", () => {
  /** Runs one tick live and waits for the alert (if one is expected). */
  const liveTick = (config: HttpokSettings, expectAlert: boolean) =>
    Effect.gen(function*() {
      const handle = yield* httpok(config)
      const started = Date.now()
      yield* handle(tick())
      const elapsed = Date.now() - started
      const notifier = yield* RoutesTest
      if (expectAlert) yield* waitUntil(Effect.map(notifier.sent, (sent) => sent.length > 0), { timeout: 2000 })
      return { sent: yield* notifier.sent, elapsed }
    })
  const liveServices = servicesWith(HttpProbe.layer)

  it.scopedLive("500 → restart", () =>
    Effect.gen(function*() {
      const http = yield* HttpFixture.make()
      http.respond({ status: 500 })
      const { sent } = yield* liveTick({ ...base, url: http.url("/health"), programs: programs("web") }, true)
      expect(sent[0]?.body.split("\n")[0]).toBe(`status contacting ${http.url("/health")}: 500 Internal Server Error`)
      expect(yield* restarts).toEqual({ stopped: ["web"], started: ["web"] })
      expect(http.requests()[0]?.headers["user-agent"]).toBe("httpok")
    }).pipe(Effect.provide(liveServices([web]))))

  it.scopedLive("201 with -c 200 -c 201 → nothing", () =>
    Effect.gen(function*() {
      const http = yield* HttpFixture.make()
      http.respond({ status: 201 })
      const { sent } = yield* liveTick({ ...base, url: http.url(), programs: programs("web"), codes: [200, 201] }, false)
      expect(sent).toEqual([])
      expect(yield* restarts).toEqual({ stopped: [], started: [] })
      expect(http.requests()).toHaveLength(1)
    }).pipe(Effect.provide(liveServices([web]))))

  it.scopedLive("a body lacking the -b text → restart", () =>
    Effect.gen(function*() {
      const http = yield* HttpFixture.make()
      http.respond({ body: "database: unreachable" })
      const { sent } = yield* liveTick({ ...base, url: http.url(), programs: programs("web"), body: "database: ok" }, true)
      expect(sent[0]?.subject).toBe(`httpok: ${http.url()}: bad body returned`)
      expect((yield* restarts).started).toEqual(["web"])
    }).pipe(Effect.provide(liveServices([web]))))

  it.scopedLive("a response slower than -t 2 → restart after about 2 s", () =>
    Effect.gen(function*() {
      const http = yield* HttpFixture.make()
      http.respond({ delay: "6 seconds" })
      const { elapsed, sent } = yield* liveTick(
        { ...base, url: http.url(), programs: programs("web"), timeout: Duration.seconds(2) },
        true
      )
      expect(elapsed).toBeGreaterThanOrEqual(1900)
      expect(elapsed).toBeLessThan(3500)
      expect(sent[0]?.body).toContain(`error contacting ${http.url()}:\n\n no complete response within 2s`)
      expect((yield* restarts).started).toEqual(["web"])
    }).pipe(Effect.provide(liveServices([web]))))

  it.scopedLive("nothing listening → restart", () =>
    Effect.gen(function*() {
      const http = yield* HttpFixture.make()
      yield* http.stop
      const { sent } = yield* liveTick({ ...base, url: http.url(), programs: programs("web"), timeout: Duration.seconds(1) }, true)
      expect(sent[0]?.body).toMatch(/^error contacting http:\/\/127\.0\.0\.1:\d+\/:\n\n connection refused by 127\.0\.0\.1:\d+ \(\d+ attempts in 1s\)\n/)
      expect((yield* restarts).started).toEqual(["web"])
    }).pipe(Effect.provide(liveServices([web]))))

  it.scopedLive("-E with the program stopped → no request made", () =>
    Effect.gen(function*() {
      const http = yield* HttpFixture.make()
      http.respond({ status: 500 })
      yield* liveTick({ ...base, url: http.url(), programs: programs("web"), eager: false }, false)
      expect(http.requests()).toEqual([])
    }).pipe(Effect.provide(liveServices([{ name: "web", statename: "STOPPED" }]))))

  it.scopedLive("-a restarts every RUNNING process", () =>
    Effect.gen(function*() {
      const http = yield* HttpFixture.make()
      http.respond({ status: 500 })
      yield* liveTick({ ...base, url: http.url(), any: true }, true)
      expect(yield* restarts).toEqual({ stopped: ["web", "api:api_0", "api:api_1"], started: ["web", "api:api_0", "api:api_1"] })
    }).pipe(Effect.provide(liveServices([
      web,
      { name: "api_0", group: "api" },
      { name: "api_1", group: "api" },
      { name: "cron", statename: "STOPPED" }
    ]))))
})

describe("httpok operator safety (--failures, --grace, --max-restarts)", () => {
  const failing = Effect.flatMap(HttpProbeTest, (t) => t.respond({ status: 500, reason: "Internal Server Error" }))
  const healthy = Effect.flatMap(HttpProbeTest, (t) => t.respond({ status: 200, reason: "OK" }))
  const log: Array<string> = []
  const sent = Effect.flatMap(RoutesTest, (test) => test.sent)
  /** One tick, then time for the background delivery of what it sent. */
  const tickOnce = (handle: (event: Event) => Effect.Effect<void>) =>
    handle(tick()).pipe(Effect.zipRight(TestClock.adjust("10 millis")))

  it.scoped("--failures 3: acts only at the third bad check in a row; a good check starts the count again", () =>
    Effect.gen(function*() {
      const handle = yield* httpok({ ...base, programs: programs("web"), failures: 3 })
      yield* failing
      yield* tickOnce(handle)
      yield* tickOnce(handle)
      yield* healthy
      yield* tickOnce(handle)
      yield* failing
      yield* tickOnce(handle)
      yield* tickOnce(handle)
      expect(yield* sent).toEqual([])
      expect(yield* restarts).toEqual({ stopped: [], started: [] })
      expect(untimed(log)).toContain("INFO bad check 2 of 3 in a row (--failures 3), not acting yet")
      yield* tickOnce(handle)
      expect(yield* restarts).toEqual({ stopped: ["web"], started: ["web"] })
      const [alert] = yield* sent
      expect(alert?.subject).toBe(`httpok: ${HEALTH}: bad status returned`)
      expect(alert?.body).toBe([
        `status contacting ${HEALTH}: 500 Internal Server Error`,
        "Restarting selected processes ['web']",
        "web is in RUNNING state, restarting",
        "web restarted",
        "Acted after 3 bad checks in a row (--failures 3)"
      ].join("\n"))
      // After acting, the count starts again.
      yield* tickOnce(handle)
      expect(yield* sent).toHaveLength(1)
    }).pipe(Effect.provide(services([web], log))))

  it.scoped("--failures with -E: a stretch with nothing watched RUNNING ends the count", () =>
    Effect.gen(function*() {
      const supervisor = yield* SupervisorTest
      const handle = yield* httpok({ ...base, eager: false, programs: programs("web"), failures: 2 })
      yield* failing
      yield* tickOnce(handle)
      yield* supervisor.updateProcess("web", { statename: "STOPPED" })
      yield* tickOnce(handle)
      yield* supervisor.updateProcess("web", { statename: "RUNNING" })
      yield* tickOnce(handle)
      expect(yield* sent).toEqual([])
      yield* tickOnce(handle)
      expect(yield* sent).toHaveLength(1)
    }).pipe(Effect.provide(services([web]))))

  it.scoped("--grace: a process up for less is left alone and nothing is mailed; the first bad check after it restarts", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      yield* Effect.gen(function*() {
        const handle = yield* httpok({ ...base, programs: programs("web"), grace: Duration.minutes(1) })
        yield* failing
        yield* TestClock.adjust("59 seconds")
        yield* tickOnce(handle)
        expect(yield* restarts).toEqual({ stopped: [], started: [] })
        expect(yield* sent).toEqual([])
        expect(lines).toContain("1970-01-01T00:00:59Z INFO web is in RUNNING state but up only 59s (--grace 1m), NOT restarting")
        yield* TestClock.adjust("1 second")
        yield* tickOnce(handle)
        expect(yield* restarts).toEqual({ stopped: ["web"], started: ["web"] })
        expect((yield* sent).map((alert) => alert.body.split("\n").slice(2))).toEqual([[
          "web is in RUNNING state, restarting",
          "web restarted"
        ]])
      }).pipe(Effect.provide(services([web], lines)))
    }))

  it.scoped("--grace with several processes: the young one is spared, the others restarted, the report says so", () =>
    Effect.gen(function*() {
      const supervisor = yield* SupervisorTest
      yield* TestClock.adjust("10 minutes")
      yield* supervisor.updateProcess("api", { start: 600 - 5 })
      const handle = yield* httpok({ ...base, programs: programs("web", "api"), grace: Duration.seconds(30) })
      yield* failing
      yield* tickOnce(handle)
      expect(yield* restarts).toEqual({ stopped: ["web"], started: ["web"] })
      const [alert] = yield* sent
      expect(alert?.body.split("\n").slice(1)).toEqual([
        "Restarting selected processes ['web', 'api']",
        "web is in RUNNING state, restarting",
        "web restarted",
        "api is in RUNNING state but up only 5s (--grace 30s), NOT restarting"
      ])
      expect(alert?.processes).toEqual(["web:web"])
    }).pipe(Effect.provide(services([web, { name: "api" }]))))

  it.scoped("--max-restarts 2 --restart-window 10m: two restarts, then one alert and no more restarts until the window has passed", () =>
    Effect.gen(function*() {
      const handle = yield* httpok({
        ...base,
        programs: programs("web"),
        restartLimit: { max: 2, window: Duration.minutes(10) }
      })
      yield* failing
      for (let i = 0; i < 5; i++) {
        yield* tickOnce(handle)
        yield* TestClock.adjust("5 seconds")
      }
      expect(yield* restarts).toEqual({ stopped: ["web", "web"], started: ["web", "web"] })
      const alerts = yield* sent
      expect(alerts.map((alert) => alert.subject)).toEqual([
        `httpok: ${HEALTH}: bad status returned`,
        `httpok: ${HEALTH}: bad status returned`,
        `httpok: ${HEALTH}: restart limit reached`
      ])
      expect(alerts[2]).toEqual({
        plugin: "httpok",
        subject: `httpok: ${HEALTH}: restart limit reached`,
        body: [
          `status contacting ${HEALTH}: 500 Internal Server Error`,
          `Not restarting web: it was restarted 2 times within 10m (--max-restarts 2 --restart-window 10m). Restarts resume at ${
            formatAsctime(Duration.toMillis("10 minutes"))
          } if the check still fails.`
        ].join("\n"),
        processes: ["web:web"]
      })

      // The first restart (at 0) leaves the window at 10m: restarts resume.
      yield* TestClock.setTime(Duration.toMillis("10 minutes"))
      yield* tickOnce(handle)
      expect((yield* restarts).started).toHaveLength(3)
      expect((yield* sent).slice(3).map((alert) => alert.subject)).toEqual([`httpok: ${HEALTH}: bad status returned`])
    }).pipe(Effect.provide(services([web]))))

  it.scoped("the restart limit with -n and -a: one alert naming every process held, with -n's name in the subject", () =>
    Effect.gen(function*() {
      const handle = yield* httpok({
        ...base,
        any: true,
        name: "shop",
        restartLimit: { max: 1, window: Duration.hours(1) }
      })
      yield* failing
      yield* tickOnce(handle)
      yield* tickOnce(handle)
      yield* tickOnce(handle)
      const alerts = yield* sent
      expect(alerts).toHaveLength(2)
      expect(alerts[1]?.subject).toBe(`httpok [shop]: ${HEALTH}: restart limit reached`)
      expect(alerts[1]?.body.split("\n").slice(1).map((line) => line.replace(/ Restarts resume.*/, ""))).toEqual([
        "Not restarting web: it was restarted 1 time within 1h (--max-restarts 1 --restart-window 1h).",
        "Not restarting api:api_0: it was restarted 1 time within 1h (--max-restarts 1 --restart-window 1h)."
      ])
      expect(alerts[1]?.processes).toEqual(["web:web", "api:api_0"])
    }).pipe(Effect.provide(services([web, { name: "api_0", group: "api" }]))))
})

describe("httpok and process groups", () => {
  // supervisord's numprocs=3 with process_name=%(program_name)s_%(process_num)02d.
  const webGroup: ReadonlyArray<TestProcess> = [
    { name: "web_00", group: "web", pid: 300 },
    { name: "web_01", group: "web", pid: 301 },
    { name: "web_02", group: "web", pid: 302 }
  ]
  const failing = Effect.flatMap(HttpProbeTest, (t) => t.respond({ status: 500, reason: "Internal Server Error" }))

  it.scoped("-p web:* restarts every RUNNING process of the group; the report names them", () =>
    Effect.gen(function*() {
      yield* failing
      const [alert] = yield* run({ ...base, programs: programs("web:*", "db") })
      expect(alert?.body).toBe([
        `status contacting ${HEALTH}: 500 Internal Server Error`,
        "Restarting selected processes ['web:web_00', 'web:web_02', 'db']",
        "web:web_00 is in RUNNING state, restarting",
        "web:web_00 restarted",
        "web:web_01 not in RUNNING state, NOT restarting",
        "web:web_02 is in RUNNING state, restarting",
        "web:web_02 restarted"
      ].join("\n") + "\n" + "db is in RUNNING state, restarting\ndb restarted")
      expect(yield* restarts).toEqual({
        stopped: ["web:web_00", "web:web_02", "db"],
        started: ["web:web_00", "web:web_02", "db"]
      })
      expect(alert?.processes).toEqual(["web:web_00", "web:web_02", "db:db"])
    }).pipe(Effect.provide(services([
      webGroup[0]!,
      { ...webGroup[1]!, statename: "STOPPED" },
      webGroup[2]!,
      { name: "db" },
      { name: "web_03", group: "other" }
    ]))))

  it.scoped("a group that matched nothing is reported as the original reports a missing -p", () =>
    Effect.gen(function*() {
      yield* failing
      const [alert] = yield* run({ ...base, programs: programs("api:*") })
      expect(alert?.body.split("\n").slice(1)).toEqual([
        "Restarting selected processes []",
        "Programs not restarted because they did not exist: ['api:*']"
      ])
    }).pipe(Effect.provide(services(webGroup))))

  describe("a URL per process", () => {
    const TEMPLATE = "http://127.0.0.1:{port}/health"
    const perProcess: HttpokSettings = { ...base, url: TEMPLATE, portBase: 8000, programs: programs("web:*") }
    const at = (port: number) => `http://127.0.0.1:${port}/health`

    it.scoped("checks each RUNNING process at its own URL and restarts only the one that fails", () =>
      Effect.gen(function*() {
        const probe = yield* HttpProbeTest
        yield* probe.respondAt(at(8001), { status: 500, reason: "Internal Server Error" })
        const sent = yield* run(perProcess)
        expect((yield* probe.requests).map((r) => r.url).sort()).toEqual([at(8000), at(8001), at(8002)])
        expect(yield* restarts).toEqual({ stopped: ["web:web_01"], started: ["web:web_01"] })
        expect(sent).toEqual([{
          plugin: "httpok",
          subject: `httpok: ${TEMPLATE}: 1 of 3 processes failed`,
          body: [
            `status contacting ${at(8001)}: 500 Internal Server Error`,
            "web:web_01 is in RUNNING state, restarting",
            "web:web_01 restarted"
          ].join("\n"),
          processes: ["web:web_01"]
        }])
      }).pipe(Effect.provide(services([...webGroup, { name: "db" }]))))

    it.scoped("{num} is the digits ending the name as written; {name} and {group} as supervisord names them", () =>
      Effect.gen(function*() {
        const probe = yield* HttpProbeTest
        yield* run({ ...base, url: "http://{group}.local:80{num}/{name}", programs: programs("web:*") })
        expect((yield* probe.requests).map((r) => r.url)).toEqual([
          "http://web.local:8000/web_00",
          "http://web.local:8001/web_01",
          "http://web.local:8002/web_02"
        ])
      }).pipe(Effect.provide(services(webGroup))))

    it.scoped("one report for the tick, a section per failing process; -n in the subject", () =>
      Effect.gen(function*() {
        const probe = yield* HttpProbeTest
        yield* probe.respondAt(at(8000), { fail: "Reset", message: "connection to 127.0.0.1:8000 closed before a complete response" })
        yield* probe.respondAt(at(8002), { status: 503, reason: "Service Unavailable" })
        const [alert, ...more] = yield* run({ ...perProcess, name: "shop" })
        expect(more).toEqual([])
        expect(alert?.subject).toBe(`httpok [shop]: ${TEMPLATE}: 2 of 3 processes failed`)
        expect(alert?.body).toBe([
          `error contacting ${at(8000)}:`,
          "",
          " connection to 127.0.0.1:8000 closed before a complete response",
          "web:web_00 is in RUNNING state, restarting",
          "web:web_00 restarted",
          "",
          `status contacting ${at(8002)}: 503 Service Unavailable`,
          "web:web_02 is in RUNNING state, restarting",
          "web:web_02 restarted"
        ].join("\n"))
        expect(alert?.processes).toEqual(["web:web_00", "web:web_02"])
      }).pipe(Effect.provide(services(webGroup))))

    it.scoped("checks at most 8 at once, each within -t", () =>
      Effect.gen(function*() {
        const probe = yield* HttpProbeTest
        yield* probe.respond({ delay: "4 seconds" })
        const many = Array.from({ length: 10 }, (_, i) => ({ name: `web_${i}`, group: "web" }))
        yield* Effect.flatMap(SupervisorTest, (sv) => sv.setProcesses(many))
        const handle = yield* httpok({ ...perProcess, timeout: Duration.seconds(5) })
        const fiber = yield* Effect.fork(handle(tick()))
        yield* TestClock.adjust("1 second")
        expect(yield* probe.requests).toHaveLength(8)
        yield* TestClock.adjust("3 seconds")
        expect(yield* probe.requests).toHaveLength(10)
        yield* TestClock.adjust("4 seconds")
        yield* Fiber.join(fiber)
        expect(yield* restarts).toEqual({ stopped: [], started: [] })
      }).pipe(Effect.provide(services([]))))

    it.scoped("a check slower than -t fails that process alone", () =>
      Effect.gen(function*() {
        const probe = yield* HttpProbeTest
        yield* probe.respondAt(at(8002), { delay: "1 minute" })
        const fiber = yield* Effect.fork(run({ ...perProcess, timeout: Duration.seconds(2) }))
        yield* TestClock.adjust("2 seconds")
        const [alert] = yield* Fiber.join(fiber)
        expect(alert?.subject).toBe(`httpok: ${TEMPLATE}: 1 of 3 processes failed`)
        expect(alert?.body.split("\n").slice(0, 3)).toEqual([`error contacting ${at(8002)}:`, "", " no complete response within 2s"])
        expect(yield* restarts).toEqual({ stopped: ["web:web_02"], started: ["web:web_02"] })
      }).pipe(Effect.provide(services(webGroup))))

    it.scoped("a process whose name ends in no number: a configuration problem, logged and mailed once, never restarted", () => {
      const log: Array<string> = []
      return Effect.gen(function*() {
        yield* failing
        const handle = yield* httpok(perProcess)
        yield* handle(tick(1_700_000_000))
        yield* handle(tick(1_700_000_005))
        yield* TestClock.adjust("10 millis")
        const sent = yield* Effect.flatMap(RoutesTest, (t) => t.sent)
        const problem = `cannot check web:web_admin at ${TEMPLATE}: its name ends in no number for {port}; not checking or restarting it`
        expect(sent.filter((a) => a.subject.endsWith("configuration problem"))).toEqual([{
          plugin: "httpok",
          subject: `httpok: ${TEMPLATE}: configuration problem`,
          body: problem,
          processes: ["web:web_admin"]
        }])
        expect(untimed(log).filter((line) => line.startsWith("ERROR"))).toEqual([`ERROR ${problem}`])
        expect((yield* Effect.flatMap(HttpProbeTest, (t) => t.requests)).map((r) => r.url)).not.toContain(
          expect.stringContaining("admin")
        )
        expect((yield* restarts).stopped).not.toContain("web:web_admin")
        expect(sent.filter((a) => a.subject.endsWith("processes failed")).map((a) => a.subject)).toEqual([
          `httpok: ${TEMPLATE}: 1 of 1 processes failed`,
          `httpok: ${TEMPLATE}: 1 of 1 processes failed`
        ])
      }).pipe(Effect.provide(services([webGroup[0]!, { name: "web_admin", group: "web" }], log)))
    })

    it.scoped("with -d, core-dumps only the failing process", () =>
      Effect.gen(function*() {
        const gcore = yield* GcoreTest
        yield* Effect.flatMap(HttpProbeTest, (t) => t.respondAt(at(8001), { status: 500 }))
        yield* run({ ...perProcess, coredir: "/cores", gcore: "gcore -o" })
        expect(yield* gcore.requests).toEqual([{ command: "gcore -o", corefile: "/cores/web:web_01", pid: 301 }])
      }).pipe(Effect.provide(services(webGroup))))

    it.scoped("--failures counts per process: each is restarted at its own second bad check in a row", () =>
      Effect.gen(function*() {
        const probe = yield* HttpProbeTest
        const handle = yield* httpok({ ...perProcess, failures: 2 })
        const tickOnce = handle(tick()).pipe(Effect.zipRight(TestClock.adjust("10 millis")))
        yield* probe.respondAt(at(8000), { status: 500, reason: "Internal Server Error" })
        yield* tickOnce
        yield* probe.respondAt(at(8001), { status: 500, reason: "Internal Server Error" })
        yield* tickOnce
        expect(yield* restarts).toEqual({ stopped: ["web:web_00"], started: ["web:web_00"] })
        const [first] = yield* Effect.flatMap(RoutesTest, (t) => t.sent)
        expect(first?.subject).toBe(`httpok: ${TEMPLATE}: 2 of 3 processes failed`)
        expect(first?.body).toBe([
          `status contacting ${at(8000)}: 500 Internal Server Error`,
          "web:web_00 is in RUNNING state, restarting",
          "web:web_00 restarted",
          "Acted after 2 bad checks in a row (--failures 2)",
          "",
          `status contacting ${at(8001)}: 500 Internal Server Error`,
          "web:web_01: bad check 1 of 2 in a row (--failures 2), not acting yet"
        ].join("\n"))
        // web_00 is a new process (new pid): its count starts again, web_01's goes on.
        yield* tickOnce
        expect(yield* restarts).toEqual({ stopped: ["web:web_00", "web:web_01"], started: ["web:web_00", "web:web_01"] })
      }).pipe(Effect.provide(services(webGroup))))

    it.scoped("--max-restarts counts per process: one held back does not hold back the others", () =>
      Effect.gen(function*() {
        const probe = yield* HttpProbeTest
        const handle = yield* httpok({ ...perProcess, restartLimit: { max: 1, window: Duration.hours(1) } })
        const tickOnce = handle(tick()).pipe(Effect.zipRight(TestClock.adjust("10 millis")))
        yield* probe.respondAt(at(8000), { status: 500 })
        yield* tickOnce
        yield* tickOnce
        yield* probe.respondAt(at(8001), { status: 500 })
        yield* tickOnce
        expect(yield* restarts).toEqual({ stopped: ["web:web_00", "web:web_01"], started: ["web:web_00", "web:web_01"] })
        const subjects = (yield* Effect.flatMap(RoutesTest, (t) => t.sent)).map((a) => a.subject)
        expect(subjects).toEqual([
          `httpok: ${TEMPLATE}: 1 of 3 processes failed`,
          `httpok: ${TEMPLATE}: restart limit reached`,
          `httpok: ${TEMPLATE}: 2 of 3 processes failed`
        ])
      }).pipe(Effect.provide(services(webGroup))))

    it.scoped("--grace counts per process: the young one is spared, the old one restarted", () =>
      Effect.gen(function*() {
        yield* TestClock.adjust("10 minutes")
        yield* Effect.flatMap(SupervisorTest, (sv) => sv.updateProcess("web:web_01", { start: 600 - 5 }))
        yield* failing
        const [alert] = yield* run({ ...perProcess, grace: Duration.seconds(30) })
        expect(yield* restarts).toEqual({ stopped: ["web:web_00", "web:web_02"], started: ["web:web_00", "web:web_02"] })
        expect(alert?.body.split("\n\n")[1]).toBe([
          `status contacting ${at(8001)}: 500 Internal Server Error`,
          "web:web_01 is in RUNNING state but up only 5s (--grace 30s), NOT restarting"
        ].join("\n"))
      }).pipe(Effect.provide(services(webGroup))))

    it.scoped("only the selected RUNNING processes are checked; supervisord unreachable: no check, a warning", () => {
      const log: Array<string> = []
      return Effect.gen(function*() {
        const supervisor = yield* SupervisorTest
        const probe = yield* HttpProbeTest
        yield* run(perProcess)
        expect((yield* probe.requests).map((r) => r.url)).toEqual([at(8000), at(8002)])
        yield* supervisor.setFault("getAllProcessInfo", new RpcTransportError({ reason: "Refused", url: "http://127.0.0.1:9001" }))
        yield* run(perProcess)
        expect(yield* probe.requests).toHaveLength(2)
        expect(untimed(log).some((line) => line.startsWith("WARN cannot list the processes to check"))).toBe(true)
      }).pipe(Effect.provide(services([webGroup[0]!, { ...webGroup[1]!, statename: "STARTING" }, webGroup[2]!, {
        name: "db_05"
      }], log)))
    })
  })

  describe("a TCP check", () => {
    it.scoped("tcp://HOST:{port}: a process whose port refuses is restarted, with the reason in the report", () =>
      Effect.gen(function*() {
        const tcp = yield* TcpProbeTest
        yield* tcp.respondAt("tcp://127.0.0.1:9001", { fail: "Refused" })
        const config = { ...base, url: "tcp://127.0.0.1:{port}", portBase: 9000, programs: programs("web:*") }
        const fiber = yield* Effect.fork(run({ ...config, timeout: Duration.seconds(2) }))
        // Refused is retried until -t is spent: the port may be coming up.
        yield* TestClock.adjust("2 seconds")
        const sent = yield* Fiber.join(fiber)
        expect(new Set((yield* tcp.requests).map((r) => r.url))).toEqual(
          new Set(["tcp://127.0.0.1:9000", "tcp://127.0.0.1:9001", "tcp://127.0.0.1:9002"])
        )
        expect(yield* Effect.flatMap(HttpProbeTest, (t) => t.requests)).toEqual([])
        expect(sent).toEqual([{
          plugin: "httpok",
          subject: "httpok: tcp://127.0.0.1:{port}: 1 of 3 processes failed",
          body: [
            "error contacting tcp://127.0.0.1:9001:",
            "",
            " connection refused by 127.0.0.1:9001 (5 attempts in 2s)",
            "web:web_01 is in RUNNING state, restarting",
            "web:web_01 restarted"
          ].join("\n"),
          processes: ["web:web_01"]
        }])
      }).pipe(Effect.provide(services(webGroup))))

    it.scoped("one tcp:// URL for all: the original's report, a connection that opens is fine", () =>
      Effect.gen(function*() {
        const tcp = yield* TcpProbeTest
        const config = { ...base, url: "tcp://db.local:5432", programs: programs("web:*") }
        expect(yield* run(config)).toEqual([])
        yield* tcp.respond({ fail: "Timeout", message: "no connection within 10s" })
        const [alert] = yield* run(config)
        expect(alert?.subject).toBe("httpok: tcp://db.local:5432: bad status returned")
        expect(alert?.body.split("\n").slice(0, 4)).toEqual([
          "error contacting tcp://db.local:5432:",
          "",
          " no connection within 10s",
          "Restarting selected processes ['web:web_00', 'web:web_01', 'web:web_02']"
        ])
      }).pipe(Effect.provide(services(webGroup))))
  })
})
