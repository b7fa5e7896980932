/**
 * The mail plugins end to end: the built CLI as supervisord's event listener, a real SMTP server
 * and a fake sendmail receiving what it sends.
 */
import { Effect } from "effect"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as FakeSendmail from "../support/fakeSendmail.js"
import { bundle } from "../support/cli.js"
import { processState } from "../support/envelope.js"
import { driveListener } from "../support/listener.js"
import * as Smtp from "../support/smtp.js"
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
      expect(JSON.parse(readFileSync(join(spool, "crashmailbatch-batch.json"), "utf8")).entries).toHaveLength(1)
      await first.kill("SIGKILL")

      await Effect.runPromise(smtp.start)
      const second = driveListener(args, env)
      const [message] = await Effect.runPromise(smtp.waitForMessages(1, "15 seconds"))
      expect(message!.text).toContain("Process lost:lost (pid 100) died unexpectedly")
      expect(await second.close()).toBe(0)
      expect(smtp.messages()).toHaveLength(1) // stopping mid-delivery must not send it twice
      expect(JSON.parse(readFileSync(join(spool, "crashmailbatch-batch.json"), "utf8")).entries).toEqual([])
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
