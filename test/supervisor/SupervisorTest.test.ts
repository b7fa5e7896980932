import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { Supervisor } from "../../src/supervisor/Supervisor.js"
import { RpcFault, RpcTransportError } from "../../src/supervisor/SupervisorError.js"
import { SupervisorTest } from "../../src/supervisor/SupervisorTest.js"

const table = SupervisorTest.layer([
  { name: "app", group: "web" },
  { name: "db", statename: "STOPPED" },
  { name: "cron", statename: "FATAL", spawnerr: "Exited too quickly" }
])

describe("SupervisorTest", () => {
  it.effect("serves the table with supervisord's defaults", () =>
    Effect.gen(function*() {
      const infos = yield* Effect.flatMap(Supervisor, (s) => s.getAllProcessInfo)
      expect(infos.map((i) => [i.group, i.name, i.statename, i.state])).toEqual([
        ["web", "app", "RUNNING", 20],
        ["db", "db", "STOPPED", 0],
        ["cron", "cron", "FATAL", 200]
      ])
      expect(infos[0]!.pid).toBeGreaterThan(0)
      expect(infos[1]!.pid).toBe(0)
      expect(infos[2]!.spawnerr).toBe("Exited too quickly")
    }).pipe(Effect.provide(table)))

  it.effect("restarts give a new pid and a start time from the Clock; calls are recorded", () =>
    Effect.gen(function*() {
      const s = yield* Supervisor
      const control = yield* SupervisorTest
      const before = yield* s.getProcessInfo("web:app")
      yield* TestClock.adjust("90 seconds")
      expect(yield* s.stopProcess("web:app")).toBe(true)
      expect(yield* control.process("web:app")).toMatchObject({ statename: "STOPPED", pid: 0, stop: 90 })
      expect(yield* s.startProcess("web:app", false)).toBe(true)
      const after = yield* s.getProcessInfo("web:app")
      expect(after).toMatchObject({ statename: "RUNNING", start: 90, now: 90 })
      expect(after.pid).not.toBe(before.pid)
      expect(yield* control.callsOf("stopProcess")).toEqual([["web:app", true]])
      expect((yield* control.calls).map((c) => c.method)).toEqual(
        ["getProcessInfo", "stopProcess", "startProcess", "getProcessInfo"]
      )
    }).pipe(Effect.provide(table)))

  it.effect("answers with supervisord's faults", () =>
    Effect.gen(function*() {
      const s = yield* Supervisor
      expect(yield* Effect.flip(s.getProcessInfo("app"))).toEqual(RpcFault.of("BAD_NAME", "app"))
      expect(yield* Effect.flip(s.stopProcess("db"))).toMatchObject({ faultName: "NOT_RUNNING", faultCode: 70 })
      expect(yield* Effect.flip(s.startProcess("web:app"))).toMatchObject({ faultName: "ALREADY_STARTED" })
      expect(yield* Effect.flip(s.signalProcess("web:app", "BOGUS"))).toMatchObject({ faultName: "BAD_SIGNAL" })
      expect(yield* s.signalProcess("web:app", "SIGHUP")).toBe(true)
      expect(yield* s.startProcess("cron")).toBe(true)
    }).pipe(Effect.provide(table)))

  it.effect("scripted faults: by method, by process, a number of times", () =>
    Effect.gen(function*() {
      const s = yield* Supervisor
      const control = yield* SupervisorTest
      yield* control.setFault("startProcess", RpcFault.of("SPAWN_ERROR", "db"), { namespec: "db", times: 1 })
      yield* control.setFault("getAllProcessInfo", new RpcTransportError({ reason: "Refused", url: "unix:///x.sock" }))
      expect(yield* Effect.flip(s.startProcess("db"))).toMatchObject({ faultName: "SPAWN_ERROR" })
      expect(yield* s.startProcess("db")).toBe(true)
      expect(yield* Effect.flip(s.getAllProcessInfo)).toMatchObject({ reason: "Refused" })
      yield* control.clearFaults
      expect(yield* s.getAllProcessInfo).toHaveLength(3)
      // failed calls are recorded too
      expect(yield* control.callsOf("startProcess")).toEqual([["db", true], ["db", true]])
    }).pipe(Effect.provide(table)))

  it.effect("updates and logs", () =>
    Effect.gen(function*() {
      const s = yield* Supervisor
      const control = yield* SupervisorTest
      yield* control.updateProcess("web:app", { statename: "BACKOFF", pid: 0 })
      expect(yield* s.getProcessInfo("web:app")).toMatchObject({ state: 30, statename: "BACKOFF" })
      yield* control.appendLog("db", "stderr", "Traceback\nboom\n")
      expect(yield* s.tailProcessStderrLog("db", 0, 1000)).toEqual(["Traceback\nboom\n", 15, false])
      expect(yield* s.tailProcessStderrLog("db", 0, 5)).toEqual(["boom\n", 15, true])
      expect(yield* s.tailProcessStdoutLog("db", 0, 5)).toEqual(["", 0, false])
    }).pipe(Effect.provide(table)))
})
