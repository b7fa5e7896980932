/**
 * At most `max` uses per key (a process) within any `window`: a sliding window on Clock, so
 * TestClock drives it. The restart limit and the alert rate limit are built on it.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { Quota } from "../../options/units.js"

export type Take =
  | { readonly _tag: "Taken" }
  | {
    readonly _tag: "Refused"
    /** Uses within the window (the quota's `max`). */
    readonly used: number
    /** When (epoch ms) the oldest of them leaves the window, making room for one more. */
    readonly freeAt: number
  }

export interface Window {
  /** One use for `key` now, if the quota has room; a refused use is not counted. */
  readonly take: (key: string) => Effect.Effect<Take>
}

export const make = (quota: Quota): Effect.Effect<Window> =>
  Effect.sync(() => {
    const windowMs = Duration.toMillis(quota.window)
    const uses = new Map<string, ReadonlyArray<number>>()
    return {
      take: (key) =>
        Effect.map(Clock.currentTimeMillis, (now): Take => {
          const recent = (uses.get(key) ?? []).filter((at) => at > now - windowMs)
          if (recent.length >= quota.max) {
            uses.set(key, recent)
            return { _tag: "Refused", used: recent.length, freeAt: recent[0]! + windowMs }
          }
          uses.set(key, [...recent, now])
          return { _tag: "Taken" }
        })
    }
  })
