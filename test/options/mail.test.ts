import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { crashmailTable as crashmail } from "../../src/plugins/crashmail/options.js"
import { httpokTable as httpok } from "../../src/plugins/httpok/options.js"
import { decodeCrashmail } from "../../src/plugins/crashmail/options.js"
import { decodeHttpok } from "../../src/plugins/httpok/options.js"
import { MailConfig } from "../../src/options/mail.js"
import { message, pipeline } from "../support/options.js"

// The sendmail-first plugins share these rules; crashmail stands for all three.
const mailOf = (argv: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}) =>
  Effect.map(pipeline("crashmail", crashmail, decodeCrashmail)(argv, env), (c) => c.mail)
const failure = (argv: ReadonlyArray<string>) => message(mailOf(argv))

describe("mail config of crashmail, httpok and memmon", () => {
  it.effect("-m alone: the default sendmail command, no From", () =>
    Effect.gen(function*() {
      expect(yield* mailOf(["-m", "root"])).toEqual(
        MailConfig.Sendmail({ command: "/usr/sbin/sendmail -t -i", to: ["root"], from: undefined })
      )
    }))

  it.effect("--fromEmail adds a From for sendmail", () =>
    Effect.gen(function*() {
      expect(yield* mailOf(["-m", "root", "--fromEmail", "listener@host"])).toMatchObject({
        _tag: "Sendmail",
        from: "listener@host"
      })
    }))

  it.effect("--smtpHost switches to SMTP, recipients still from -m", () =>
    Effect.gen(function*() {
      const mail = yield* mailOf([
        "-m",
        "a@b,c@d",
        "--smtpHost",
        "mail.example:587",
        "--fromEmail",
        "me@x",
        "--userName",
        "me",
        "--password",
        "pw",
        "--tls"
      ])
      expect(mail).toMatchObject({
        _tag: "Smtp",
        host: "mail.example",
        port: 587,
        secure: "starttls",
        username: "me",
        from: "me@x",
        to: ["a@b", "c@d"]
      })
      expect(mail?._tag === "Smtp" && mail.password && Redacted.value(mail.password)).toBe("pw")
    }))

  it.effect("SMTP defaults: port 25 without TLS; --smtpPort 465 is implicit TLS; IPv6 hosts", () =>
    Effect.gen(function*() {
      const smtp = ["-m", "a@b", "--fromEmail", "me@x"]
      expect(yield* mailOf([...smtp, "--smtpHost", "mail"])).toMatchObject({ port: 25, secure: "none" })
      expect(yield* mailOf([...smtp, "--smtpHost", "mail", "--smtpPort", "465"])).toMatchObject({
        port: 465,
        secure: "implicit"
      })
      expect(yield* mailOf([...smtp, "--smtpHost", "[::1]:2525"])).toMatchObject({ host: "::1", port: 2525 })
    }))

  it.effect("the SMTP password can come from SUPERLANCE_SMTP_PASSWORD", () =>
    Effect.gen(function*() {
      const mail = yield* mailOf(["-m", "a@b", "--smtpHost", "mail", "--fromEmail", "me@x"], {
        SUPERLANCE_SMTP_PASSWORD: "env-pw"
      })
      expect(mail?._tag === "Smtp" && mail.password && Redacted.value(mail.password)).toBe("env-pw")
    }))

  it.effect("one-line errors for inconsistent mail options", () =>
    Effect.gen(function*() {
      expect(yield* failure(["-m", "a@b", "--smtpHost", "mail"])).toBe("--fromEmail is required with --smtpHost")
      expect(yield* failure(["--smtpHost", "mail", "--fromEmail", "me@x"])).toBe(
        "--smtpHost needs -m/--email (the recipients)"
      )
      expect(yield* failure(["-m", "a@b", "--tls"])).toBe("--tls needs --smtpHost")
      expect(yield* failure(["-m", "a@b", "--smtpPort", "587"])).toBe("--smtpPort needs --smtpHost")
      expect(yield* failure(["-m", "a@b", "-s", "sm", "--smtpHost", "mail", "--fromEmail", "me@x"])).toBe(
        "-s/--sendmail_program and --smtpHost exclude each other"
      )
      expect(yield* failure(["-m", "a@b", "--fromEmail", "two words"])).toBe(
        "--fromEmail: \"two words\" is not an e-mail address"
      )
      expect(yield* failure(["-m", "a@b", "-s", " "])).toBe("-s/--sendmail_program: \" \" is not a non-empty value")
    }))

  it.effect("httpok reads the same options", () =>
    Effect.gen(function*() {
      const config = yield* pipeline("httpok", httpok, decodeHttpok)([
        "-m",
        "ops@x",
        "--smtpHost",
        "mail:465",
        "--fromEmail",
        "httpok@x",
        "http://x/"
      ])
      expect(config.mail).toMatchObject({ _tag: "Smtp", host: "mail", port: 465, secure: "implicit", to: ["ops@x"] })
    }))
})
