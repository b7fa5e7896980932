import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { plugins } from "../../src/plugins/registry.js"
import { throughPlugin } from "../support/options.js"

// One documented line per plugin (superlance's docs), through normaliser, @effect/cli and decoder.
describe("decoders", () => {
  it.effect("decode each plugin's documented command line", () =>
    Effect.gen(function*() {
      const batch = ["--toEmail=alertme@fubar.com", "--fromEmail=supervisord@fubar.com"]
      const httpok = yield* throughPlugin(plugins.httpok)([
        "-p",
        "program1",
        "-p",
        "group1:program2",
        "http://localhost:8080/tasty"
      ])
      expect(httpok.url).toBe("http://localhost:8080/tasty")
      const crashmail = yield* throughPlugin(plugins.crashmail)([
        "-p",
        "program1",
        "-m",
        "dev@example.com"
      ])
      expect(crashmail.mail?.to).toEqual(["dev@example.com"])
      const memmon = yield* throughPlugin(plugins.memmon)(["-a", "200MB", "-m", "bob@example.com"])
      expect(memmon.anyLimit).toBe(200 * 1024 * 1024)
      const crash = yield* throughPlugin(plugins.crashmailbatch)(batch)
      expect(crash.subject).toBe("Crash alert from supervisord")
      const fatal = yield* throughPlugin(plugins.fatalmailbatch)(batch)
      expect(fatal.subject).toBe("Fatal start alert from supervisord")
      const sms = yield* throughPlugin(plugins.crashsms)(batch)
      expect(sms.subject).toBeUndefined()
    }))
})
