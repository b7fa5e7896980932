/**
 * `superlance run CONFIG` (SPEC §6): one listener for every section of the config file, sharing
 * one supervisord connection, one delivery service per routing the sections agree on, and one
 * process. Each section gets only the events it acts on:
 * - state events are handled inline, before the acknowledgement, as by its own listener (a
 *   crash only queues an alert, on disk with `spool`): nothing acknowledged is lost;
 * - TICK work (httpok checks, memmon samples) runs on the section's own fiber: the TICK is
 *   acknowledged once handed over, and a section still busy with its last TICK skips this one,
 *   so a slow check never delays another section or supervisord's queue.
 * A failing section is logged and goes on; one that cannot start stops the listener at start.
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { Delivery } from "../alerts/Delivery.js"
import type { Event } from "../domain/Event.js"
import {
  deliveryLayer,
  isTick,
  type ListenerEnv,
  type Routing,
  serve,
  sharing,
  type StartError,
  type UnitStart
} from "../plugins/common/listen.js"
import { describeCause, IN_FLIGHT_GRACE } from "../protocol/Listener.js"
import type { HeartbeatConfig } from "../options/heartbeat.js"
import * as Heartbeat from "../plugins/common/Heartbeat.js"
import { inSection } from "../protocol/Logging.js"
import { HttpProbe } from "../services/HttpProbe.js"
import type { RunConfig, Section } from "./RunConfig.js"

/** A section that cannot start (an unusable spool directory): the whole listener stops, naming it. */
export class SectionError extends Data.TaggedError("SectionError")<{
  readonly section: string
  readonly error: StartError
}> {
  override get message() {
    return `[${this.section}] ${this.error.message}`
  }
}

type Handler = (event: Event) => Effect.Effect<void>

/** The events a section acts on: its state events, or its TICK (every TICK unless it names one). */
export const sectionAccepts = (section: Section): (eventName: string) => boolean => {
  if (!section.plugin.ticks) {
    const events = new Set(section.unit.events)
    return (eventName) => events.has(eventName)
  }
  const tick = section.tick
  return tick === undefined ? isTick : (eventName) => eventName === tick
}

/** A section's handler never fails the event: what went wrong is logged, and the other sections still get it. */
const isolated = (name: string, handler: Handler): Handler => (event) =>
  handler(event).pipe(
    Effect.catchAllCause((cause) =>
      Cause.isInterruptedOnly(cause)
        ? Effect.failCause(cause)
        : Effect.logError(`${event.eventName} failed: ${describeCause(cause)}`)
    ),
    inSection(name)
  )

/**
 * TICK work on the section's own fiber, at most one at a time. When the listener stops, the
 * work under way (a restart between its stop and its start) may finish for IN_FLIGHT_GRACE.
 */
const handedOver = (handler: Handler): Effect.Effect<Handler, never, Scope.Scope> =>
  Effect.gen(function*() {
    let busy = false
    let last: Fiber.RuntimeFiber<void> | undefined
    yield* Effect.addFinalizer(() => {
      const work = last
      return work === undefined
        ? Effect.void
        : Fiber.await(work).pipe(Effect.timeout(IN_FLIGHT_GRACE), Effect.ignore, Effect.zipRight(Fiber.interrupt(work)))
    })
    return (event) =>
      Effect.suspend(() => {
        if (busy) return Effect.logInfo(`${event.eventName} skipped: still busy with the last one`)
        busy = true
        const work = handler(event).pipe(Effect.ensuring(Effect.sync(() => void (busy = false))))
        return Effect.forkDaemon(work).pipe(Effect.map((fiber) => void (last = fiber)))
      })
  })

/** Routing as a key: sections whose routing is the same share one delivery service (and its mail transport). */
const routingKey = (routing: Routing): string => {
  const plain = (value: unknown): unknown =>
    Redacted.isRedacted(value)
      ? Redacted.value(value)
      : Array.isArray(value)
      ? value.map(plain)
      : typeof value === "object" && value !== null
      ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]))
      : value
  return JSON.stringify(plain([routing.mail, routing.receivers, routing.host]))
}

/** One delivery service per distinct routing, made on first use. */
const deliveries = Effect.sync(() => {
  const made = new Map<string, Delivery["Type"]>()
  return (routing: Routing): Effect.Effect<Delivery["Type"], never, Scope.Scope> =>
    Effect.suspend(() => {
      const key = routingKey(routing)
      const known = made.get(key)
      if (known !== undefined) return Effect.succeed(known)
      // Built on its own, not through `shared`: a memo map would hand every routing the first one's Delivery.
      return Layer.build(deliveryLayer(routing.mail, routing.receivers, routing.host)).pipe(
        Effect.map((context) => Context.get(context, Delivery)),
        Effect.tap((delivery) => void made.set(key, delivery))
      )
    })
})

interface Started {
  readonly accepts: (eventName: string) => boolean
  readonly handle: Handler
}

const start = (
  section: Section,
  env: ListenerEnv,
  shared: UnitStart["shared"],
  deliveryFor: (routing: Routing) => Effect.Effect<Delivery["Type"], never, Scope.Scope>
): Effect.Effect<Started, SectionError, Scope.Scope> =>
  Effect.gen(function*() {
    const delivery = yield* deliveryFor(section.unit.routing)
    const handler = yield* section.unit.make({ env, name: section.name, shared }).pipe(
      Effect.provideService(Delivery, delivery),
      Effect.mapError((error) => new SectionError({ section: section.name, error }))
    )
    const own = isolated(section.name, handler)
    return { accepts: sectionAccepts(section), handle: section.plugin.ticks ? yield* handedOver(own) : own }
  }).pipe(inSection(section.name))

/**
 * `heartbeat URL` (top level): the listener's one heartbeat, as a plugin's `--heartbeat` beats
 * (plugins/common/Heartbeat.ts): on TICKs, at most once a minute, in the background.
 */
const heartbeatOf = (config: HeartbeatConfig, shared: UnitStart["shared"]): Effect.Effect<Started, never, Scope.Scope> =>
  Effect.gen(function*() {
    const beat = yield* Heartbeat.make("superlance", config).pipe(Effect.provide(yield* shared(HttpProbe.layer)))
    const handle: Handler = (event) => (event._tag === "Tick" ? beat.tick(event) : Effect.void)
    return { accepts: isTick, handle: isolated("heartbeat", handle) }
  })

/** Runs every section of the config as supervisord's one listener, until stdin ends or SIGTERM. */
export const listen = (config: RunConfig) => {
  const accepts = [...config.sections.map(sectionAccepts), ...(config.heartbeat === undefined ? [] : [isTick])]
  return serve(
    "superlance run",
    (env) =>
      Effect.gen(function*() {
        const { checkStart, shared } = yield* sharing
        const deliveryFor = yield* deliveries
        const sections = yield* Effect.forEach(config.sections, (section) => start(section, env, shared, deliveryFor))
        yield* checkStart
        const started = config.heartbeat === undefined ? sections : [...sections, yield* heartbeatOf(config.heartbeat, shared)]
        yield* Effect.logInfo(`running ${config.sections.map((s) => s.name).join(", ")}`)
        return (event: Event) =>
          Effect.forEach(started, (s) => (s.accepts(event.eventName) ? s.handle(event) : Effect.void), { discard: true })
      }),
    () => Layer.empty,
    { accepts: (eventName) => accepts.some((accept) => accept(eventName)) }
  )
}
