import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, Layer, Ref, Schema, Scope, TestClock } from "effect"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Outbox from "../../src/alerts/Outbox.js"
import * as Logging from "../../src/protocol/Logging.js"
import { untimed } from "../support/logLines.js"

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
      expect(JSON.parse(readFileSync(spoolFile, "utf8"))).toEqual({ entries: ["crash 1"], dropped: 0 })

      // Second listener: the receiver is back; what the first left is sent at start.
      yield* Ref.set(receiver.down, false)
      yield* Effect.scoped(Effect.gen(function*() {
        yield* Outbox.make(options)
        yield* TestClock.adjust("10 millis")
        expect(yield* receiver.received).toEqual(["crash 1"])
      }))
      expect(JSON.parse(readFileSync(spoolFile, "utf8"))).toEqual({ entries: [], dropped: 0 })
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
