/**
 * The operator-safety options (debounce, grace period, restart-loop limit, alert rate limit,
 * host name), decoded once for every plugin that has them. Each default keeps the original's
 * behaviour.
 */
import { hostname } from "node:os"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { HostStamp } from "../alerts/hostname.js"
import type { Fields } from "./fields.js"
import { type UsageError, usageError } from "./UsageError.js"
import { HostName, Period, PositiveInt, type Quota, RateLimit } from "./units.js"
import { inGroup } from "./OptionTable.js"

/** httpok and memmon: when a process is left alone. */
export interface RestartSafetyConfig {
  /** `--failures`: bad checks in a row before acting (1: at the first, as the original). */
  readonly failures: number
  /** `--grace`: a process up for less than this is not restarted. */
  readonly grace?: Duration.Duration | undefined
  /** `--max-restarts` within `--restart-window`, per process. */
  readonly restartLimit?: Quota | undefined
}

/** `--hostname`: every plugin. */
export const host = inGroup("safety", {
  hostname: {
    kind: "single",
    metavar: "NAME",
    description: "Name this host in every alert (NAME, or auto for the system's host name)."
  },
  "hostname-in-subject": {
    kind: "flag",
    description: "Also start alert subjects with [NAME] (implies --hostname auto if not given)."
  }
})

/** httpok and memmon: when a process is left alone. */
export const restartSafety = inGroup("safety", {
  grace: {
    kind: "single",
    metavar: "DURATION",
    description: "Do not restart a process up for less than DURATION (like 30s, 2m)."
  },
  "max-restarts": {
    kind: "single",
    metavar: "N",
    description: "After N restarts of a process within --restart-window, stop restarting it and alert once."
  },
  "restart-window": {
    kind: "single",
    metavar: "DURATION",
    description: "The window of --max-restarts (like 10m, 1h)."
  }
})

/** `--rate-limit`: crashmail and the batch plugins. */
export const rateLimit = inGroup("safety", {
  "rate-limit": {
    kind: "single",
    metavar: "N/DURATION",
    description: "At most N alerts per process within DURATION (like 3/10m); further ones are counted."
  }
})


/** `--failures N`: consecutive bad checks (httpok) or ticks over the limit (memmon) before acting; 1 by default. */
export const decodeFailures = (f: Fields<never, "failures", never>): Effect.Effect<number, UsageError> =>
  Effect.map(f.optional("failures", PositiveInt), Option.getOrElse(() => 1))

/** `--grace DURATION`: a process up for less is left alone; absent, none. */
export const decodeGrace = (f: Fields<never, "grace", never>): Effect.Effect<Duration.Duration | undefined, UsageError> =>
  Effect.map(f.optional("grace", Period), Option.getOrUndefined)

/** `--max-restarts N --restart-window DURATION`, which only make sense together; absent, no limit. */
export const decodeRestartLimit = (
  f: Fields<never, "max-restarts" | "restart-window", never>
): Effect.Effect<Quota | undefined, UsageError> =>
  Effect.gen(function*() {
    const max = yield* f.optional("max-restarts", PositiveInt)
    const window = yield* f.optional("restart-window", Period)
    if (Option.isSome(max) && Option.isSome(window)) return { max: max.value, window: window.value }
    if (Option.isSome(max)) {
      return yield* usageError(`${f.label("max-restarts")} needs ${f.label("restart-window")} DURATION (like 10m)`)
    }
    if (Option.isSome(window)) return yield* usageError(`${f.label("restart-window")} needs ${f.label("max-restarts")} N`)
    return undefined
  })

/** `--rate-limit N/DURATION`: at most N alerts per process within DURATION; absent, no limit. */
export const decodeRateLimit = (f: Fields<never, "rate-limit", never>): Effect.Effect<Quota | undefined, UsageError> =>
  Effect.map(f.optional("rate-limit", RateLimit), Option.getOrUndefined)

/**
 * `--hostname NAME` or `--hostname auto` (the system's host name); `--hostname-in-subject` alone
 * means `auto`. Absent: alerts stay exactly as the original's.
 */
export const decodeHost = (
  f: Fields<"hostname-in-subject", "hostname", never>
): Effect.Effect<HostStamp | undefined, UsageError> =>
  Effect.gen(function*() {
    const given = yield* f.optional("hostname", HostName)
    const inSubject = f.flag("hostname-in-subject")
    if (Option.isNone(given) && !inSubject) return undefined
    const name = Option.getOrElse(given, () => "auto")
    return { name: name === "auto" ? yield* Effect.sync(hostname) : name, inSubject }
  })
