/** The operator-safety options on each plugin's command line, decoded as the binary does. */
import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { hostname } from "node:os"
import { normalize } from "../../src/options/argv.js"
import { crashmailTable as crashmail } from "../../src/plugins/crashmail/options.js"
import { crashsmsTable as crashsms } from "../../src/plugins/batch/options.js"
import { httpokTable as httpok } from "../../src/plugins/httpok/options.js"
import { memmonTable as memmon } from "../../src/plugins/memmon/options.js"
import { decodeBatch } from "../../src/plugins/batch/options.js"
import { decodeCrashmail } from "../../src/plugins/crashmail/options.js"
import { decodeHttpok } from "../../src/plugins/httpok/options.js"
import { decodeMemmon } from "../../src/plugins/memmon/options.js"
import { message, pipeline } from "../support/options.js"

const httpokConfig = pipeline("httpok", httpok, decodeHttpok)
const memmonConfig = pipeline("memmon", memmon, decodeMemmon)
const crashmailConfig = pipeline("crashmail", crashmail, decodeCrashmail)
const smsConfig = pipeline("crashsms", crashsms, (raw) => decodeBatch("crashsms", raw))
const URL = "http://127.0.0.1:8080/health"

describe("operator-safety options", () => {
  it.effect("defaults keep the original: act at the first failure, no grace, no limits, no host name", () =>
    Effect.gen(function*() {
      const h = yield* httpokConfig([URL])
      expect([h.failures, h.grace, h.restartLimit, h.host]).toEqual([1, undefined, undefined, undefined])
      const m = yield* memmonConfig(["-a", "1GB"])
      expect([m.failures, m.grace, m.restartLimit, m.host]).toEqual([1, undefined, undefined, undefined])
      const c = yield* crashmailConfig([])
      expect([c.rateLimit, c.host]).toEqual([undefined, undefined])
      const s = yield* smsConfig(["--toEmail=a@b", "--fromEmail=x@y"])
      expect([s.rateLimit, s.host]).toEqual([undefined, undefined])
    }))

  it.effect("httpok and memmon: --failures, --grace, --max-restarts with --restart-window", () =>
    Effect.gen(function*() {
      const args = ["--failures", "3", "--grace=90s", "--max-restarts", "5", "--restart-window", "1h"]
      for (const config of [yield* httpokConfig([...args, URL]), yield* memmonConfig([...args, "-a", "1GB"])]) {
        expect(config.failures).toBe(3)
        expect(config.grace).toEqual(Duration.seconds(90))
        expect(config.restartLimit).toEqual({ max: 5, window: Duration.hours(1) })
      }
      expect((yield* memmonConfig(["--grace", "2m", "-a", "1GB"])).grace).toEqual(Duration.minutes(2))
    }))

  it.effect("crashmail and the batch plugins: --rate-limit N/DURATION", () =>
    Effect.gen(function*() {
      expect((yield* crashmailConfig(["--rate-limit", "3/10m"])).rateLimit).toEqual({ max: 3, window: Duration.minutes(10) })
      expect((yield* smsConfig(["--toEmail=a@b", "--fromEmail=x@y", "--rate-limit=1/1d"])).rateLimit).toEqual({
        max: 1,
        window: Duration.days(1)
      })
    }))

  it.effect("--hostname NAME, --hostname auto, and --hostname-in-subject (alone: auto)", () =>
    Effect.gen(function*() {
      expect((yield* crashmailConfig(["--hostname", "web-03"])).host).toEqual({ name: "web-03", inSubject: false })
      expect((yield* memmonConfig(["--hostname=auto", "-a", "1GB"])).host).toEqual({ name: hostname(), inSubject: false })
      expect((yield* httpokConfig(["--hostname-in-subject", URL])).host).toEqual({ name: hostname(), inSubject: true })
      expect((yield* smsConfig(["--toEmail=a@b", "--fromEmail=x@y", "--hostname", "db1", "--hostname-in-subject"])).host)
        .toEqual({ name: "db1", inSubject: true })
    }))

  it.effect("one-line errors naming the option", () =>
    Effect.gen(function*() {
      expect(yield* message(httpokConfig(["--failures", "0", URL]))).toBe(
        "--failures: \"0\" is not a whole number of at least 1"
      )
      expect(yield* message(memmonConfig(["--grace", "5 minutes", "-a", "1GB"]))).toBe(
        "--grace: \"5 minutes\" is not a duration like 30s, 10m, 2h or 1d"
      )
      expect(yield* message(httpokConfig(["--max-restarts", "3", URL]))).toBe(
        "--max-restarts needs --restart-window DURATION (like 10m)"
      )
      expect(yield* message(memmonConfig(["--restart-window", "10m", "-a", "1GB"]))).toBe(
        "--restart-window needs --max-restarts N"
      )
      expect(yield* message(crashmailConfig(["--rate-limit", "3"]))).toBe(
        "--rate-limit: \"3\" is not N/DURATION like 3/10m"
      )
      expect(yield* message(crashmailConfig(["--rate-limit", "0/10m"]))).toBe(
        "--rate-limit: \"0/10m\" is not N/DURATION like 3/10m"
      )
      expect(yield* message(crashmailConfig(["--hostname", ""]))).toBe("--hostname: \"\" is not a host name (or auto)")
    }))

  it("getopt prefixes: the original's abbreviations keep their meaning (memmon --gr, httpok --g); --host is ambiguous", () => {
    expect(normalize(crashmail, ["--hostname-in", "--rate=3/1m"])._tag).toBe("Right")
    expect(normalize(memmon, ["--gro", "web=1GB"])._tag).toBe("Right")
    const ambiguous = (table: Parameters<typeof normalize>[0], arg: string) => {
      const result = normalize(table, [arg, "x"])
      return result._tag === "Left" ? result.left.message : "accepted"
    }
    expect(normalize(memmon, ["--gr", "web=1GB"])).toEqual(Either.right(["--group", "web=1GB"]))
    expect(normalize(httpok, ["--g", "gcore"])).toEqual(Either.right(["--gcore=gcore"]))
    expect(ambiguous(crashmail, "--host")).toMatch(/^ambiguous option: --host /)
  })
})
