import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { crashmailTable as crashmail } from "../../../src/plugins/crashmail/options.js"
import { decodeCrashmail } from "../../../src/plugins/crashmail/options.js"
import { MailConfig } from "../../../src/options/mail.js"
import { message, pipeline } from "../../support/options.js"

const decode = pipeline("crashmail", crashmail, decodeCrashmail)

describe("crashmail config", () => {
  it.effect("the documented line: crashmail -p program1 -p group1:program2 -m dev@example.com", () =>
    Effect.gen(function*() {
      const config = yield* decode(["-p", "program1", "-p", "group1:program2", "-m", "dev@example.com"])
      expect(config).toEqual({
        programs: [
          { text: "program1", name: "program1" },
          { text: "group1:program2", group: "group1", name: "program2" }
        ],
        any: false,
        optionalHeader: undefined,
        mail: MailConfig.Sendmail({ command: "/usr/sbin/sendmail -t -i", to: ["dev@example.com"], from: undefined })
      })
    }))

  it.effect("-a, -o and several recipients", () =>
    Effect.gen(function*() {
      const config = yield* decode(["-a", "-o", "PROD", "-m", "a@b, c@d", "-s", "/usr/lib/sendmail -t"])
      expect(config.any).toBe(true)
      expect(config.optionalHeader).toBe("PROD")
      expect(config.mail).toEqual(MailConfig.Sendmail({ command: "/usr/lib/sendmail -t", to: ["a@b", "c@d"] }))
    }))

  it.effect("without -m nothing is mailed, even with -s", () =>
    Effect.gen(function*() {
      expect((yield* decode(["-a"])).mail).toBeUndefined()
      expect((yield* decode(["-a", "-s", "mail"])).mail).toBeUndefined()
    }))

  it.effect("an empty -o means no prefix, as in the original", () =>
    Effect.gen(function*() {
      expect((yield* decode(["-o", ""])).optionalHeader).toBeUndefined()
    }))

  it.effect("one-line errors", () =>
    Effect.gen(function*() {
      expect(yield* message(decode(["-o", "x\nBcc: evil@x"]))).toBe(
        "-o/--optionalheader: \"x\\nBcc: evil@x\" is not a single line of text"
      )
      expect(yield* message(decode(["-m", "a b"]))).toBe(
        "-m/--email: \"a b\" is not a comma-separated list of e-mail addresses"
      )
      expect(yield* message(decode(["-p", "a", "stray"]))).toBe("unexpected argument: stray")
    }))
})
