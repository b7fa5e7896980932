/**
 * Events as supervisord sends them (envelopes, see envelope.ts), through the listener's real loop:
 * Listener.run over an in-memory stdin and stdout, framing, decoding and acknowledging each event
 * exactly as the binary does.
 */
import * as Effect from "effect/Effect"
import type { Event } from "../../src/domain/Event.js"
import * as Listener from "../../src/protocol/Listener.js"
import * as ListenerIO from "../../src/protocol/ListenerIO.js"

/** Runs `handler` as the listener for these envelopes until they end; answers what it wrote to supervisord. */
export const drive = <E, R>(handler: Listener.Handler<E, R>, ...envelopes: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const io = yield* ListenerIO.makeTest([envelopes.join("")])
    yield* Listener.run(handler).pipe(Effect.provide(io.layer))
    return yield* io.written
  })

/** The typed events the listener's loop hands a handler for these envelopes. */
export const events = (...envelopes: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const all: Array<Event> = []
    yield* drive((event) => Effect.sync(() => void all.push(event)), ...envelopes)
    return all
  })
