import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { NotifyError } from "../../../src/alerts/Transport.js"
import * as Sendmail from "../../../src/alerts/transports/Sendmail.js"
import * as FakeSendmail from "../../support/fakeSendmail.js"

const alert = {
  plugin: "crashmail",
  subject: "web crashed at 2024-05-01 10:00:00,000",
  body: "Process web in group web exited unexpectedly (pid 42) from state RUNNING"
}

const configFor = (command: string, overrides: Partial<Sendmail.SendmailConfig> = {}): Sendmail.SendmailConfig => ({
  _tag: "Sendmail",
  command,
  to: ["ops@example.com"],
  ...overrides
})

const failure = (effect: Effect.Effect<void, NotifyError>) =>
  Effect.flip(effect).pipe(Effect.map((error) => ({ reason: error.reason, message: error.message })))

describe("Sendmail transport", () => {
  it.scopedLive("writes the complete message, headers included, to the command's stdin", () =>
    Effect.gen(function*() {
      const sendmail = yield* FakeSendmail.make()
      yield* Sendmail.make(configFor(sendmail.command()))(alert)
      const [call, ...more] = yield* sendmail.calls
      expect(more).toEqual([])
      expect(call!.argv).toEqual(["-t", "-i"])
      const message = call!.message
      expect(message.header("To")).toBe("ops@example.com")
      expect(message.subject).toBe(alert.subject)
      expect(message.text.trimEnd()).toBe(alert.body)
      expect(message.header("Date")).toMatch(/^\w{3}, \d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}$/)
      expect(message.header("Message-ID")).toMatch(/^<[^<>\s]+@[^<>\s]+>$/)
      // A local MTA reads local line endings.
      expect(call!.stdin).not.toContain("\r")
    }))

  it.scopedLive("writes bare To and Subject headers and the body as crashmail's original does", () =>
    Effect.gen(function*() {
      const sendmail = yield* FakeSendmail.make()
      const line = `Process web in group web exited unexpectedly (pid 23262) from state RUNNING ${"x".repeat(124)}`
      expect(line.length).toBe(200)
      yield* Sendmail.make(configFor(sendmail.command(), { to: ["root"] }))({ ...alert, body: `${line}\nsecond line` })
      const [call] = yield* sendmail.calls
      expect(call!.stdin).toMatch(new RegExp(`^To: root\nSubject: ${alert.subject}\n`))
      expect(call!.stdin.endsWith(`\n\n${line}\nsecond line`)).toBe(true)
      // Only the headers we add on purpose (Date, Message-ID) besides the original's two.
      expect(call!.message.headers.map((header) => header.name)).toEqual(["To", "Subject", "Date", "Message-ID"])
    }))

  it.scopedLive("the batch mailers send a text/plain 7bit MIME message, unfolded", () =>
    Effect.gen(function*() {
      const sendmail = yield* FakeSendmail.make()
      const line = "y".repeat(300)
      const config = configFor(sendmail.command(), {
        to: ["a@example.com", "b@example.com"],
        from: "sup@example.com",
        form: "mime"
      })
      yield* Sendmail.make(config)({ ...alert, plugin: "fatalmailbatch", body: line })
      const [call] = yield* sendmail.calls
      const message = call!.message
      expect(message.header("Content-Type")).toBe(`text/plain; charset="us-ascii"`)
      expect(message.header("MIME-Version")).toBe("1.0")
      expect(message.header("Content-Transfer-Encoding")).toBe("7bit")
      expect(message.header("To")).toBe("a@example.com, b@example.com")
      expect(message.header("From")).toBe("sup@example.com")
      expect(call!.stdin.endsWith(`\n\n${line}`)).toBe(true)
    }))

  it.scopedLive("a body line longer than RFC 5322 allows (998) is split, nothing else changes", () =>
    Effect.gen(function*() {
      const sendmail = yield* FakeSendmail.make()
      yield* Sendmail.make(configFor(sendmail.command()))({ ...alert, body: `${"a".repeat(998)}${"b".repeat(500)}\nend` })
      const [call] = yield* sendmail.calls
      expect(call!.message.text).toBe(`${"a".repeat(998)}\n${"b".repeat(500)}\nend`)
    }))

  it.scopedLive("a body that is not ASCII goes as 8bit UTF-8 with its charset", () =>
    Effect.gen(function*() {
      const sendmail = yield* FakeSendmail.make()
      const body = `Prozess müde ✓ ${"z".repeat(100)}`
      yield* Sendmail.make(configFor(sendmail.command()))({ ...alert, body })
      const [call] = yield* sendmail.calls
      expect(call!.message.header("Content-Type")).toMatch(/^text\/plain; charset="?utf-8"?$/i)
      expect(call!.message.header("Content-Transfer-Encoding")).toBe("8bit")
      expect(call!.stdin.endsWith(`\n\n${body}`)).toBe(true)
    }))

  it.scopedLive("has no From header unless one is configured", () =>
    Effect.gen(function*() {
      const sendmail = yield* FakeSendmail.make()
      yield* Sendmail.make(configFor(sendmail.command()))(alert)
      yield* Sendmail.make(configFor(sendmail.command(), { from: "supervisor@example.com" }))(alert)
      const [without, withFrom] = yield* sendmail.calls
      expect(without!.message.header("From")).toBeUndefined()
      expect(withFrom!.message.header("From")).toBe("supervisor@example.com")
    }))

  it.scopedLive("puts every recipient in To, local names such as root included", () =>
    Effect.gen(function*() {
      const sendmail = yield* FakeSendmail.make()
      yield* Sendmail.make(configFor(sendmail.command(), { to: ["root", "ops@example.com"] }))(alert)
      const [call] = yield* sendmail.calls
      expect(call!.message.header("To")).toBe("root, ops@example.com")
    }))

  it.scopedLive("round-trips a UTF-8 subject and body", () =>
    Effect.gen(function*() {
      const sendmail = yield* FakeSendmail.make()
      const subject = "café ☕ crashed — 日本 😀"
      const body = "Prozess müde: ünïcödé ✓\nsecond line"
      yield* Sendmail.make(configFor(sendmail.command()))({ ...alert, subject, body })
      const [call] = yield* sendmail.calls
      expect(call!.message.header("Subject")).toMatch(/^[\x20-\x7e]+$/)
      expect(call!.message.subject).toBe(subject)
      expect(call!.message.text.trimEnd()).toBe(body)
    }))

  it.scopedLive("a subject cannot inject a header", () =>
    Effect.gen(function*() {
      const sendmail = yield* FakeSendmail.make()
      yield* Sendmail.make(configFor(sendmail.command()))({ ...alert, subject: "x crashed\r\nBcc: evil@x\nCc: evil@y" })
      const [call] = yield* sendmail.calls
      expect(call!.message.header("Bcc")).toBeUndefined()
      expect(call!.message.header("Cc")).toBeUndefined()
      expect(call!.message.subject).toBe("x crashed Bcc: evil@x Cc: evil@y")
    }))

  it.scopedLive("runs the command line through /bin/sh, and nothing from the alert reaches it", () =>
    Effect.gen(function*() {
      const sendmail = yield* FakeSendmail.make()
      const dir = mkdtempSync(join(tmpdir(), "superlance-sh-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const marker = join(dir, "ran")
      const command = `${sendmail.command("-t -i -f 'ops team@example.com'")} && touch ${marker}`
      yield* Sendmail.make(configFor(command))({ ...alert, subject: `$(touch ${dir}/subject)`, body: `\`touch ${dir}/body\`` })
      const [call] = yield* sendmail.calls
      expect(call!.argv).toEqual(["-t", "-i", "-f", "ops team@example.com"])
      expect(existsSync(marker)).toBe(true)
      expect(existsSync(join(dir, "subject"))).toBe(false)
      expect(existsSync(join(dir, "body"))).toBe(false)
      expect(call!.message.subject).toBe(`$(touch ${dir}/subject)`)
    }))

  it.scopedLive("a non-zero exit is CommandFailed with the code and the first line of stderr", () =>
    Effect.gen(function*() {
      const sendmail = yield* FakeSendmail.make()
      sendmail.setBehaviour({ exitCode: 75, stderr: "\nsendmail: fatal: queue file write error\nmore detail\n" })
      const command = sendmail.command()
      const error = yield* failure(Sendmail.make(configFor(command))(alert))
      expect(error).toEqual({
        reason: "CommandFailed",
        message: `sendmail command (${command}) exited with code 75: sendmail: fatal: queue file write error`
      })
    }))

  it.scopedLive("a command that does not exist is CommandFailed with the shell's complaint", () =>
    Effect.gen(function*() {
      const error = yield* failure(Sendmail.make(configFor("/nonexistent/sendmail -t -i"))(alert))
      expect(error.reason).toBe("CommandFailed")
      expect(error.message).toMatch(/^sendmail command \(\/nonexistent\/sendmail -t -i\) exited with code 127: .*not found/)
    }))

  it.scopedLive("a command that hangs is stopped after the timeout", () =>
    Effect.gen(function*() {
      const sendmail = yield* FakeSendmail.make()
      sendmail.setBehaviour({ sleepSeconds: 30 })
      const started = Date.now()
      const error = yield* failure(Sendmail.make(configFor(sendmail.command()), { timeout: "300 millis" })(alert))
      expect(Date.now() - started).toBeLessThan(3_000)
      expect(error).toEqual({
        reason: "Timeout",
        message: `sendmail command (${sendmail.command()}) did not finish within 300ms and was stopped`
      })
      // Everything the shell started is stopped, not only the shell.
      yield* Effect.sleep("200 millis")
      const left = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" }).split("\n")
        .filter((line) => line.includes(sendmail.path) || /^sleep 30$/.test(line.trim()))
      expect(left).toEqual([])
    }))

  it.scopedLive("a command that ignores SIGTERM is killed after a grace, with everything it started", () =>
    Effect.gen(function*() {
      const command = "trap '' TERM; sleep 29.25 & wait; wait"
      const started = Date.now()
      const error = yield* failure(Sendmail.make(configFor(command), { timeout: "200 millis" })(alert))
      expect(Date.now() - started).toBeLessThan(5_000)
      expect(error.reason).toBe("Timeout")
      const left = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" }).split("\n")
        .filter((line) => line.includes("sleep 29.25"))
      expect(left).toEqual([])
    }))
})
