/** crashmail's typed configuration (SPEC §4 "crashmail"), decoded from its raw options. */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Raw } from "../cli/OptionTable.js"
import { crashmail } from "../cli/tables.js"
import type { HostStamp } from "../alerts/hostname.js"
import { type ConfigError, fields } from "./fields.js"
import { decodeListenerMail, type MailConfig } from "./mail.js"
import { decodeReceivers, decodeSpool, decodeTail, type Receivers } from "./receivers.js"
import { decodeHost, decodeRateLimit } from "./safety.js"
import { ProgramName, type ProgramSpec, type Quota, SingleLine } from "./units.js"

export interface CrashmailConfig {
  /** `-p`: processes whose unexpected exits are reported (none and not `any`: all). */
  readonly programs: ReadonlyArray<ProgramSpec>
  readonly any: boolean
  /** `-o`: subject prefix, `<header>: <name> crashed at <time>`. */
  readonly optionalHeader?: string | undefined
  /** Absent (and no receivers): exits are only logged. */
  readonly mail?: MailConfig | undefined
  /** `--webhook`, `--alertmanager`. */
  readonly receivers?: Receivers | undefined
  /** `--tail N`: lines of the process's log in each alert. */
  readonly tail?: number | undefined
  /** `--rate-limit N/DURATION`: at most N mails per process within DURATION. */
  readonly rateLimit?: Quota | undefined
  /** `--hostname`, `--hostname-in-subject`. */
  readonly host?: HostStamp | undefined
  /** `--spool DIR`: the directory keeping unsent alerts across restarts. */
  readonly spool?: string | undefined
}

export const decodeCrashmail = (raw: Raw<typeof crashmail>): Effect.Effect<CrashmailConfig, ConfigError> =>
  Effect.gen(function*() {
    const f = fields(crashmail, raw)
    const programs = yield* f.repeated("program", ProgramName)
    const header = yield* f.optional("optionalheader", SingleLine)
    const mail = yield* decodeListenerMail(f)
    const receivers = yield* decodeReceivers(f)
    const tail = yield* decodeTail(f)
    const rateLimit = yield* decodeRateLimit(f)
    const host = yield* decodeHost(f)
    const spool = yield* decodeSpool(f)
    return {
      programs,
      any: f.flag("any"),
      optionalHeader: Option.getOrUndefined(Option.filter(header, (s) => s.length > 0)),
      mail,
      receivers,
      tail,
      rateLimit,
      host,
      spool
    }
  })
