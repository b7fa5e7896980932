import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, TestClock } from "effect"
import * as RestartGuard from "../../../src/plugins/safety/RestartGuard.js"

const limit = { max: 2, window: Duration.minutes(10) }

describe("RestartGuard", () => {
  it.effect("without a limit every restart is allowed", () =>
    Effect.gen(function*() {
      const guard = yield* RestartGuard.make(undefined)
      for (let i = 0; i < 50; i++) expect((yield* guard.admit("web:app"))._tag).toBe("Restart")
    }))

  it.effect("N restarts within the window, then a hold announced once, per process", () =>
    Effect.gen(function*() {
      const guard = yield* RestartGuard.make(limit)
      expect(yield* guard.admit("web:app")).toEqual({ _tag: "Restart", resumed: false })
      yield* TestClock.adjust("1 minute")
      expect(yield* guard.admit("web:app")).toEqual({ _tag: "Restart", resumed: false })
      yield* TestClock.adjust("1 minute")
      expect(yield* guard.admit("web:app")).toEqual({
        _tag: "Hold",
        announce: true,
        restarts: 2,
        resumesAt: Duration.toMillis("10 minutes"),
        reason: "restarted 2 times within 10m (--max-restarts 2 --restart-window 10m)"
      })
      yield* TestClock.adjust("1 minute")
      expect(yield* guard.admit("web:app")).toMatchObject({ _tag: "Hold", announce: false })
      // Another process has its own count.
      expect(yield* guard.admit("web:api")).toEqual({ _tag: "Restart", resumed: false })
    }))

  it.effect("resumes once the oldest restart has left the window, and announces the next hold again", () =>
    Effect.gen(function*() {
      const guard = yield* RestartGuard.make(limit)
      yield* guard.admit("app:app") // t = 0
      yield* TestClock.adjust("5 minutes")
      yield* guard.admit("app:app") // t = 5m
      expect((yield* guard.admit("app:app"))._tag).toBe("Hold")
      yield* TestClock.adjust("4 minutes") // t = 9m
      expect(yield* guard.admit("app:app")).toMatchObject({ _tag: "Hold", announce: false })
      yield* TestClock.adjust("1 minute") // t = 10m: the restart of t = 0 has left the window
      expect(yield* guard.admit("app:app")).toEqual({ _tag: "Restart", resumed: true })
      expect(yield* guard.admit("app:app")).toMatchObject({
        _tag: "Hold",
        announce: true,
        resumesAt: Duration.toMillis("15 minutes")
      })
    }))
})
