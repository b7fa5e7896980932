/**
 * The event-listener loop (SPEC §2): `READY`, one event, the handler, `RESULT 2\nOK`, again.
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import { decodeEvent, type Event } from "./Event.js"
import { type Frame, frames, type ProtocolError } from "./Framing.js"
import { ListenerIO } from "./ListenerIO.js"

export const READY = "READY\n"
export const OK = "RESULT 2\nOK"

/**
 * How long an event already being handled may run on after SIGTERM or the end of stdin.
 * supervisord kills a listener 10 s after SIGTERM by default.
 */
export const IN_FLIGHT_GRACE = Duration.seconds(8)

export type Handler<E, R> = (event: Event) => Effect.Effect<void, E, R>

/**
 * Runs a handler for every event until stdin ends. A failing handler is logged and the event is
 * still acknowledged, so one bad event never stalls supervisord's queue; an out-of-step stream
 * fails with ProtocolError, and the caller exits non-zero so supervisord restarts the listener.
 */
export const run = <E, R>(handler: Handler<E, R>): Effect.Effect<void, ProtocolError, R | ListenerIO> =>
  Effect.gen(function*() {
    const io = yield* ListenerIO
    yield* io.write(READY)
    yield* frames(io.input).pipe(
      Stream.runForEach((frame) =>
        finishInFlight(handle(frame, handler).pipe(Effect.zipRight(io.write(OK + READY))))
      )
    )
  })

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

/**
 * Lets an event's work and its acknowledgement finish when the listener is told to stop while it
 * runs (SIGTERM interrupts the main fiber), for at most IN_FLIGHT_GRACE; only then is it
 * interrupted. An event handled but not acknowledged would be sent again to the next listener.
 */
const finishInFlight = <R>(work: Effect.Effect<void, never, R>): Effect.Effect<void, never, R> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkDaemon(restore(work))
      yield* restore(Fiber.join(fiber)).pipe(
        Effect.onInterrupt(() =>
          Fiber.await(fiber).pipe(
            Effect.interruptible,
            Effect.timeout(IN_FLIGHT_GRACE),
            Effect.ignore,
            Effect.zipRight(Fiber.interrupt(fiber))
          )
        )
      )
    })
  )
