import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Layer, TestClock } from "effect"
import * as Delivery from "../../../src/alerts/Delivery.js"
import type { ProgramSpec } from "../../../src/domain/Selection.js"
import { ctime } from "../../../src/domain/Time.js"
import { memmon, type MemmonOptions } from "../../../src/plugins/memmon/memmon.js"
import type { ProcessId } from "../../../src/domain/Process.js"
import type { Event } from "../../../src/domain/Event.js"
import * as Logging from "../../../src/protocol/Logging.js"
import { Routes, RoutesTest } from "../../../src/alerts/Routes.js"
import { ProcessMemory, ProcessMemoryError, ProcessMemoryTest, type TestEntry } from "../../../src/services/ProcessMemory.js"
import { RpcFault, RpcTransportError } from "../../../src/supervisor/SupervisorError.js"
import { SupervisorTest, type TestProcess } from "../../../src/supervisor/SupervisorTest.js"
import { untimed } from "../../support/logLines.js"

const MB = 1024 * 1024
const tick: Event = { _tag: "Tick", eventName: "TICK_5", when: 1_700_000_000 }

const program = (text: string): ProgramSpec => {
  const [group, name] = text.includes(":") ? text.split(":") : [undefined, text]
  return group === undefined ? { text, name: name! } : { text, group, name: name! }
}

const options = (patch: Partial<MemmonOptions> & { p?: Record<string, number>; g?: Record<string, number> } = {}) => {
  const { g = {}, p = {}, ...rest } = patch
  return {
    cumulative: false,
    programLimits: Object.entries(p).map(([text, bytes]) => ({ program: program(text), bytes })),
    groupLimits: Object.entries(g).map(([group, bytes]) => ({ group, bytes })),
    ...rest
  } satisfies MemmonOptions
}

/** The plugin over a scripted supervisord and process table, with mail and log captured. */
const setup = (processes: ReadonlyArray<TestProcess>, table: ReadonlyArray<TestEntry>, lines: Array<string> = []) =>
  Layer.mergeAll(
    Delivery.layer.pipe(Layer.provideMerge(Layer.mergeAll(Routes.layerTest, NodeFileSystem.layer))),
    SupervisorTest.layer(processes),
    ProcessMemory.layerTest(table)
  ).pipe(Layer.provideMerge(Logging.captureLayer(lines)))


const runTicks = (config: MemmonOptions, ticks = 1, self?: ProcessId) =>
  Effect.gen(function*() {
    const handle = yield* memmon(config, self)
    for (let i = 0; i < ticks; i++) yield* handle(tick)
    yield* TestClock.adjust("10 millis") // let the outbox deliver
    return yield* Effect.flatMap(RoutesTest, (test) => test.sent)
  })

const stopped = Effect.flatMap(SupervisorTest, (sv) => sv.callsOf("stopProcess"))
const started = Effect.flatMap(SupervisorTest, (sv) => sv.callsOf("startProcess"))

describe("memmon", () => {
  it.scoped("restarts a process over its limit and mails the original's subject and body; leaves the others alone", () => {
    const lines: Array<string> = []
    return Effect.gen(function*() {
      const sent = yield* runTicks(options({ p: { hog: 20 * MB, small: 20 * MB } }))
      expect(yield* stopped).toEqual([["web:hog", true]])
      expect(yield* started).toEqual([["web:hog", true]])
      const sv = yield* SupervisorTest
      expect((yield* sv.process("web:hog")).pid).not.toBe(101)
      expect((yield* sv.process("small")).pid).toBe(102)
      expect(sent).toEqual([{
        plugin: "memmon",
        subject: "memmon: process web:hog restarted",
        body: `memmon.py restarted the process named web:hog at ${
          ctime(0)
        } because it was consuming too much memory (${60 * MB} bytes RSS)`,
        processes: ["web:hog"]
      }])
      // One line each, as the original's, behind the time and level.
      expect(lines).toEqual([
        `1970-01-01T00:00:00Z INFO Checking programs hog=${20 * MB}, small=${20 * MB}`,
        `1970-01-01T00:00:00Z INFO RSS of web:hog is ${60 * MB}`,
        "1970-01-01T00:00:00Z INFO Restarting web:hog",
        `1970-01-01T00:00:00Z INFO RSS of small:small is ${MB}`
      ])
    }).pipe(Effect.provide(setup(
      [{ name: "hog", group: "web", pid: 101 }, { name: "small", pid: 102 }],
      [{ pid: 101, rss: 60 * MB }, { pid: 102, rss: MB }],
      lines
    )))
  })

  it.scoped("logs what it checks, as the original: programs and groups sorted, then any", () => {
    const lines: Array<string> = []
    return Effect.gen(function*() {
      yield* runTicks(options({ p: { "web:b": 2, a: 1 }, g: { z: 4, y: 3 }, anyLimit: 5 }))
      expect(untimed(lines).slice(0, 3)).toEqual([
        "INFO Checking programs a=1, web:b=2",
        "INFO Checking groups y=3, z=4",
        "INFO Checking any=5"
      ])
    }).pipe(Effect.provide(setup([], [], lines)))
  })

  describe("the most specific limit wins", () => {
    const processes = [{ name: "app", group: "web", pid: 101 }]
    const table = [{ pid: 101, rss: 200 }]

    it.scoped("-p group:name over -p name, -g and -a", () =>
      Effect.gen(function*() {
        yield* runTicks(options({ p: { "web:app": 100, app: 1000 }, g: { web: 1000 }, anyLimit: 1000 }))
        expect(yield* stopped).toEqual([["web:app", true]])
      }).pipe(Effect.provide(setup(processes, table))))

    it.scoped("a generous -p group:name protects from a tighter -p name, -g or -a (the original would restart)", () =>
      Effect.gen(function*() {
        yield* runTicks(options({ p: { "web:app": 1000, app: 100 }, g: { web: 100 }, anyLimit: 100 }))
        expect(yield* stopped).toEqual([])
      }).pipe(Effect.provide(setup(processes, table))))

    it.scoped("-p name over -g", () =>
      Effect.gen(function*() {
        yield* runTicks(options({ p: { app: 1000 }, g: { web: 100 } }))
        expect(yield* stopped).toEqual([])
        yield* Effect.flatMap(ProcessMemoryTest, (m) => m.setRss(101, 2000))
        yield* runTicks(options({ p: { app: 1000 }, g: { web: 100 } }))
        expect(yield* stopped).toEqual([["web:app", true]])
      }).pipe(Effect.provide(setup(processes, table))))

    it.scoped("-g over -a", () =>
      Effect.gen(function*() {
        yield* runTicks(options({ g: { web: 1000 }, anyLimit: 100 }))
        expect(yield* stopped).toEqual([])
      }).pipe(Effect.provide(setup(processes, table))))

    it.scoped("-p group:name does not match the same name in another group", () =>
      Effect.gen(function*() {
        yield* runTicks(options({ p: { "api:app": 100 } }))
        expect(yield* stopped).toEqual([])
        expect(yield* Effect.flatMap(ProcessMemoryTest, (m) => m.samples)).toEqual([])
      }).pipe(Effect.provide(setup(processes, table))))

    it.scoped("a process over every limit is restarted once per tick", () =>
      Effect.gen(function*() {
        yield* runTicks(options({ p: { "web:app": 100, app: 100 }, g: { web: 100 }, anyLimit: 100 }))
        expect(yield* stopped).toHaveLength(1)
        expect(yield* started).toHaveLength(1)
      }).pipe(Effect.provide(setup(processes, table))))
  })

  it.scoped("-g restarts every process of the group over the limit", () =>
    Effect.gen(function*() {
      yield* runTicks(options({ g: { web: 100 } }))
      expect(yield* stopped).toEqual([["web:a", true], ["web:c", true]])
    }).pipe(Effect.provide(setup(
      [{ name: "a", group: "web", pid: 1 }, { name: "b", group: "web", pid: 2 }, { name: "c", group: "web", pid: 3 }, {
        name: "d",
        group: "db",
        pid: 4
      }],
      [{ pid: 1, rss: 200 }, { pid: 2, rss: 50 }, { pid: 3, rss: 101 }, { pid: 4, rss: 500 }]
    ))))

  describe("a numprocs group: each process has the limit on its own", () => {
    // supervisord's numprocs=3 with process_name=%(program_name)s_%(process_num)02d.
    const web = [0, 1, 2].map((n) => ({ name: `web_0${n}`, group: "web", pid: 100 + n }))
    const table = [{ pid: 100, rss: 50 }, { pid: 101, rss: 150 }, { pid: 102, rss: 99 }, { pid: 7, ppid: 100, rss: 60 }]

    it.scoped("-p web:*=SIZE restarts only the process over it", () =>
      Effect.gen(function*() {
        const sent = yield* runTicks(options({ p: { "web:*": 100 } }))
        expect(yield* stopped).toEqual([["web:web_01", true]])
        expect(sent.map((a) => a.subject)).toEqual(["memmon: process web:web_01 restarted"])
      }).pipe(Effect.provide(setup([...web, { name: "db", pid: 9 }], [...table, { pid: 9, rss: 500 }]))))

    it.scoped("-g web=SIZE does the same", () =>
      Effect.gen(function*() {
        yield* runTicks(options({ g: { web: 100 } }))
        expect(yield* stopped).toEqual([["web:web_01", true]])
      }).pipe(Effect.provide(setup(web, table))))

    it.scoped("-c counts each process's own children, not its siblings'", () =>
      Effect.gen(function*() {
        yield* runTicks(options({ p: { "web:*": 100 }, cumulative: true }))
        expect(yield* stopped).toEqual([["web:web_00", true], ["web:web_01", true]])
      }).pipe(Effect.provide(setup(web, table))))

    it.scoped("-p web:web_01 and -p web_01 are more specific than -p web:*, which is more specific than -g and -a", () =>
      Effect.gen(function*() {
        yield* runTicks(options({ p: { "web:*": 1000, "web:web_01": 100 }, g: { web: 10 }, anyLimit: 10 }))
        expect(yield* stopped).toEqual([["web:web_01", true]])
        yield* runTicks(options({ p: { "web:*": 1000, web_02: 90 }, g: { web: 10 } }))
        expect(yield* stopped).toEqual([["web:web_01", true], ["web:web_02", true]])
      }).pipe(Effect.provide(setup(web, table))))
  })

  it.scoped("-a covers every process but the listener itself", () =>
    Effect.gen(function*() {
      yield* runTicks(options({ anyLimit: 40 * MB }), 1, { group: "memmon", name: "memmon" })
      expect(yield* stopped).toEqual([["web:app", true]])
    }).pipe(Effect.provide(setup(
      [{ name: "memmon", pid: 10 }, { name: "app", group: "web", pid: 11 }],
      [{ pid: 10, rss: 80 * MB }, { pid: 11, rss: 80 * MB }]
    ))))

  it.scoped("samples once per tick, only the running processes that have a limit, with -c passed on", () =>
    Effect.gen(function*() {
      yield* runTicks(options({ p: { a: 100, b: 100, off: 100 }, cumulative: true }), 2)
      const samples = yield* Effect.flatMap(ProcessMemoryTest, (m) => m.samples)
      expect(samples).toEqual([{ pids: [1, 2], cumulative: true }, { pids: [1, 2], cumulative: true }])
    }).pipe(Effect.provide(setup(
      [{ name: "a", pid: 1 }, { name: "b", pid: 2 }, { name: "c", pid: 3 }, { name: "off", statename: "STOPPED" }],
      [{ pid: 1, rss: 1 }, { pid: 2, rss: 1 }, { pid: 3, rss: 1 }]
    ))))

  it.scoped("-c counts the descendants", () =>
    Effect.gen(function*() {
      yield* runTicks(options({ p: { app: 100 }, cumulative: true }))
      expect(yield* stopped).toEqual([["app:app", true]])
    }).pipe(Effect.provide(setup([{ name: "app", pid: 1 }], [{ pid: 1, rss: 60 }, { pid: 7, ppid: 1, rss: 30 }, {
      pid: 8,
      ppid: 7,
      rss: 30
    }]))))

  it.scoped("without -c, the descendants do not count", () =>
    Effect.gen(function*() {
      yield* runTicks(options({ p: { app: 100 } }))
      expect(yield* stopped).toEqual([])
    }).pipe(Effect.provide(setup([{ name: "app", pid: 1 }], [{ pid: 1, rss: 60 }, { pid: 7, ppid: 1, rss: 300 }]))))

  it.scoped("skips quietly a process that is gone by the time it is sampled", () => {
    const lines: Array<string> = []
    return Effect.gen(function*() {
      yield* runTicks(options({ anyLimit: 100 }))
      expect(yield* stopped).toEqual([["b:b", true]])
      expect(untimed(lines)).toEqual(["INFO Checking any=100", "INFO RSS of b:b is 200", "INFO Restarting b:b"])
    }).pipe(Effect.provide(setup([{ name: "a", pid: 1 }, { name: "b", pid: 2 }], [{ pid: 2, rss: 200 }], lines)))
  })

  it.scoped("-n names the memmon in the subject", () =>
    Effect.gen(function*() {
      const [alert] = yield* runTicks(options({ p: { app: 1 }, name: "Project 1" }))
      expect(alert?.subject).toBe("memmon [Project 1]: process app:app restarted")
    }).pipe(Effect.provide(setup([{ name: "app", pid: 1 }], [{ pid: 1, rss: 2 }]))))

  describe("-u: mail only about processes restarted within that uptime", () => {
    const processes = [{ name: "young", pid: 1 }, { name: "old", pid: 2, start: -3600 }]
    const table = [{ pid: 1, rss: 2 }, { pid: 2, rss: 2 }]

    it.scoped("restarts both, mails only the one up for at most -u", () =>
      Effect.gen(function*() {
        yield* TestClock.adjust("30 seconds")
        const sent = yield* runTicks(options({ anyLimit: 1, uptimeLimit: Duration.seconds(30) }))
        expect(yield* stopped).toEqual([["young:young", true], ["old:old", true]])
        expect(sent.map((a) => a.subject)).toEqual(["memmon: process young:young restarted"])
      }).pipe(Effect.provide(setup(processes, table))))

    it.scoped("without -u, always mails", () =>
      Effect.gen(function*() {
        const sent = yield* runTicks(options({ anyLimit: 1 }))
        expect(sent).toHaveLength(2)
      }).pipe(Effect.provide(setup(processes, table))))
  })

  describe("faults", () => {
    const processes = [{ name: "a", pid: 1 }, { name: "b", pid: 2 }]
    const table = [{ pid: 1, rss: 2 }, { pid: 2, rss: 2 }]

    it.scoped("a failed stop is logged and mailed, and memmon carries on with the next process", () => {
      const lines: Array<string> = []
      return Effect.gen(function*() {
        const sv = yield* SupervisorTest
        yield* sv.setFault("stopProcess", RpcFault.of("FAILED", "a:a"), { namespec: "a:a" })
        const sent = yield* runTicks(options({ anyLimit: 1 }))
        expect(yield* started).toEqual([["b:b", true]])
        expect(sent.map((a) => [a.subject, a.body])).toEqual([
          ["memmon: failed to stop process a:a", "Failed to stop process a:a (RSS 2): FAILED: a:a"],
          [
            "memmon: process b:b restarted",
            `memmon.py restarted the process named b:b at ${ctime(0)} because it was consuming too much memory (2 bytes RSS)`
          ]
        ])
        expect(untimed(lines)).toContain("ERROR Failed to stop process a:a (RSS 2): FAILED: a:a")
      }).pipe(Effect.provide(setup(processes, table, lines)))
    })

    it.scoped("a failed start is logged and mailed", () => {
      const lines: Array<string> = []
      return Effect.gen(function*() {
        const sv = yield* SupervisorTest
        yield* sv.setFault("startProcess", RpcFault.of("SPAWN_ERROR", "a:a"), { namespec: "a:a" })
        const sent = yield* runTicks(options({ p: { a: 1 } }))
        expect(sent.map((a) => [a.subject, a.body])).toEqual([
          ["memmon: failed to start process a:a", "Failed to start process a:a after stopping it: SPAWN_ERROR: a:a"]
        ])
        expect(untimed(lines)).toContain("ERROR Failed to start process a:a after stopping it: SPAWN_ERROR: a:a")
      }).pipe(Effect.provide(setup(processes, table, lines)))
    })

    it.scoped("supervisord unreachable: logged, the tick handled, the next tick tries again", () => {
      const lines: Array<string> = []
      return Effect.gen(function*() {
        const sv = yield* SupervisorTest
        yield* sv.setFault(
          "getAllProcessInfo",
          new RpcTransportError({ reason: "Refused", url: "unix:///run/supervisor.sock", method: "supervisor.getAllProcessInfo" }),
          { times: 1 }
        )
        const handle = yield* memmon(options({ anyLimit: 1 }))
        yield* handle(tick)
        expect(yield* stopped).toEqual([])
        expect(untimed(lines).filter((l) => l.startsWith("ERROR"))).toEqual([
          "ERROR cannot check memory this tick: cannot reach supervisord at unix:///run/supervisor.sock: connection refused, is supervisord running? (supervisor.getAllProcessInfo)"
        ])
        yield* handle(tick)
        expect(yield* stopped).toHaveLength(2)
      }).pipe(Effect.provide(setup(processes, table, lines)))
    })

    it.scoped("memory that cannot be sampled: logged, nothing restarted", () => {
      const lines: Array<string> = []
      return Effect.gen(function*() {
        const memory = yield* ProcessMemoryTest
        yield* memory.setFailure(new ProcessMemoryError({ reason: "PsFailed", detail: "ps: not found" }))
        yield* runTicks(options({ anyLimit: 1 }))
        expect(yield* stopped).toEqual([])
        expect(untimed(lines)).toContain("ERROR cannot check memory this tick: cannot read the process table with ps: ps: not found")
      }).pipe(Effect.provide(setup(processes, table, lines)))
    })
  })

  it.scoped("ignores events other than TICKs", () =>
    Effect.gen(function*() {
      const handle = yield* memmon(options({ anyLimit: 1 }))
      yield* handle({ _tag: "SupervisorState", eventName: "SUPERVISOR_STATE_CHANGE_RUNNING", state: "RUNNING" })
      expect(yield* Effect.flatMap(SupervisorTest, (sv) => sv.calls)).toEqual([])
    }).pipe(Effect.provide(setup([{ name: "a", pid: 1 }], [{ pid: 1, rss: 2 }]))))
})

describe("memmon operator safety (--failures, --grace, --max-restarts)", () => {
  const hog = { name: "hog", group: "web", pid: 101 }
  /** One tick; then the restarted hog (new pid) is as big as before, and delivery gets its moment. */
  const tickAndRegrow = (handle: (event: Event) => Effect.Effect<void>) =>
    Effect.gen(function*() {
      yield* handle(tick)
      const { pid } = yield* Effect.flatMap(SupervisorTest, (sv) => sv.process("web:hog"))
      yield* Effect.flatMap(ProcessMemoryTest, (m) => m.setRss(pid, 60 * MB))
      yield* TestClock.adjust("10 millis")
    })
  const sent = Effect.flatMap(RoutesTest, (test) => test.sent)

  it.scoped("--failures 3: restarts only at the third tick in a row over the limit; a tick under it starts the count again", () => {
    const lines: Array<string> = []
    return Effect.gen(function*() {
      const handle = yield* memmon(options({ p: { hog: 20 * MB }, failures: 3 }))
      const memory = yield* ProcessMemoryTest
      yield* handle(tick)
      yield* handle(tick)
      yield* memory.setRss(101, MB)
      yield* handle(tick)
      yield* memory.setRss(101, 60 * MB)
      yield* handle(tick)
      yield* handle(tick)
      expect(yield* stopped).toEqual([])
      expect(untimed(lines)).toContain(`INFO web:hog is over its limit (tick 2 of 3 in a row, --failures 3), not restarting yet`)
      yield* handle(tick)
      yield* TestClock.adjust("10 millis")
      expect(yield* stopped).toEqual([["web:hog", true]])
      // The mail is the original's, unchanged.
      expect((yield* sent).map((alert) => alert.subject)).toEqual(["memmon: process web:hog restarted"])
    }).pipe(Effect.provide(setup([hog], [{ pid: 101, rss: 60 * MB }], lines)))
  })

  it.scoped("--failures counts ticks of one process instance: a new pid starts afresh", () =>
    Effect.gen(function*() {
      const handle = yield* memmon(options({ p: { hog: 20 * MB }, failures: 2 }))
      yield* handle(tick)
      const sv = yield* SupervisorTest
      yield* sv.updateProcess("web:hog", { pid: 202 })
      yield* Effect.flatMap(ProcessMemoryTest, (m) => m.setRss(202, 60 * MB))
      yield* handle(tick)
      expect(yield* stopped).toEqual([])
      yield* handle(tick)
      expect(yield* stopped).toEqual([["web:hog", true]])
    }).pipe(Effect.provide(setup([hog], [{ pid: 101, rss: 60 * MB }]))))

  it.scoped("--grace: a process up for less is not restarted; at the first tick after, it is", () => {
    const lines: Array<string> = []
    return Effect.gen(function*() {
      const handle = yield* memmon(options({ p: { hog: 20 * MB }, grace: Duration.minutes(2) }))
      yield* TestClock.adjust("119 seconds")
      yield* handle(tick)
      expect(yield* stopped).toEqual([])
      expect(untimed(lines)).toContain("INFO web:hog is over its limit but up only 119s (--grace 2m), not restarting yet")
      yield* TestClock.adjust("1 second")
      yield* handle(tick)
      expect(yield* stopped).toEqual([["web:hog", true]])
    }).pipe(Effect.provide(setup([hog], [{ pid: 101, rss: 60 * MB }], lines)))
  })

  it.scoped("--max-restarts 2 --restart-window 10m: two restarts, one alert, then none until the window has passed", () => {
    const lines: Array<string> = []
    return Effect.gen(function*() {
      const handle = yield* memmon(options({
        p: { hog: 20 * MB },
        name: "prod",
        restartLimit: { max: 2, window: Duration.minutes(10) }
      }))
      for (let i = 0; i < 5; i++) {
        yield* tickAndRegrow(handle)
        yield* TestClock.adjust("1 minute")
      }
      expect(yield* stopped).toHaveLength(2)
      const alerts = yield* sent
      expect(alerts.map((alert) => alert.subject)).toEqual([
        "memmon [prod]: process web:hog restarted",
        "memmon [prod]: process web:hog restarted",
        "memmon [prod]: process web:hog restart limit reached"
      ])
      // Held at the third tick (2 min in); the first restart (at 0) leaves the window at 10 min.
      expect(alerts[2]?.body).toBe(
        `memmon did not restart the process named web:hog at ${ctime(Duration.toMillis("2 minutes"))}` +
          ` although it was consuming too much memory (${60 * MB} bytes RSS): it was restarted 2 times within 10m` +
          ` (--max-restarts 2 --restart-window 10m). Restarts resume at ${
            ctime(Duration.toMillis("10 minutes"))
          } if it is still over its limit.`
      )
      expect(alerts[2]?.processes).toEqual(["web:hog"])
      expect(untimed(lines)).toContain(
        "INFO web:hog is over its limit but was restarted 2 times within 10m (--max-restarts 2 --restart-window 10m), not restarting"
      )
      // The restart at 0 leaves the window at 10m.
      yield* TestClock.setTime(Duration.toMillis("10 minutes"))
      yield* tickAndRegrow(handle)
      expect(yield* stopped).toHaveLength(3)
      expect(untimed(lines)).toContain("INFO web:hog: the restart limit has passed, restarting it again")
    }).pipe(Effect.provide(setup([hog], [{ pid: 101, rss: 60 * MB }], lines)))
  })

  it.scoped("defaults keep the original: a restart at every tick over the limit", () =>
    Effect.gen(function*() {
      const handle = yield* memmon(options({ p: { hog: 20 * MB } }))
      for (let i = 0; i < 4; i++) yield* tickAndRegrow(handle)
      expect(yield* stopped).toHaveLength(4)
      expect(yield* sent).toHaveLength(4)
    }).pipe(Effect.provide(setup([hog], [{ pid: 101, rss: 60 * MB }]))))
})
