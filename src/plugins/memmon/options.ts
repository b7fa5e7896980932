/** memmon's typed configuration (SPEC §4 "memmon"), decoded from its raw options. */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { OptionTable, Raw } from "../../options/OptionTable.js"
import { fields } from "../../options/fields.js"
import { type UsageError, usageError } from "../../options/UsageError.js"
import { logging } from "../../options/logging.js"
import type { AlertingConfig } from "../../options/alerting.js"
import { decodeHeartbeat, heartbeat } from "../../options/heartbeat.js"
import { decodeListenerMail, listenerMail } from "../../options/mail.js"
import { decodeReceivers, decodeSpool, spool } from "../../options/receivers.js"
import { decodeFailures, decodeGrace, decodeHost, decodeRestartLimit, host, restartSafety, type RestartSafetyConfig } from "../../options/safety.js"
import { GroupLimit, ProgramLimit, SingleLine, Size, Uptime } from "../../options/units.js"

export const memmonTable = {
  cumulative: {
    original: true,
    short: "c",
    kind: "flag",
    description: "Count the memory of each process together with all its descendants."
  },
  program: {
    original: true,
    short: "p",
    kind: "repeated",
    metavar: "NAME=SIZE",
    description: "Restart process NAME (name, group:name, or group:* for each of a group) above SIZE (like 200MB). Repeatable."
  },
  group: {
    original: true,
    short: "g",
    aliases: ["groupname"],
    kind: "repeated",
    metavar: "GROUP=SIZE",
    description: "Restart any process of GROUP above SIZE. Repeatable."
  },
  any: { original: true, short: "a", kind: "single", metavar: "SIZE", description: "Restart any process above SIZE." },
  ...listenerMail,
  uptime: {
    original: true,
    short: "u",
    kind: "single",
    metavar: "SEC",
    description: "Mail only when the restarted process was up at most SEC (suffix s, m, h or d)."
  },
  name: { original: true, short: "n", kind: "single", metavar: "NAME", description: "Name this memmon in mail subjects." },
  failures: {
    group: "safety",
    kind: "single",
    metavar: "N",
    description: "Restart only after N ticks in a row over the limit (default 1)."
  },
  ...spool,
  ...restartSafety,
  ...host,
  ...heartbeat,
  ...logging
} as const satisfies OptionTable


export interface MemmonConfig extends AlertingConfig, RestartSafetyConfig {
  /** `-c`: count each process with all its descendants. */
  readonly cumulative: boolean
  /** `-p name=size` / `-p group:name=size` / `-p group:*=size`; one entry per spec, the last given wins. */
  readonly programLimits: ReadonlyArray<ProgramLimit>
  /** `-g group=size`; one entry per group, the last given wins. */
  readonly groupLimits: ReadonlyArray<GroupLimit>
  /** `-a size`, in bytes. */
  readonly anyLimit?: number | undefined
  /** `-u`: mail only when the process was up at most this long; absent: always. */
  readonly uptimeLimit?: Duration.Duration | undefined
  /** `-n`: shown in subjects as `memmon [<name>]`. */
  readonly name?: string | undefined
}

/** The original kept limits in a dict: a later `-p foo=…` replaces an earlier one. */
const lastWins = <A>(items: ReadonlyArray<A>, key: (a: A) => string): ReadonlyArray<A> =>
  [...new Map(items.map((item) => [key(item), item])).values()]

export const decodeMemmon = (raw: Raw<typeof memmonTable>): Effect.Effect<MemmonConfig, UsageError> =>
  Effect.gen(function*() {
    const f = fields(memmonTable, raw)
    const programLimits = yield* f.repeated("program", ProgramLimit)
    const groupLimits = yield* f.repeated("group", GroupLimit)
    const anyLimit = yield* f.optional("any", Size)
    const mail = yield* decodeListenerMail(f)
    const receivers = yield* decodeReceivers(f)
    const uptimeLimit = yield* f.optional("uptime", Uptime)
    const name = yield* f.optional("name", SingleLine)
    const failures = yield* decodeFailures(f)
    const grace = yield* decodeGrace(f)
    const restartLimit = yield* decodeRestartLimit(f)
    const host = yield* decodeHost(f)
    const spool = yield* decodeSpool(f)
    const beat = yield* decodeHeartbeat(f, receivers, host)
    // Checked last, so that a bad value is named first. The original then runs and does
    // nothing: a green RUNNING that watches nothing.
    if (programLimits.length === 0 && groupLimits.length === 0 && Option.isNone(anyLimit)) {
      return yield* usageError(
        `no memory limit given: use ${f.label("program")} NAME=SIZE, ${f.label("group")} GROUP=SIZE or ${f.label("any")} SIZE`
      )
    }
    return {
      cumulative: f.flag("cumulative"),
      programLimits: lastWins(programLimits, (l) => l.program.text),
      groupLimits: lastWins(groupLimits, (l) => l.group),
      anyLimit: Option.getOrUndefined(anyLimit),
      uptimeLimit: Option.getOrUndefined(uptimeLimit),
      name: Option.getOrUndefined(Option.filter(name, (s) => s.length > 0)),
      mail,
      receivers,
      failures,
      grace,
      restartLimit,
      host,
      spool,
      heartbeat: beat
    }
  })
