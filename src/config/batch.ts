/**
 * The configuration of crashmailbatch, fatalmailbatch and crashsms (SPEC §4 "the batch
 * plugins"), decoded from their raw options.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Raw } from "../cli/OptionTable.js"
import { type BatchTable, crashmailbatch } from "../cli/tables.js"
import type { HostStamp } from "../alerts/hostname.js"
import { type ConfigError, configError, fields } from "./fields.js"
import { decodeBatchMail, type MailConfig } from "./mail.js"
import { decodeReceivers, decodeSpool, decodeTail, type Receivers } from "./receivers.js"
import { decodeHost, decodeRateLimit } from "./safety.js"
import {
  EmailAddress,
  EmailList,
  IntervalMinutes,
  PositiveInt,
  type Quota,
  SingleLine,
  TickEvent
} from "./units.js"

export type BatchPlugin = "crashmailbatch" | "fatalmailbatch" | "crashsms"

export const defaultSubjects: Readonly<Record<BatchPlugin, string | undefined>> = {
  crashmailbatch: "Crash alert from supervisord",
  fatalmailbatch: "Fatal start alert from supervisord",
  crashsms: undefined
}

export interface BatchConfig {
  /** Empty when the batches are not mailed (only with receivers). */
  readonly toEmail: ReadonlyArray<string>
  readonly fromEmail?: string | undefined
  /** How often collected lines are sent. */
  readonly interval: Duration.Duration
  /** Absent (crashsms by default, or `-s ""`): no Subject header. */
  readonly subject?: string | undefined
  readonly tickEvent: `TICK_${number}`
  /** Absent when only receivers get the batches. */
  readonly mail?: MailConfig | undefined
  /** `--webhook`, `--alertmanager`. */
  readonly receivers?: Receivers | undefined
  /** `--tail N`: lines of the process's log under each event's line. */
  readonly tail?: number | undefined
  /** Directory keeping the unsent queue across restarts. */
  readonly spool?: string | undefined
  /** Most unsent lines kept; older ones are dropped and counted. */
  readonly queueLimit: number
  /** `--rate-limit N/DURATION`: at most N lines per process within DURATION, the rest counted. */
  readonly rateLimit?: Quota | undefined
  /** `--hostname`, `--hostname-in-subject`. */
  readonly host?: HostStamp | undefined
}

export const defaultInterval = Duration.minutes(1)
export const defaultTickEvent = "TICK_60"
export const defaultQueueLimit = 10_000

// The three batch tables differ only in help texts, so any one of them names the options.
const table: BatchTable = crashmailbatch

/** Options that only make sense when mailing. */
const mailOnly = ["fromEmail", "smtpHost", "smtpPort", "userName", "password", "sendmail"] as const

export const decodeBatch = (plugin: BatchPlugin, raw: Raw<BatchTable>): Effect.Effect<BatchConfig, ConfigError> =>
  Effect.gen(function*() {
    const f = fields(table, raw)
    const receivers = yield* decodeReceivers(f)
    // The addresses are required when mailing, which is always unless a receiver is given.
    const mailing = receivers === undefined || f.given("toEmail")
    if (!mailing) {
      for (const key of mailOnly) {
        if (f.given(key)) return yield* configError(`${f.label(key)} is for mail and needs ${f.label("toEmail")}`)
      }
      if (f.flag("tls")) return yield* configError(`${f.label("tls")} is for mail and needs ${f.label("toEmail")}`)
    }
    const toEmail = mailing ? yield* f.required("toEmail", EmailList) : []
    const fromEmail = mailing ? yield* f.required("fromEmail", EmailAddress) : undefined
    const interval = yield* f.optional("interval", IntervalMinutes)
    const subject = yield* f.optional("subject", SingleLine)
    const tickEvent = yield* f.optional("tickEvent", TickEvent)
    const mail = fromEmail === undefined ? undefined : yield* decodeBatchMail(f, toEmail, fromEmail)
    const spool = yield* decodeSpool(f)
    const queueLimit = yield* f.optional("queue-limit", PositiveInt)
    const tail = yield* decodeTail(f)
    const rateLimit = yield* decodeRateLimit(f)
    const host = yield* decodeHost(f)
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
      spool,
      queueLimit: Option.getOrElse(queueLimit, () => defaultQueueLimit),
      receivers,
      tail,
      rateLimit,
      host
    }
  })
