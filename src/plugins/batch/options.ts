/**
 * The configuration of crashmailbatch, fatalmailbatch and crashsms (SPEC §4 "the batch
 * plugins"), decoded from their raw options.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { inGroup, type OptionTable, type Raw } from "../../options/OptionTable.js"
import { fields } from "../../options/fields.js"
import { type UsageError, usageError } from "../../options/UsageError.js"
import { logging } from "../../options/logging.js"
import type { AlertingConfig } from "../../options/alerting.js"
import { decodeHeartbeat, heartbeat } from "../../options/heartbeat.js"
import { decodeBatchMail } from "../../options/mail.js"
import { decodeReceivers, decodeSpool, decodeTail, receivers, spool, tail } from "../../options/receivers.js"
import { decodeHost, decodeRateLimit, host, rateLimit } from "../../options/safety.js"
import {
  EmailAddress,
  EmailList,
  IntervalMinutes,
  PositiveInt,
  type Quota,
  SingleLine,
  TickEvent
} from "../../options/units.js"

/** How the batch plugins mail: SMTP, or a sendmail-like command. */
const batchMail = inGroup("mail", {
  smtpHost: {
    original: true,
    short: "H",
    kind: "single",
    metavar: "HOST[:PORT]",
    description: "SMTP server (default localhost:25)."
  },
  smtpPort: { kind: "single", metavar: "PORT", description: "SMTP port (default 25; 465 means implicit TLS)." },
  userName: { original: true, short: "u", kind: "single", metavar: "USER", description: "SMTP user name." },
  password: {
    original: true,
    short: "p",
    kind: "single",
    metavar: "PASS",
    description: "SMTP password (better: env SUPERLANCE_SMTP_PASSWORD, which ps does not show)."
  },
  tls: { original: true, kind: "flag", description: "Use STARTTLS with the SMTP server." },
  sendmail: {
    kind: "single",
    metavar: "CMD",
    description: "Send through this sendmail-like command instead of SMTP."
  }
})

const batchTable = (subject: string) =>
  ({
    toEmail: {
      original: true,
      short: "t",
      kind: "single",
      metavar: "ADDRS",
      description: "Comma-separated recipients (required unless --webhook or --alertmanager is given)."
    },
    fromEmail: {
      original: true,
      short: "f",
      kind: "single",
      metavar: "ADDR",
      description: "Sender address (required with --toEmail)."
    },
    interval: {
      original: true,
      short: "i",
      kind: "single",
      metavar: "MIN",
      description: "Batch interval in minutes (default 1.0)."
    },
    subject: { original: true, short: "s", kind: "single", metavar: "TEXT", description: subject },
    tickEvent: {
      original: true,
      short: "e",
      kind: "single",
      metavar: "TICK_N",
      description: "TICK event the listener is subscribed to (default TICK_60)."
    },
    ...batchMail,
    ...spool,
    "queue-limit": {
      group: "notify",
      kind: "single",
      metavar: "N",
      description: "Keep at most N unsent alerts (default 10000); older ones are dropped and counted."
    },
    ...receivers,
    ...tail,
    ...rateLimit,
    ...host,
    ...heartbeat,
    ...logging
  }) as const satisfies OptionTable

export const crashmailbatchTable = batchTable("Mail subject (default: Crash alert from supervisord).")
export const fatalmailbatchTable = batchTable("Mail subject (default: Fatal start alert from supervisord).")
export const crashsmsTable = batchTable("Mail subject (default: none).")

export type BatchTable = ReturnType<typeof batchTable>


export type BatchName = "crashmailbatch" | "fatalmailbatch" | "crashsms"

export const defaultSubjects: Readonly<Record<BatchName, string | undefined>> = {
  crashmailbatch: "Crash alert from supervisord",
  fatalmailbatch: "Fatal start alert from supervisord",
  crashsms: undefined
}

export interface BatchConfig extends AlertingConfig {
  /** Empty when the batches are not mailed (only with receivers). */
  readonly toEmail: ReadonlyArray<string>
  readonly fromEmail?: string | undefined
  /** How often collected lines are sent. */
  readonly interval: Duration.Duration
  /** Absent (crashsms by default, or `-s ""`): no Subject header. */
  readonly subject?: string | undefined
  readonly tickEvent: `TICK_${number}`
  /** `--tail N`: lines of the process's log under each event's line. */
  readonly tail?: number | undefined
  /** Most unsent lines kept; older ones are dropped and counted. */
  readonly queueLimit: number
  /** `--rate-limit N/DURATION`: at most N lines per process within DURATION, the rest counted. */
  readonly rateLimit?: Quota | undefined
}

export const defaultInterval = Duration.minutes(1)
export const defaultTickEvent = "TICK_60"
export const defaultQueueLimit = 10_000

// The three batch tables differ only in help texts, so any one of them names the options.
const table: BatchTable = crashmailbatchTable

/** Options that only make sense when mailing. */
const mailOnly = ["fromEmail", "smtpHost", "smtpPort", "userName", "password", "sendmail"] as const

export const decodeBatch = (plugin: BatchName, raw: Raw<BatchTable>): Effect.Effect<BatchConfig, UsageError> =>
  Effect.gen(function*() {
    const f = fields(table, raw)
    const receivers = yield* decodeReceivers(f)
    // The addresses are required when mailing, which is always unless a receiver is given.
    const mailing = receivers === undefined || f.given("toEmail")
    if (!mailing) {
      for (const key of mailOnly) {
        if (f.given(key)) return yield* usageError(`${f.label(key)} is for mail and needs ${f.label("toEmail")}`)
      }
      if (f.flag("tls")) return yield* usageError(`${f.label("tls")} is for mail and needs ${f.label("toEmail")}`)
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
    const beat = yield* decodeHeartbeat(f, receivers, host)
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
      host,
      heartbeat: beat
    }
  })
