/**
 * The batch mailers (crashmailbatch, fatalmailbatch, crashsms; SPEC §4): one line per matching
 * event, sent together every interval. Each plugin only says which events it takes and how a
 * line reads; queueing, retries and the spool are the Outbox's.
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { asctime } from "../alerts/asctime.js"
import * as Outbox from "../alerts/Outbox.js"
import type { BatchConfig } from "../config/batch.js"
import type { Event, ProcessState } from "../protocol/Event.js"
import { Notifier } from "../services/Notifier.js"

export interface BatchPlugin {
  readonly name: string
  /** The line for an event this plugin collects, or undefined for one it ignores. */
  readonly line: (event: ProcessState, asctime: string) => string | undefined
}

export type BatchSettings = Pick<BatchConfig, "interval" | "subject" | "queueLimit"> & {
  /** Where the unsent queue is kept (`--spool`), if anywhere. */
  readonly spoolFile?: string | undefined
}

export const batchListener = (plugin: BatchPlugin, config: BatchSettings): Effect.Effect<
  (event: Event) => Effect.Effect<void>,
  never,
  Notifier | FileSystem.FileSystem | Scope.Scope
> =>
  Effect.gen(function*() {
    const notifier = yield* Notifier
    const outbox = yield* Outbox.make({
      name: plugin.name,
      entry: Schema.String,
      deliver: (lines, dropped) =>
        notifier.notify({
          plugin: plugin.name,
          // No subject (crashsms by default) means no Subject header.
          subject: config.subject ?? "",
          body: [...(dropped > 0 ? [Outbox.droppedLine(dropped)] : []), ...lines].join("\n")
        }).pipe(Effect.as(lines.length)),
      cadence: { _tag: "Every", interval: config.interval },
      retryCap: config.interval,
      queueLimit: config.queueLimit,
      spoolFile: config.spoolFile
    })

    return (event: Event) =>
      Effect.gen(function*() {
        if (event._tag !== "ProcessState") return
        const line = plugin.line(event, yield* asctime)
        if (line === undefined) return
        yield* Effect.logInfo(line)
        yield* outbox.add(line)
      })
  })

/** An EXITED event supervisord did not expect (the exit code is not among `exitcodes`). */
export const unexpectedExit = (event: ProcessState): boolean => event.state === "EXITED" && event.expected === false
