import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, Layer, Ref, Schema, Scope, TestClock } from "effect"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import * as Outbox from "../../src/alerts/Outbox.js"
import * as Logging from "../../src/protocol/Logging.js"
import { type Logged, recordLogs, untimed } from "../support/logLines.js"
import { readSpool } from "../support/spool.js"

/** A receiver that records what it got and fails while `down` is set. */
const makeReceiver = Effect.gen(function*() {
  const received = yield* Ref.make<ReadonlyArray<string>>([])
  const down = yield* Ref.make(false)
  const deliverBatch = (pending: ReadonlyArray<string>, dropped: number) =>
    Ref.get(down).pipe(Effect.flatMap((isDown) =>
      isDown
        ? Effect.fail({ message: "421 try later" })
        : Ref.update(received, (all) => [
          ...all,
          [...(dropped > 0 ? [`… ${dropped} more alerts were dropped`] : []), ...pending].join("\n")
        ]).pipe(Effect.as(pending.length))
    ))
  const deliverOne = (pending: ReadonlyArray<string>, dropped: number) => deliverBatch(pending.slice(0, 1), dropped)
  return { received: Ref.get(received), down, deliverBatch, deliverOne }
})

/** A batch of strings sent to the test receiver once a minute. */
const minuteBatch = (receiver: Effect.Effect.Success<typeof makeReceiver>) => ({
  name: "batch",
  entry: Schema.String,
  deliver: receiver.deliverBatch,
  cadence: { _tag: "Every", interval: minute } as const,
  retryCap: minute
})

const layer = Layer.merge(NodeFileSystem.layer, Logging.captureLayer([]))
const minute = Duration.minutes(1)

describe("Outbox", () => {
  it.scoped("sends a batch once per interval, holding every line collected, none before", () =>
    Effect.gen(function*() {
      const receiver = yield* makeReceiver
      const outbox = yield* Outbox.make(minuteBatch(receiver))
      yield* outbox.add("crash 1")
      yield* outbox.add("crash 2")
      yield* TestClock.adjust("59 seconds")
      expect(yield* receiver.received).toEqual([])
      yield* TestClock.adjust("1 second")
      expect(yield* receiver.received).toEqual(["crash 1\ncrash 2"])
      yield* TestClock.adjust(minute)
      expect(yield* receiver.received).toHaveLength(1)
    }).pipe(Effect.provide(layer)))

  it.scoped("keeps lines while the receiver is down, lets new ones join, and retries with backoff", () =>
    Effect.gen(function*() {
      const receiver = yield* makeReceiver
      const outbox = yield* Outbox.make(minuteBatch(receiver))
      yield* Ref.set(receiver.down, true)
      yield* outbox.add("crash 1")
      yield* TestClock.adjust(minute) // first attempt fails; retries after 1 s, 2 s, 4 s …
      yield* outbox.add("crash 2")
      yield* TestClock.adjust("7 seconds")
      expect(yield* receiver.received).toEqual([])
      yield* Ref.set(receiver.down, false)
      yield* TestClock.adjust("8 seconds") // the 4th retry, 8 s after the 3rd
      expect(yield* receiver.received).toEqual(["crash 1\ncrash 2"])
      expect(yield* outbox.pending).toEqual([])
    }).pipe(Effect.provide(layer)))

  it.scoped("sends each alert at once when immediate, in order, none twice", () =>
    Effect.gen(function*() {
      const receiver = yield* makeReceiver
      const outbox = yield* Outbox.make({
        name: "crashmail",
        entry: Schema.String,
        deliver: receiver.deliverOne,
        cadence: { _tag: "Immediate" },
        retryCap: minute
      })
      yield* outbox.add("a")
      yield* outbox.add("b")
      yield* TestClock.adjust("10 millis")
      expect(yield* receiver.received).toEqual(["a", "b"])
    }).pipe(Effect.provide(layer)))

  it.scoped("summarises the oldest alerts past the queue limit as one line", () =>
    Effect.gen(function*() {
      const receiver = yield* makeReceiver
      const outbox = yield* Outbox.make({ ...minuteBatch(receiver), queueLimit: 2 })
      for (const line of ["1", "2", "3", "4"]) yield* outbox.add(line)
      yield* TestClock.adjust(minute)
      expect(yield* receiver.received).toEqual(["… 2 more alerts were dropped\n3\n4"])
    }).pipe(Effect.provide(layer)))

  it.effect("makes one last attempt on shutdown and keeps what fails in the spool for the next start", () =>
    Effect.gen(function*() {
      const spoolFile = join(mkdtempSync(join(tmpdir(), "outbox-")), "crashmailbatch.json")
      const receiver = yield* makeReceiver
      const options = {
        name: "batch",
        entry: Schema.String,
        deliver: receiver.deliverBatch,
        cadence: { _tag: "Every", interval: minute },
        retryCap: minute,
        spoolFile
      } as const

      // First listener: the receiver is down the whole time, then it is stopped.
      yield* Ref.set(receiver.down, true)
      const first = yield* Scope.make()
      const outbox = yield* Outbox.make(options).pipe(Scope.extend(first))
      yield* outbox.add("crash 1")
      yield* Scope.close(first, Exit.void)
      expect(readSpool(spoolFile)).toMatchObject({ entries: ["crash 1"], dropped: 0 })

      // Second listener: the receiver is back; what the first left is sent at start.
      yield* Ref.set(receiver.down, false)
      yield* Effect.scoped(Effect.gen(function*() {
        yield* Outbox.make(options)
        yield* TestClock.adjust("10 millis")
        expect(yield* receiver.received).toEqual(["crash 1"])
      }))
      expect(readSpool(spoolFile)).toMatchObject({ entries: [], dropped: 0 })
    }).pipe(Effect.provide(layer)))

  it.effect("sends what is queued when the listener stops before the interval is over", () =>
    Effect.gen(function*() {
      const receiver = yield* makeReceiver
      yield* Effect.scoped(Effect.gen(function*() {
        const outbox = yield* Outbox.make(minuteBatch(receiver))
        yield* outbox.add("crash 1")
      }))
      expect(yield* receiver.received).toEqual(["crash 1"])
    }).pipe(Effect.provide(layer)))
})

describe("Outbox shutdown", () => {
  it.effect("waits for a delivery under way instead of cutting it off and sending twice", () =>
    Effect.gen(function*() {
      const received = yield* Ref.make<ReadonlyArray<string>>([])
      // A slow receiver: the message is accepted only after 3 s.
      const deliver = (pending: ReadonlyArray<string>) =>
        Effect.sleep("3 seconds").pipe(
          Effect.zipRight(Ref.update(received, (all) => [...all, pending.join("\n")])),
          Effect.as(pending.length)
        )
      const scope = yield* Scope.make()
      const outbox = yield* Outbox.make({
        name: "slow",
        entry: Schema.String,
        deliver,
        cadence: { _tag: "Immediate" },
        retryCap: minute
      }).pipe(Scope.extend(scope))
      yield* outbox.add("crash")
      yield* TestClock.adjust("1 second")
      const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
      yield* TestClock.adjust("2 seconds")
      yield* closing.await
      expect(yield* Ref.get(received)).toEqual(["crash"])
    }).pipe(Effect.provide(layer)))
})

describe("Outbox shutdown budget", () => {
  it.effect("gives up on a receiver that never answers after the shutdown budget", () =>
    Effect.gen(function*() {
      const logs: Array<string> = []
      const scope = yield* Scope.make()
      const outbox = yield* Outbox.make({
        name: "stuck",
        entry: Schema.String,
        deliver: () => Effect.never,
        cadence: { _tag: "Every", interval: minute },
        retryCap: minute
      }).pipe(Scope.extend(scope), Effect.provide(Logging.captureLayer(logs)))
      yield* outbox.add("crash")
      const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
      yield* TestClock.adjust(Outbox.SHUTDOWN_BUDGET)
      yield* closing.await
      expect(untimed(logs)).toEqual([expect.stringMatching(/^ERROR stuck: 1 alert\(s\) not sent before exit \(timed out\); they are lost/)])
    }).pipe(Effect.provide(layer)))
})

const immediate = { _tag: "Immediate" } as const

describe("Outbox failures are heard", () => {
  it.scoped("a transport that dies (a defect) is an ERROR with its cause; the alert stays queued and is sent", () =>
    Effect.gen(function*() {
      const logs: Array<Logged> = []
      const received = yield* Ref.make<ReadonlyArray<string>>([])
      const calls = yield* Ref.make(0)
      const deliver = (pending: ReadonlyArray<string>) =>
        Ref.getAndUpdate(calls, (n) => n + 1).pipe(Effect.flatMap((n) =>
          n === 0
            ? Effect.die(new Error("socket exploded"))
            : Ref.update(received, (all) => [...all, pending[0]!]).pipe(Effect.as(1))
        ))
      const outbox = yield* Outbox.make({ name: "crashmail", entry: Schema.String, deliver, cadence: immediate, retryCap: minute })
        .pipe(Effect.provide(recordLogs(logs)))
      yield* outbox.add("crash 1")
      yield* TestClock.adjust("10 millis")
      expect(yield* Ref.get(received)).toEqual([])
      expect(logs.filter((line) => line.level === "ERROR")).toEqual([
        expect.objectContaining({ message: expect.stringContaining("crashmail: sending failed on a defect") })
      ])
      expect(logs.find((line) => line.level === "ERROR")?.cause).toContain("socket exploded")
      yield* TestClock.adjust("1 second")
      expect(yield* Ref.get(received)).toEqual(["crash 1"])
      // The delivery fiber lives on: later alerts go out too.
      yield* outbox.add("crash 2")
      yield* TestClock.adjust("10 millis")
      expect(yield* Ref.get(received)).toEqual(["crash 1", "crash 2"])
    }).pipe(Effect.provide(layer)))

  it.scoped("an ordinary retry during an outage is one WARN per attempt, never an ERROR", () =>
    Effect.gen(function*() {
      const logs: Array<Logged> = []
      const receiver = yield* makeReceiver
      yield* Ref.set(receiver.down, true)
      const outbox = yield* Outbox.make({ ...minuteBatch(receiver) }).pipe(Effect.provide(recordLogs(logs)))
      yield* outbox.add("crash")
      yield* TestClock.adjust("67 seconds") // attempts at 60 s, 61 s, 63 s and 67 s
      expect(logs.map((line) => line.level)).toEqual(["WARN", "WARN", "WARN", "WARN"])
      expect(logs[0]?.message).toBe("batch: could not send alert (421 try later); retrying in 1s")
    }).pipe(Effect.provide(layer)))

  it.scoped("an alert dropped for good by the queue limit is an ERROR", () =>
    Effect.gen(function*() {
      const logs: Array<Logged> = []
      const receiver = yield* makeReceiver
      yield* Effect.gen(function*() {
        const outbox = yield* Outbox.make({ ...minuteBatch(receiver), queueLimit: 2 })
        for (const line of ["1", "2", "3"]) yield* outbox.add(line)
      }).pipe(Effect.provide(recordLogs(logs)))
      expect(logs).toEqual([
        expect.objectContaining({ level: "ERROR", message: expect.stringMatching(/^batch: queue limit of 2 .* the oldest was dropped/) })
      ])
    }).pipe(Effect.provide(layer)))
})

const spoolIn = () => join(mkdtempSync(join(tmpdir(), "outbox-")), "crashmail-x.json")

describe("Outbox spool file", () => {
  it.scoped("each alert is one line appended to the file, on disk when add returns", () =>
    Effect.gen(function*() {
      const spoolFile = spoolIn()
      const receiver = yield* makeReceiver
      const outbox = yield* Outbox.make({ ...minuteBatch(receiver), spoolFile })
      yield* outbox.add("crash 1")
      const before = readFileSync(spoolFile, "utf8")
      yield* outbox.add("crash 2")
      const after = readFileSync(spoolFile, "utf8")
      expect(after.startsWith(before)).toBe(true)
      expect(after.slice(before.length)).toBe(`{"entry":"crash 2"}\n`)
      expect(readSpool(spoolFile)).toEqual({ entries: ["crash 1", "crash 2"], dropped: 0, lines: 3 })
    }).pipe(Effect.provide(layer)))

  it.effect("what was delivered leaves the file at once, so a restart does not send it again", () =>
    Effect.gen(function*() {
      const spoolFile = spoolIn()
      const received = yield* Ref.make<ReadonlyArray<string>>([])
      // Takes "a", then refuses: the server went away in the middle of a backlog.
      const deliver = ([first]: ReadonlyArray<string>) =>
        first === "a"
          ? Ref.update(received, (all) => [...all, first]).pipe(Effect.as(1))
          : Effect.fail({ message: "connection refused" })
      const scope = yield* Scope.make()
      const outbox = yield* Outbox.make({ name: "crashmail", entry: Schema.String, deliver, cadence: immediate, retryCap: minute, spoolFile })
        .pipe(Scope.extend(scope))
      for (const line of ["a", "b", "c"]) yield* outbox.add(line)
      yield* TestClock.adjust("10 millis")
      expect(yield* Ref.get(received)).toEqual(["a"])
      // The delivery fiber may still be writing that "a" went (TestClock.adjust returns once it
      // waits on the file): stopping waits for the delivery under way and its write.
      yield* Scope.close(scope, Exit.void)
      expect(readSpool(spoolFile).entries).toEqual(["b", "c"])
    }).pipe(Effect.provide(layer)))

  it.effect("is rewritten with only the header once everything is delivered", () =>
    Effect.gen(function*() {
      const spoolFile = spoolIn()
      const receiver = yield* makeReceiver
      yield* Ref.set(receiver.down, true)
      const scope = yield* Scope.make()
      const outbox = yield* Outbox.make({ ...minuteBatch(receiver), spoolFile }).pipe(Scope.extend(scope))
      for (const line of ["a", "b", "c"]) yield* outbox.add(line)
      expect(readSpool(spoolFile).lines).toBe(4)
      yield* Ref.set(receiver.down, false)
      yield* Scope.close(scope, Exit.void) // the last attempt delivers, and its rewrite is done
      expect(yield* receiver.received).toEqual(["a\nb\nc"])
      expect(readFileSync(spoolFile, "utf8")).toBe(`{"spool":1,"dropped":0}\n`)
    }).pipe(Effect.provide(layer)))

  it.effect("stays bounded while the receiver is down and the queue limit drops the oldest", () =>
    Effect.gen(function*() {
      const spoolFile = spoolIn()
      const receiver = yield* makeReceiver
      yield* Ref.set(receiver.down, true)
      const options = { ...minuteBatch(receiver), queueLimit: 10, spoolFile }
      yield* Effect.scoped(Effect.gen(function*() {
        const outbox = yield* Outbox.make(options)
        for (let i = 1; i <= 100; i++) {
          yield* outbox.add(String(i))
          expect(readSpool(spoolFile).lines).toBeLessThanOrEqual(1 + 2 * (2 * 10 + 1))
        }
      })).pipe(Effect.provide(Logging.captureLayer([])))
      const spooled = readSpool(spoolFile)
      expect(spooled.entries).toEqual(["91", "92", "93", "94", "95", "96", "97", "98", "99", "100"])
      expect(spooled.dropped).toBe(90)

      // The next start sends what is left, with the count of what was dropped.
      yield* Ref.set(receiver.down, false)
      yield* Effect.scoped(Effect.gen(function*() {
        yield* Outbox.make(options)
        yield* TestClock.adjust("10 millis")
      }))
      expect(yield* receiver.received).toEqual([["… 90 more alerts were dropped", ...spooled.entries].join("\n")])
    }).pipe(Effect.provide(layer)))

  it.scoped("reads the JSON file of earlier versions and rewrites it in the line format", () =>
    Effect.gen(function*() {
      const spoolFile = spoolIn()
      writeFileSync(spoolFile, JSON.stringify({ entries: ["old 1", "old 2"], dropped: 3 }))
      const receiver = yield* makeReceiver
      yield* Ref.set(receiver.down, true)
      yield* Outbox.make({ ...minuteBatch(receiver), spoolFile })
      expect(readFileSync(spoolFile, "utf8")).toBe(`{"spool":1,"dropped":3}\n{"entry":"old 1"}\n{"entry":"old 2"}\n`)
      yield* Ref.set(receiver.down, false)
      yield* TestClock.adjust("10 millis") // left over from the last run: sent at start
      expect(yield* receiver.received).toEqual(["… 3 more alerts were dropped\nold 1\nold 2"])
    }).pipe(Effect.provide(layer)))

  it.scoped("skips unreadable lines with an ERROR and keeps the file as it was beside it", () =>
    Effect.gen(function*() {
      const logs: Array<Logged> = []
      const spoolFile = spoolIn()
      const damaged = `{"spool":1,"dropped":0}\n{"entry":"a"}\n{"entr\n{"entry":"b"}\n`
      writeFileSync(spoolFile, damaged)
      const receiver = yield* makeReceiver
      yield* Ref.set(receiver.down, true)
      const outbox = yield* Outbox.make({ ...minuteBatch(receiver), spoolFile }).pipe(Effect.provide(recordLogs(logs)))
      expect(yield* outbox.pending).toEqual(["a", "b"])
      expect(logs).toContainEqual(expect.objectContaining({ level: "ERROR", message: expect.stringContaining("1 unreadable line(s)") }))
      expect(readFileSync(`${spoolFile}.bad`, "utf8")).toBe(damaged)
    }).pipe(Effect.provide(layer)))

  it.scoped("a spool file that cannot be written any more is an ERROR, once; alerts are still sent", () =>
    Effect.gen(function*() {
      const logs: Array<Logged> = []
      const spoolFile = spoolIn()
      const receiver = yield* makeReceiver
      const outbox = yield* Outbox.make({ name: "crashmail", entry: Schema.String, deliver: receiver.deliverOne, cadence: immediate, retryCap: minute, spoolFile })
        .pipe(Effect.provide(recordLogs(logs)))
      rmSync(dirname(spoolFile), { recursive: true }) // the spool directory is removed under the listener
      for (const line of ["a", "b", "c"]) {
        yield* outbox.add(line)
        yield* TestClock.adjust("10 millis")
      }
      expect(yield* receiver.received).toEqual(["a", "b", "c"])
      expect(logs.filter((line) => line.level === "ERROR")).toEqual([
        expect.objectContaining({ message: expect.stringContaining(`cannot write spool file ${spoolFile}`) })
      ])
    }).pipe(Effect.provide(layer)))
})
