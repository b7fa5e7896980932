/**
 * httpok's restart-loop limit end to end: the built CLI as a real supervisord's TICK_5
 * listener, checking a URL that always answers 500. It restarts the program at the first two
 * ticks, mails one alert at the third, and then leaves the program alone. Its alerts name the
 * host (`--hostname web-03 --hostname-in-subject`).
 */
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { bundle } from "../support/cli.js"
import * as FakeSendmail from "../support/fakeSendmail.js"
import * as HttpFixture from "../support/http.js"
import { startSupervisord, type StartedSupervisord, waitUntil } from "../support/supervisord.js"

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)

describe("httpok --max-restarts under a real supervisord", () => {
  let supervisor: StartedSupervisord
  let sendmail: ReturnType<typeof FakeSendmail.create>
  let health: Awaited<ReturnType<typeof HttpFixture.start>>

  beforeAll(async () => {
    sendmail = FakeSendmail.create()
    health = await HttpFixture.start()
    health.respond({ status: 500 })
    supervisor = await startSupervisord({
      programs: { app: { command: "sleep 1000", startsecs: 1 } },
      eventlisteners: {
        httpok: {
          command: [
            `${process.execPath} ${bundle} httpok -t 2 -p app --max-restarts 2 --restart-window 10m`,
            `--hostname web-03 --hostname-in-subject -m ops@example.com -s "${sendmail.command()}" ${health.url("/health")}`
          ].join(" "),
          events: ["TICK_5"]
        }
      },
      waitRunning: ["app", "httpok"]
    })
  }, 30_000)

  afterAll(async () => {
    await supervisor?.stop()
    await health?.close()
    sendmail?.remove()
  })

  it("restarts up to the limit, then stops with one alert", async () => {
    const url = health.url("/health")
    const held = "app is in RUNNING state but was restarted 2 times within 10m (--max-restarts 2 --restart-window 10m), NOT restarting"
    // Three ticks: two restarts, then the limit.
    await run(waitUntil(Effect.map(sendmail.calls, (calls) => calls.length >= 3), {
      timeout: 25_000,
      interval: 200,
      message: "three mails"
    }))
    const pid = (await run(supervisor.processInfo("app"))).pid
    // One more tick: held again, quietly.
    await run(waitUntil(
      Effect.map(supervisor.readLog("httpok", "stderr"), (log) => log.split(held).length - 1 >= 2),
      { timeout: 10_000, interval: 200, message: "a second tick held back" }
    ))

    const calls = await run(sendmail.calls)
    expect(calls.map((call) => call.message.subject)).toEqual([
      `[web-03] httpok: ${url}: bad status returned`,
      `[web-03] httpok: ${url}: bad status returned`,
      `[web-03] httpok: ${url}: restart limit reached`
    ])
    for (const call of calls.slice(0, 2)) {
      expect(call.message.text.trim()).toBe([
        `status contacting ${url}: 500 Internal Server Error`,
        "Restarting selected processes ['app']",
        "app is in RUNNING state, restarting",
        "app restarted",
        "",
        "Host: web-03"
      ].join("\n"))
    }
    const limit = calls[2]!.message.text.trim().split("\n")
    expect(limit[0]).toBe(`status contacting ${url}: 500 Internal Server Error`)
    expect(limit[1]).toMatch(
      /^Not restarting app: it was restarted 2 times within 10m \(--max-restarts 2 --restart-window 10m\)\. Restarts resume at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} if the check still fails\.$/
    )
    expect(limit.slice(2)).toEqual(["", "Host: web-03"])
    expect((await run(supervisor.processInfo("app"))).pid).toBe(pid)
    expect(health.requests().length).toBeGreaterThanOrEqual(4)
  }, 60_000)
})
