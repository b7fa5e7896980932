/**
 * Process groups end to end: the built CLI as a real supervisord's TICK_5 listeners, watching
 * `numprocs=3` programs (process_name `%(program_name)s_%(process_num)02d`: web_00, web_01, web_02):
 * - `httpok_web` checks each `web` instance at `http://127.0.0.1:{port}/health` (`-p web:*`,
 *   `--port-base`);
 * - `httpok_tcp` checks each `tcpweb` instance at `tcp://127.0.0.1:<P>{num}` (`--group tcpweb`,
 *   ports `<P>00`…`<P>02`, supervisord's `80%(process_num)02d` convention with a free prefix);
 * - `memmon` limits each `hog` instance to 100MB (`-p hog:*=100MB`).
 * An instance is made sick by touching a file in its control directory (instanceApp.mjs, hog.mjs).
 * One supervisord and its ticks for all; the tests run one after another.
 */
import { Effect } from "effect"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { bundle } from "../support/cli.js"
import * as FakeSendmail from "../support/fakeSendmail.js"
import { freePortBlock, startSupervisord, type StartedSupervisord, waitUntil } from "../support/supervisord.js"

const app = fileURLToPath(new URL("programs/instanceApp.mjs", import.meta.url))
const hog = fileURLToPath(new URL("programs/hog.mjs", import.meta.url))
const superlance = `${process.execPath} ${bundle}`
const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)
const INSTANCES = ["00", "01", "02"] as const

describe("process groups under a real supervisord", () => {
  let supervisor: StartedSupervisord
  let control: string
  const mail = {
    web: FakeSendmail.create(),
    tcp: FakeSendmail.create(),
    memmon: FakeSendmail.create()
  }
  let webBase: number
  let tcpBase: number

  const instances = (command: string) => ({
    command,
    numprocs: 3,
    process_name: "%(program_name)s_%(process_num)02d",
    startsecs: 1,
    stopwaitsecs: 2
  })

  beforeAll(async () => {
    control = mkdtempSync(join(tmpdir(), "groups-"))
    for (const dir of ["web", "tcpweb", "hog"]) mkdirSync(join(control, dir))
    webBase = await run(freePortBlock(3))
    tcpBase = await run(freePortBlock(3, { hundreds: true }))
    const sendmail = (fake: FakeSendmail.FakeSendmail) => `-m ops@example.com -s "${fake.command()}"`
    supervisor = await startSupervisord({
      programs: {
        web: instances(`${process.execPath} ${app} ${webBase} %(process_num)d ${join(control, "web")}`),
        tcpweb: instances(`${process.execPath} ${app} ${tcpBase} %(process_num)d ${join(control, "tcpweb")}`),
        hog: instances(`${process.execPath} ${hog} 5 0 ${join(control, "hog")}/%(process_num)d.grow 120`)
      },
      eventlisteners: {
        httpok_web: {
          command: `${superlance} httpok -t 2 -p web:* --port-base ${webBase} ${
            sendmail(mail.web)
          } http://127.0.0.1:{port}/health`,
          events: ["TICK_5"]
        },
        httpok_tcp: {
          command: `${superlance} httpok -t 2 --group tcpweb ${sendmail(mail.tcp)} tcp://127.0.0.1:${tcpBase / 100}{num}`,
          events: ["TICK_5"]
        },
        memmon: {
          command: `${superlance} memmon -p hog:*=100MB ${sendmail(mail.memmon)}`,
          events: ["TICK_5"]
        }
      },
      waitRunning: [
        ...["web", "tcpweb", "hog"].flatMap((group) => INSTANCES.map((n) => `${group}:${group}_${n}`)),
        "httpok_web",
        "httpok_tcp",
        "memmon"
      ]
    })
  }, 40_000)

  afterAll(async () => {
    await supervisor?.stop()
    for (const fake of Object.values(mail)) fake.remove()
    if (control !== undefined) rmSync(control, { recursive: true, force: true })
  })

  const pids = async (group: string) =>
    Object.fromEntries(
      await Promise.all(INSTANCES.map(async (n) => [n, (await run(supervisor.processInfo(`${group}:${group}_${n}`))).pid]))
    ) as Record<(typeof INSTANCES)[number], number>
  const restartedFrom = (namespec: string, pid: number) =>
    run(waitUntil(
      Effect.map(supervisor.processInfo(namespec), (info) => info.statename === "RUNNING" && info.pid !== pid),
      { timeout: 20_000, interval: 200, message: `${namespec} to be restarted` }
    ))
  const firstMail = async (fake: FakeSendmail.FakeSendmail) => {
    await run(waitUntil(Effect.map(fake.calls, (calls) => calls.length > 0), { timeout: 10_000 }))
    return (await run(fake.calls))[0]!.message
  }
  const touch = (file: string) => writeFileSync(join(control, file), "")

  it("-p web:* with {port}: the instance that answers 500 is restarted, the other two are left alone", async () => {
    const before = await pids("web")
    touch("web/1.500")
    await restartedFrom("web:web_01", before["01"])

    const message = await firstMail(mail.web)
    expect(message.subject).toBe("httpok: http://127.0.0.1:{port}/health: 1 of 3 processes failed")
    expect(message.text.trim()).toBe([
      `status contacting http://127.0.0.1:${webBase + 1}/health: 500 Internal Server Error`,
      "web:web_01 is in RUNNING state, restarting",
      "web:web_01 restarted"
    ].join("\n"))
    const after = await pids("web")
    expect(after["00"]).toBe(before["00"])
    expect(after["02"]).toBe(before["02"])
    expect((await run(supervisor.readLog("httpok_web", "stderr")))).not.toContain("web_00 is in RUNNING state, restarting")
  }, 40_000)

  it("--group tcpweb with tcp://…:<P>{num}: the instance that stops listening is restarted", async () => {
    const before = await pids("tcpweb")
    touch("tcpweb/2.close")
    await restartedFrom("tcpweb:tcpweb_02", before["02"])

    const message = await firstMail(mail.tcp)
    const url = `tcp://127.0.0.1:${tcpBase + 2}`
    expect(message.subject).toBe(`httpok: tcp://127.0.0.1:${tcpBase / 100}{num}: 1 of 3 processes failed`)
    expect(message.text.trim()).toMatch(new RegExp(
      `^error contacting ${url}:\\n\\n connection refused by 127\\.0\\.0\\.1:${tcpBase + 2} \\(\\d+ attempts in 2s\\)\\n` +
        "tcpweb:tcpweb_02 is in RUNNING state, restarting\\ntcpweb:tcpweb_02 restarted$"
    ))
    const after = await pids("tcpweb")
    expect(after["00"]).toBe(before["00"])
    expect(after["01"]).toBe(before["01"])
  }, 40_000)

  it("memmon -p hog:*=100MB: only the instance that grows past 100MB is restarted", async () => {
    const before = await pids("hog")
    touch("hog/0.grow")
    await restartedFrom("hog:hog_00", before["00"])

    const message = await firstMail(mail.memmon)
    expect(message.subject).toBe("memmon: process hog:hog_00 restarted")
    expect(message.text).toMatch(/^memmon\.py restarted the process named hog:hog_00 at .* \((\d+) bytes RSS\)/)
    const after = await pids("hog")
    expect(after["01"]).toBe(before["01"])
    expect(after["02"]).toBe(before["02"])
    const log = await run(supervisor.readLog("memmon", "stderr"))
    expect(log).toContain(`Checking programs hog:*=${100 * 1024 * 1024}`)
    expect(log).toMatch(/INFO RSS of hog:hog_01 is \d+$/m)
    expect(log).not.toContain("Restarting hog:hog_01")
  }, 40_000)
})
