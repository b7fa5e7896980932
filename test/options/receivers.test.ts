import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { crashmailTable as crashmail } from "../../src/plugins/crashmail/options.js"
import { crashmailbatchTable as crashmailbatch } from "../../src/plugins/batch/options.js"
import { httpokTable as httpok } from "../../src/plugins/httpok/options.js"
import { memmonTable as memmon } from "../../src/plugins/memmon/options.js"
import { testMailTable as testMail } from "../../src/options/testMail.js"
import { decodeBatch } from "../../src/plugins/batch/options.js"
import { decodeCrashmail } from "../../src/plugins/crashmail/options.js"
import { decodeHttpok } from "../../src/plugins/httpok/options.js"
import { decodeMemmon } from "../../src/plugins/memmon/options.js"
import { decodeTestMail } from "../../src/options/testMail.js"
import { message, pipeline } from "../support/options.js"

const crash = pipeline("crashmail", crashmail, decodeCrashmail)
const batch = pipeline("crashmailbatch", crashmailbatch, (raw) => decodeBatch("crashmailbatch", raw))
const probe = pipeline("httpok", httpok, decodeHttpok)
const mem = pipeline("memmon", memmon, decodeMemmon)
const test = pipeline("test-mail", testMail, decodeTestMail)

describe("--webhook, --alertmanager, --tail", () => {
  it.effect("repeatable on every plugin, in every getopt form", () =>
    Effect.gen(function*() {
      const config = yield* crash(["--webhook", "https://hooks.example/a", "--webhook=http://b.example/x?y=1", "--alertmanager", "http://am:9093"])
      expect(config.receivers).toEqual({
        webhooks: ["https://hooks.example/a", "http://b.example/x?y=1"],
        alertmanagers: ["http://am:9093"]
      })
      expect(config.mail).toBeUndefined()
      expect((yield* probe(["--alertmanager=http://am:9093", "http://localhost/health"])).receivers?.alertmanagers).toEqual([
        "http://am:9093"
      ])
      expect((yield* mem(["-a", "1GB", "--webhook", "http://h/"])).receivers?.webhooks).toEqual(["http://h/"])
      // Absent unless given, so configs read as before.
      expect((yield* crash([])).receivers).toBeUndefined()
    }))

  it.effect("only http and https URLs", () =>
    Effect.gen(function*() {
      expect(yield* message(crash(["--webhook", "hooks.example/a"]))).toBe(
        "--webhook: \"hooks.example/a\" is not an http or https URL"
      )
      expect(yield* message(crash(["--alertmanager", "mailto:x@y"]))).toBe(
        "--alertmanager: \"mailto:x@y\" is not an http or https URL"
      )
    }))

  it.effect("--tail N on crashmail and the batch plugins: a whole number of at least 1", () =>
    Effect.gen(function*() {
      expect((yield* crash(["--tail", "5"])).tail).toBe(5)
      expect((yield* crash([])).tail).toBeUndefined()
      expect((yield* batch(["-t", "a@b", "-f", "x@y", "--tail=20"])).tail).toBe(20)
      expect(yield* message(crash(["--tail", "0"]))).toBe("--tail: \"0\" is not a whole number of at least 1")
      expect(yield* message(crash(["--tail", "many"]))).toBe("--tail: \"many\" is not a whole number of at least 1")
    }))

  it.effect("batch plugins: with a receiver, --toEmail and --fromEmail become optional", () =>
    Effect.gen(function*() {
      const config = yield* batch(["--webhook", "http://h/"])
      expect(config.mail).toBeUndefined()
      expect(config.toEmail).toEqual([])
      expect(config.receivers?.webhooks).toEqual(["http://h/"])
      expect(config.subject).toBe("Crash alert from supervisord")
      // Mail and a receiver together: mail still needs its addresses.
      const both = yield* batch(["--alertmanager", "http://am/", "-t", "a@b", "-f", "x@y"])
      expect(both.mail?._tag).toBe("Smtp")
      expect(yield* message(batch(["--alertmanager", "http://am/", "-t", "a@b"]))).toBe("-f/--fromEmail is required")
      // Without a receiver nothing changes.
      expect(yield* message(batch([]))).toBe("-t/--toEmail is required")
    }))

  it.effect("batch plugins: mail options without --toEmail are a mistake, not silently ignored", () =>
    Effect.gen(function*() {
      expect(yield* message(batch(["--webhook", "http://h/", "-H", "mail:25"]))).toBe(
        "-H/--smtpHost is for mail and needs -t/--toEmail"
      )
      expect(yield* message(batch(["--webhook", "http://h/", "-f", "x@y"]))).toBe(
        "-f/--fromEmail is for mail and needs -t/--toEmail"
      )
      expect(yield* message(batch(["--webhook", "http://h/", "--tls"]))).toBe("--tls is for mail and needs -t/--toEmail")
    }))

  it.effect("test-mail takes the listener mail options and the receivers", () =>
    Effect.gen(function*() {
      const config = yield* test(["-m", "root", "--webhook", "http://h/"])
      expect(config.mail).toMatchObject({ _tag: "Sendmail", command: "/usr/sbin/sendmail -t -i", to: ["root"] })
      expect(config.receivers?.webhooks).toEqual(["http://h/"])
      expect(yield* message(test([]))).toMatch(/^nothing to test: /)
    }))
})

describe("--spool DIR", () => {
  it.effect("every plugin keeps its queue on disk with it, the batch mailers as before", () =>
    Effect.gen(function*() {
      expect((yield* crash(["-a", "--spool", "/var/spool/superlance"])).spool).toBe("/var/spool/superlance")
      expect((yield* probe(["--spool=/var/spool/superlance", "http://localhost/health"])).spool).toBe("/var/spool/superlance")
      expect((yield* mem(["-a", "1GB", "--spool", "/var/spool/superlance"])).spool).toBe("/var/spool/superlance")
      expect((yield* batch(["-t", "a@b", "-f", "c@d", "--spool", "/var/spool/superlance"])).spool).toBe("/var/spool/superlance")
      expect((yield* crash(["-a"])).spool).toBeUndefined()
      expect(yield* message(crash(["--spool", " "]))).toMatch(/^--spool: " " is not/)
    }))
})
