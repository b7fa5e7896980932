/**
 * The alert rate limit of crashmail and the batch plugins (`--rate-limit N/DURATION`): at most N
 * alerts about one process within any window; past that they are counted, not sent.
 */
import * as Effect from "effect/Effect"
import { formatPeriod } from "../../domain/Time.js"
import type { Quota } from "../../options/units.js"
import * as Window from "./Quota.js"

export type Admission =
  | {
    readonly _tag: "Send"
    /** Alerts about the process suppressed since the last one sent, for this one to mention. */
    readonly suppressed: number
  }
  | {
    readonly _tag: "Suppress"
    /** Suppressed so far, this one included. */
    readonly suppressed: number
  }

export interface RateLimit {
  /** Whether an alert about `process` (`group:name`) may go out now. */
  readonly admit: (process: string) => Effect.Effect<Admission>
  /** How the option reads, for messages: `--rate-limit 3/10m`. */
  readonly option: string
}

/** Without a limit every alert goes out, as in the original. */
export const make = (limit: Quota | undefined): Effect.Effect<RateLimit> =>
  limit === undefined
    ? Effect.succeed({ admit: () => Effect.succeed({ _tag: "Send", suppressed: 0 }), option: "" })
    : Effect.gen(function*() {
      const quota = yield* Window.make(limit)
      const suppressed = new Map<string, number>()
      return {
        option: `--rate-limit ${limit.max}/${formatPeriod(limit.window)}`,
        admit: (process) =>
          Effect.map(quota.take(process), (take): Admission => {
            const before = suppressed.get(process) ?? 0
            if (take._tag === "Refused") {
              suppressed.set(process, before + 1)
              return { _tag: "Suppress", suppressed: before + 1 }
            }
            suppressed.delete(process)
            return { _tag: "Send", suppressed: before }
          })
      }
    })
