/** `superlance test-mail`, run as an operator would: the built CLI, a real SMTP server. */
import { Effect } from "effect"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { runCli } from "../support/cli.js"
import * as HttpFixture from "../support/http.js"
import * as Smtp from "../support/smtp.js"
import { freePort } from "../support/supervisord.js"

describe("superlance test-mail", () => {
  let smtp: Awaited<ReturnType<typeof Smtp.start>>
  let http: Awaited<ReturnType<typeof HttpFixture.start>>
  const viaSmtp = () => ["-m", "ops@example.com", "--smtpHost", `127.0.0.1:${smtp.port}`, "--fromEmail", "sv@example.com"]

  beforeAll(async () => {
    smtp = await Smtp.start()
    http = await HttpFixture.start()
  })
  afterAll(async () => {
    await smtp?.close()
    await http?.close()
  })
  beforeEach(() => {
    smtp.recover()
    smtp.clear()
    http.clear()
  })

  it("sends one test message by SMTP, says so and exits 0 (no SUPERVISOR_SERVER_URL needed)", async () => {
    const run = await runCli(["test-mail", ...viaSmtp()])
    expect(run.stdout).toBe(`OK mail by SMTP 127.0.0.1:${smtp.port} to ops@example.com: accepted\n`)
    expect(run.code).toBe(0)
    const [message] = smtp.messages()
    expect(message?.subject).toMatch(/^superlance test message from \S+$/)
    expect(message?.text).toContain("This is a test message sent by 'superlance test-mail' on ")
    expect(message?.envelopeTo).toEqual(["ops@example.com"])
    expect(message?.envelopeFrom).toBe("sv@example.com")
  })

  it("a refused recipient: the server's reply on stderr, exit 1", async () => {
    smtp.fail({ _tag: "Refuse", at: "rcpt", code: 550, text: "5.1.1 No such user here" })
    const run = await runCli(["test-mail", ...viaSmtp()])
    expect(run.stdout).toBe("")
    expect(run.stderr).toBe(
      `FAILED mail by SMTP 127.0.0.1:${smtp.port} to ops@example.com: SMTP server 127.0.0.1:${smtp.port} refused the recipient ops@example.com: 550 5.1.1 No such user here\n`
        + "test-mail: the test message was not sent\n"
    )
    expect(run.code).toBe(1)
    expect(smtp.messages()).toEqual([])
  })

  it("an unreachable server: exit 1, saying it cannot connect", async () => {
    const port = await Effect.runPromise(freePort)
    const run = await runCli(["test-mail", "-m", "ops@example.com", "--smtpHost", `127.0.0.1:${port}`, "--fromEmail", "a@b"])
    expect(run.stderr).toMatch(
      new RegExp(`^FAILED mail by SMTP 127\\.0\\.0\\.1:${port} to ops@example\\.com: cannot connect to SMTP server 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`)
    )
    expect(run.code).toBe(1)
  })

  it("tries every transport given, one line each; one failure makes the exit 1", async () => {
    const port = await Effect.runPromise(freePort)
    const run = await runCli([
      "test-mail",
      ...viaSmtp(),
      `--webhook=${http.url("/hook")}`,
      "--alertmanager",
      `http://127.0.0.1:${port}`
    ])
    expect(run.stdout).toBe(
      `OK mail by SMTP 127.0.0.1:${smtp.port} to ops@example.com: accepted\n`
        + `OK webhook http://127.0.0.1:${http.port}/hook/…: accepted\n`
    )
    expect(run.stderr).toMatch(
      new RegExp(`^FAILED Alertmanager http://127\\.0\\.0\\.1:${port}/api/v2/alerts: alertmanager: cannot reach .*ECONNREFUSED.*\ntest-mail: 1 of 3 transports failed\n$`)
    )
    expect(run.code).toBe(1)
    expect(JSON.parse(http.requests()[0]!.body)).toMatchObject({ plugin: "test-mail", subject: expect.stringMatching(/^superlance test message from /) })
  })

  it("sendmail: says the command took it", async () => {
    const run = await runCli(["test-mail", "-m", "root", "-s", "cat >/dev/null"])
    expect(run.stdout).toBe(
      "OK mail by sendmail (cat >/dev/null) to root: handed to sendmail (if nothing arrives, look in the mail system's log)\n"
    )
    expect(run.code).toBe(0)
    const failing = await runCli(["test-mail", "-m", "root", "-s", "echo 'no route to host' >&2; exit 75"])
    expect(failing.stderr).toContain("sendmail command (echo 'no route to host' >&2; exit 75) exited with code 75: no route to host")
    expect(failing.code).toBe(1)
  })

  it("nothing to test, or bad options: a usage error, exit 2", async () => {
    const nothing = await runCli(["test-mail"])
    expect(nothing.stderr).toBe(
      "test-mail: nothing to test: give -m/--email ADDR (with -s/--sendmail_program CMD or --smtpHost HOST), --webhook URL or --alertmanager URL (see 'superlance test-mail --help')\n"
    )
    expect(nothing.code).toBe(2)
    const badUrl = await runCli(["test-mail", "--webhook", "ftp://x"])
    expect(badUrl.stderr).toBe("test-mail: --webhook: \"ftp://x\" is not an http or https URL (see 'superlance test-mail --help')\n")
    expect(badUrl.code).toBe(2)
  })
})
