import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import {
  describeExpected,
  EmailAddress,
  EmailList,
  GroupLimit,
  HostName,
  HostPort,
  HttpUrl,
  IntervalMinutes,
  Period,
  Port,
  PositiveInt,
  ProgramLimit,
  ProgramName,
  RateLimit,
  SingleLine,
  Size,
  StatusCode,
  TickEvent,
  TimeoutSeconds,
  Uptime
} from "../../src/options/units.js"
import { selects } from "../../src/domain/Selection.js"
import { formatPeriod } from "../../src/domain/Time.js"

const decode = <A>(schema: Schema.Schema<A, string>, text: string) => Schema.decodeEither(schema)(text)
const accepts = <A>(schema: Schema.Schema<A, string>, text: string): A => {
  const result = decode(schema, text)
  if (Either.isLeft(result)) throw new Error(`${JSON.stringify(text)} rejected: ${result.left.message}`)
  return result.right
}
const rejects = <A>(schema: Schema.Schema<A, string>, ...texts: ReadonlyArray<string>) => {
  for (const text of texts) expect(Either.isLeft(decode(schema, text)), JSON.stringify(text)).toBe(true)
}
const seconds = (d: Duration.Duration) => Duration.toSeconds(d)

describe("Size", () => {
  it("reads bytes with KB/MB/GB suffixes in any case, powers of 1024", () => {
    expect(accepts(Size, "100")).toBe(100)
    expect(accepts(Size, "200MB")).toBe(200 * 1024 * 1024)
    expect(accepts(Size, "500mb")).toBe(500 * 1024 * 1024)
    expect(accepts(Size, "1GB")).toBe(1024 ** 3)
    expect(accepts(Size, "1Gb")).toBe(1024 ** 3)
    expect(accepts(Size, "64kb")).toBe(65536)
    expect(accepts(Size, "0")).toBe(0)
    expect(accepts(Size, " 200 MB ")).toBe(200 * 1024 * 1024)
  })

  it("rejects fractions, negatives, other suffixes and junk", () => {
    rejects(Size, "", "abc", "1.5GB", "-1MB", "200M", "200TB", "MB", "1 2MB", "99999999999999999999GB")
  })

  it("says what it expected", () => {
    expect(describeExpected(Size)).toBe("a size like 200MB")
  })
})

describe("Uptime (memmon -u)", () => {
  it("reads seconds with s/m/h/d suffixes", () => {
    expect(seconds(accepts(Uptime, "90"))).toBe(90)
    expect(seconds(accepts(Uptime, "90s"))).toBe(90)
    expect(seconds(accepts(Uptime, "5m"))).toBe(300)
    expect(seconds(accepts(Uptime, "2h"))).toBe(7200)
    expect(seconds(accepts(Uptime, "2d"))).toBe(172800)
    expect(seconds(accepts(Uptime, "2D"))).toBe(172800)
  })

  it("rejects other suffixes and fractions", () => {
    rejects(Uptime, "", "2w", "1.5h", "-5", "h")
  })
})

describe("TimeoutSeconds (httpok -t)", () => {
  it("reads a positive number of seconds, fractions allowed", () => {
    expect(Duration.toMillis(accepts(TimeoutSeconds, "5"))).toBe(5000)
    expect(Duration.toMillis(accepts(TimeoutSeconds, "0.5"))).toBe(500)
    expect(Duration.toMillis(accepts(TimeoutSeconds, ".25"))).toBe(250)
  })

  it("rejects zero, negatives and words", () => {
    rejects(TimeoutSeconds, "0", "-1", "abc", "", "5s", "1e3", "Infinity")
    expect(describeExpected(TimeoutSeconds)).toBe("a number of seconds")
  })
})

describe("IntervalMinutes", () => {
  it("reads positive minutes, fractions allowed", () => {
    expect(Duration.toMillis(accepts(IntervalMinutes, "1"))).toBe(60_000)
    expect(Duration.toMillis(accepts(IntervalMinutes, "0.5"))).toBe(30_000)
    expect(Duration.toMillis(accepts(IntervalMinutes, "2.0"))).toBe(120_000)
    rejects(IntervalMinutes, "0", "-1", "x", "")
  })
})

describe("StatusCode, Port, PositiveInt", () => {
  it("keeps to their ranges", () => {
    expect(accepts(StatusCode, "200")).toBe(200)
    expect(accepts(StatusCode, "599")).toBe(599)
    rejects(StatusCode, "99", "600", "2xx", "", "200.0")
    expect(accepts(Port, "465")).toBe(465)
    rejects(Port, "0", "65536", "smtp")
    expect(accepts(PositiveInt, "10000")).toBe(10000)
    rejects(PositiveInt, "0", "-3", "1.5", "")
  })
})

describe("TickEvent", () => {
  it("accepts TICK_<n> only", () => {
    expect(accepts(TickEvent, "TICK_60")).toBe("TICK_60")
    expect(accepts(TickEvent, "TICK_5")).toBe("TICK_5")
    rejects(TickEvent, "TICK_", "TICK_0", "tick_60", "TICK_60s", "PROCESS_STATE", "")
  })
})

describe("HttpUrl", () => {
  it("accepts http and https URLs as written", () => {
    expect(accepts(HttpUrl, "http://localhost:8080/")).toBe("http://localhost:8080/")
    expect(accepts(HttpUrl, "https://10.0.0.1/health?x=1")).toBe("https://10.0.0.1/health?x=1")
    rejects(HttpUrl, "localhost:8080", "ftp://x/", "file:///etc/passwd", "", "http//x")
  })
})

describe("addresses", () => {
  it("EmailAddress: any non-empty token without spaces or line breaks", () => {
    expect(accepts(EmailAddress, "root")).toBe("root")
    expect(accepts(EmailAddress, "bob@example.com")).toBe("bob@example.com")
    rejects(EmailAddress, "", "a b", "a@b\nBcc: x@y", " ")
  })

  it("EmailList: comma-separated, blanks trimmed, empty entries skipped", () => {
    expect(accepts(EmailList, "a@b,c@d")).toEqual(["a@b", "c@d"])
    expect(accepts(EmailList, " a@b , c@d, ")).toEqual(["a@b", "c@d"])
    expect(accepts(EmailList, "root")).toEqual(["root"])
    rejects(EmailList, "", ",", "a@b c@d", "a@b,\nc@d x")
  })
})

describe("SingleLine", () => {
  it("refuses line breaks (the text goes into a mail header)", () => {
    expect(accepts(SingleLine, "prod")).toBe("prod")
    expect(accepts(SingleLine, "")).toBe("")
    rejects(SingleLine, "a\nBcc: x@y", "a\rb")
  })
})

describe("program specs", () => {
  it("ProgramName: name or group:name", () => {
    expect(accepts(ProgramName, "foo")).toEqual({ text: "foo", name: "foo" })
    expect(accepts(ProgramName, "web:app_01")).toEqual({ text: "web:app_01", group: "web", name: "app_01" })
    rejects(ProgramName, "", "a:b:c", ":b", "a:", "a b", "a=1")
  })

  it("selects a process by name in any group, or by group:name exactly", () => {
    const foo = accepts(ProgramName, "foo")
    const webFoo = accepts(ProgramName, "web:foo")
    expect(selects(foo, { group: "foo", name: "foo" })).toBe(true)
    expect(selects(foo, { group: "web", name: "foo" })).toBe(true)
    expect(selects(webFoo, { group: "web", name: "foo" })).toBe(true)
    expect(selects(webFoo, { group: "db", name: "foo" })).toBe(false)
    expect(selects(foo, { group: "foo", name: "bar" })).toBe(false)
  })

  it("GROUP:* selects every process of the group, as supervisorctl reads it", () => {
    const web = accepts(ProgramName, "web:*")
    expect(web).toEqual({ text: "web:*", group: "web", name: "*" })
    expect(selects(web, { group: "web", name: "web_00" })).toBe(true)
    expect(selects(web, { group: "web", name: "web_01" })).toBe(true)
    expect(selects(web, { group: "db", name: "web_00" })).toBe(false)
    // `*` alone is not a name (every process is -a), nor is `*:name`.
    rejects(ProgramName, "*", "*:web")
    expect(describeExpected(ProgramName)).toBe("a program name, group:name or group:*")
  })

  it("ProgramLimit: GROUP:*=SIZE", () => {
    expect(accepts(ProgramLimit, "web:*=200MB")).toEqual({
      program: { text: "web:*", group: "web", name: "*" },
      bytes: 200 * 1024 ** 2
    })
  })

  it("ProgramLimit: NAME=SIZE", () => {
    expect(accepts(ProgramLimit, "foo=200MB")).toEqual({ program: { text: "foo", name: "foo" }, bytes: 209715200 })
    expect(accepts(ProgramLimit, "g:foo=1KB")).toEqual({
      program: { text: "g:foo", group: "g", name: "foo" },
      bytes: 1024
    })
    rejects(ProgramLimit, "foo=abc", "foo", "=1MB", "foo=", "a=b=1MB")
    expect(describeExpected(ProgramLimit)).toBe("NAME=SIZE (size like 200MB)")
  })

  it("GroupLimit: GROUP=SIZE", () => {
    expect(accepts(GroupLimit, "web=1GB")).toEqual({ group: "web", bytes: 1024 ** 3 })
    rejects(GroupLimit, "web", "a:b=1GB", "web=1TB")
  })
})

describe("HostPort", () => {
  it("reads host, host:port and bracketed IPv6", () => {
    expect(accepts(HostPort, "mail.example.com")).toEqual({ host: "mail.example.com" })
    expect(accepts(HostPort, "mail:587")).toEqual({ host: "mail", port: 587 })
    expect(accepts(HostPort, "[::1]:2525")).toEqual({ host: "::1", port: 2525 })
    expect(accepts(HostPort, "[::1]")).toEqual({ host: "::1" })
    expect(accepts(HostPort, "fe80::1")).toEqual({ host: "fe80::1" })
    rejects(HostPort, "", "mail:", "mail:smtp", "mail:0", "a b", "[::1]:x")
  })
})

describe("Period (--grace, --restart-window)", () => {
  it("reads whole seconds with s/m/h/d suffixes, at least one second", () => {
    expect(seconds(accepts(Period, "45"))).toBe(45)
    expect(seconds(accepts(Period, "90s"))).toBe(90)
    expect(seconds(accepts(Period, "10m"))).toBe(600)
    expect(seconds(accepts(Period, "2H"))).toBe(7200)
    expect(seconds(accepts(Period, "1d"))).toBe(86400)
    rejects(Period, "", "0", "0m", "-5s", "1.5h", "10 minutes", "m", "1w")
  })

  it("is written back in the largest whole unit", () => {
    expect(formatPeriod(Duration.seconds(600))).toBe("10m")
    expect(formatPeriod(Duration.seconds(90))).toBe("90s")
    expect(formatPeriod(Duration.hours(2))).toBe("2h")
    expect(formatPeriod(Duration.days(1))).toBe("1d")
    expect(formatPeriod(Duration.seconds(3660))).toBe("61m")
  })
})

describe("RateLimit (--rate-limit N/DURATION)", () => {
  it("reads a count and a period", () => {
    expect(accepts(RateLimit, "3/10m")).toEqual({ max: 3, window: Duration.minutes(10) })
    expect(accepts(RateLimit, "1/1d")).toEqual({ max: 1, window: Duration.days(1) })
    expect(accepts(RateLimit, "100/60")).toEqual({ max: 100, window: Duration.seconds(60) })
    rejects(RateLimit, "", "3", "/10m", "3/", "0/10m", "3/0", "3/10m/2", "x/10m", "3/10 minutes")
  })
})

describe("HostName (--hostname)", () => {
  it("any token without spaces", () => {
    expect(accepts(HostName, "web-03.prod.example.com")).toBe("web-03.prod.example.com")
    expect(accepts(HostName, "auto")).toBe("auto")
    rejects(HostName, "", "web 03", "a\nb")
  })
})
