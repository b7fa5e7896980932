/** crashmail's typed configuration (SPEC §4 "crashmail"), decoded from its raw options. */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { OptionTable, Raw } from "../../options/OptionTable.js"
import { fields } from "../../options/fields.js"
import type { UsageError } from "../../options/UsageError.js"
import { logging } from "../../options/logging.js"
import type { AlertingConfig } from "../../options/alerting.js"
import { decodeHeartbeat, heartbeat } from "../../options/heartbeat.js"
import { decodeListenerMail, listenerMail } from "../../options/mail.js"
import { decodeReceivers, decodeSpool, decodeTail, spool, tail } from "../../options/receivers.js"
import { decodeHost, decodeRateLimit, host, rateLimit } from "../../options/safety.js"
import type { ProgramSpec } from "../../domain/Selection.js"
import { ProgramName, type Quota, SingleLine } from "../../options/units.js"

export const crashmailTable = {
  program: {
    original: true,
    short: "p",
    kind: "repeated",
    metavar: "NAME",
    description: "Report exits of this process (name or group:name). Repeatable."
  },
  any: { original: true, short: "a", kind: "flag", description: "Report exits of every process (overrides -p)." },
  optionalheader: {
    original: true,
    short: "o",
    kind: "single",
    metavar: "TEXT",
    description: "Prefix for the mail subject."
  },
  ...listenerMail,
  ...spool,
  ...tail,
  ...rateLimit,
  ...host,
  ...heartbeat,
  ...logging
} as const satisfies OptionTable


export interface CrashmailConfig extends AlertingConfig {
  /** `-p`: processes whose unexpected exits are reported (none and not `any`: all). */
  readonly programs: ReadonlyArray<ProgramSpec>
  readonly any: boolean
  /** `-o`: subject prefix, `<header>: <name> crashed at <time>`. */
  readonly optionalHeader?: string | undefined
  /** `--tail N`: lines of the process's log in each alert. */
  readonly tail?: number | undefined
  /** `--rate-limit N/DURATION`: at most N mails per process within DURATION. */
  readonly rateLimit?: Quota | undefined
}

export const decodeCrashmail = (raw: Raw<typeof crashmailTable>): Effect.Effect<CrashmailConfig, UsageError> =>
  Effect.gen(function*() {
    const f = fields(crashmailTable, raw)
    const programs = yield* f.repeated("program", ProgramName)
    const header = yield* f.optional("optionalheader", SingleLine)
    const mail = yield* decodeListenerMail(f)
    const receivers = yield* decodeReceivers(f)
    const tail = yield* decodeTail(f)
    const rateLimit = yield* decodeRateLimit(f)
    const host = yield* decodeHost(f)
    const spool = yield* decodeSpool(f)
    const beat = yield* decodeHeartbeat(f, receivers, host)
    return {
      programs,
      any: f.flag("any"),
      optionalHeader: Option.getOrUndefined(Option.filter(header, (s) => s.length > 0)),
      mail,
      receivers,
      tail,
      rateLimit,
      host,
      spool,
      heartbeat: beat
    }
  })
