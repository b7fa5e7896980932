/**
 * The batch mailers (crashmailbatch, fatalmailbatch, crashsms; SPEC §4): one line per matching
 * event, sent together every interval. Each plugin only says which events it takes and how a
 * line reads; queueing, retries and the spool are the Outbox's. With `--tail N` each line is
 * followed by the last lines of the process's log, read when the event arrives.
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { asctime } from "../alerts/asctime.js"
import * as Outbox from "../alerts/Outbox.js"
import type { BatchConfig } from "../config/batch.js"
import { type Event, ProcessState } from "../protocol/Event.js"
import { formatTail, LogTail } from "../services/LogTail.js"
import { Notifier } from "../services/Notifier.js"
import { fullName } from "./Selection.js"

export interface BatchPlugin {
  readonly name: string
  /** The line for an event this plugin collects, or undefined for one it ignores. */
  readonly line: (event: ProcessState, asctime: string) => string | undefined
}

export type BatchSettings = Pick<BatchConfig, "interval" | "subject" | "queueLimit"> & {
  /** Where the unsent queue is kept (`--spool`), if anywhere. */
  readonly spoolFile?: string | undefined
}

/** One collected line (with its log tail, if any) and the event behind it. */
const Entry = Schema.Struct({ line: Schema.String, event: Schema.optionalWith(ProcessState, { exact: true }) })
type Entry = typeof Entry.Type

/** Spool files written before entries kept their event hold bare lines; both are read. */
const StoredEntry = Schema.Union(
  Entry,
  Schema.transform(Schema.String, Schema.typeSchema(Entry), {
    strict: true,
    decode: (line) => ({ line }),
    encode: (entry) => entry.line
  })
)

const alertOf = (plugin: string, subject: string | undefined, entries: ReadonlyArray<Entry>, dropped: number) => {
  const events = entries.flatMap((entry) => (entry.event === undefined ? [] : [entry.event]))
  const processes = [...new Set(events.map((event) => fullName({ group: event.groupName, name: event.processName })))]
  return {
    plugin,
    // No subject (crashsms by default) means no Subject header.
    subject: subject ?? "",
    body: [...(dropped > 0 ? [Outbox.droppedLine(dropped)] : []), ...entries.map((entry) => entry.line)].join("\n"),
    ...(events.length === 0 ? {} : { processes, events })
  }
}

export const batchListener = (plugin: BatchPlugin, config: BatchSettings): Effect.Effect<
  (event: Event) => Effect.Effect<void>,
  never,
  Notifier | LogTail | FileSystem.FileSystem | Scope.Scope
> =>
  Effect.gen(function*() {
    const { routes } = yield* Notifier
    const logTail = yield* LogTail
    // One queue per transport: a receiver that is down is retried alone, the others are not
    // sent the same lines twice.
    const outboxes = yield* Effect.forEach(routes, (route) =>
      Outbox.make({
        ...Outbox.perRoute({ name: plugin.name, spoolFile: config.spoolFile }, route.name, routes.length),
        entry: StoredEntry,
        deliver: (entries, dropped) =>
          route.send(alertOf(plugin.name, config.subject, entries, dropped)).pipe(Effect.as(entries.length)),
        cadence: { _tag: "Every", interval: config.interval },
        retryCap: config.interval,
        queueLimit: config.queueLimit
      }))

    return (event: Event) =>
      Effect.gen(function*() {
        if (event._tag !== "ProcessState") return
        const line = plugin.line(event, yield* asctime)
        if (line === undefined) return
        yield* Effect.logInfo(line)
        const tail = yield* logTail.read(fullName({ group: event.groupName, name: event.processName }))
        const text = tail._tag === "Some" ? `${line}\n${formatTail(tail.value, "    ")}` : line
        yield* Effect.forEach(outboxes, (outbox) => outbox.add({ line: text, event }), { discard: true })
      })
  })

/** An EXITED event supervisord did not expect (the exit code is not among `exitcodes`). */
export const unexpectedExit = (event: ProcessState): boolean => event.state === "EXITED" && event.expected === false
