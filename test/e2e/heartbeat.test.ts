/**
 * `--heartbeat URL` end to end: the built CLI as a real supervisord's listener pings a real
 * node:http server on supervisord's TICKs (crashmail, whose own events are process states, with
 * `events=PROCESS_STATE,TICK_5`), and with `--alertmanager` a real Alertmanager holds the
 * always-firing SuperlanceHeartbeat alert.
 */
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { alertmanager, binary as alertmanagerBinary } from "../support/alertmanager.js"
import { bundle } from "../support/cli.js"
import * as FakeSendmail from "../support/fakeSendmail.js"
import * as HttpFixture from "../support/http.js"
import { startSupervisord, type StartedSupervisord, waitUntil } from "../support/supervisord.js"

const superlance = `${process.execPath} ${bundle}`

describe("--heartbeat under a real supervisord", () => {
  let ping: Awaited<ReturnType<typeof HttpFixture.start>>
  let sendmail: ReturnType<typeof FakeSendmail.create>
  let supervisor: StartedSupervisord

  beforeAll(async () => {
    ping = await HttpFixture.start()
    sendmail = FakeSendmail.create()
    supervisor = await startSupervisord({
      programs: {
        crasher: { command: "sh -c 'sleep 2; exit 3'", autostart: true, autorestart: false, startsecs: 1 }
      },
      eventlisteners: {
        crashmail: {
          command: `${superlance} crashmail -a -m ops@example.com -s "${sendmail.command()}" --heartbeat ${ping.url("/ping/0d5a2a4e")}`,
          events: ["PROCESS_STATE", "TICK_5"]
        }
      },
      waitRunning: ["crashmail"]
    })
  }, 30_000)

  afterAll(async () => {
    await supervisor?.stop()
    await ping?.close()
    sendmail?.remove()
  })

  it("crashmail pings the URL on a TICK, and still mails its crashes", async () => {
    const [request] = await Effect.runPromise(ping.waitForRequests(1, "15 seconds"))
    expect(request).toMatchObject({ method: "GET", path: "/ping/0d5a2a4e" })
    expect(request?.headers["user-agent"]).toBe("superlance-heartbeat")
    await Effect.runPromise(waitUntil(
      Effect.map(sendmail.calls, (calls) => calls.some((call) => call.message.subject?.startsWith("crasher crashed") === true)),
      { timeout: 15_000, message: "crashmail's mail about crasher" }
    ))
    const log = await Effect.runPromise(supervisor.readLog("crashmail", "stderr"))
    expect(log).not.toMatch(/ (WARN|ERROR) /)
  }, 30_000)
})

describe.skipIf(alertmanagerBinary === undefined)("--heartbeat with a real Alertmanager", () => {
  it("each beat is also an always-firing SuperlanceHeartbeat alert", async () => {
    await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const am = yield* alertmanager()
      const ping = yield* HttpFixture.make()
      const supervisor = yield* Effect.acquireRelease(
        Effect.promise(() =>
          startSupervisord({
            eventlisteners: {
              memmon: {
                command: `${superlance} memmon -a 1GB --heartbeat ${ping.url("/ping")} --alertmanager ${am.url} --hostname box1`,
                events: ["TICK_5"]
              }
            },
            waitRunning: ["memmon"]
          })
        ),
        (started) => Effect.promise(started.stop)
      )
      const [alert] = yield* am.waitForAlerts(1, 15_000)
      expect(alert?.labels).toEqual({ alertname: "SuperlanceHeartbeat", plugin: "memmon", host: "box1" })
      expect(alert?.status.state).toBe("active")
      expect(alert?.annotations["summary"]).toBe("superlance memmon on box1 is alive")
      // It resolves by itself a few minutes after the beats stop.
      const lasts = Date.parse(alert?.endsAt ?? "") - Date.now()
      expect(lasts).toBeGreaterThan(2 * 60_000)
      expect(lasts).toBeLessThanOrEqual(3 * 60_000)
      // The GET and the post go out together: the ping may still be on its way when the alert is in.
      expect(yield* ping.waitForRequests(1, "10 seconds")).not.toEqual([])
      expect(yield* supervisor.readLog("memmon", "stderr")).not.toMatch(/ (WARN|ERROR) /)
    })))
  }, 40_000)
})
