/**
 * The configuration of crashmailbatch, fatalmailbatch and crashsms (SPEC §4 "the batch
 * plugins"), decoded from their raw options.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Raw } from "../cli/OptionTable.js"
import { type BatchTable, crashmailbatch } from "../cli/tables.js"
import { type ConfigError, fields } from "./fields.js"
import { decodeBatchMail, type MailConfig } from "./mail.js"
import { EmailAddress, EmailList, IntervalMinutes, NonBlank, PositiveInt, SingleLine, TickEvent } from "./units.js"

export type BatchPlugin = "crashmailbatch" | "fatalmailbatch" | "crashsms"

export const defaultSubjects: Readonly<Record<BatchPlugin, string | undefined>> = {
  crashmailbatch: "Crash alert from supervisord",
  fatalmailbatch: "Fatal start alert from supervisord",
  crashsms: undefined
}

export interface BatchConfig {
  readonly toEmail: ReadonlyArray<string>
  readonly fromEmail: string
  /** How often collected lines are sent. */
  readonly interval: Duration.Duration
  /** Absent (crashsms by default, or `-s ""`): no Subject header. */
  readonly subject?: string | undefined
  readonly tickEvent: `TICK_${number}`
  readonly mail: MailConfig
  /** Directory keeping the unsent queue across restarts. */
  readonly spool?: string | undefined
  /** Most unsent lines kept; older ones are dropped and counted. */
  readonly queueLimit: number
}

export const defaultInterval = Duration.minutes(1)
export const defaultTickEvent = "TICK_60"
export const defaultQueueLimit = 10_000

// The three batch tables differ only in help texts, so any one of them names the options.
const table: BatchTable = crashmailbatch

export const decodeBatch = (plugin: BatchPlugin, raw: Raw<BatchTable>): Effect.Effect<BatchConfig, ConfigError> =>
  Effect.gen(function*() {
    const f = fields(table, raw)
    const toEmail = yield* f.required("toEmail", EmailList)
    const fromEmail = yield* f.required("fromEmail", EmailAddress)
    const interval = yield* f.optional("interval", IntervalMinutes)
    const subject = yield* f.optional("subject", SingleLine)
    const tickEvent = yield* f.optional("tickEvent", TickEvent)
    const mail = yield* decodeBatchMail(f, toEmail, fromEmail)
    const spool = yield* f.optional("spool", NonBlank)
    const queueLimit = yield* f.optional("queue-limit", PositiveInt)
    return {
      toEmail,
      fromEmail,
      interval: Option.getOrElse(interval, () => defaultInterval),
      // optparse's "" default meant no Subject header, so an empty -s still means none.
      subject: Option.match(subject, {
        onNone: () => defaultSubjects[plugin],
        onSome: (s) => (s.length > 0 ? s : undefined)
      }),
      tickEvent: Option.getOrElse(tickEvent, () => defaultTickEvent),
      mail,
      spool: Option.getOrUndefined(spool),
      queueLimit: Option.getOrElse(queueLimit, () => defaultQueueLimit)
    }
  })
