/** httpok's typed configuration (SPEC §4 "httpok"), decoded from its raw options. */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { Raw } from "../cli/OptionTable.js"
import { httpok } from "../cli/tables.js"
import type { HostStamp } from "../alerts/hostname.js"
import { type ConfigError, fields } from "./fields.js"
import { decodeListenerMail, type MailConfig } from "./mail.js"
import { decodeReceivers, decodeSpool, type Receivers } from "./receivers.js"
import { decodeFailures, decodeGrace, decodeHost, decodeRestartLimit } from "./safety.js"
import {
  HttpUrl,
  NonBlank,
  ProgramName,
  type ProgramSpec,
  type Quota,
  SingleLine,
  StatusCode,
  TimeoutSeconds
} from "./units.js"

export interface HttpokConfig {
  readonly url: string
  /** `-p`: processes to restart when the check fails. */
  readonly programs: ReadonlyArray<ProgramSpec>
  /** `-a`: restart every RUNNING process (overrides `programs`). */
  readonly any: boolean
  /** The whole attempt, retries of refused connections included. */
  readonly timeout: Duration.Duration
  /** Acceptable statuses. */
  readonly codes: ReadonlyArray<number>
  /** Text the body must contain. */
  readonly body?: string | undefined
  /** Check even when no watched process is RUNNING. */
  readonly eager: boolean
  /** Command run as `<gcore> <coredir>/<namespec> <pid>`. */
  readonly gcore: string
  readonly coredir?: string | undefined
  /** `-n`: shown in subjects as `httpok [<name>]`. */
  readonly name?: string | undefined
  /** Absent: nothing is mailed. */
  readonly mail?: MailConfig | undefined
  /** `--webhook`, `--alertmanager`. */
  readonly receivers?: Receivers | undefined
  readonly verifyTls: boolean
  /** `--failures`: bad checks in a row before acting (1: at the first, as the original). */
  readonly failures: number
  /** `--grace`: a process up for less than this is not restarted. */
  readonly grace?: Duration.Duration | undefined
  /** `--max-restarts` within `--restart-window`, per process. */
  readonly restartLimit?: Quota | undefined
  /** `--hostname`, `--hostname-in-subject`. */
  readonly host?: HostStamp | undefined
  /** `--spool DIR`: the directory keeping unsent alerts across restarts. */
  readonly spool?: string | undefined
}

export const defaultTimeout = Duration.seconds(10)
export const defaultGcore = "/usr/bin/gcore -o"

const nonEmpty = (value: Option.Option<string>) => Option.getOrUndefined(Option.filter(value, (s) => s.length > 0))

export const decodeHttpok = (raw: Raw<typeof httpok>): Effect.Effect<HttpokConfig, ConfigError> =>
  Effect.gen(function*() {
    const f = fields(httpok, raw)
    const programs = yield* f.repeated("program", ProgramName)
    const timeout = yield* f.optional("timeout", TimeoutSeconds)
    const codes = yield* f.repeated("code", StatusCode)
    const body = yield* f.optional("body", Schema.String)
    const mail = yield* decodeListenerMail(f)
    const receivers = yield* decodeReceivers(f)
    const gcore = yield* f.optional("gcore", NonBlank)
    const coredir = yield* f.optional("coredir", NonBlank)
    const name = yield* f.optional("name", SingleLine)
    const failures = yield* decodeFailures(f)
    const grace = yield* decodeGrace(f)
    const restartLimit = yield* decodeRestartLimit(f)
    const host = yield* decodeHost(f)
    const spool = yield* decodeSpool(f)
    const url = yield* f.required("url", HttpUrl, "missing URL")
    return {
      url,
      programs,
      any: f.flag("any"),
      timeout: Option.getOrElse(timeout, () => defaultTimeout),
      codes: codes.length > 0 ? codes : [200],
      body: nonEmpty(body),
      // -e and -E override each other; argv normalisation keeps only the last one given.
      eager: f.flag("eager") || !f.flag("not-eager"),
      gcore: Option.getOrElse(gcore, () => defaultGcore),
      coredir: Option.getOrUndefined(coredir),
      name: nonEmpty(name),
      mail,
      receivers,
      verifyTls: f.flag("verify-tls"),
      failures,
      grace,
      restartLimit,
      host,
      spool
    }
  })
