/**
 * How a plugin listens: supervisord's environment checked, then the plugin's handler under the
 * listener loop with the live services it needs, until stdin ends or SIGTERM. The layers every
 * plugin picks from are here: supervisord's XML-RPC, log tails, alert delivery.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
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
import type { HeartbeatConfig } from "../../options/heartbeat.js"
import { HttpProbe } from "../../services/HttpProbe.js"
import { LogTail } from "../../services/LogTail.js"
import { Supervisor } from "../../supervisor/Supervisor.js"
import * as Heartbeat from "./Heartbeat.js"
import { beating, withTicks } from "./Heartbeat.js"
import { optimiseAsUsual } from "./tiering.js"

/** Started by hand rather than by supervisord (SPEC §2). */
export class NotAListener extends Data.TaggedError("NotAListener")<{ readonly plugin: string }> {
  override get message() {
    return `${this.plugin} must be run as a supervisor event listener`
  }
}

export class SupervisorUnusable extends Data.TaggedError("SupervisorUnusable")<{ readonly message: string }> {}

/**
 * supervisord answered the start check with HTTP 401: every call would fail the same way, so
 * the listener stops before its first READY (exit 2) rather than run green and useless.
 */
export class CredentialsRefused extends Data.TaggedError("CredentialsRefused")<{
  /** supervisord's URL, without credentials. */
  readonly url: string
  /** Whether SUPERVISOR_USERNAME was set (wrong credentials) or not (missing ones). */
  readonly given: boolean
}> {
  override get message() {
    return this.given
      ? `supervisord at ${this.url} refused the credentials (HTTP 401): check SUPERVISOR_USERNAME and SUPERVISOR_PASSWORD against the username and password of its [unix_http_server] (or [inet_http_server])`
      : `supervisord at ${this.url} asks for a user name and password (HTTP 401): set SUPERVISOR_USERNAME and SUPERVISOR_PASSWORD with environment= in the [eventlistener:…] section`
  }
}

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

export interface ServeOptions extends Listener.Options {
  /** `--heartbeat`: beats on TICKs around the handler (which then takes every TICK). */
  readonly heartbeat?: HeartbeatConfig | undefined
}

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
  /** `--heartbeat` of its own listener (in `superlance run`, the file's top level has the one heartbeat). */
  readonly heartbeat?: HeartbeatConfig | undefined
  readonly make: (start: UnitStart) => Effect.Effect<(event: Event) => Effect.Effect<void>, StartError, Delivery.Delivery | Scope.Scope>
}

/** A TICK_* event. */
export const isTick = (eventName: string): boolean => eventName.startsWith("TICK_")

/** Provides `effect` with what `layer` builds, once per listener (see `UnitStart.shared`). */
export const withShared = <A, E>(start: UnitStart, layer: Layer.Layer<A, E>) =>
<X, E2, R>(effect: Effect.Effect<X, E2, R>): Effect.Effect<X, E | E2, Exclude<R, A> | Scope.Scope> =>
  Effect.flatMap(start.shared(layer), (context) => Effect.provide(effect, context))

/**
 * `UnitStart.shared` over one memo map: what one listener builds; `checkStart` then asks
 * supervisord once before the first READY, if a unit connected to it.
 */
export const sharing = Effect.gen(function*() {
  const memoMap = yield* Layer.makeMemoMap
  let supervisor: Supervisor["Type"] | undefined
  const shared: UnitStart["shared"] = (layer) =>
    Effect.flatMap(Effect.scope, (scope) => Layer.buildWithMemoMap(layer, memoMap, scope)).pipe(
      Effect.tap((context) => void (supervisor ??= Option.getOrUndefined(Context.getOption(context, Supervisor))))
    )
  const checkStart = Effect.suspend(() => (supervisor === undefined ? Effect.void : checkSupervisor(supervisor)))
  return { shared, checkStart }
})

/** The events a unit acts on: its state events, and every TICK if it `ticks`. */
export const accepts = (unit: Unit, ticks: boolean): (eventName: string) => boolean => {
  const events = new Set(unit.events)
  return (eventName) => events.has(eventName) || (ticks && isTick(eventName))
}

/** Runs one unit as supervisord's listener (`superlance httpok …`): its handler before each acknowledgement. */
export const listenUnit = (plugin: string, unit: Unit, ticks: boolean) =>
  serve(
    plugin,
    (env) =>
      Effect.gen(function*() {
        const { checkStart, shared } = yield* sharing
        const handler = yield* unit.make({ env, name: plugin, shared })
        yield* checkStart
        return handler
      }),
    () => deliveryLayer(unit.routing.mail, unit.routing.receivers, unit.routing.host),
    { accepts: accepts(unit, ticks), heartbeat: unit.heartbeat }
  )

/** Runs a plugin's handler as supervisord's listener until stdin ends or SIGTERM. */
export const serve = <R, E, H>(
  plugin: string,
  makeHandler: MakeHandler<R, H>,
  services: (env: ListenerEnv) => Layer.Layer<Exclude<R, Scope.Scope>, E>,
  options?: ServeOptions
): Effect.Effect<void, NotAListener | ProtocolError | CredentialsRefused | E | H> =>
  Effect.gen(function*() {
    const env = yield* listenerEnv(plugin)
    yield* Effect.logDebug(`${plugin} started, supervisord at ${env.serverUrl}`)
    yield* Effect.scoped(Effect.gen(function*() {
      const handler = yield* makeHandler(env)
      // A plugin whose layers reach supervisord asks it once, after its own checks (the spool).
      const supervisor = yield* Effect.serviceOption(Supervisor)
      if (Option.isSome(supervisor)) yield* checkSupervisor(supervisor.value)
      yield* optimiseAsUsual // started: V8 may optimise the event loop from here on
      const heartbeat = options?.heartbeat
      if (heartbeat === undefined) return yield* Listener.run(handler, options)
      const beat = yield* Heartbeat.make(plugin, heartbeat).pipe(Effect.provide(HttpProbe.layer))
      const accepts = withTicks(options?.accepts)
      yield* Listener.run(beating(beat, handler, options?.accepts), accepts === undefined ? {} : { accepts })
    })).pipe(
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

/** Long enough for a busy supervisord, short enough not to hold the first READY for long. */
export const START_CHECK_TIMEOUT = Duration.seconds(5)

/**
 * One cheap call (`supervisor.getState`) before the first READY. Refused credentials cannot
 * work (CredentialsRefused); anything else (no socket yet, refused, slow) is an outage like
 * one later on: a WARN, and the listener goes on, asking again when an event needs it.
 */
export const checkSupervisor = (supervisor: Supervisor["Type"]): Effect.Effect<void, CredentialsRefused> =>
  Effect.gen(function*() {
    const answer = yield* Effect.either(Effect.timeout(supervisor.getState, START_CHECK_TIMEOUT))
    if (Either.isRight(answer)) return
    const error = answer.left
    if (error._tag === "RpcTransportError" && error.reason === "Unauthorized") {
      const username = yield* Config.option(Config.string("SUPERVISOR_USERNAME")).pipe(Effect.orElseSucceed(Option.none))
      return yield* new CredentialsRefused({ url: error.url, given: Option.isSome(username) })
    }
    const why = error._tag === "TimeoutException"
      ? `supervisord did not answer within ${Duration.format(START_CHECK_TIMEOUT)} at start`
      : error.message
    yield* Effect.logWarning(`${why}; going on: supervisord is asked again when an event needs it`)
  })

/**
 * supervisord's XML-RPC interface, from the environment it gives its listeners; `serve` checks
 * it once (`checkSupervisor`) before the first READY.
 */
export const supervisorLayer = Supervisor.layerFromEnv.pipe(
  Layer.mapError((error) => new SupervisorUnusable({ message: `cannot use SUPERVISOR_SERVER_URL: ${String(error)}` }))
)

/**
 * `--tail N` reads logs through supervisord (kept in the context, so `serve` checks it at start);
 * without it no supervisord connection is made.
 */
export const tailLayer = (lines: number | undefined): Layer.Layer<LogTail, SupervisorUnusable> =>
  lines === undefined ? LogTail.layerNone : LogTail.layer({ lines }).pipe(Layer.provideMerge(supervisorLayer))
