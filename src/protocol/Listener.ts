/**
 * The event-listener loop (SPEC §2): `READY`, one event, the handler, `RESULT 2\nOK`, again.
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import type { Event } from "../domain/Event.js"
import { type Frame, FrameReader, ProtocolError } from "./Framing.js"
import { ListenerIO } from "./ListenerIO.js"
import { decodeEvent } from "./Payload.js"

export const READY = "READY\n"
export const OK = "RESULT 2\nOK"
/** OK + READY in one write; a literal, so every event writes the same flat string. */
const ACK = "RESULT 2\nOKREADY\n"

/**
 * How long an event already being handled may run on after SIGTERM or the end of stdin.
 * supervisord kills a listener 10 s after SIGTERM by default.
 */
export const IN_FLIGHT_GRACE = Duration.seconds(8)

export type Handler<E, R> = (event: Event) => Effect.Effect<void, E, R>

export interface Options {
  /**
   * The events the handler acts on, by supervisord's event name; by default all. Any other event
   * is acknowledged as it arrives, without decoding its payload or waking a fiber: supervisord
   * sends a listener every event of the types it subscribed to, and most are ignored.
   */
  readonly accepts?: (eventName: string) => boolean
}

/** `accepts` for a fixed set of event names. */
export const onlyEvents = (...names: ReadonlyArray<string>): (eventName: string) => boolean => {
  const set = new Set(names)
  return (eventName) => set.has(eventName)
}

/**
 * Runs a handler for every event until stdin ends. A failing handler is logged and the event is
 * still acknowledged, so one bad event never stalls supervisord's queue; an out-of-step stream
 * fails with ProtocolError, and the caller exits non-zero so supervisord restarts the listener.
 *
 * When the listener is told to stop (SIGTERM interrupts the main fiber), an event already being
 * handled may finish and be acknowledged, for at most IN_FLIGHT_GRACE; only then is it
 * interrupted. An event handled but not acknowledged would be sent again to the next listener.
 * One worker fiber handles the events for the listener's lifetime (not a fiber per event: this
 * runs for every event supervisord sends).
 */
export const run = <E, R>(
  handler: Handler<E, R>,
  options?: Options
): Effect.Effect<void, ProtocolError, R | ListenerIO> =>
  Effect.scoped(Effect.gen(function*() {
    const io = yield* ListenerIO
    const accepts = options?.accepts
    const acknowledge = io.write(ACK)
    // Events the handler does not take are acknowledged as they are read, in plain code.
    const reader = new FrameReader(
      accepts === undefined ? undefined : (eventName) => !accepts(eventName),
      () => io.unsafeWrite(ACK)
    )
    const consume = (input: Uint8Array | string) => reader.consume(input)
    let stopping = false
    let handling = false

    const worker = Effect.gen(function*() {
      yield* io.write(READY)
      while (!stopping) {
        const next = reader.take()
        if (next === undefined) {
          if (yield* io.read(consume)) continue
          const error = reader.end()
          return error === undefined ? undefined : yield* Effect.fail(error)
        }
        if (next instanceof ProtocolError) return yield* Effect.fail(next)
        handling = true
        yield* handle(next, handler)
        yield* acknowledge
        handling = false
      }
    })

    // In a scope of its own, not the caller's fiber: interrupting the caller must not cut an
    // event short, the grace below decides; the scope ends the worker whatever happens.
    const fiber = yield* Effect.forkScoped(worker)
    yield* Fiber.join(fiber).pipe(
      Effect.onInterrupt(() => {
        stopping = true
        // Waiting for input: nothing is lost by stopping now.
        if (!handling) return Fiber.interrupt(fiber)
        return Fiber.await(fiber).pipe(
          Effect.interruptible,
          Effect.timeout(IN_FLIGHT_GRACE),
          Effect.ignore,
          Effect.zipRight(Fiber.interrupt(fiber))
        )
      })
    )
  }))

const handle = <E, R>(frame: Frame, handler: Handler<E, R>): Effect.Effect<void, never, R> => {
  const event = decodeEvent(frame)
  if (Either.isLeft(event)) return Effect.logError(event.left.message)
  return handler(event.right).pipe(
    Effect.catchAllCause((cause) =>
      Cause.isInterruptedOnly(cause)
        ? Effect.failCause(cause)
        : Effect.logError(`${frame.header.eventname} (serial ${frame.header.serial}) failed: ${describe(cause)}`)
    ),
    Effect.orDie
  )
}

/** The failure's own message when it has one, the pretty cause otherwise (a defect is a bug). */
const describe = (cause: Cause.Cause<unknown>): string => {
  const failure = Cause.failureOption(cause)
  if (failure._tag === "Some") {
    const error = failure.value
    if (typeof error === "object" && error !== null && "message" in error && typeof error.message === "string") {
      return error.message
    }
    return String(error)
  }
  return Cause.pretty(cause)
}
