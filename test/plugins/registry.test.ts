import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { decoders, tables } from "../../src/plugins/registry.js"
import { pipeline } from "../support/options.js"

// One documented line per plugin (superlance's docs), through normaliser, @effect/cli and decoder.
describe("decoders", () => {
  it.effect("decode each plugin's documented command line", () =>
    Effect.gen(function*() {
      const batch = ["--toEmail=alertme@fubar.com", "--fromEmail=supervisord@fubar.com"]
      const httpok = yield* pipeline("httpok", tables.httpok, decoders.httpok)([
        "-p",
        "program1",
        "-p",
        "group1:program2",
        "http://localhost:8080/tasty"
      ])
      expect(httpok.url).toBe("http://localhost:8080/tasty")
      const crashmail = yield* pipeline("crashmail", tables.crashmail, decoders.crashmail)([
        "-p",
        "program1",
        "-m",
        "dev@example.com"
      ])
      expect(crashmail.mail?.to).toEqual(["dev@example.com"])
      const memmon = yield* pipeline("memmon", tables.memmon, decoders.memmon)(["-a", "200MB", "-m", "bob@example.com"])
      expect(memmon.anyLimit).toBe(200 * 1024 * 1024)
      const crash = yield* pipeline("crashmailbatch", tables.crashmailbatch, decoders.crashmailbatch)(batch)
      expect(crash.subject).toBe("Crash alert from supervisord")
      const fatal = yield* pipeline("fatalmailbatch", tables.fatalmailbatch, decoders.fatalmailbatch)(batch)
      expect(fatal.subject).toBe("Fatal start alert from supervisord")
      const sms = yield* pipeline("crashsms", tables.crashsms, decoders.crashsms)(batch)
      expect(sms.subject).toBeUndefined()
    }))
})
