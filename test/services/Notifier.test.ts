import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Logger, LogLevel, Redacted, Ref } from "effect"
import { type Alert, Notifier, NotifierTest, NotifyError, type Transport } from "../../src/services/Notifier.js"
import * as FakeSendmail from "../support/fakeSendmail.js"
import * as SmtpFixture from "../support/smtp.js"

const alert: Alert = {
  plugin: "crashmail",
  subject: "web crashed at 2024-05-01 10:00:00,000",
  body: "Process web in group web exited unexpectedly (pid 42) from state RUNNING",
  processes: ["web:web"]
}

/** Runs the effect with a logger that keeps every message at debug level and above. */
const capturingLogs = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const lines = yield* Ref.make<ReadonlyArray<string>>([])
    const logger = Logger.make(({ logLevel, message }) =>
      Effect.runSync(Ref.update(lines, (all) => [...all, `${logLevel.label} ${String(message)}`]))
    )
    const exit = yield* effect.pipe(
      Effect.exit,
      Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
      Logger.withMinimumLogLevel(LogLevel.Debug)
    )
    return { exit, logs: yield* Ref.get(lines) }
  })

const recording = (name: string, calls: Array<string>, error?: NotifyError): Transport => (sent) =>
  Effect.suspend(() => {
    calls.push(`${name}: ${sent.subject}`)
    return error === undefined ? Effect.void : Effect.fail(error)
  })

describe("Notifier", () => {
  describe("layerTest", () => {
    it.effect("records what was sent, in order", () =>
      Effect.gen(function*() {
        const second = { ...alert, subject: "db crashed" }
        yield* Notifier.notify(alert)
        yield* Notifier.notify(second)
        const test = yield* NotifierTest
        expect(yield* test.sent).toEqual([alert, second])
      }).pipe(Effect.provide(Notifier.layerTest)))

    it.effect("makes the next N sends fail with the chosen reason, then succeeds again", () =>
      Effect.gen(function*() {
        const test = yield* NotifierTest
        yield* test.failNext(2, "Refused")
        const first = yield* Effect.flip(Notifier.notify(alert))
        const second = yield* Effect.flip(Notifier.notify(alert))
        yield* Notifier.notify({ ...alert, subject: "third" })
        expect([first.reason, second.reason]).toEqual(["Refused", "Refused"])
        expect(first).toBeInstanceOf(NotifyError)
        expect((yield* test.sent).map((sent) => sent.subject)).toEqual(["third"])
        expect(yield* test.attempts).toHaveLength(3)
        yield* test.clear
        expect(yield* test.attempts).toEqual([])
      }).pipe(Effect.provide(Notifier.layerTest)))
  })

  it.effect("layerNone succeeds and only logs, at debug level", () =>
    Effect.gen(function*() {
      const { exit, logs } = yield* capturingLogs(Notifier.notify(alert).pipe(Effect.provide(Notifier.layerNone)))
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(logs).toEqual([`DEBUG no alert transport configured; not sent: ${alert.subject}`])
    }))

  describe("layerMail", () => {
    it.scopedLive("with a sendmail command, hands the message to it", () =>
      Effect.gen(function*() {
        const sendmail = yield* FakeSendmail.make()
        yield* Notifier.notify(alert).pipe(
          Effect.provide(Notifier.layerMail({ _tag: "Sendmail", command: sendmail.command(), to: ["root"] }))
        )
        const [call] = yield* sendmail.calls
        expect(call!.message.subject).toBe(alert.subject)
        expect(call!.message.header("To")).toBe("root")
      }))

    it.scopedLive("with an SMTP server, delivers to it; a refusal comes back as a NotifyError", () =>
      Effect.gen(function*() {
        const smtp = yield* SmtpFixture.make({ tls: "starttls", auth: SmtpFixture.credentials })
        const layer = Notifier.layerMail({
          _tag: "Smtp",
          host: "127.0.0.1",
          port: smtp.port,
          secure: "starttls",
          username: SmtpFixture.credentials.user,
          password: Redacted.make(SmtpFixture.credentials.pass),
          from: "supervisor@example.com",
          to: ["ops@example.com"]
        })
        yield* Notifier.notify(alert).pipe(Effect.provide(layer))
        const [message] = yield* smtp.waitForMessages(1)
        expect(message!.subject).toBe(alert.subject)

        smtp.fail({ _tag: "Refuse", at: "data", code: 552, text: "5.3.4 Message too big" })
        const error = yield* Effect.flip(Notifier.notify(alert).pipe(Effect.provide(layer)))
        expect(error.reason).toBe("Rejected")
        expect(error.message).toContain("552 5.3.4 Message too big")
      }))
  })

  describe("several transports", () => {
    it.effect("sends to all of them", () =>
      Effect.gen(function*() {
        const calls: Array<string> = []
        yield* Notifier.notify(alert).pipe(
          Effect.provide(Notifier.layer([recording("mail", calls), recording("webhook", calls)]))
        )
        expect(calls.sort()).toEqual([`mail: ${alert.subject}`, `webhook: ${alert.subject}`])
      }))

    it.effect("reports a failure of one after trying all; further failures are logged", () =>
      Effect.gen(function*() {
        const calls: Array<string> = []
        const down = new NotifyError({ reason: "Unreachable", transport: "webhook", message: "webhook is down" })
        const full = new NotifyError({ reason: "Refused", transport: "smtp", message: "mailbox full" })
        const layer = Notifier.layer([recording("webhook", calls, down), recording("mail", calls), recording("smtp", calls, full)])
        const { exit, logs } = yield* capturingLogs(Notifier.notify(alert).pipe(Effect.provide(layer)))
        expect(calls).toHaveLength(3)
        expect(exit).toEqual(Exit.fail(down))
        expect(logs).toEqual(["WARN mailbox full"])
      }))
  })
})
