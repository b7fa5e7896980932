/**
 * How a plugin listens: supervisord's environment checked, then the plugin's handler under the
 * listener loop with the live services it needs, until stdin ends or SIGTERM. The layers every
 * plugin picks from are here: supervisord's XML-RPC, log tails, alert delivery.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as Config from "effect/Config"
import type * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Delivery from "../../alerts/Delivery.js"
import type { HostStamp } from "../../alerts/hostname.js"
import { type Receivers, Routes, routes } from "../../alerts/Routes.js"
import * as Spool from "../../alerts/Spool.js"
import type { MailConfig } from "../../alerts/transports/mail.js"
import type { Event } from "../../domain/Event.js"
import type { ProcessId } from "../../domain/Process.js"
import type { ProtocolError } from "../../protocol/Framing.js"
import * as Listener from "../../protocol/Listener.js"
import * as ListenerIO from "../../protocol/ListenerIO.js"
import { LogTail } from "../../services/LogTail.js"
import { Supervisor } from "../../supervisor/Supervisor.js"

/** Started by hand rather than by supervisord (SPEC §2). */
export class NotAListener extends Data.TaggedError("NotAListener")<{ readonly plugin: string }> {
  override get message() {
    return `${this.plugin} must be run as a supervisor event listener`
  }
}

export class SupervisorUnusable extends Data.TaggedError("SupervisorUnusable")<{ readonly message: string }> {}

/** What supervisord tells a listener about itself. */
export interface ListenerEnv {
  readonly serverUrl: string
  /** The listener's own process, which "all processes" never includes. */
  readonly self: ProcessId | undefined
}

const listenerEnv = (plugin: string): Effect.Effect<ListenerEnv, NotAListener> =>
  Effect.gen(function*() {
    const url = yield* Config.option(Config.string("SUPERVISOR_SERVER_URL"))
    const name = yield* Config.option(Config.string("SUPERVISOR_PROCESS_NAME"))
    const group = yield* Config.option(Config.string("SUPERVISOR_GROUP_NAME"))
    if (Option.isNone(url)) return yield* new NotAListener({ plugin })
    const self = Option.isSome(name) ? { name: name.value, group: Option.getOrElse(group, () => name.value) } : undefined
    return { serverUrl: url.value, self }
  }).pipe(Effect.catchTag("ConfigError", () => new NotAListener({ plugin })))

/**
 * A plugin's handler for one event, made once per listener (it may keep state); making it can
 * fail (`H`, e.g. an unusable spool directory) before the first READY.
 */
export type MakeHandler<R, H> = (
  env: ListenerEnv
) => Effect.Effect<(event: Event) => Effect.Effect<void>, H, R | Scope.Scope>

/** Where a plugin's alerts go; plugins whose routing agrees can share one delivery service. */
export interface Routing {
  readonly mail?: MailConfig | undefined
  readonly receivers?: Receivers | undefined
  readonly host?: HostStamp | undefined
}

/** What a unit is started with by the listener that runs it. */
export interface UnitStart {
  readonly env: ListenerEnv
  /** Names the unit's spool file: the plugin's name, or its section's in `superlance run`. */
  readonly name: string
  /**
   * Builds a service layer once per listener: units using the same layer value share what it
   * built (one supervisord connection for every unit of `superlance run`).
   */
  readonly shared: <A, E>(layer: Layer.Layer<A, E>) => Effect.Effect<Context.Context<A>, E, Scope.Scope>
}

/** How a unit fails to start, before the first READY: a configuration that cannot work. */
export type StartError = Spool.SpoolError | SupervisorUnusable

/**
 * A plugin with its configuration decoded, ready to run: as its own listener or as one section
 * of `superlance run`. It says which events other than TICKs it acts on (whether it acts on
 * TICKs is the plugin's `ticks`), where its alerts go, and makes its handler.
 */
export interface Unit {
  /** supervisord's names of the state events it acts on, e.g. `PROCESS_STATE_EXITED`. */
  readonly events: ReadonlyArray<string>
  readonly routing: Routing
  readonly make: (start: UnitStart) => Effect.Effect<(event: Event) => Effect.Effect<void>, StartError, Delivery.Delivery | Scope.Scope>
}

/** A TICK_* event. */
export const isTick = (eventName: string): boolean => eventName.startsWith("TICK_")

/** Provides `effect` with what `layer` builds, once per listener (see `UnitStart.shared`). */
export const withShared = <A, E>(start: UnitStart, layer: Layer.Layer<A, E>) =>
<X, E2, R>(effect: Effect.Effect<X, E2, R>): Effect.Effect<X, E | E2, Exclude<R, A> | Scope.Scope> =>
  Effect.flatMap(start.shared(layer), (context) => Effect.provide(effect, context))

/** `UnitStart.shared` over one memo map: what one listener builds. */
export const sharing = Effect.map(Layer.makeMemoMap, (memoMap): UnitStart["shared"] => (layer) =>
  Effect.flatMap(Effect.scope, (scope) => Layer.buildWithMemoMap(layer, memoMap, scope)))

/** The events a unit acts on: its state events, and every TICK if it `ticks`. */
export const accepts = (unit: Unit, ticks: boolean): (eventName: string) => boolean => {
  const events = new Set(unit.events)
  return (eventName) => events.has(eventName) || (ticks && isTick(eventName))
}

/** Runs one unit as supervisord's listener (`superlance httpok …`): its handler before each acknowledgement. */
export const listenUnit = (plugin: string, unit: Unit, ticks: boolean) =>
  serve(
    plugin,
    (env) => Effect.flatMap(sharing, (shared) => unit.make({ env, name: plugin, shared })),
    () => deliveryLayer(unit.routing.mail, unit.routing.receivers, unit.routing.host),
    { accepts: accepts(unit, ticks) }
  )

/** Runs a plugin's handler as supervisord's listener until stdin ends or SIGTERM. */
export const serve = <R, E, H>(
  plugin: string,
  makeHandler: MakeHandler<R, H>,
  services: (env: ListenerEnv) => Layer.Layer<Exclude<R, Scope.Scope>, E>,
  options?: Listener.Options
): Effect.Effect<void, NotAListener | ProtocolError | E | H> =>
  Effect.gen(function*() {
    const env = yield* listenerEnv(plugin)
    yield* Effect.logDebug(`${plugin} started, supervisord at ${env.serverUrl}`)
    yield* Effect.scoped(Effect.flatMap(makeHandler(env), (handler) => Listener.run(handler, options))).pipe(
      Effect.provide(Layer.merge(services(env), ListenerIO.layer))
    )
  })

/** `httpok 2` (a section of `superlance run`) → `httpok-2`. */
const fileName = (name: string) => name.replace(/\s+/g, "-")

/**
 * The spool file of one listener, or of one section of `superlance run` (several listeners may
 * share a `--spool` directory); the directory is made if it is missing.
 */
export const spoolFile = (
  dir: string | undefined,
  name: string,
  env: ListenerEnv
): Effect.Effect<string | undefined, Spool.SpoolError> =>
  dir === undefined
    ? Effect.succeed(undefined)
    : Spool.directory(dir).pipe(
      Effect.as(`${dir.replace(/\/+$/, "")}/${fileName(name)}-${env.self?.name ?? fileName(name)}.json`),
      Effect.provide(NodeFileSystem.layer)
    )

/** Alerts delivered through mail, webhooks and Alertmanagers, as configured (none: only logged). */
export const deliveryLayer = (
  mail: MailConfig | undefined,
  receivers?: Receivers | undefined,
  host?: HostStamp | undefined
): Layer.Layer<Delivery.Delivery> =>
  Delivery.layer.pipe(Layer.provide(Layer.merge(Routes.layer(routes(mail, receivers, host)), NodeFileSystem.layer)))

/** supervisord's XML-RPC interface, from the environment it gives its listeners. */
export const supervisorLayer = Supervisor.layerFromEnv.pipe(
  Layer.mapError((error) => new SupervisorUnusable({ message: `cannot use SUPERVISOR_SERVER_URL: ${String(error)}` }))
)

/** `--tail N` reads logs through supervisord; without it no supervisord connection is made. */
export const tailLayer = (lines: number | undefined) =>
  lines === undefined ? LogTail.layerNone : LogTail.layer({ lines }).pipe(Layer.provide(supervisorLayer))
