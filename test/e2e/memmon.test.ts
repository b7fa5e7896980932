/**
 * memmon end to end: the built CLI as a real supervisord's TICK_5 listener, watching a program
 * that holds about 60 MB and a small one, both limited to 20 MB.
 */
import { Effect } from "effect"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { bundle } from "../support/cli.js"
import * as FakeSendmail from "../support/fakeSendmail.js"
import { startSupervisord, type StartedSupervisord, waitUntil } from "../support/supervisord.js"

const hog = fileURLToPath(new URL("programs/hog.mjs", import.meta.url))
const MB = 1024 * 1024

describe("memmon under a real supervisord", () => {
  let sendmail: ReturnType<typeof FakeSendmail.create>
  let supervisor: StartedSupervisord
  let firstHogPid: number
  let smallPid: number

  beforeAll(async () => {
    sendmail = FakeSendmail.create()
    supervisor = await startSupervisord({
      programs: {
        hog: { command: `${process.execPath} ${hog} 60`, startsecs: 1, stopwaitsecs: 5 },
        small: { command: "sleep 1000", startsecs: 1 }
      },
      eventlisteners: {
        memmon: {
          command: `${process.execPath} ${bundle} memmon -p hog=20MB -p small=20MB -m ops@example.com -s "${sendmail.command()}"`,
          events: ["TICK_5"]
        }
      },
      waitRunning: ["hog", "small", "memmon"]
    })
    firstHogPid = (await Effect.runPromise(supervisor.processInfo("hog"))).pid
    smallPid = (await Effect.runPromise(supervisor.processInfo("small"))).pid
  }, 30_000)

  afterAll(async () => {
    await supervisor?.stop()
    sendmail?.remove()
  })

  it("restarts the hog and mails about it; leaves the small program alone", async () => {
    await Effect.runPromise(waitUntil(
      Effect.map(supervisor.processInfo("hog"), (info) => info.statename === "RUNNING" && info.pid !== firstHogPid),
      { timeout: 20_000, interval: 200, message: "hog to be restarted" }
    ))
    await Effect.runPromise(waitUntil(Effect.map(sendmail.calls, (all) => all.length > 0), { timeout: 10_000 }))

    const [call] = await Effect.runPromise(sendmail.calls)
    expect(call!.argv).toEqual(["-t", "-i"])
    expect(call!.message.header("to")).toBe("ops@example.com")
    expect(call!.message.subject).toBe("memmon: process hog:hog restarted")
    const body = call!.message.text.trim()
    const match = /^memmon\.py restarted the process named hog:hog at (\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}) (\S+) because it was consuming too much memory \((\d+) bytes RSS\)$/
      .exec(body)
    expect(match, body).not.toBeNull()
    expect(Number(match![3])).toBeGreaterThan(60 * MB)

    expect((await Effect.runPromise(supervisor.processInfo("small"))).pid).toBe(smallPid)
    const log = await Effect.runPromise(supervisor.readLog("memmon", "stderr"))
    expect(log).toContain(`Checking programs hog=${20 * MB}, small=${20 * MB}`)
    expect(log).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ INFO RSS of small:small is \d+$/m)
    expect(log).toContain("Restarting hog:hog")
    expect(log).not.toContain("Restarting small:small")
  }, 40_000)
})
