import { describe, expect, it } from "vitest"
import * as Debounce from "../../../src/plugins/safety/Debounce.js"
import * as Grace from "../../../src/plugins/safety/Grace.js"
import { Duration } from "effect"

describe("--failures (Debounce)", () => {
  it("counts bad observations in a row per key; a good one, or a new pid, starts over", () => {
    const streaks = Debounce.make<string>(3)
    expect(streaks.option).toBe("--failures 3")
    expect([streaks.bad("web", 10), streaks.bad("web", 10), streaks.bad("db", 20)]).toEqual([1, 2, 1])
    expect(streaks.bad("web", 11)).toBe(1) // restarted meanwhile: another process
    streaks.reset("web")
    expect(streaks.count("web")).toBe(0)
    streaks.keep(new Set(["web"]))
    expect(streaks.count("db")).toBe(0)
  })

  it("acts at the first bad observation without the option, as the original", () => {
    expect(Debounce.make(undefined).required).toBe(1)
  })
})

describe("--grace (Grace)", () => {
  it("spares a process up for less than the grace period, by supervisord's clock, and says why", () => {
    const grace = Grace.make(Duration.seconds(30))
    expect(Grace.spares(grace, { start: 1000, now: 1005 })).toBe("up only 5s (--grace 30s)")
    expect(Grace.spares(grace, { start: 1000, now: 1030 })).toBeUndefined()
    expect(Grace.spares(Grace.make(undefined), { start: 1000, now: 1000 })).toBeUndefined()
  })
})
