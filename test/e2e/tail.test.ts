/**
 * `--tail N` under a real supervisord: the listener reads the crashed process's log through
 * supervisord's XML-RPC when the event arrives, and the alert carries its last lines.
 */
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { WebhookPayload } from "../../src/alerts/transports/Webhook.js"
import { bundle } from "../support/cli.js"
import * as FakeSendmail from "../support/fakeSendmail.js"
import * as HttpFixture from "../support/http.js"
import { startSupervisord, type StartedSupervisord, waitUntil } from "../support/supervisord.js"

const superlance = `${process.execPath} ${bundle}`

// Seven lines on stderr, one on stdout, then an unexpected exit (code 3).
const noisy = "sh -c 'echo to-stdout; for i in 1 2 3 4 5 6 7; do echo \"error $i\" >&2; done; sleep 1; exit 3'"

describe("--tail under a real supervisord", () => {
  let sendmail: ReturnType<typeof FakeSendmail.create>
  let webhook: Awaited<ReturnType<typeof HttpFixture.start>>
  let supervisor: StartedSupervisord

  beforeAll(async () => {
    sendmail = FakeSendmail.create()
    webhook = await HttpFixture.start()
    supervisor = await startSupervisord({
      programs: {
        noisy: { command: noisy, autostart: true, autorestart: false, startsecs: 0 },
        // Its stderr goes to the stdout log, so the stderr log is empty.
        merged: {
          command: "sh -c 'echo starting; echo \"fatal: config missing\" >&2; sleep 1; exit 4'",
          autostart: true,
          autorestart: false,
          startsecs: 0,
          redirect_stderr: true
        }
      },
      eventlisteners: {
        crashmail: {
          command: `${superlance} crashmail -a --tail 5 -m ops@example.com -s "${sendmail.command()}"`,
          events: ["PROCESS_STATE_EXITED"]
        },
        crashmailbatch: {
          // No mail options at all: the webhook is the only receiver.
          command: `${superlance} crashmailbatch --tail 2 --webhook ${webhook.url("/hook")} --interval 0.02`,
          events: ["PROCESS_STATE", "TICK_60"]
        }
      }
    })
  }, 30_000)

  afterAll(async () => {
    await supervisor?.stop()
    await webhook?.close()
    sendmail?.remove()
  })

  it("crashmail --tail 5: the mail body ends with the last 5 lines of the stderr log", async () => {
    await Effect.runPromise(waitUntil(
      Effect.map(sendmail.calls, (all) => all.some((call) => call.message.subject?.startsWith("noisy ") === true)),
      { timeout: 20_000, message: "crashmail's mail about noisy" }
    ))
    const calls = await Effect.runPromise(sendmail.calls)
    const mail = calls.find((call) => call.message.subject?.startsWith("noisy ") === true)!.message
    expect(mail.text.trim().split("\n")).toEqual([
      expect.stringMatching(/^Process noisy in group noisy exited unexpectedly \(pid \d+\) from state RUNNING$/),
      "",
      "Last 5 lines of its stderr log:",
      "error 3",
      "error 4",
      "error 5",
      "error 6",
      "error 7"
    ])
  }, 30_000)

  it("with redirect_stderr=true the tail comes from the stdout log", async () => {
    await Effect.runPromise(waitUntil(
      Effect.map(sendmail.calls, (all) => all.some((call) => call.message.subject?.startsWith("merged ") === true)),
      { timeout: 20_000, message: "crashmail's mail about merged" }
    ))
    const calls = await Effect.runPromise(sendmail.calls)
    const mail = calls.find((call) => call.message.subject?.startsWith("merged ") === true)!.message
    expect(mail.text.trim().split("\n").slice(2)).toEqual([
      "Last 2 lines of its stdout log:",
      "starting",
      "fatal: config missing"
    ])
  }, 30_000)

  it("crashmailbatch --tail 2 --webhook: each line is followed by its indented tail, posted as JSON", async () => {
    const bodies = () =>
      webhook.requests().map((request) => JSON.parse(request.body) as WebhookPayload)
    await Effect.runPromise(waitUntil(
      () => bodies().flatMap((body) => body.processes).filter((p) => p === "noisy:noisy" || p === "merged:merged").length >= 2,
      { timeout: 20_000, message: "webhook posts about both crashes" }
    ))
    const text = bodies().map((body) => body.body).join("\n")
    expect(text).toMatch(
      /-- Process noisy:noisy \(pid \d+\) died unexpectedly\n {4}Last 2 lines of its stderr log:\n {4}error 6\n {4}error 7/
    )
    expect(text).toMatch(
      /-- Process merged:merged \(pid \d+\) died unexpectedly\n {4}Last 2 lines of its stdout log:\n {4}starting\n {4}fatal: config missing/
    )
    const payload = bodies().find((body) => body.processes.includes("noisy:noisy"))!
    expect(payload.plugin).toBe("crashmailbatch")
    expect(payload.events.find((event) => event._tag === "ProcessState" && event.processName === "noisy")).toMatchObject({
      state: "EXITED",
      expected: false
    })
  }, 30_000)
})
