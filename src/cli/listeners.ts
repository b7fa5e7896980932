/**
 * What each subcommand runs once its options are decoded: the plugin's handler under the
 * listener loop, with the live services it needs.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Config from "effect/Config"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Alerts from "../alerts/Alerts.js"
import * as Spool from "../alerts/Spool.js"
import type { HostStamp } from "../alerts/hostname.js"
import type { BatchConfig } from "../config/batch.js"
import type { CrashmailConfig } from "../config/crashmail.js"
import type { HttpokConfig } from "../config/httpok.js"
import type { MailConfig } from "../config/mail.js"
import type { MemmonConfig } from "../config/memmon.js"
import type { Receivers } from "../config/receivers.js"
import { type BatchPlugin, batchListener } from "../plugins/batch.js"
import { crashmailAccepts, crashmail as crashmailPlugin } from "../plugins/crashmail.js"
import { crashmailbatch as crashmailbatchPlugin } from "../plugins/crashmailbatch.js"
import { crashsms as crashsmsPlugin } from "../plugins/crashsms.js"
import { fatalmailbatch as fatalmailbatchPlugin } from "../plugins/fatalmailbatch.js"
import { httpok as httpokPlugin } from "../plugins/httpok.js"
import { memmon as memmonPlugin } from "../plugins/memmon.js"
import type { ProcessId } from "../plugins/Selection.js"
import type { Event } from "../protocol/Event.js"
import type { ProtocolError } from "../protocol/Framing.js"
import * as Listener from "../protocol/Listener.js"
import * as ListenerIO from "../protocol/ListenerIO.js"
import { Gcore } from "../services/Gcore.js"
import { HttpProbe } from "../services/HttpProbe.js"
import { LogTail } from "../services/LogTail.js"
import { Notifier } from "../services/Notifier.js"
import { ProcessMemory } from "../services/ProcessMemory.js"
import { Supervisor } from "../supervisor/Supervisor.js"
import { routes } from "./routes.js"

/** Started by hand rather than by supervisord (SPEC §2). */
export class NotAListener extends Data.TaggedError("NotAListener")<{ readonly plugin: string }> {
  override get message() {
    return `${this.plugin} must be run as a supervisor event listener`
  }
}

/** A subcommand whose plugin is not built yet: it says so rather than pretend to work. */
export class NotBuilt extends Data.TaggedError("NotBuilt")<{ readonly plugin: string }> {
  override get message() {
    return `${this.plugin} is not implemented yet in this version of superlance`
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

/** Mail, webhooks and Alertmanagers, as configured (none: alerts are only logged). */
const notifierLayer = (
  mail: MailConfig | undefined,
  receivers?: Receivers | undefined,
  host?: HostStamp | undefined
): Layer.Layer<Notifier> => Notifier.layerRoutes(routes(mail, receivers, host))

/**
 * Runs a plugin's handler as supervisord's listener until stdin ends or SIGTERM. The services
 * are built (and can fail, e.g. on an unusable spool directory) before the first READY.
 */
export const serve = <R, E, H>(
  plugin: string,
  makeHandler: (env: ListenerEnv) => Effect.Effect<(event: Event) => Effect.Effect<void>, H, R | Scope.Scope>,
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
const spoolFile = (dir: string | undefined, plugin: string, env: ListenerEnv) =>
  dir === undefined
    ? Effect.succeed(undefined)
    : Spool.directory(dir).pipe(
      Effect.as(`${dir.replace(/\/+$/, "")}/${plugin}-${env.self?.name ?? plugin}.json`),
      Effect.provide(NodeFileSystem.layer)
    )

const alertServices = (mail: MailConfig | undefined, receivers?: Receivers | undefined, host?: HostStamp | undefined) =>
  Layer.merge(notifierLayer(mail, receivers, host), NodeFileSystem.layer)

/** What crashmail, httpok and memmon configure about their alerts. */
interface AlertSettings {
  readonly mail?: MailConfig | undefined
  readonly receivers?: Receivers | undefined
  readonly host?: HostStamp | undefined
  readonly spool?: string | undefined
}

/** One message per alert, sent in the background (crashmail, httpok, memmon). */
export const alertsLayer = (plugin: string, settings: AlertSettings, env: ListenerEnv) =>
  Layer.unwrapEffect(
    Effect.map(spoolFile(settings.spool, plugin, env), (file) => Alerts.layer({ name: plugin, spoolFile: file }))
  ).pipe(Layer.provideMerge(alertServices(settings.mail, settings.receivers, settings.host)))

/** supervisord's XML-RPC interface, from the environment it gives its listeners. */
export const supervisorLayer = Supervisor.layerFromEnv.pipe(
  Layer.mapError((error) => new SupervisorUnusable({ message: `cannot use SUPERVISOR_SERVER_URL: ${String(error)}` }))
)

export class SupervisorUnusable extends Data.TaggedError("SupervisorUnusable")<{ readonly message: string }> {}

/** `--tail N` reads logs through supervisord; without it no supervisord connection is made. */
const tailLayer = (lines: number | undefined) =>
  lines === undefined ? LogTail.layerNone : LogTail.layer({ lines }).pipe(Layer.provide(supervisorLayer))

export const crashmail = (config: CrashmailConfig) =>
  serve(
    "crashmail",
    () => crashmailPlugin(config),
    (env) => Layer.merge(alertsLayer("crashmail", config, env), tailLayer(config.tail)),
    { accepts: crashmailAccepts }
  )

const batch = (plugin: BatchPlugin) => (config: BatchConfig) =>
  serve(
    plugin.name,
    (env): Effect.Effect<
      (event: Event) => Effect.Effect<void>,
      Spool.SpoolError,
      Notifier | LogTail | FileSystem.FileSystem | Scope.Scope
    > =>
      Effect.flatMap(
        spoolFile(config.spool, plugin.name, env),
        (spoolFile) => batchListener(plugin, { ...config, spoolFile })
      ),
    () => Layer.merge(alertServices(config.mail, config.receivers, config.host), tailLayer(config.tail))
  )

export const memmon = (config: MemmonConfig) =>
  serve(
    "memmon",
    (env) => memmonPlugin(config, env.self),
    (env) => Layer.mergeAll(alertsLayer("memmon", config, env), supervisorLayer, ProcessMemory.layer)
  )

export const httpok = (config: HttpokConfig) =>
  serve(
    "httpok",
    (env) => httpokPlugin(config, env.self),
    (env) => Layer.mergeAll(alertsLayer("httpok", config, env), supervisorLayer, HttpProbe.layer, Gcore.layer)
  )

export const crashmailbatch = batch(crashmailbatchPlugin)
export const fatalmailbatch = batch(fatalmailbatchPlugin)
export const crashsms = batch(crashsmsPlugin)

export const notBuilt = (plugin: string) => () => Effect.fail(new NotBuilt({ plugin }))
