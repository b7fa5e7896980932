/**
 * `superlance run`'s config file: each section decodes as its plugin's command line would,
 * top-level keys are defaults, and every problem is one line naming the section and the key.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as LogLevel from "effect/LogLevel"
import { plugins } from "../../src/plugins/registry.js"
import { decode, eventsLine, type RunConfig } from "../../src/run/RunConfig.js"
import { message, throughPlugin, withEnv } from "../support/options.js"

const sectionsOf = (config: RunConfig) => config.sections.map((s) => [s.name, s.plugin.name])
const configOf = (config: RunConfig, name: string) => config.sections.find((s) => s.name === name)?.config
const problems = (text: string) => Effect.map(message(decode(text)), (m) => m.split("\n"))

describe("superlance run's config file", () => {
  it.effect("a section decodes to what its plugin's command line gives, long names as keys", () =>
    Effect.gen(function*() {
      const config = yield* decode(`
[[httpok]]
url = "http://127.0.0.1:8080/health"
program = ["web", "api"]
timeout = 5
code = [200, 204]
not-eager = true
email = "ops@example.com"

[memmon]
program = ["web=500MB"]
groupname = ["workers=1GB"]
cumulative = true

[crashmailbatch]
toEmail = "ops@example.com,dev@example.com"
fromEmail = "sv@example.com"
smtpHost = "mail.example.com:587"
tls = true
interval = 0.5
tickEvent = "TICK_5"
`)
      expect(sectionsOf(config)).toEqual([["httpok", "httpok"], ["memmon", "memmon"], [
        "crashmailbatch",
        "crashmailbatch"
      ]])
      expect(configOf(config, "httpok")).toEqual(
        yield* throughPlugin(plugins.httpok)([
          "-p",
          "web",
          "-p",
          "api",
          "-t",
          "5",
          "-c",
          "200",
          "-c",
          "204",
          "-E",
          "-m",
          "ops@example.com",
          "http://127.0.0.1:8080/health"
        ])
      )
      expect(configOf(config, "memmon")).toEqual(
        yield* throughPlugin(plugins.memmon)(["-p", "web=500MB", "-g", "workers=1GB", "-c"])
      )
      expect(configOf(config, "crashmailbatch")).toEqual(
        yield* throughPlugin(plugins.crashmailbatch)([
          "--toEmail=ops@example.com,dev@example.com",
          "--fromEmail=sv@example.com",
          "--smtpHost=mail.example.com:587",
          "--tls",
          "--interval=0.5",
          "--tickEvent=TICK_5"
        ])
      )
    }))

  it.effect("[[plugin]] runs a plugin more than once: sections are numbered", () =>
    Effect.gen(function*() {
      const config = yield* decode(`
[[httpok]]
url = "http://127.0.0.1:8080/"
[[httpok]]
url = "http://127.0.0.1:8081/"
[crashmail]
`)
      expect(sectionsOf(config)).toEqual([["httpok 1", "httpok"], ["httpok 2", "httpok"], ["crashmail", "crashmail"]])
    }))

  it.effect("top-level keys are defaults for every section whose plugin has that option; a section's own key wins", () =>
    Effect.gen(function*() {
      const config = yield* decode(`
email = "ops@example.com"
toEmail = "batch@example.com"
fromEmail = "sv@example.com"
hostname = "web-03"

[httpok]
url = "http://127.0.0.1:8080/"
email = "web-team@example.com"

[crashmail]
any = true

[fatalmailbatch]
`)
      const httpok = yield* throughPlugin(plugins.httpok)([
        "-m",
        "web-team@example.com",
        "--fromEmail",
        "sv@example.com",
        "--hostname",
        "web-03",
        "http://127.0.0.1:8080/"
      ])
      expect(configOf(config, "httpok")).toEqual(httpok)
      expect(configOf(config, "crashmail")).toEqual(
        yield* throughPlugin(plugins.crashmail)([
          "-a",
          "-m",
          "ops@example.com",
          "--fromEmail",
          "sv@example.com",
          "--hostname",
          "web-03"
        ])
      )
      expect(configOf(config, "fatalmailbatch")).toEqual(
        yield* throughPlugin(plugins.fatalmailbatch)([
          "--toEmail",
          "batch@example.com",
          "--fromEmail",
          "sv@example.com",
          "--hostname",
          "web-03"
        ])
      )
    }))

  it.effect("process-wide settings are top-level only", () =>
    Effect.gen(function*() {
      const config = yield* decode(`
log-level = "debug"
log-format = "json"
[crashmail]
`)
      expect(config.logLevel).toBe(LogLevel.Debug)
      expect(config.logFormat).toBe("json")
      expect(yield* problems(`
[crashmail]
log-format = "json"
`)).toEqual(["[crashmail] log-format: only at the top level (one per process)"])
    }))

  it.effect("a top-level key no section accepts is an error", () =>
    Effect.gen(function*() {
      expect(yield* problems(`
toEmail = "ops@example.com"
[crashmail]
`)).toEqual(["top level: toEmail: no section's plugin has this option"])
    }))

  it.effect("every problem is one line naming the section and the key", () =>
    Effect.gen(function*() {
      expect(yield* problems(`
[[httpok]]
url = "http://127.0.0.1:8080/"
tiemout = 5

[[httpok]]
url = "http://127.0.0.1:8081/"
timeout = "abc"

[[httpok]]
program = "web"

[memmon]
program = ["web=lots"]

[crashmail]
any = "yes"

[crashmial]
any = true
`)).toEqual([
        "[crashmial]: not a plugin (httpok, crashmail, memmon, crashmailbatch, fatalmailbatch, crashsms)",
        "[httpok 1] tiemout: not an option of httpok",
        "[httpok 2] timeout: \"abc\" is not a number of seconds",
        "[httpok 3] missing url",
        "[memmon] program: \"web=lots\" is not NAME=SIZE (size like 200MB)",
        "[crashmail] any: expects true or false, not \"yes\""
      ])
    }))

  it.effect("a key a section inherits is named as coming from the top level", () =>
    Effect.gen(function*() {
      expect(yield* problems(`
any = true
[httpok]
url = "http://127.0.0.1:8080/"
[memmon]
`)).toEqual(["[memmon] any (from the top level): expects a string or a number, not true"])
    }))

  it.effect("tick is for the plugins that act on TICKs", () =>
    Effect.gen(function*() {
      expect(yield* problems(`
[httpok]
url = "http://127.0.0.1:8080/"
tick = "TICK_61"
[memmon]
tick = "every minute"
[crashmail]
tick = "TICK_60"
`)).toEqual([
        "[memmon] tick: \"every minute\" is not a TICK event name like TICK_60",
        "[crashmail] tick: not an option of crashmail"
      ])
    }))

  it.effect("the SMTP password comes from the environment, as on the command line", () =>
    Effect.gen(function*() {
      const text = `
[crashmail]
email = "ops@example.com"
fromEmail = "sv@example.com"
smtpHost = "mail.example.com"
userName = "alerts"
`
      const config = yield* decode(text).pipe(withEnv({ SUPERLANCE_SMTP_PASSWORD: "secret" }))
      expect(configOf(config, "crashmail")).toEqual(
        yield* throughPlugin(plugins.crashmail)(
          ["-m", "ops@example.com", "--fromEmail", "sv@example.com", "--smtpHost", "mail.example.com", "--userName", "alerts"],
          { SUPERLANCE_SMTP_PASSWORD: "secret" }
        )
      )
    }))

  it.effect("a file that is not TOML, or has no section, says so", () =>
    Effect.gen(function*() {
      expect(yield* problems("[crashmail\n")).toEqual([expect.stringMatching(/^line 1, column \d+: /)])
      expect(yield* problems("email = \"ops@example.com\"\n")).toEqual([
        expect.stringMatching(/^no plugin section: add one or more of \[httpok\], \[crashmail\]/),
        "top level: email: no section's plugin has this option"
      ])
    }))
})

describe("the events= line", () => {
  const events = (text: string) => Effect.map(decode(text), eventsLine)

  it.effect("state events of every section, and TICK_60 for sections acting on every TICK", () =>
    Effect.gen(function*() {
      expect(yield* events(`
[httpok]
url = "http://127.0.0.1:8080/"
[crashmail]
[fatalmailbatch]
toEmail = "ops@example.com"
fromEmail = "sv@example.com"
`)).toBe("events=PROCESS_STATE_EXITED,PROCESS_STATE_FATAL,TICK_60")
    }))

  it.effect("the TICKs sections name; no TICK when no section acts on one", () =>
    Effect.gen(function*() {
      expect(yield* events(`
[[httpok]]
url = "http://127.0.0.1:8080/"
tick = "TICK_60"
[[httpok]]
url = "http://127.0.0.1:8081/"
tick = "TICK_5"
[memmon]
program = ["web=500MB"]
`)).toBe("events=TICK_5,TICK_60")
      expect(yield* events("[crashmail]\n")).toBe("events=PROCESS_STATE_EXITED")
      expect(yield* events(`heartbeat = "https://hc.example.com/ping"\n[crashmail]\n`)).toBe(
        "events=PROCESS_STATE_EXITED,TICK_60"
      )
    }))
})
