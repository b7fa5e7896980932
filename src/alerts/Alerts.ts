/**
 * One alert, one message (crashmail, httpok, memmon): sent in the background through the
 * Notifier, so a slow or dead mail server never holds up supervisord's events, and retried until
 * it goes through (backoff capped at one minute).
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type { Alert } from "../services/Alert.js"
import { Notifier } from "../services/Notifier.js"
import * as Outbox from "./Outbox.js"

export const AlertSchema: Schema.Schema<Alert, Alert> = Schema.Struct({
  plugin: Schema.String,
  subject: Schema.String,
  body: Schema.String,
  processes: Schema.optionalWith(Schema.Array(Schema.String), { exact: true })
})

export const RETRY_CAP = Duration.minutes(1)

export class Alerts extends Context.Tag("superlance/Alerts")<Alerts, {
  /** Queues the alert; it is delivered in the background. */
  readonly send: (alert: Alert) => Effect.Effect<void>
}>() {}

/** Notes the alerts the queue limit dropped in the next message that goes out. */
const withDropped = (alert: Alert, dropped: number): Alert =>
  dropped === 0 ? alert : { ...alert, body: `${alert.body}\n\n${Outbox.droppedLine(dropped)}` }

export const make = (options: { readonly name: string; readonly spoolFile?: string | undefined }): Effect.Effect<
  Context.Tag.Service<Alerts>,
  never,
  Notifier | FileSystem.FileSystem | Scope.Scope
> =>
  Effect.gen(function*() {
    const notifier = yield* Notifier
    const outbox = yield* Outbox.make({
      name: options.name,
      entry: AlertSchema,
      deliver: ([first], dropped) =>
        first === undefined ? Effect.succeed(0) : notifier.notify(withDropped(first, dropped)).pipe(Effect.as(1)),
      cadence: { _tag: "Immediate" },
      retryCap: RETRY_CAP,
      spoolFile: options.spoolFile
    })
    return Alerts.of({ send: outbox.add })
  })

export const layer = (options: { readonly name: string; readonly spoolFile?: string | undefined }) =>
  Layer.scoped(Alerts, make(options))
