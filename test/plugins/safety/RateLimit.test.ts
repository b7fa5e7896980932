import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, TestClock } from "effect"
import * as RateLimit from "../../../src/plugins/safety/RateLimit.js"

describe("RateLimit", () => {
  it.effect("without a limit every alert goes out", () =>
    Effect.gen(function*() {
      const limit = yield* RateLimit.make(undefined)
      for (let i = 0; i < 50; i++) expect(yield* limit.admit("pets:cat")).toEqual({ _tag: "Send", suppressed: 0 })
    }))

  it.effect("past N within the window alerts are counted; the next one sent carries the count", () =>
    Effect.gen(function*() {
      const limit = yield* RateLimit.make({ max: 2, window: Duration.minutes(10) })
      expect(limit.option).toBe("--rate-limit 2/10m")
      expect(yield* limit.admit("pets:cat")).toEqual({ _tag: "Send", suppressed: 0 })
      expect(yield* limit.admit("pets:cat")).toEqual({ _tag: "Send", suppressed: 0 })
      expect(yield* limit.admit("pets:cat")).toEqual({ _tag: "Suppress", suppressed: 1 })
      expect(yield* limit.admit("pets:dog")).toEqual({ _tag: "Send", suppressed: 0 })
      yield* TestClock.adjust("9 minutes")
      expect(yield* limit.admit("pets:cat")).toEqual({ _tag: "Suppress", suppressed: 2 })
      yield* TestClock.adjust("1 minute")
      expect(yield* limit.admit("pets:cat")).toEqual({ _tag: "Send", suppressed: 2 })
      expect(yield* limit.admit("pets:cat")).toEqual({ _tag: "Send", suppressed: 0 })
      expect(yield* limit.admit("pets:cat")).toEqual({ _tag: "Suppress", suppressed: 1 })
    }))
})
