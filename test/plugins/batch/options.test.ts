import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { crashmailbatchTable as crashmailbatch, crashsmsTable as crashsms, fatalmailbatchTable as fatalmailbatch } from "../../../src/plugins/batch/options.js"
import { type BatchConfig, decodeBatch } from "../../../src/plugins/batch/options.js"
import { MailConfig } from "../../../src/options/mail.js"
import { message, pipeline } from "../../support/options.js"

const crash = pipeline("crashmailbatch", crashmailbatch, (raw) => decodeBatch("crashmailbatch", raw))
const fatal = pipeline("fatalmailbatch", fatalmailbatch, (raw) => decodeBatch("fatalmailbatch", raw))
const sms = pipeline("crashsms", crashsms, (raw) => decodeBatch("crashsms", raw))

const addresses = ["--toEmail=a@b", "--fromEmail=x@y"]

describe("batch plugin config", () => {
  it.effect("crashmailbatch --toEmail=a@b,c@d --fromEmail=x@y", () =>
    Effect.gen(function*() {
      const config = yield* crash(["--toEmail=a@b,c@d", "--fromEmail=x@y"])
      expect(config).toEqual({
        toEmail: ["a@b", "c@d"],
        fromEmail: "x@y",
        interval: Duration.minutes(1),
        subject: "Crash alert from supervisord",
        tickEvent: "TICK_60",
        mail: MailConfig.Smtp({
          host: "localhost",
          port: 25,
          secure: "none",
          username: undefined,
          password: undefined,
          from: "x@y",
          to: ["a@b", "c@d"]
        }),
        spool: undefined,
        queueLimit: 10000
      } satisfies BatchConfig)
    }))

  it.effect("the documented lines of all three", () =>
    Effect.gen(function*() {
      const line = ["--toEmail=alertme@fubar.com", "--fromEmail=supervisord@fubar.com"]
      expect((yield* crash(line)).toEmail).toEqual(["alertme@fubar.com"])
      expect((yield* fatal(line)).subject).toBe("Fatal start alert from supervisord")
      const toPhone = yield* sms(["--toEmail=5551234567@sms.example", "--fromEmail=supervisord@fubar.com"])
      expect(toPhone.subject).toBeUndefined()
    }))

  it.effect("short options, subject, interval, tick event, spool, queue limit", () =>
    Effect.gen(function*() {
      const config = yield* crash([
        "-t",
        "a@b",
        "-f",
        "x@y",
        "-i",
        "0.5",
        "-s",
        "Crashes!",
        "-e",
        "TICK_5",
        "--spool",
        "/var/spool/superlance",
        "--queue-limit",
        "50"
      ])
      expect(Duration.toMillis(config.interval)).toBe(30_000)
      expect(config.subject).toBe("Crashes!")
      expect(config.tickEvent).toBe("TICK_5")
      expect(config.spool).toBe("/var/spool/superlance")
      expect(config.queueLimit).toBe(50)
    }))

  it.effect("an empty subject means no subject (the original's default was \"\")", () =>
    Effect.gen(function*() {
      expect((yield* crash([...addresses, "-s", ""])).subject).toBeUndefined()
    }))

  it.effect("SMTP settings: host:port, user, password, STARTTLS", () =>
    Effect.gen(function*() {
      const { mail } = yield* crash([...addresses, "-H", "mail.example:587", "-u", "bob", "-p", "secret", "--tls"])
      if (mail?._tag !== "Smtp") return expect.fail("expected SMTP")
      expect(mail).toMatchObject({ host: "mail.example", port: 587, secure: "starttls", username: "bob" })
      expect(Redacted.value(mail.password!)).toBe("secret")
      expect(String(mail.password)).not.toContain("secret")
    }))

  it.effect("port 465 means implicit TLS, from the host or --smtpPort", () =>
    Effect.gen(function*() {
      expect((yield* crash([...addresses, "-H", "mail:465"])).mail).toMatchObject({ port: 465, secure: "implicit" })
      expect((yield* crash([...addresses, "-H", "mail", "--smtpPort", "465", "--tls"])).mail).toMatchObject({
        host: "mail",
        port: 465,
        secure: "implicit"
      })
    }))

  it.effect("the password can come from SUPERLANCE_SMTP_PASSWORD; --password wins", () =>
    Effect.gen(function*() {
      const env = { SUPERLANCE_SMTP_PASSWORD: "from-env" }
      const fromEnv = (yield* crash([...addresses, "-u", "bob"], env)).mail
      expect(fromEnv?._tag === "Smtp" && fromEnv.password && Redacted.value(fromEnv.password)).toBe("from-env")
      const fromArgv = (yield* crash([...addresses, "-p", "argv"], env)).mail
      expect(fromArgv?._tag === "Smtp" && fromArgv.password && Redacted.value(fromArgv.password)).toBe("argv")
      const none = (yield* crash(addresses)).mail
      expect(none?._tag === "Smtp" && none.password).toBeUndefined()
    }))

  it.effect("--sendmail CMD sends through a command instead", () =>
    Effect.gen(function*() {
      const config = yield* crash([...addresses, "--sendmail", "/usr/sbin/sendmail -t -i"])
      expect(config.mail).toEqual(
        MailConfig.Sendmail({ command: "/usr/sbin/sendmail -t -i", to: ["a@b"], from: "x@y" })
      )
    }))

  it.effect("one-line errors", () =>
    Effect.gen(function*() {
      expect(yield* message(crash(["--fromEmail=x@y"]))).toBe("-t/--toEmail is required")
      expect(yield* message(crash(["--toEmail=a@b"]))).toBe("-f/--fromEmail is required")
      expect(yield* message(crash([]))).toContain("--toEmail is required")
      expect(yield* message(crash([...addresses, "-i", "0"]))).toBe("-i/--interval: \"0\" is not a number of minutes")
      expect(yield* message(crash([...addresses, "-e", "TICK"]))).toBe(
        "-e/--tickEvent: \"TICK\" is not a TICK event name like TICK_60"
      )
      expect(yield* message(crash([...addresses, "--queue-limit", "0"]))).toBe(
        "--queue-limit: \"0\" is not a whole number of at least 1"
      )
      expect(yield* message(crash([...addresses, "-H", "mail:smtp"]))).toBe(
        "-H/--smtpHost: \"mail:smtp\" is not HOST or HOST:PORT"
      )
      expect(yield* message(crash([...addresses, "-H", "mail:25", "--smtpPort", "587"]))).toBe(
        "--smtpPort: 587 contradicts the port 25 in -H/--smtpHost"
      )
      expect(yield* message(crash([...addresses, "--sendmail", "sm", "--tls"]))).toBe(
        "--tls is for SMTP and cannot be used with --sendmail"
      )
      expect(yield* message(crash([...addresses, "--sendmail", "sm", "-H", "mail"]))).toBe(
        "-H/--smtpHost is for SMTP and cannot be used with --sendmail"
      )
      expect(yield* message(crash([...addresses, "-s", "two\nlines"]))).toBe(
        "-s/--subject: \"two\\nlines\" is not a single line of text"
      )
    }))
})
