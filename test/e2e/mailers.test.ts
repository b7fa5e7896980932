/**
 * The mail plugins end to end: the built CLI as supervisord's event listener, a real SMTP server
 * and a fake sendmail receiving what it sends.
 */
import { Effect } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as FakeSendmail from "../support/fakeSendmail.js"
import { bundle } from "../support/cli.js"
import { processState } from "../support/envelope.js"
import { driveListener } from "../support/listener.js"
import * as Smtp from "../support/smtp.js"
import { readSpool } from "../support/spool.js"
import { startSupervisord, type StartedSupervisord, waitUntil } from "../support/supervisord.js"

const superlance = `${process.execPath} ${bundle}`
const crash = (name: string, pid = 100) => processState("EXITED", { name, expected: 0, pid })

describe("mailers under a real supervisord", () => {
  let smtp: Awaited<ReturnType<typeof Smtp.start>>
  let sendmail: ReturnType<typeof FakeSendmail.create>
  let supervisor: StartedSupervisord

  beforeAll(async () => {
    smtp = await Smtp.start()
    sendmail = FakeSendmail.create()
    const smtpOptions = `--smtpHost 127.0.0.1:${smtp.port} --toEmail ops@example.com --fromEmail sv@example.com`
    supervisor = await startSupervisord({
      programs: {
        crasher: { command: "sh -c 'sleep 1; exit 3'", autostart: true, autorestart: false, startsecs: 0 },
        broken: { command: "/nonexistent/program", autostart: true, startretries: 1 }
      },
      eventlisteners: {
        crashmail: {
          command: `${superlance} crashmail -p crasher -m ops@example.com -s "${sendmail.command()}"`,
          events: ["PROCESS_STATE_EXITED"]
        },
        crashmailbatch: {
          command: `${superlance} crashmailbatch ${smtpOptions} --interval 0.05`,
          events: ["PROCESS_STATE", "TICK_60"]
        },
        crashsms: {
          command: `${superlance} crashsms ${smtpOptions} --interval=0.05 --subject=SMS`,
          events: ["PROCESS_STATE", "TICK_60"]
        },
        fatalmailbatch: {
          command: `${superlance} fatalmailbatch ${smtpOptions} -i 0.05`,
          events: ["PROCESS_STATE", "TICK_60"]
        }
      }
    })
  }, 30_000)

  afterAll(async () => {
    await supervisor?.stop()
    await smtp?.close()
    sendmail?.remove()
  })

  it("crashmail mails an unexpected exit through sendmail", async () => {
    await Effect.runPromise(waitUntil(Effect.map(sendmail.calls, (all) => all.length > 0), { timeout: 20_000 }))
    const calls = await Effect.runPromise(sendmail.calls)
    const message = calls[0]!.message
    expect(message.header("to")).toContain("ops@example.com")
    expect(message.subject).toMatch(/^crasher crashed at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}$/)
    expect(message.text.trim()).toMatch(
      /^Process crasher in group crasher exited unexpectedly \(pid \d+\) from state RUNNING$/
    )
    expect(calls[0]!.argv).toEqual(["-t", "-i"])
  }, 30_000)

  it("crashmailbatch, crashsms and fatalmailbatch mail their batches over SMTP", async () => {
    const messages = await Effect.runPromise(smtp.waitForMessages(3, "25 seconds"))
    const bySubject = new Map(messages.map((message) => [message.subject ?? "", message]))
    const batch = bySubject.get("Crash alert from supervisord")
    expect(batch?.text.trim()).toMatch(/^\d{4}-\d\d-\d\d [\d:,]+ -- Process crasher:crasher \(pid \d+\) died unexpectedly$/)
    expect(batch?.envelopeTo).toEqual(["ops@example.com"])
    expect(batch?.envelopeFrom).toBe("sv@example.com")
    expect(bySubject.get("SMS")?.text.trim()).toMatch(/^\[crasher:crasher\]\(\d+\) exited unexpectedly \d{4}-/)
    expect(bySubject.get("Fatal start alert from supervisord")?.text.trim()).toMatch(
      /^\d{4}-\d\d-\d\d [\d:,]+ -- Process broken:broken failed to start too many times$/
    )
    expect(messages).toHaveLength(3)
  }, 30_000)
})

describe("no alert lost (a listener driven over stdin, a real SMTP server)", () => {
  const env = { SUPERVISOR_SERVER_URL: "unix:///nonexistent.sock", SUPERVISOR_PROCESS_NAME: "batch" }

  it("keeps the batch while the server refuses, then delivers it once", async () => {
    const smtp = await Smtp.start()
    try {
      smtp.fail({ _tag: "Refuse", at: "data", code: 451, text: "try again later" }, 2)
      const listener = driveListener(
        ["crashmailbatch", "--smtpHost", `127.0.0.1:${smtp.port}`, "-t", "ops@example.com", "-f", "sv@example.com", "-i", "0.02"],
        env
      )
      await listener.ready
      expect(await listener.send(crash("a"))).toBe("RESULT 2\nOK")
      expect(await listener.send(crash("b"))).toBe("RESULT 2\nOK")
      const [message] = await Effect.runPromise(smtp.waitForMessages(1, "15 seconds"))
      expect(message!.text.trim().split("\n").map((line) => line.replace(/^.* -- /, ""))).toEqual([
        "Process a:a (pid 100) died unexpectedly",
        "Process b:b (pid 100) died unexpectedly"
      ])
      expect(listener.stderr()).toMatch(/could not send alert .*451 try again later.*retrying in/)
      expect(await listener.close()).toBe(0)
      expect(smtp.messages()).toHaveLength(1)
    } finally {
      await smtp.close()
    }
  }, 30_000)

  it("with --spool, a listener killed while the server is down loses nothing", async () => {
    const smtp = await Smtp.start()
    const spool = mkdtempSync(join(tmpdir(), "spool-"))
    const args = [
      "crashmailbatch",
      `--smtpHost=127.0.0.1:${smtp.port}`,
      "--toEmail=ops@example.com",
      "--fromEmail=sv@example.com",
      "--interval=10",
      `--spool=${spool}`
    ]
    try {
      await Effect.runPromise(smtp.stop)
      const first = driveListener(args, env)
      await first.ready
      await first.send(crash("lost"))
      expect(readSpool(join(spool, "crashmailbatch-batch.json")).entries).toHaveLength(1)
      await first.kill("SIGKILL")

      await Effect.runPromise(smtp.start)
      const second = driveListener(args, env)
      const [message] = await Effect.runPromise(smtp.waitForMessages(1, "15 seconds"))
      expect(message!.text).toContain("Process lost:lost (pid 100) died unexpectedly")
      expect(await second.close()).toBe(0)
      expect(smtp.messages()).toHaveLength(1) // stopping mid-delivery must not send it twice
      expect(readSpool(join(spool, "crashmailbatch-batch.json")).entries).toEqual([])
    } finally {
      await smtp.close()
    }
  }, 30_000)

  it("killed (SIGKILL) in the middle of a crash storm, every acknowledged alert is spooled and sent by the next start", async () => {
    const smtp = await Smtp.start()
    const spool = mkdtempSync(join(tmpdir(), "spool-"))
    const args = [
      "crashmailbatch", `--smtpHost=127.0.0.1:${smtp.port}`, "--toEmail=ops@example.com", "--fromEmail=sv@example.com",
      "--interval=10", `--spool=${spool}`
    ]
    const acks = (listener: { readonly stdout: () => string }) => listener.stdout().split("RESULT 2\nOK").length - 1
    try {
      await Effect.runPromise(smtp.stop)
      const first = driveListener(args, env)
      await first.ready
      // Events written back to back, as a busy supervisord would; killed while they are handled.
      const storm = 3000
      for (let i = 0; i < storm; i++) first.child.stdin.write(crash(`p${i}`, 1000 + i))
      await Effect.runPromise(waitUntil(Effect.sync(() => acks(first) >= 500), { timeout: 20_000 }))
      await first.kill("SIGKILL")
      const acknowledged = acks(first)
      expect(acknowledged).toBeGreaterThanOrEqual(500)
      expect(readSpool(join(spool, "crashmailbatch-batch.json")).entries.length).toBeGreaterThanOrEqual(acknowledged)

      await Effect.runPromise(smtp.start)
      const second = driveListener(args, env)
      const [message] = await Effect.runPromise(smtp.waitForMessages(1, "15 seconds"))
      const sent = new Set(message!.text.split("\n").map((line) => line.replace(/^.* -- /, "")))
      const missing = Array.from({ length: acknowledged }, (_, i) => `Process p${i}:p${i} (pid ${1000 + i}) died unexpectedly`)
        .filter((line) => !sent.has(line))
      expect(missing).toEqual([])
      expect(await second.close()).toBe(0)
    } finally {
      await smtp.close()
    }
  }, 60_000)

  it("crashmail with --spool: what could not be mailed before a SIGKILL is mailed by the next start", async () => {
    const smtp = await Smtp.start()
    const spool = mkdtempSync(join(tmpdir(), "spool-"))
    const args = [
      "crashmail", "-a", "-m", "ops@example.com", "--smtpHost", `127.0.0.1:${smtp.port}`, "--fromEmail", "sv@example.com",
      "--spool", spool
    ]
    const crashmailEnv = { ...env, SUPERVISOR_PROCESS_NAME: "mailer" }
    try {
      await Effect.runPromise(smtp.stop)
      const first = driveListener(args, crashmailEnv)
      await first.ready
      for (const name of ["cat", "dog"]) await first.send(crash(name))
      expect(readSpool(join(spool, "crashmail-mailer.json")).entries).toHaveLength(2)
      await first.kill("SIGKILL")

      await Effect.runPromise(smtp.start)
      const second = driveListener(args, crashmailEnv)
      const messages = await Effect.runPromise(smtp.waitForMessages(2, "15 seconds"))
      expect(messages.map((message) => message.subject)).toEqual([
        expect.stringMatching(/^cat crashed at /),
        expect.stringMatching(/^dog crashed at /)
      ])
      expect(await second.close()).toBe(0)
      expect(readSpool(join(spool, "crashmail-mailer.json")).entries).toEqual([])
    } finally {
      await smtp.close()
    }
  }, 30_000)

  it("sends what is queued when stdin ends before the interval is over", async () => {
    const smtp = await Smtp.start()
    try {
      const listener = driveListener(
        ["crashsms", "-H", `127.0.0.1:${smtp.port}`, "-t", "sms@example.com", "-f", "sv@example.com", "-i", "60"],
        env
      )
      await listener.ready
      await listener.send(crash("cat", 7))
      expect(await listener.close()).toBe(0)
      const [message] = smtp.messages()
      expect(message?.text.trim()).toMatch(/^\[cat:cat\]\(7\) exited unexpectedly /)
      expect(message?.header("subject")).toBeUndefined()
    } finally {
      await smtp.close()
    }
  }, 30_000)
})
