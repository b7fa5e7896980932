import * as CliConfig from "@effect/cli/CliConfig"
import * as Options from "@effect/cli/Options"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { normalize } from "../../src/options/argv.js"
import { label, toOptions } from "../../src/options/OptionTable.js"
import { crashmailTable as crashmail } from "../../src/plugins/crashmail/options.js"
import { crashmailbatchTable as crashmailbatch } from "../../src/plugins/batch/options.js"
import { httpokTable as httpok } from "../../src/plugins/httpok/options.js"
import { memmonTable as memmon } from "../../src/plugins/memmon/options.js"
import { cliLayer, parseRaw, printed } from "../support/cliParse.js"

const raw = <A>(self: Effect.Effect<Option.Option<A>, unknown, never>) =>
  Effect.flatMap(self, (o) => (Option.isSome(o) ? Effect.succeed(o.value) : Effect.dieMessage("handler not run")))

describe("tables through @effect/cli", () => {
  it.effect("httpok: repeated, flags, single, positional", () =>
    Effect.gen(function*() {
      const r = yield* raw(
        parseRaw("httpok", httpok, ["-p", "foo", "--program=bar", "-a", "-t5", "-c", "200", "-c302", "http://x/"])
      )
      expect(r.program).toEqual(["foo", "bar"])
      expect(r.any).toBe(true)
      expect(r.timeout).toEqual(Option.some("5"))
      expect(r.code).toEqual(["200", "302"])
      expect(r.url).toEqual(Option.some("http://x/"))
      expect(r.body).toEqual(Option.none())
      expect(r.eager).toBe(false)
      expect(r["not-eager"]).toBe(false)
    }))

  it.effect("httpok: -e and -E stay apart (case-sensitive)", () =>
    Effect.gen(function*() {
      const notEager = yield* raw(parseRaw("httpok", httpok, ["-E", "http://x/"]))
      expect([notEager.eager, notEager["not-eager"]]).toEqual([false, true])
      const eager = yield* raw(parseRaw("httpok", httpok, ["-e", "http://x/"]))
      expect([eager.eager, eager["not-eager"]]).toEqual([true, false])
      const last = yield* raw(parseRaw("httpok", httpok, ["-E", "-e", "-E", "http://x/"]))
      expect([last.eager, last["not-eager"]]).toEqual([false, true])
    }))

  it.effect("values that look like options reach the right option", () =>
    Effect.gen(function*() {
      const r = yield* raw(parseRaw("crashmail", crashmail, ["-o", "--program", "-p", "--any", "-m", "-x"]))
      expect(r.optionalheader).toEqual(Option.some("--program"))
      expect(r.program).toEqual(["--any"])
      expect(r.any).toBe(false)
      expect(r.email).toEqual(Option.some("-x"))
    }))

  it.effect("empty, padded and multi-line values arrive intact", () =>
    Effect.gen(function*() {
      const empty = yield* raw(parseRaw("crashmail", crashmail, ["-o", "", "-a"]))
      expect(empty.optionalheader).toEqual(Option.some(""))
      expect(empty.any).toBe(true)
      const padded = yield* raw(parseRaw("crashmail", crashmail, ["-o", " x ", "-a"]))
      expect(padded.optionalheader).toEqual(Option.some(" x "))
      const lines = yield* raw(parseRaw("crashmail", crashmail, ["-o", "a\nb"]))
      expect(lines.optionalheader).toEqual(Option.some("a\nb"))
      const equals = yield* raw(parseRaw("crashmail", crashmail, ["--optionalheader=k=v"]))
      expect(equals.optionalheader).toEqual(Option.some("k=v"))
    }))

  it.effect("a positional that starts with - is still the positional", () =>
    Effect.gen(function*() {
      const r = yield* raw(parseRaw("httpok", httpok, ["-a", "--", "-odd"]))
      expect(r.url).toEqual(Option.some("-odd"))
      expect(r.any).toBe(true)
    }))

  it.effect("memmon: second long names and prefixes land on one option", () =>
    Effect.gen(function*() {
      const r = yield* raw(
        parseRaw("memmon", memmon, ["-g", "web=1GB", "--groupname", "db=2GB", "--sendmail", "mail -t", "-c"])
      )
      expect(r.group).toEqual(["web=1GB", "db=2GB"])
      expect(r.sendmail_program).toEqual(Option.some("mail -t"))
      expect(r.cumulative).toBe(true)
    }))

  it.effect("batch: camelCase long names and prefixes", () =>
    Effect.gen(function*() {
      const r = yield* raw(
        parseRaw("crashmailbatch", crashmailbatch, ["--toEmail=a@b,c@d", "--from", "x@y", "-H", "mail:587", "--tls"])
      )
      expect(r.toEmail).toEqual(Option.some("a@b,c@d"))
      expect(r.fromEmail).toEqual(Option.some("x@y"))
      expect(r.smtpHost).toEqual(Option.some("mail:587"))
      expect(r.tls).toBe(true)
      expect(r.interval).toEqual(Option.none())
    }))

  it.effect("--log-level after other options still runs the command", () =>
    Effect.gen(function*() {
      const r = yield* raw(parseRaw("crashmail", crashmail, ["-a", "--log-level", "debug"]))
      expect(r.any).toBe(true)
    }))

  it.effect("--help anywhere shows help instead of running", () =>
    Effect.gen(function*() {
      const r = yield* parseRaw("crashmail", crashmail, ["-a", "-p", "foo", "--help"])
      expect(Option.isNone(r)).toBe(true)
      const help = yield* printed("crashmail", crashmail, ["-a", "-p", "foo", "--help"])
      expect(help).toContain("-o, --optionalheader TEXT")
      expect(help).toContain("Prefix for the mail subject.")
      expect(help).toContain("-s, --sendmail_program, --sendmail CMD")
    }))

  it.effect("--version anywhere prints the version", () =>
    Effect.gen(function*() {
      expect(yield* printed("memmon", memmon, ["-c", "--version"])).toContain("0.0.0-test")
    }))

  it.effect("a usage error stops before @effect/cli", () =>
    Effect.gen(function*() {
      const e = yield* Effect.flip(parseRaw("httpok", httpok, ["-x", "http://x/"]))
      expect(e).toMatchObject({ _tag: "UsageError", message: "no such option: -x" })
    }))

  it.effect("toOptions alone works with Options.processCommandLine", () =>
    Effect.gen(function*() {
      const args = Either.getOrThrow(normalize(httpok, ["-p", "a", "-pb", "-E", "-d", "/cores"]))
      const [error, leftover, value] = yield* Options.processCommandLine(
        toOptions(httpok),
        args,
        CliConfig.make({ isCaseSensitive: true })
      )
      expect(Option.isNone(error)).toBe(true)
      expect(leftover).toEqual([])
      expect(value.program).toEqual(["a", "b"])
      expect(value["not-eager"]).toBe(true)
      expect(value.coredir).toEqual(Option.some("/cores"))
      expect(value["verify-tls"]).toBe(false)
    }).pipe(Effect.provide(cliLayer)))
})

describe("label", () => {
  it("names options as errors show them", () => {
    expect(label(httpok, "timeout")).toBe("-t/--timeout")
    expect(label(httpok, "smtpHost")).toBe("--smtpHost")
    expect(label(httpok, "url")).toBe("URL")
  })
})
