import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Layer, TestClock } from "effect"
import * as Delivery from "../../../src/alerts/Delivery.js"
import { formatAsctime } from "../../../src/domain/Time.js"
import { crashmail } from "../../../src/plugins/crashmail/crashmail.js"
import { decodeEvent } from "../../../src/protocol/Payload.js"
import * as Logging from "../../../src/protocol/Logging.js"
import { LogTail } from "../../../src/services/LogTail.js"
import { Routes, RoutesTest } from "../../../src/alerts/Routes.js"
import { untimed } from "../../support/logLines.js"

/** Alerts recorded, log lines collected into `lines`. */
const services = (lines: Array<string> = []) =>
  Delivery.layer.pipe(
    Layer.provideMerge(Layer.mergeAll(Routes.layerTest, NodeFileSystem.layer)),
    Layer.provideMerge(Logging.captureLayer(lines)),
    Layer.provideMerge(LogTail.layerNone)
  )
const layer = services()

const exit = (name: string, group: string, expected: 0 | 1) =>
  Either.getOrThrow(decodeEvent({
    header: { ver: "3.0", server: "supervisor", serial: 1, pool: "l", poolserial: 1, eventname: "PROCESS_STATE_EXITED", len: 0 },
    payload: `processname:${name} groupname:${group} from_state:RUNNING expected:${expected} pid:4242`
  }))

type CrashmailConfig = Parameters<typeof crashmail>[0]
const program = (text: string) => {
  const [group, name] = text.includes(":") ? text.split(":") : [undefined, text]
  return group === undefined ? { text, name: name! } : { text, group, name: name! }
}

const run = (config: CrashmailConfig, events: ReadonlyArray<ReturnType<typeof exit>>) =>
  Effect.gen(function*() {
    const handle = yield* crashmail(config)
    for (const event of events) yield* handle(event)
    yield* TestClock.adjust("10 millis")
    return yield* Effect.flatMap(RoutesTest, (test) => test.sent)
  })

const all: CrashmailConfig = { programs: [], any: false }

describe("crashmail", () => {
  it.scoped("mails an unexpected exit with the original's subject and body", () =>
    Effect.gen(function*() {
      const sent = yield* run(all, [exit("cat", "pets", 0)])
      expect(sent).toEqual([{
        plugin: "crashmail",
        subject: `cat crashed at ${formatAsctime(0)}`,
        body: "Process cat in group pets exited unexpectedly (pid 4242) from state RUNNING",
        processes: ["pets:cat"],
        events: [exit("cat", "pets", 0)]
      }])
    }).pipe(Effect.provide(layer)))

  it.scoped("ignores expected exits", () =>
    Effect.gen(function*() {
      expect(yield* run(all, [exit("cat", "pets", 1)])).toEqual([])
    }).pipe(Effect.provide(layer)))

  it.scoped("prefixes the subject with -o", () =>
    Effect.gen(function*() {
      const [alert] = yield* run({ ...all, optionalHeader: "[prod]" }, [exit("cat", "pets", 0)])
      expect(alert?.subject).toBe(`[prod]: cat crashed at ${formatAsctime(0)}`)
    }).pipe(Effect.provide(layer)))

  it.scoped("honours -p name and -p group:name (the original ignored -p)", () =>
    Effect.gen(function*() {
      const sent = yield* run({ programs: ["cat", "birds:owl"].map(program), any: false }, [
        exit("cat", "pets", 0),
        exit("dog", "pets", 0),
        exit("owl", "birds", 0),
        exit("owl", "night", 0)
      ])
      expect(sent.map((alert) => alert.processes)).toEqual([["pets:cat"], ["birds:owl"]])
    }).pipe(Effect.provide(layer)))

  it.scoped("-p GROUP:* watches every process of the group (a numprocs program)", () =>
    Effect.gen(function*() {
      const sent = yield* run({ programs: [program("web:*")], any: false }, [
        exit("web_00", "web", 0),
        exit("web_02", "web", 0),
        exit("web_01", "api", 0)
      ])
      expect(sent.map((alert) => alert.processes)).toEqual([["web:web_00"], ["web:web_02"]])
    }).pipe(Effect.provide(layer)))

  it.scoped("-a watches every process, overriding -p", () =>
    Effect.gen(function*() {
      const sent = yield* run({ programs: [program("cat")], any: true }, [exit("cat", "pets", 0), exit("dog", "pets", 0)])
      expect(sent).toHaveLength(2)
    }).pipe(Effect.provide(layer)))

  it.scoped("does not hold up events while the mail server is down, and delivers later", () =>
    Effect.gen(function*() {
      const notifier = yield* RoutesTest
      yield* notifier.failNext(3, "Unreachable")
      expect(yield* run(all, [exit("cat", "pets", 0)])).toEqual([])
      yield* TestClock.adjust("1 minute")
      expect((yield* notifier.sent).map((alert) => alert.processes)).toEqual([["pets:cat"]])
      expect(yield* notifier.attempts).toHaveLength(4)
    }).pipe(Effect.provide(layer)))

  it.scoped("--rate-limit 2/10m: past 2 mails per process, crashes are counted; the next mail says how many", () => {
    const lines: Array<string> = []
    return Effect.gen(function*() {
      const handle = yield* crashmail({ ...all, rateLimit: { max: 2, window: Duration.minutes(10) } })
      const notifier = yield* RoutesTest
      for (let i = 0; i < 5; i++) yield* handle(exit("cat", "pets", 0))
      yield* handle(exit("dog", "pets", 0))
      yield* TestClock.adjust("10 millis")
      expect((yield* notifier.sent).map((alert) => alert.processes)).toEqual([["pets:cat"], ["pets:cat"], ["pets:dog"]])
      expect(untimed(lines)).toContain("INFO unexpected exit of pets:cat, not mailed (--rate-limit 2/10m; 3 not mailed so far)")
      // The first mail leaves the window 10 minutes after it went out.
      yield* TestClock.adjust("10 minutes")
      yield* handle(exit("cat", "pets", 0))
      yield* TestClock.adjust("10 millis")
      const last = (yield* notifier.sent).at(-1)
      expect(last?.subject).toBe(`cat crashed at ${formatAsctime(Duration.toMillis("10 minutes") + 10)}`)
      expect(last?.body).toBe([
        "Process cat in group pets exited unexpectedly (pid 4242) from state RUNNING",
        "",
        "3 earlier unexpected exits of pets:cat were not mailed (--rate-limit 2/10m)."
      ].join("\n"))
      yield* handle(exit("cat", "pets", 0))
      yield* TestClock.adjust("10 millis")
      expect((yield* notifier.sent).at(-1)?.body).toBe(
        "Process cat in group pets exited unexpectedly (pid 4242) from state RUNNING"
      )
    }).pipe(Effect.provide(services(lines)))
  })
})
