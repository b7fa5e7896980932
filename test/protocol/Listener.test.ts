import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Ref, TestClock } from "effect"
import * as Listener from "../../src/protocol/Listener.js"
import * as ListenerIO from "../../src/protocol/ListenerIO.js"
import * as Logging from "../../src/protocol/Logging.js"
import type { Event } from "../../src/domain/Event.js"
import { envelope, processState, tick } from "../support/envelope.js"
import { untimed } from "../support/logLines.js"

const ACK = "RESULT 2\nOKREADY\n"

describe("Listener.run", () => {
  it.effect("says READY, then acknowledges every event after its handler ran", () =>
    Effect.gen(function*() {
      const test = yield* ListenerIO.makeTest([tick(5) + processState("EXITED", { name: "a", expected: 0, pid: 3 })])
      const seen: Array<string> = []
      yield* Listener.run((event) =>
        test.written.pipe(
          Effect.map((written) => seen.push(`${event._tag} after ${written.length} writes`))
        )
      ).pipe(Effect.provide(test.layer))
      expect(yield* test.written).toEqual(["READY\n", ACK, ACK])
      expect(seen).toEqual(["Tick after 1 writes", "ProcessState after 2 writes"])
    }))

  it.effect("logs a failing handler and still acknowledges, then goes on", () =>
    Effect.gen(function*() {
      const test = yield* ListenerIO.makeTest([tick(5), tick(60)])
      const handled = yield* Ref.make<ReadonlyArray<string>>([])
      const logs: Array<string> = []
      const logger = Layer.merge(
        Layer.succeed(ListenerIO.ListenerIO, test.io),
        Logging.captureLayer(logs)
      )
      yield* Listener.run((event: Event) =>
        event._tag === "Tick" && event.eventName === "TICK_5"
          ? Effect.fail({ message: "mail server refused" })
          : Ref.update(handled, (names) => [...names, event._tag])
      ).pipe(Effect.provide(logger))
      expect(yield* test.written).toEqual(["READY\n", ACK, ACK])
      expect(yield* Ref.get(handled)).toEqual(["Tick"])
      expect(logs).toEqual(["1970-01-01T00:00:00Z ERROR TICK_5 (serial 1) failed: mail server refused"])
    }))

  it.effect("acknowledges the events a handler does not accept without running it, in order", () =>
    Effect.gen(function*() {
      const exited = processState("EXITED", { name: "a", expected: 0, pid: 3 })
      // A bad payload in an ignored event is never decoded, so never logged.
      const test = yield* ListenerIO.makeTest([tick(5) + exited + envelope("TICK_60", "when:soon"), tick(60) + exited])
      const logs: Array<string> = []
      const seen: Array<string> = []
      yield* Listener.run(
        (event) => test.written.pipe(Effect.map((written) => seen.push(`${event.eventName} after ${written.length} writes`))),
        { accepts: Listener.onlyEvents("PROCESS_STATE_EXITED") }
      ).pipe(Effect.provide(Layer.merge(test.layer, Logging.captureLayer(logs))))
      expect(yield* test.written).toEqual(["READY\n", ACK, ACK, ACK, ACK, ACK])
      expect(seen).toEqual(["PROCESS_STATE_EXITED after 2 writes", "PROCESS_STATE_EXITED after 5 writes"])
      expect(logs).toEqual([])
    }))

  it.effect("still fails on an out-of-step stream after ignored events", () =>
    Effect.gen(function*() {
      const test = yield* ListenerIO.makeTest([tick(5) + tick(60), "garbage\n"])
      const error = yield* Listener.run(() => Effect.void, { accepts: () => false }).pipe(
        Effect.provide(test.layer),
        Effect.flip
      )
      expect(error.reason).toBe("BadHeader")
      expect(yield* test.written).toEqual(["READY\n", ACK, ACK])
    }))

  it.effect("logs and acknowledges a payload that parses badly", () =>
    Effect.gen(function*() {
      const test = yield* ListenerIO.makeTest([envelope("TICK_5", "when:soon"), tick(5)])
      const logs: Array<string> = []
      let handled = 0
      yield* Listener.run(() => Effect.sync(() => void handled++)).pipe(
        Effect.provide(Layer.merge(test.layer, Logging.captureLayer(logs)))
      )
      expect(yield* test.written).toEqual(["READY\n", ACK, ACK])
      expect(handled).toBe(1)
      expect(untimed(logs)[0]).toMatch(/^ERROR cannot decode TICK_5 payload "when:soon": when/)
    }))

  it.effect("fails with a ProtocolError when the stream is out of step", () =>
    Effect.gen(function*() {
      const test = yield* ListenerIO.makeTest([tick(5), "garbage\n"])
      const error = yield* Listener.run(() => Effect.void).pipe(Effect.provide(test.layer), Effect.flip)
      expect(error.reason).toBe("BadHeader")
      expect(yield* test.written).toEqual(["READY\n", ACK])
    }))

  it.effect("lets an event in flight finish and be acknowledged when the listener is stopped", () =>
    Effect.gen(function*() {
      const test = yield* ListenerIO.makeTest([tick(5), tick(5)])
      const finished = yield* Ref.make(0)
      const fiber = yield* Listener.run(() =>
        Effect.sleep("3 seconds").pipe(Effect.zipRight(Ref.update(finished, (n) => n + 1)))
      ).pipe(Effect.provide(test.layer), Effect.fork)
      yield* TestClock.adjust("1 second")
      const interrupting = yield* Effect.fork(Fiber.interrupt(fiber))
      yield* TestClock.adjust("2 seconds")
      yield* Fiber.join(interrupting)
      expect(yield* Ref.get(finished)).toBe(1)
      expect(yield* test.written).toEqual(["READY\n", ACK])
    }))

  it.effect("gives up on an event in flight after the grace period", () =>
    Effect.gen(function*() {
      const test = yield* ListenerIO.makeTest([tick(5)])
      const fiber = yield* Listener.run(() => Effect.never).pipe(Effect.provide(test.layer), Effect.fork)
      yield* TestClock.adjust("1 second")
      const interrupting = yield* Effect.fork(Fiber.interrupt(fiber))
      yield* TestClock.adjust(Listener.IN_FLIGHT_GRACE)
      yield* Fiber.join(interrupting)
      expect(yield* test.written).toEqual(["READY\n"])
    }))
})
