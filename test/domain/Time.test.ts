import { afterEach, describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { abbreviationFromRule, ctime, formatTimeAsctime } from "../../src/domain/Time.js"

const original = process.env["TZ"]
afterEach(() => {
  if (original === undefined) delete process.env["TZ"]
  else process.env["TZ"] = original
})

const winter = Date.UTC(2025, 10, 5, 9, 5, 3) // Wed Nov 5 2025 09:05:03 UTC
const summer = Date.UTC(2026, 6, 14, 21, 30, 0) // Tue Jul 14 2026 21:30:00 UTC

/** What the original prints: Python's `time.asctime()` and `time.strftime('%Z')` in that zone. */
const python = (tz: string, millis: number): string | undefined => {
  try {
    return execFileSync("python3", [
      "-c",
      `import time; t = time.localtime(${millis / 1000}); print(time.asctime(t), time.strftime('%Z', t))`
    ], { env: { ...process.env, TZ: tz }, encoding: "utf8" }).trim()
  } catch {
    return undefined
  }
}

describe("ctime: the date in memmon's restart mail", () => {
  it("asctime pads the day with a space, as Python does", () => {
    process.env["TZ"] = "UTC"
    expect(formatTimeAsctime(winter)).toBe("Wed Nov  5 09:05:03 2025")
    expect(formatTimeAsctime(summer)).toBe("Tue Jul 14 21:30:00 2026")
  })

  it.each([
    ["UTC", winter, "Wed Nov  5 09:05:03 2025 UTC"],
    ["Europe/Berlin", winter, "Wed Nov  5 10:05:03 2025 CET"],
    ["Europe/Berlin", summer, "Tue Jul 14 23:30:00 2026 CEST"],
    ["America/New_York", summer, "Tue Jul 14 17:30:00 2026 EDT"],
    ["America/Sao_Paulo", winter, "Wed Nov  5 06:05:03 2025 -03"],
    ["Asia/Kolkata", winter, "Wed Nov  5 14:35:03 2025 IST"],
    ["Europe/Dublin", winter, "Wed Nov  5 09:05:03 2025 GMT"],
    ["Europe/Dublin", summer, "Tue Jul 14 22:30:00 2026 IST"]
  ])("in %s: as the original writes it", (tz, millis, expected) => {
    process.env["TZ"] = tz
    expect(ctime(millis)).toBe(expected)
    const reference = python(tz, millis)
    if (reference !== undefined) expect(ctime(millis)).toBe(reference)
  })

  it("reads zone abbreviations from POSIX rules, standard or daylight by the offset in force", () => {
    expect(abbreviationFromRule("UTC0", 0)).toBe("UTC")
    expect(abbreviationFromRule("CET-1CEST,M3.5.0,M10.5.0/3", 3600)).toBe("CET")
    expect(abbreviationFromRule("CET-1CEST,M3.5.0,M10.5.0/3", 7200)).toBe("CEST")
    expect(abbreviationFromRule("EST5EDT,M3.2.0,M11.1.0", -5 * 3600)).toBe("EST")
    expect(abbreviationFromRule("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", 11 * 3600)).toBe("+11")
    expect(abbreviationFromRule("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", 10.5 * 3600)).toBe("+1030")
    expect(abbreviationFromRule("not a rule", 0)).toBeUndefined()
  })
})
