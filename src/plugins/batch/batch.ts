/**
 * The batch mailers (crashmailbatch, fatalmailbatch, crashsms; SPEC §4): one line per matching
 * event, sent together every interval. Each plugin only says which events it takes and how a
 * line reads; queueing, retries and the spool are Delivery's. With `--tail N` each line is
 * followed by the last lines of the process's log, read when the event arrives. With
 * `--rate-limit N/DURATION`, past N lines for one process within DURATION its further
 * lines become one `… N more from <group:name> suppressed` line in the batch.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { asctime } from "../../domain/Time.js"
import * as Outbox from "../../alerts/Outbox.js"
import type { BatchConfig, BatchName } from "./options.js"
import { type Event, ProcessState } from "../../domain/Event.js"
import { formatTail, LogTail } from "../../services/LogTail.js"
import * as Delivery from "../../alerts/Delivery.js"
import type { SpoolError } from "../../alerts/Spool.js"
import * as RateLimit from "../safety/RateLimit.js"
import { fullName, ofEvent } from "../../domain/Process.js"

export interface BatchPlugin {
  readonly name: BatchName
  /** The events whose lines it collects, by supervisord's event name. */
  readonly events: ReadonlyArray<string>
  /** The line for an event this plugin collects, or undefined for one it ignores. */
  readonly line: (event: ProcessState, asctime: string) => string | undefined
}

export type BatchSettings = Pick<BatchConfig, "interval" | "subject" | "queueLimit"> & {
  /** At most this many lines per process within the window (`--rate-limit`); absent, no limit. */
  readonly rateLimit?: BatchConfig["rateLimit"]
  /** Where the unsent queue is kept (`--spool`), if anywhere. */
  readonly spoolFile?: string | undefined
}

/**
 * One collected line (with its log tail, if any) and the event behind it; or, `suppressed` by
 * the rate limit, an event that only adds to its process's count in the batch.
 */
const Entry = Schema.Struct({
  line: Schema.String,
  event: Schema.optionalWith(ProcessState, { exact: true }),
  suppressed: Schema.optionalWith(Schema.Literal(true), { exact: true })
})
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

const processOf = (event: ProcessState) => fullName(ofEvent(event))

/** `… 4 more from web:api suppressed` */
export const suppressedLine = (count: number, process: string): string => `… ${count} more from ${process} suppressed`

/** The batch's lines: each process's suppressed entries become one line, where the first of them was. */
const linesOf = (entries: ReadonlyArray<Entry>): ReadonlyArray<string> => {
  const counts = new Map<string, number>()
  for (const entry of entries) {
    if (entry.suppressed && entry.event !== undefined) {
      const process = processOf(entry.event)
      counts.set(process, (counts.get(process) ?? 0) + 1)
    }
  }
  return entries.flatMap((entry) => {
    if (!entry.suppressed || entry.event === undefined) return [entry.line]
    const process = processOf(entry.event)
    const count = counts.get(process)
    if (count === undefined) return []
    counts.delete(process)
    return [suppressedLine(count, process)]
  })
}

const alertOf = (plugin: string, subject: string | undefined, entries: ReadonlyArray<Entry>, dropped: number) => {
  const all = entries.flatMap((entry) => (entry.event === undefined ? [] : [entry.event]))
  // Suppressed events are only counted: receivers get the events whose lines they see.
  const events = entries.flatMap((entry) => (entry.event === undefined || entry.suppressed ? [] : [entry.event]))
  const processes = [...new Set(all.map(processOf))]
  return {
    plugin,
    // No subject (crashsms by default) means no Subject header.
    subject: subject ?? "",
    body: [...(dropped > 0 ? [Outbox.droppedLine(dropped)] : []), ...linesOf(entries)].join("\n"),
    ...(all.length === 0 ? {} : { processes, events })
  }
}

export const batchListener = (plugin: BatchPlugin, config: BatchSettings): Effect.Effect<
  (event: Event) => Effect.Effect<void>,
  SpoolError,
  Delivery.Delivery | LogTail | Scope.Scope
> =>
  Effect.gen(function*() {
    const delivery = yield* Delivery.Delivery
    const logTail = yield* LogTail
    const limit = yield* RateLimit.make(config.rateLimit)
    const batch = yield* delivery.open({
      name: plugin.name,
      spoolFile: config.spoolFile,
      queueLimit: config.queueLimit,
      cadence: Delivery.batched(config.interval),
      entry: StoredEntry,
      compose: (entries, dropped) => alertOf(plugin.name, config.subject, entries, dropped)
    })

    return (event: Event) =>
      Effect.gen(function*() {
        if (event._tag !== "ProcessState") return
        const line = plugin.line(event, yield* asctime)
        if (line === undefined) return
        const name = processOf(event)
        const admission = yield* limit.admit(name)
        if (admission._tag === "Suppress") {
          yield* Effect.logInfo(`${line} (not sent on its own: ${limit.option})`)
          return yield* batch.send({ line, event, suppressed: true })
        }
        yield* Effect.logInfo(line)
        const tail = yield* logTail.read(name)
        const text = tail._tag === "Some" ? `${line}\n${formatTail(tail.value, "    ")}` : line
        yield* batch.send({ line: text, event })
      })
  })

/** An EXITED event supervisord did not expect (the exit code is not among `exitcodes`). */
export const unexpectedExit = (event: ProcessState): boolean => event.state === "EXITED" && event.expected === false
