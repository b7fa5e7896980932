import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { memmonTable as memmon } from "../../../src/plugins/memmon/options.js"
import { MailConfig } from "../../../src/options/mail.js"
import { decodeMemmon } from "../../../src/plugins/memmon/options.js"
import { message, pipeline } from "../../support/options.js"

const decode = pipeline("memmon", memmon, decodeMemmon)
const MB = 1024 * 1024

describe("memmon config", () => {
  it.effect("the documented line: memmon -p foo=200MB -m bob@example.com", () =>
    Effect.gen(function*() {
      const config = yield* decode(["-p", "foo=200MB", "-m", "bob@example.com"])
      expect(config).toEqual({
        cumulative: false,
        programLimits: [{ program: { text: "foo", name: "foo" }, bytes: 200 * MB }],
        groupLimits: [],
        anyLimit: undefined,
        uptimeLimit: undefined,
        name: undefined,
        mail: MailConfig.Sendmail({ command: "/usr/sbin/sendmail -t -i", to: ["bob@example.com"], from: undefined }),
        failures: 1
      })
    }))

  it.effect("the documented line: memmon -a 200MB -m bob@example.com", () =>
    Effect.gen(function*() {
      expect((yield* decode(["-a", "200MB", "-m", "bob@example.com"])).anyLimit).toBe(200 * MB)
    }))

  it.effect("memmon -g web=1GB -a 500mb -u 2d -c", () =>
    Effect.gen(function*() {
      const config = yield* decode(["-g", "web=1GB", "-a", "500mb", "-u", "2d", "-c"])
      expect(config.groupLimits).toEqual([{ group: "web", bytes: 1024 * MB }])
      expect(config.anyLimit).toBe(500 * MB)
      expect(config.uptimeLimit).toEqual(Duration.seconds(2 * 86400))
      expect(config.cumulative).toBe(true)
      expect(config.mail).toBeUndefined()
    }))

  it.effect("namespecs, --groupname, --sendmail and -n", () =>
    Effect.gen(function*() {
      const config = yield* decode([
        "-p",
        "web:app=1GB",
        "--groupname",
        "db=2GB",
        "--sendmail",
        "/usr/lib/sendmail -t",
        "-m",
        "ops",
        "-n",
        "prod"
      ])
      expect(config.programLimits).toEqual([{ program: { text: "web:app", group: "web", name: "app" }, bytes: 1024 * MB }])
      expect(config.groupLimits).toEqual([{ group: "db", bytes: 2048 * MB }])
      expect(config.mail).toEqual(MailConfig.Sendmail({ command: "/usr/lib/sendmail -t", to: ["ops"] }))
      expect(config.name).toBe("prod")
    }))

  it.effect("-p GROUP:*=SIZE: a limit for each process of a group (a numprocs program)", () =>
    Effect.gen(function*() {
      const config = yield* decode(["-p", "web:*=200MB", "-c"])
      expect(config.programLimits).toEqual([{ program: { text: "web:*", group: "web", name: "*" }, bytes: 200 * MB }])
      expect(config.cumulative).toBe(true)
    }))

  it.effect("a later limit for the same name replaces an earlier one", () =>
    Effect.gen(function*() {
      const config = yield* decode(["-p", "foo=1MB", "-p", "bar=3MB", "-p", "foo=2MB", "-g", "g=1KB", "-g", "g=2KB"])
      expect(config.programLimits.map((l) => [l.program.text, l.bytes])).toEqual([["foo", 2 * MB], ["bar", 3 * MB]])
      expect(config.groupLimits).toEqual([{ group: "g", bytes: 2048 }])
    }))

  it.effect("one-line errors naming the option", () =>
    Effect.gen(function*() {
      expect(yield* message(decode(["-p", "foo=abc"]))).toBe(
        "-p/--program: \"foo=abc\" is not NAME=SIZE (size like 200MB)"
      )
      expect(yield* message(decode(["-g", "web"]))).toBe("-g/--group: \"web\" is not GROUP=SIZE (size like 200MB)")
      expect(yield* message(decode(["-a", "lots"]))).toBe("-a/--any: \"lots\" is not a size like 200MB")
      expect(yield* message(decode(["-u", "2w"]))).toBe(
        "-u/--uptime: \"2w\" is not a number of seconds (suffix s, m, h or d allowed)"
      )
      expect(yield* message(decode(["-a"]))).toBe("option -a requires an argument")
    }))

  it.effect("no -p, -g or -a limit is a usage error (the original runs and watches nothing)", () =>
    Effect.gen(function*() {
      const noLimit = "no memory limit given: use -p/--program NAME=SIZE, -g/--group GROUP=SIZE or -a/--any SIZE"
      expect(yield* message(decode([]))).toBe(noLimit)
      expect(yield* message(decode(["-c", "-m", "ops@example.com"]))).toBe(noLimit)
      // A bad value is still named first.
      expect(yield* message(decode(["-u", "2w"]))).toMatch(/^-u\/--uptime: /)
    }))
})
