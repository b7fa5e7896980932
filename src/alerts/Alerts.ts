/**
 * One alert, one message (crashmail, httpok, memmon): sent in the background through each of
 * the Notifier's transports, so a slow or dead receiver never holds up supervisord's events,
 * and retried until it goes through (backoff capped at one minute).
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { Event } from "../protocol/Event.js"
import type { Alert } from "../services/Alert.js"
import { NO_TRANSPORT, Notifier } from "../services/Notifier.js"
import * as Outbox from "./Outbox.js"
import type { SpoolError } from "./Spool.js"

const AlertStruct = Schema.Struct({
  plugin: Schema.String,
  subject: Schema.String,
  body: Schema.String,
  processes: Schema.optionalWith(Schema.Array(Schema.String), { exact: true }),
  events: Schema.optionalWith(Schema.Array(Event), { exact: true })
})

export const AlertSchema: Schema.Schema<Alert, typeof AlertStruct.Encoded> = AlertStruct

export const RETRY_CAP = Duration.minutes(1)

export class Alerts extends Context.Tag("superlance/Alerts")<Alerts, {
  /** Queues the alert; it is delivered in the background. */
  readonly send: (alert: Alert) => Effect.Effect<void>
  /** The routes alerts go through, for log lines: `mail`, `webhook`, `alertmanager2`…; empty without any. */
  readonly via: ReadonlyArray<string>
}>() {}

/** Notes the alerts the queue limit dropped in the next message that goes out. */
const withDropped = (alert: Alert, dropped: number): Alert =>
  dropped === 0 ? alert : { ...alert, body: `${alert.body}\n\n${Outbox.droppedLine(dropped)}` }

export const make = (options: { readonly name: string; readonly spoolFile?: string | undefined }): Effect.Effect<
  Context.Tag.Service<Alerts>,
  SpoolError,
  Notifier | FileSystem.FileSystem | Scope.Scope
> =>
  Effect.gen(function*() {
    const { routes } = yield* Notifier
    // One queue per transport: a receiver that is down is retried alone.
    const outboxes = yield* Effect.forEach(routes, (route) =>
      Outbox.make({
        ...Outbox.perRoute(options, route.name, routes.length),
        entry: AlertSchema,
        deliver: ([first], dropped) =>
          first === undefined ? Effect.succeed(0) : route.send(withDropped(first, dropped)).pipe(Effect.as(1)),
        cadence: { _tag: "Immediate" },
        retryCap: RETRY_CAP
      }))
    return Alerts.of({
      send: (alert) => Effect.forEach(outboxes, (outbox) => outbox.add(alert), { discard: true }),
      via: routes.map((route) => route.name).filter((name) => name !== NO_TRANSPORT)
    })
  })

export const layer = (options: { readonly name: string; readonly spoolFile?: string | undefined }) =>
  Layer.scoped(Alerts, make(options))
