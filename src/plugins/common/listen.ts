/**
 * How a plugin listens: supervisord's environment checked, then the plugin's handler under the
 * listener loop with the live services it needs, until stdin ends or SIGTERM. The layers every
 * plugin picks from are here: supervisord's XML-RPC, log tails, alert delivery.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as Config from "effect/Config"
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

/**
 * The spool file of one listener (several listeners may share a `--spool` directory); the
 * directory is made if it is missing.
 */
export const spoolFile = (
  dir: string | undefined,
  plugin: string,
  env: ListenerEnv
): Effect.Effect<string | undefined, Spool.SpoolError> =>
  dir === undefined
    ? Effect.succeed(undefined)
    : Spool.directory(dir).pipe(
      Effect.as(`${dir.replace(/\/+$/, "")}/${plugin}-${env.self?.name ?? plugin}.json`),
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
