/**
 * httpok end to end: the built CLI as a real supervisord's TICK_5 listeners.
 * - `httpok` watches `web` (a small HTTP program) and mails through a fake sendmail;
 * - `httpok_lazy` (`-E`) watches `idle`, which is not started, and checks a test HTTP server;
 * - `httpok_far` watches `web2` but reaches supervisord through a proxy socket the test can
 *   take away and bring back, as if supervisord went away for a while.
 * They share one supervisord and its ticks; the tests run one after another.
 */
import { Effect } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import * as http from "node:http"
import * as net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { bundle } from "../support/cli.js"
import * as FakeSendmail from "../support/fakeSendmail.js"
import * as HttpFixture from "../support/http.js"
import { freePort, startSupervisord, type StartedSupervisord, waitUntil } from "../support/supervisord.js"

const app = fileURLToPath(new URL("programs/healthApp.mjs", import.meta.url))
const httpok = `${process.execPath} ${bundle} httpok`

/** A UNIX socket that forwards to supervisord's while it is up; `down` makes it vanish. */
const socketProxy = async (path: string, target: () => string | undefined) => {
  const open = new Set<net.Socket>()
  let server: net.Server | undefined
  const up = () =>
    new Promise<void>((resolve) => {
      server = net.createServer((client) => {
        // Not known yet while supervisord starts its listeners: as if it were not answering.
        const to = target()
        if (to === undefined) return client.destroy()
        const upstream = net.connect(to)
        for (const socket of [client, upstream]) {
          open.add(socket)
          socket.on("close", () => open.delete(socket))
          socket.on("error", () => {
            client.destroy()
            upstream.destroy()
          })
        }
        client.pipe(upstream).pipe(client)
      })
      server.listen(path, resolve)
    })
  const down = () =>
    new Promise<void>((resolve) => {
      for (const socket of open) socket.destroy()
      if (server === undefined) return resolve()
      server.close(() => resolve())
      server = undefined
    })
  await up()
  return { up, down }
}

const get = (url: string) =>
  new Promise<string>((resolve, reject) => {
    http.get(url, (response) => {
      let body = ""
      response.setEncoding("utf8").on("data", (chunk: string) => (body += chunk)).on("end", () => resolve(body))
    }).on("error", reject)
  })

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)

describe("httpok under a real supervisord", () => {
  let supervisor: StartedSupervisord
  let sendmail: ReturnType<typeof FakeSendmail.create>
  let probed: Awaited<ReturnType<typeof HttpFixture.start>>
  let proxy: Awaited<ReturnType<typeof socketProxy>>
  let proxyDir: string
  let webPort: number
  let web2Port: number

  beforeAll(async () => {
    sendmail = FakeSendmail.create()
    probed = await HttpFixture.start()
    webPort = await run(freePort)
    web2Port = await run(freePort)
    proxyDir = mkdtempSync(join(tmpdir(), "httpok-proxy-"))
    const proxySocket = join(proxyDir, "sv.sock")
    proxy = await socketProxy(proxySocket, () => supervisor?.socketPath)
    supervisor = await startSupervisord({
      programs: {
        web: { command: `${process.execPath} ${app} ${webPort}`, startsecs: 1, stopwaitsecs: 2 },
        web2: { command: `${process.execPath} ${app} ${web2Port}`, startsecs: 1, stopwaitsecs: 2 },
        idle: { command: "sleep 1000", autostart: false, startsecs: 1 }
      },
      eventlisteners: {
        httpok: {
          command: `${httpok} -t 2 -p web -m ops@example.com -s "${sendmail.command()}" http://127.0.0.1:${webPort}/health`,
          events: ["TICK_5"]
        },
        httpok_lazy: {
          command: `${httpok} --log-level debug -E -t 2 -p idle ${probed.url("/lazy")}`,
          events: ["TICK_5"]
        },
        httpok_far: {
          command: `${httpok} -t 2 -p web2 http://127.0.0.1:${web2Port}/health`,
          events: ["TICK_5"],
          environment: { SUPERVISOR_SERVER_URL: `unix://${proxySocket}` }
        }
      },
      waitRunning: ["web", "web2", "httpok", "httpok_lazy", "httpok_far"]
    })
  }, 30_000)

  afterAll(async () => {
    await supervisor?.stop()
    await proxy?.down()
    await probed?.close()
    sendmail?.remove()
    if (proxyDir !== undefined) rmSync(proxyDir, { recursive: true, force: true })
  })

  const pidOf = async (name: string) => (await run(supervisor.processInfo(name))).pid
  const restartedFrom = (name: string, pid: number, timeout: number) =>
    run(waitUntil(
      Effect.map(supervisor.processInfo(name), (info) => info.statename === "RUNNING" && info.pid !== pid),
      { timeout, interval: 200, message: `${name} to be restarted` }
    ))
  const logSays = (listener: string, text: string, timeout: number) =>
    run(waitUntil(
      Effect.map(supervisor.readLog(listener, "stderr"), (log) => log.includes(text)),
      { timeout, interval: 200, message: `${listener}'s log to say "${text}"` }
    ))

  it("restarts a program whose health URL hangs, and mails the report", async () => {
    const url = `http://127.0.0.1:${webPort}/health`
    expect(await get(url)).toMatch(/^ok/)
    const before = await pidOf("web")
    const listener = await pidOf("httpok")
    await get(`http://127.0.0.1:${webPort}/hang`)

    // The next TICK_5 (within 5 s), 2 s of waiting, then the restart.
    await restartedFrom("web", before, 15_000)
    expect(await get(url)).toMatch(/^ok/)
    await run(waitUntil(Effect.map(sendmail.calls, (calls) => calls.length > 0), { timeout: 10_000 }))

    const [call] = await run(sendmail.calls)
    expect(call!.message.header("to")).toBe("ops@example.com")
    expect(call!.message.subject).toBe(`httpok: ${url}: bad status returned`)
    expect(call!.message.text.trim()).toBe([
      `error contacting ${url}:`,
      "",
      " no complete response within 2s",
      "Restarting selected processes ['web']",
      "web is in RUNNING state, restarting",
      "web restarted"
    ].join("\n"))
    const log = await run(supervisor.readLog("httpok", "stderr"))
    expect(log).toMatch(/^\S+Z INFO web is in RUNNING state, restarting\n\S+Z INFO web restarted$/m)
    expect(await pidOf("httpok")).toBe(listener)
  }, 40_000)

  it("-E: no request while the watched program is stopped; checks once it runs", async () => {
    // Ticks have come and gone while the other test ran.
    await logSays("httpok_lazy", "no watched process is RUNNING, not checking (-E)", 10_000)
    expect(probed.requests()).toEqual([])
    await run(supervisor.ctl("start", "idle"))
    await run(probed.waitForRequests(1, "10 seconds"))
    expect(probed.requests()[0]).toMatchObject({ method: "GET", path: "/lazy" })
  }, 30_000)

  it("supervisord gone for a while: the tick is still acknowledged, the failure logged, and the next tick acts", async () => {
    const before = await pidOf("web2")
    const listener = await pidOf("httpok_far")
    await proxy.down()
    await get(`http://127.0.0.1:${web2Port}/hang`)

    await logSays("httpok_far", "Exception retrieving process info cannot reach supervisord", 15_000)
    expect(await pidOf("web2")).toBe(before)
    await proxy.up()

    // Only a listener that acknowledged its ticks gets the next one.
    await restartedFrom("web2", before, 15_000)
    await logSays("httpok_far", "web2 restarted", 5_000)
    expect(await pidOf("httpok_far")).toBe(listener)
  }, 40_000)
})
