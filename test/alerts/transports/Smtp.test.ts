import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Logger, Redacted } from "effect"
import type { NotifyError } from "../../../src/alerts/Transport.js"
import * as Smtp from "../../../src/alerts/transports/Smtp.js"
import * as SmtpFixture from "../../support/smtp.js"

const alert = {
  plugin: "crashmail",
  subject: "web crashed at 2024-05-01 10:00:00,000",
  body: "Process web in group web exited unexpectedly (pid 42) from state RUNNING"
}

const configFor = (
  server: { readonly port: number },
  overrides: Partial<Smtp.SmtpConfig> = {}
): Smtp.SmtpConfig => ({
  _tag: "Smtp",
  host: "127.0.0.1",
  port: server.port,
  secure: "none",
  from: "supervisor@example.com",
  to: ["ops@example.com"],
  ...overrides
})

/** Runs the effect and collects the messages it logs at WARN and above. */
const warnings = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    const logger = Logger.make(({ logLevel, message }) => {
      if (logLevel._tag === "Warning" || logLevel._tag === "Error") lines.push(String(message))
    })
    const exit = yield* effect.pipe(Effect.exit, Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
    return { exit, lines }
  })

const failure = (effect: Effect.Effect<void, NotifyError>) =>
  Effect.flip(effect).pipe(Effect.map((error) => ({ reason: error.reason, message: error.message })))

describe("Smtp transport", () => {
  it.scopedLive("delivers To, From, Subject and body as given, with Date and Message-ID", () =>
    Effect.gen(function*() {
      const smtp = yield* SmtpFixture.make()
      yield* Smtp.make(configFor(smtp))(alert)
      const [message] = yield* smtp.waitForMessages(1)
      expect(message!.envelopeFrom).toBe("supervisor@example.com")
      expect(message!.envelopeTo).toEqual(["ops@example.com"])
      expect(message!.header("From")).toBe("supervisor@example.com")
      expect(message!.header("To")).toBe("ops@example.com")
      expect(message!.subject).toBe(alert.subject)
      expect(message!.text.trimEnd()).toBe(alert.body)
      // crashmail's original writes bare headers: no MIME headers for an ASCII body.
      expect(message!.header("Content-Type")).toBeUndefined()
      expect(message!.header("Content-Transfer-Encoding")).toBeUndefined()
      expect(message!.header("Date")).toMatch(/^\w{3}, \d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}$/)
      expect(message!.header("Message-ID")).toMatch(/^<[^<>@\s]+@[^<>\s]+>$/)
    }))

  it.scopedLive("a long line arrives unfolded, 7bit, never quoted-printable", () =>
    Effect.gen(function*() {
      const smtp = yield* SmtpFixture.make()
      const line = `Process web in group web exited unexpectedly (pid 23262) from state RUNNING ${"x".repeat(124)}`
      expect(line.length).toBe(200)
      yield* Smtp.make(configFor(smtp))({ ...alert, body: `${line}\nsecond line` })
      yield* Smtp.make(configFor(smtp, { form: "mime" }))({ ...alert, plugin: "crashmailbatch", body: `${line}\nsecond line` })
      const [bare, batch] = yield* smtp.waitForMessages(2)
      for (const message of [bare!, batch!]) {
        expect(message.raw).toContain(`\r\n\r\n${line}\r\nsecond line`)
        expect(message.raw).not.toContain("=\r\n")
        expect(message.raw).toMatch(/^To: ops@example\.com\r$/m)
      }
      expect(bare!.header("Content-Transfer-Encoding")).toBeUndefined()
      expect(bare!.header("MIME-Version")).toBeUndefined()
      // The batch mailers' original sends Python's MIMEText(body).
      expect(batch!.header("Content-Type")).toBe(`text/plain; charset="us-ascii"`)
      expect(batch!.header("MIME-Version")).toBe("1.0")
      expect(batch!.header("Content-Transfer-Encoding")).toBe("7bit")
    }))

  it.scopedLive("several recipients are one To header, as listed", () =>
    Effect.gen(function*() {
      const smtp = yield* SmtpFixture.make()
      yield* Smtp.make(configFor(smtp, { to: ["a@example.com", "b@example.com"], form: "mime" }))({ ...alert, plugin: "crashsms" })
      const [message] = yield* smtp.waitForMessages(1)
      expect(message!.raw).toMatch(/^To: a@example\.com, b@example\.com\r$/m)
    }))

  it.scopedLive("a long subject stays on one line", () =>
    Effect.gen(function*() {
      const smtp = yield* SmtpFixture.make()
      const subject = `httpok: http://localhost:8080/${"health/".repeat(30)} failed`
      yield* Smtp.make(configFor(smtp))({ ...alert, subject })
      const [message] = yield* smtp.waitForMessages(1)
      expect(message!.raw).toContain(`\r\nSubject: ${subject}\r\n`)
    }))

  it.scopedLive("round-trips a UTF-8 subject and body: the body as 8bit UTF-8, the subject encoded", () =>
    Effect.gen(function*() {
      const smtp = yield* SmtpFixture.make()
      const subject = "café ☕ crashed — 日本 😀"
      const body = "Prozess müde: ünïcödé ✓\nsecond line"
      yield* Smtp.make(configFor(smtp))({ ...alert, subject, body })
      const [message] = yield* smtp.waitForMessages(1)
      expect(message!.subject).toBe(subject)
      expect(message!.text.trimEnd()).toBe(body)
      expect(message!.raw).toContain(body.replace("\n", "\r\n"))
      expect(message!.header("Content-Type")).toMatch(/^text\/plain; charset="?utf-8"?$/i)
      expect(message!.header("Content-Transfer-Encoding")).toBe("8bit")
      // The raw Subject header is 7-bit: encoded-words, not UTF-8 bytes.
      expect(message!.header("Subject")).toMatch(/^[\x20-\x7e]+$/)
      expect(message!.header("Subject")).toContain("=?UTF-8?")
    }))

  it.scopedLive("sends one message to every recipient", () =>
    Effect.gen(function*() {
      const smtp = yield* SmtpFixture.make()
      yield* Smtp.make(configFor(smtp, { to: ["ops@example.com", "dev@example.org", "pager@example.net"] }))(alert)
      const [message] = yield* smtp.waitForMessages(1)
      expect(message!.envelopeTo).toEqual(["ops@example.com", "dev@example.org", "pager@example.net"])
      expect(message!.header("To")).toBe("ops@example.com, dev@example.org, pager@example.net")
    }))

  it.scopedLive("a subject cannot inject a header", () =>
    Effect.gen(function*() {
      const smtp = yield* SmtpFixture.make()
      const subject = "x crashed\r\nBcc: evil@x\r\nX-Injected: yes"
      yield* Smtp.make(configFor(smtp))({ ...alert, subject, body: "body\r\n.\r\nRCPT TO:<evil@x>" })
      const [message] = yield* smtp.waitForMessages(1)
      expect(message!.header("Bcc")).toBeUndefined()
      expect(message!.header("X-Injected")).toBeUndefined()
      expect(message!.envelopeTo).toEqual(["ops@example.com"])
      expect(message!.subject).toBe("x crashed Bcc: evil@x X-Injected: yes")
      expect(message!.text).toContain("RCPT TO:<evil@x>")
    }))

  it.scopedLive("a refused recipient is Rejected (5xx) with the server's reply", () =>
    Effect.gen(function*() {
      const smtp = yield* SmtpFixture.make()
      smtp.fail({ _tag: "Refuse", at: "rcpt", code: 550, text: "5.1.1 No such user here" })
      const error = yield* failure(Smtp.make(configFor(smtp))(alert))
      expect(error.reason).toBe("Rejected")
      expect(error.message).toBe(
        `SMTP server 127.0.0.1:${smtp.port} refused the recipient ops@example.com: 550 5.1.1 No such user here`
      )
      expect(smtp.messages()).toEqual([])
    }))

  it.scopedLive("a temporary refusal of the message is Refused (4xx)", () =>
    Effect.gen(function*() {
      const smtp = yield* SmtpFixture.make()
      smtp.fail({ _tag: "Refuse", at: "data", code: 451, text: "4.3.0 Queue full, try later" })
      const error = yield* failure(Smtp.make(configFor(smtp))(alert))
      expect(error).toEqual({
        reason: "Refused",
        message: `SMTP server 127.0.0.1:${smtp.port} refused the message: 451 4.3.0 Queue full, try later`
      })
    }))

  it.scopedLive("refusals of the sender and of the connection name what was refused", () =>
    Effect.gen(function*() {
      const smtp = yield* SmtpFixture.make()
      const send = Smtp.make(configFor(smtp))
      smtp.fail({ _tag: "Refuse", at: "mail", code: 553, text: "5.7.1 Sender not allowed" }, 1)
      expect(yield* failure(send(alert))).toEqual({
        reason: "Rejected",
        message: `SMTP server 127.0.0.1:${smtp.port} refused the sender supervisor@example.com: 553 5.7.1 Sender not allowed`
      })
      smtp.fail({ _tag: "Refuse", at: "connect", code: 421, text: "Too busy" }, 1)
      const busy = yield* failure(send(alert))
      expect(busy.reason).toBe("Refused")
      expect(busy.message).toContain("421 Too busy")
      yield* send(alert)
      expect(smtp.messages()).toHaveLength(1)
    }))

  it.scopedLive("a server that is down is Unreachable; when it comes back, mail goes through", () =>
    Effect.gen(function*() {
      const smtp = yield* SmtpFixture.make()
      const send = Smtp.make(configFor(smtp))
      yield* smtp.stop
      const error = yield* failure(send(alert))
      expect(error.reason).toBe("Unreachable")
      expect(error.message).toBe(
        `cannot connect to SMTP server 127.0.0.1:${smtp.port}: connect ECONNREFUSED 127.0.0.1:${smtp.port}`
      )
      yield* smtp.start
      yield* send(alert)
      expect(yield* smtp.waitForMessages(1)).toHaveLength(1)
    }))

  it.scopedLive("a connection dropped in the middle is Unreachable", () =>
    Effect.gen(function*() {
      const smtp = yield* SmtpFixture.make()
      smtp.fail({ _tag: "Drop", at: "data" })
      const error = yield* failure(Smtp.make(configFor(smtp))(alert))
      expect(error.reason).toBe("Unreachable")
      expect(error.message).toMatch(new RegExp(`^connection to SMTP server 127\\.0\\.0\\.1:${smtp.port} failed: `))
    }))

  const stalls = [
    ["connect", "a server that never greets is a Timeout, within the configured bound"],
    ["data", "a server that stalls after the message is bounded by the timeout too"]
  ] as const
  for (const [at, title] of stalls) {
    it.scopedLive(title, () =>
      Effect.gen(function*() {
        const smtp = yield* SmtpFixture.make()
        smtp.fail({ _tag: "Stall", at })
        const started = Date.now()
        const error = yield* failure(Smtp.make(configFor(smtp), { timeout: "300 millis" })(alert))
        expect(Date.now() - started).toBeLessThan(3_000)
        // Which timer fires first (greeting, socket, whole attempt) depends on the machine's load.
        expect(error.reason).toBe("Timeout")
        expect(error.message).toMatch(
          new RegExp(`^SMTP server 127\\.0\\.0\\.1:${smtp.port} did not (answer in time|take the message within)`)
        )
      }))
  }

  it.scopedLive("STARTTLS with a self-signed certificate and AUTH deliver the message", () =>
    Effect.gen(function*() {
      const smtp = yield* SmtpFixture.make({ tls: "starttls", auth: SmtpFixture.credentials })
      yield* Smtp.make(configFor(smtp, {
        secure: "starttls",
        username: SmtpFixture.credentials.user,
        password: Redacted.make(SmtpFixture.credentials.pass)
      }))(alert)
      const [message] = yield* smtp.waitForMessages(1)
      expect(message!.secure).toBe(true)
      expect(message!.user).toBe(SmtpFixture.credentials.user)
      expect(message!.subject).toBe(alert.subject)
    }))

  it.scopedLive("implicit TLS (as on port 465) delivers the message", () =>
    Effect.gen(function*() {
      const smtp = yield* SmtpFixture.make({ tls: "implicit" })
      yield* Smtp.make(configFor(smtp, { secure: "implicit" }))(alert)
      const [message] = yield* smtp.waitForMessages(1)
      expect(message!.secure).toBe(true)
    }))

  it.scopedLive("without --tls, STARTTLS is still used when the server offers it", () =>
    Effect.gen(function*() {
      const smtp = yield* SmtpFixture.make({ tls: "starttls" })
      yield* Smtp.make(configFor(smtp))(alert)
      const [message] = yield* smtp.waitForMessages(1)
      expect(message!.secure).toBe(true)
    }))

  it.scopedLive("without --tls, a relay whose TLS Node refuses gets the mail in plain text, with one warning", () =>
    Effect.gen(function*() {
      const smtp = yield* SmtpFixture.make({ tls: "legacy-starttls", auth: SmtpFixture.credentials })
      const send = Smtp.make(configFor(smtp, {
        username: SmtpFixture.credentials.user,
        password: Redacted.make(SmtpFixture.credentials.pass)
      }))
      const { exit, lines } = yield* warnings(Effect.zipRight(send(alert), send(alert)))
      expect(exit).toEqual(Exit.void)
      const messages = yield* smtp.waitForMessages(2)
      expect(messages.map((message) => [message.secure, message.user])).toEqual([
        [false, SmtpFixture.credentials.user],
        [false, SmtpFixture.credentials.user]
      ])
      expect(lines).toHaveLength(1)
      expect(lines[0]).toContain(`TLS with SMTP server 127.0.0.1:${smtp.port} failed`)
      expect(lines[0]).toContain(`login of user ${SmtpFixture.credentials.user} go in clear`)
    }))

  it.scopedLive("with --tls, a relay whose TLS Node refuses gets nothing: TlsFailed", () =>
    Effect.gen(function*() {
      const smtp = yield* SmtpFixture.make({ tls: "legacy-starttls" })
      const error = yield* failure(Smtp.make(configFor(smtp, { secure: "starttls" }))(alert))
      expect(error.reason).toBe("TlsFailed")
      expect(error.message).toContain(`TLS with SMTP server 127.0.0.1:${smtp.port} failed`)
      expect(smtp.messages()).toEqual([])
    }))

  it.scopedLive("a wrong password is AuthFailed with the server's reply, and the password is not shown", () =>
    Effect.gen(function*() {
      const smtp = yield* SmtpFixture.make({ tls: "starttls", auth: SmtpFixture.credentials })
      const error = yield* failure(Smtp.make(configFor(smtp, {
        secure: "starttls",
        username: "alerts",
        password: Redacted.make("hunter2-wrong")
      }))(alert))
      expect(error).toEqual({
        reason: "AuthFailed",
        message: `SMTP server 127.0.0.1:${smtp.port} refused the login of user alerts: 535 5.7.8 Authentication credentials invalid`
      })
      expect(smtp.failedLogins()).toBe(1)
      expect(smtp.messages()).toEqual([])
    }))

  it.scopedLive("no login where the server requires one is Rejected with the server's reply", () =>
    Effect.gen(function*() {
      const smtp = yield* SmtpFixture.make({ auth: SmtpFixture.credentials })
      const error = yield* failure(Smtp.make(configFor(smtp))(alert))
      expect(error.reason).toBe("Rejected")
      expect(error.message).toMatch(/refused the sender supervisor@example\.com: 530 .*[Aa]uthentication/)
    }))

  it.scopedLive("--tls against a server without STARTTLS is TlsFailed, nothing sent in clear", () =>
    Effect.gen(function*() {
      const smtp = yield* SmtpFixture.make()
      const error = yield* failure(Smtp.make(configFor(smtp, { secure: "starttls" }))(alert))
      expect(error.reason).toBe("TlsFailed")
      expect(error.message).toContain(`127.0.0.1:${smtp.port}`)
      expect(smtp.messages()).toEqual([])
    }))

  it.scopedLive("certificates are verified only when asked", () =>
    Effect.gen(function*() {
      const smtp = yield* SmtpFixture.make({ tls: "starttls" })
      const error = yield* failure(Smtp.make(configFor(smtp, { secure: "starttls", verifyCertificate: true }))(alert))
      expect(error.reason).toBe("TlsFailed")
      expect(error.message).toMatch(/certificate/i)
      expect(smtp.messages()).toEqual([])
    }))

  it.scopedLive("when some recipients are refused, the others get the alert and it counts as sent", () =>
    Effect.gen(function*() {
      const smtp = yield* SmtpFixture.make()
      smtp.fail({ _tag: "Refuse", at: "rcpt", code: 550, text: "no such user" }, 1)
      yield* Smtp.make(configFor(smtp, { to: ["gone@example.com", "ops@example.com"] }))(alert)
      const [message] = yield* smtp.waitForMessages(1)
      expect(message!.envelopeTo).toEqual(["ops@example.com"])
    }))

  it.scopedLive("interrupting a send closes the connection promptly", () =>
    Effect.gen(function*() {
      const smtp = yield* SmtpFixture.make()
      smtp.fail({ _tag: "Stall", at: "data" })
      const fiber = yield* Effect.fork(Smtp.make(configFor(smtp))(alert))
      yield* Effect.sleep("200 millis")
      expect(smtp.openConnections()).toBe(1)
      const exit = yield* Fiber.interrupt(fiber).pipe(Effect.timeout("2 seconds"))
      expect(Exit.isInterrupted(exit)).toBe(true)
      yield* Effect.sleep("100 millis")
      expect(smtp.openConnections()).toBe(0)
    }))
})
