/**
 * Everything after "raise an alert", for every plugin: what a plugin queues goes out in the
 * background through each configured route, one Outbox per route (a receiver that is down is
 * retried alone, the others never get the same alert twice), so a slow or dead receiver never
 * holds up supervisord's events. A queue's cadence says when: at once (each alert its own
 * message: crashmail, httpok, memmon) or batched (everything collected, every interval: the
 * batch plugins).
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { type Alert, AlertSchema } from "../domain/Alert.js"
import * as Outbox from "./Outbox.js"
import { NO_TRANSPORT, Routes } from "./Routes.js"
import type { SpoolError } from "./Spool.js"

/** When queued entries go out. */
export type Cadence =
  | { readonly _tag: "AtOnce" }
  | { readonly _tag: "Batched"; readonly interval: Duration.Duration }

export const atOnce: Cadence = { _tag: "AtOnce" }
export const batched = (interval: Duration.Duration): Cadence => ({ _tag: "Batched", interval })

/** The longest wait between two retries of an alert sent at once; a batch retries every interval. */
export const RETRY_CAP = Duration.minutes(1)

export interface QueueOptions<T, I> {
  /** Names the queue in log lines and its spool files, e.g. `crashmailbatch`. */
  readonly name: string
  /** Where the unsent queue is kept (`--spool`), if anywhere; one file per route among several. */
  readonly spoolFile?: string | undefined
  /** Most unsent entries kept; older ones are dropped and counted. */
  readonly queueLimit?: number | undefined
  readonly cadence: Cadence
  /** Encodes an entry for the spool file. */
  readonly entry: Schema.Schema<T, I>
  /**
   * The message for entries that go out together (at once: one entry each), `dropped` counting
   * those the queue limit threw away since the last message.
   */
  readonly compose: (entries: ReadonlyArray<T>, dropped: number) => Alert
}

export interface Queue<T> {
  /** Queues the entry; it is delivered in the background. */
  readonly send: (entry: T) => Effect.Effect<void>
  /** The routes entries go through, for log lines: `mail`, `webhook`, `alertmanager2`…; empty without any. */
  readonly via: ReadonlyArray<string>
}

export class Delivery extends Context.Tag("superlance/Delivery")<Delivery, {
  /** A queue per route, delivering until the scope closes (then one last attempt, see Outbox). */
  readonly open: <T, I>(options: QueueOptions<T, I>) => Effect.Effect<Queue<T>, SpoolError, Scope.Scope>
}>() {}

export const make: Effect.Effect<Delivery["Type"], never, Routes | FileSystem.FileSystem> = Effect.gen(function*() {
  const routes = yield* Routes
  const fs = yield* FileSystem.FileSystem
  const open = <T, I>(options: QueueOptions<T, I>) =>
    Effect.gen(function*() {
      const { cadence, compose } = options
      const outboxes = yield* Effect.forEach(routes, (route) =>
        Outbox.make({
          ...Outbox.perRoute(options, route.name, routes.length),
          entry: options.entry,
          deliver: (entries, dropped) => {
            if (cadence._tag === "Batched") return route.send(compose(entries, dropped)).pipe(Effect.as(entries.length))
            const [first] = entries
            return first === undefined ? Effect.succeed(0) : route.send(compose([first], dropped)).pipe(Effect.as(1))
          },
          cadence: cadence._tag === "Batched" ? { _tag: "Every", interval: cadence.interval } : { _tag: "Immediate" },
          retryCap: cadence._tag === "Batched" ? cadence.interval : RETRY_CAP,
          ...(options.queueLimit === undefined ? {} : { queueLimit: options.queueLimit })
        }).pipe(Effect.provideService(FileSystem.FileSystem, fs)))
      return {
        send: (entry: T) => Effect.forEach(outboxes, (outbox) => outbox.add(entry), { discard: true }),
        via: routes.map((route) => route.name).filter((name) => name !== NO_TRANSPORT)
      }
    })
  return { open }
})

/** Delivery through the routes in context. */
export const layer: Layer.Layer<Delivery, never, Routes | FileSystem.FileSystem> = Layer.effect(Delivery, make)

/** Notes the alerts the queue limit dropped in the next message that goes out. */
const withDropped = (alert: Alert, dropped: number): Alert =>
  dropped === 0 ? alert : { ...alert, body: `${alert.body}\n\n${Outbox.droppedLine(dropped)}` }

/** A queue of alerts each sent at once as its own message (crashmail, httpok, memmon). */
export const alerts = (
  options: { readonly name: string; readonly spoolFile?: string | undefined }
): Effect.Effect<Queue<Alert>, SpoolError, Delivery | Scope.Scope> =>
  Effect.flatMap(Delivery, (delivery) =>
    delivery.open({
      ...options,
      cadence: atOnce,
      entry: AlertSchema,
      compose: ([alert], dropped) => withDropped(alert!, dropped)
    }))
