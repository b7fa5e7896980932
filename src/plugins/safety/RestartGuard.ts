/**
 * The restart-loop limit of httpok and memmon (`--max-restarts N --restart-window DURATION`):
 * after N restarts of the same process within the window, hold off, say so once, and restart it
 * again once the oldest of those restarts has left the window.
 */
import * as Effect from "effect/Effect"
import { formatPeriod } from "../../domain/Time.js"
import type { Quota } from "../../options/units.js"
import * as Window from "./Quota.js"

export type Verdict =
  | {
    readonly _tag: "Restart"
    /** The process was held back until now: restarts resume. */
    readonly resumed: boolean
  }
  | {
    readonly _tag: "Hold"
    /** The first hold since the last restart: the one time to alert about it. */
    readonly announce: boolean
    /** Restarts within the window. */
    readonly restarts: number
    /** When (epoch ms) a restart is allowed again. */
    readonly resumesAt: number
    /** Why, for reports: `restarted 3 times within 10m (--max-restarts 3 --restart-window 10m)`. */
    readonly reason: string
  }

export type Hold = Extract<Verdict, { readonly _tag: "Hold" }>

export interface RestartGuard {
  /** Whether `process` (`group:name`) may be restarted now; a `Restart` counts as one restart. */
  readonly admit: (process: string) => Effect.Effect<Verdict>
}

const always: RestartGuard = { admit: () => Effect.succeed({ _tag: "Restart", resumed: false }) }

/** Without a limit every restart is allowed, as in the original. */
export const make = (limit: Quota | undefined): Effect.Effect<RestartGuard> =>
  limit === undefined ? Effect.succeed(always) : Effect.gen(function*() {
    const quota = yield* Window.make(limit)
    const window = formatPeriod(limit.window)
    const holding = new Set<string>()
    return {
      admit: (process) =>
        Effect.map(quota.take(process), (take): Verdict => {
          const held = holding.has(process)
          if (take._tag === "Taken") {
            holding.delete(process)
            return { _tag: "Restart", resumed: held }
          }
          holding.add(process)
          return {
            _tag: "Hold",
            announce: !held,
            restarts: take.used,
            resumesAt: take.freeAt,
            reason: `restarted ${take.used} ${
              take.used === 1 ? "time" : "times"
            } within ${window} (--max-restarts ${limit.max} --restart-window ${window})`
          }
        })
    }
  })
