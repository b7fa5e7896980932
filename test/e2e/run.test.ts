/**
 * `superlance run` end to end: one listener under a real supervisord runs two httpok sections,
 * memmon and crashmail from one TOML file, mailing a real SMTP server through one shared
 * delivery. Each section acts as its own listener would; a slow httpok check (a server that
 * answers after 5 s) delays neither crashmail's acknowledgement nor its mail.
 */
import { Effect } from "effect"
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import * as http from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { bundle, runCli } from "../support/cli.js"
import * as HttpFixture from "../support/http.js"
import * as Smtp from "../support/smtp.js"
import { freePort, startSupervisord, type StartedSupervisord, waitUntil } from "../support/supervisord.js"

const app = fileURLToPath(new URL("programs/healthApp.mjs", import.meta.url))
const hog = fileURLToPath(new URL("programs/hog.mjs", import.meta.url))
const MB = 1024 * 1024

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)

/** A health URL that answers well, but only after 5 s; it counts the requests it got and answered. */
const slowServer = async () => {
  const counts = { requested: 0, answered: 0 }
  const server = http.createServer((_request, response) => {
    counts.requested++
    setTimeout(() => {
      counts.answered++
      response.end("ok\n")
    }, 5_000)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  return {
    counts,
    url: `http://127.0.0.1:${port}/slow`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

const get = (url: string) =>
  new Promise<string>((resolve, reject) => {
    http.get(url, (response) => {
      let body = ""
      response.setEncoding("utf8").on("data", (chunk: string) => (body += chunk)).on("end", () => resolve(body))
    }).on("error", reject)
  })

describe("superlance run under a real supervisord", () => {
  let supervisor: StartedSupervisord
  let smtp: Awaited<ReturnType<typeof Smtp.start>>
  let slow: Awaited<ReturnType<typeof slowServer>>
  let heartbeat: Awaited<ReturnType<typeof HttpFixture.start>>
  let dir: string
  let configPath: string
  let webUrl: string

  beforeAll(async () => {
    smtp = await Smtp.start()
    slow = await slowServer()
    heartbeat = await HttpFixture.start()
    const webPort = await run(freePort)
    webUrl = `http://127.0.0.1:${webPort}/health`
    dir = mkdtempSync(join(tmpdir(), "superlance-run-"))
    configPath = join(dir, "superlance.toml")
    writeFileSync(
      configPath,
      `# shared by every section whose plugin has these options
email = "ops@example.com"
fromEmail = "superlance@example.com"
smtpHost = "127.0.0.1:${smtp.port}"
spool = "${join(dir, "spool")}"
# process-wide: once a minute on a TICK
heartbeat = "${heartbeat.url("/ping")}"

[[httpok]]
url = "${webUrl}"
program = ["web"]
timeout = 2

[[httpok]]
url = "${slow.url}"
timeout = 10

[memmon]
program = ["hog=20MB"]

[crashmail]
program = ["crasher"]
`
    )
    supervisor = await startSupervisord({
      programs: {
        web: { command: `${process.execPath} ${app} ${webPort}`, startsecs: 1, stopwaitsecs: 2 },
        hog: { command: `${process.execPath} ${hog} 60`, startsecs: 1, stopwaitsecs: 5 },
        // Started by the tests: up for 1 s (RUNNING), then exits 3, which supervisord did not expect.
        crasher: { command: "sh -c 'sleep 2; exit 3'", autostart: false, autorestart: false, startsecs: 1 }
      },
      eventlisteners: {
        superlance: {
          command: `${process.execPath} ${bundle} run ${configPath}`,
          events: ["PROCESS_STATE_EXITED", "TICK_5"]
        }
      },
      waitRunning: ["web", "hog", "superlance"]
    })
  }, 30_000)

  afterAll(async () => {
    await supervisor?.stop()
    await slow?.close()
    await heartbeat?.close()
    await smtp?.close()
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  })

  const mailsAbout = (subject: RegExp) => smtp.messages().filter((m) => subject.test(m.subject ?? ""))
  const waitForMail = (subject: RegExp, timeout: number) =>
    run(waitUntil(() => mailsAbout(subject).length > 0, { timeout, interval: 50, message: `a mail about ${subject}` }))
  const log = () => run(supervisor.readLog("superlance", "stderr"))

  it("--check validates the file by hand and prints the events= line", async () => {
    const checked = await runCli(["run", "--check", configPath])
    expect(checked.stderr).toBe("")
    expect(checked.stdout).toBe("events=PROCESS_STATE_EXITED,TICK_60\n")
    expect(checked.code).toBe(0)
  })

  it("a slow httpok check delays neither crashmail's acknowledgement nor its mail", async () => {
    // A check of the slow URL is under way: it holds its section for 5 s.
    await run(waitUntil(() => slow.counts.requested > slow.counts.answered, { timeout: 10_000, message: "a slow check" }))
    const checking = slow.counts.requested
    // Up for 1 s (startProcess returns then), then it crashes.
    await run(supervisor.rpc("supervisor.startProcess", "crasher"))
    await waitForMail(/crasher crashed at/, 10_000)
    // Mailed while that check still waits for its answer: the crash did not wait for the check.
    expect(slow.counts.answered).toBeLessThan(checking)
    const [mail] = mailsAbout(/crasher crashed at/)
    expect(mail!.text).toContain("Process crasher in group crasher exited unexpectedly")
  }, 30_000)

  it("each section acts: httpok restarts the program whose URL fails, memmon the hog, crashmail mails", async () => {
    const web = await run(supervisor.processInfo("web"))
    expect(await get(webUrl)).toMatch(/^ok/)
    await get(`http://127.0.0.1:${new URL(webUrl).port}/hang`)
    await run(waitUntil(
      Effect.map(supervisor.processInfo("web"), (info) => info.statename === "RUNNING" && info.pid !== web.pid),
      { timeout: 20_000, interval: 200, message: "web to be restarted" }
    ))
    await waitForMail(new RegExp(`^httpok: ${webUrl.replace(/[.?]/g, "\\$&")}: bad status returned$`), 10_000)
    const [report] = mailsAbout(/^httpok: /)
    expect(report!.text).toContain("web is in RUNNING state, restarting")

    await waitForMail(/^memmon: process hog:hog restarted$/, 20_000)
    const [restarted] = mailsAbout(/^memmon: /)
    const rss = Number(/\((\d+) bytes RSS\)/.exec(restarted!.text)?.[1])
    expect(rss).toBeGreaterThan(60 * MB)
    // Every mail went through the one SMTP server, from the shared fromEmail.
    expect(new Set(smtp.messages().map((m) => m.envelopeFrom))).toEqual(new Set(["superlance@example.com"]))

    // One heartbeat for the listener, not one per section (that would be 4 at the first TICK): a ping
    // on the first TICK of each clock minute, and this test spans at most two minute boundaries.
    const pings = heartbeat.requests().map((r) => r.path)
    expect(pings.length).toBeGreaterThanOrEqual(1)
    expect(pings.length).toBeLessThanOrEqual(3)
    expect(new Set(pings)).toEqual(new Set(["/ping"]))

    // Log lines and spool files name their section.
    const lines = await log()
    expect(lines).toMatch(/^\S+ INFO \[httpok 1\] error contacting /m)
    expect(lines).toMatch(/^\S+ INFO \[memmon\] Restarting hog:hog$/m)
    expect(lines).toMatch(/^\S+ INFO \[crashmail\] unexpected exit of crasher:crasher, sending alert via mail$/m)
    expect(lines).not.toMatch(/\[httpok 2\] .*error contacting/)
    expect(readdirSync(join(dir, "spool")).sort()).toEqual(
      expect.arrayContaining(["crashmail-superlance.json", "httpok-1-superlance.json", "memmon-superlance.json"])
    )
  }, 60_000)
})
