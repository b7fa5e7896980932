/**
 * Start-up checks against a real supervisord whose socket has a username and password: wrong
 * or missing credentials stop a listener before its first READY (exit 2, one line), so that
 * supervisorctl shows it FATAL instead of a green RUNNING that does nothing; a missing socket
 * is an outage (a WARN, and the listener starts).
 */
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { bundle, runCli } from "../support/cli.js"
import { tick } from "../support/envelope.js"
import { driveListener } from "../support/listener.js"
import { untimed } from "../support/logLines.js"
import { startSupervisord, type StartedSupervisord } from "../support/supervisord.js"

const auth = { username: "ops", password: "s3cret" }
const memmon = `${process.execPath} ${bundle} memmon -p sleeper=1GB`

/** The plugins that talk to supervisord: memmon and httpok always, the others with --tail. */
const rpcUsers: ReadonlyArray<ReadonlyArray<string>> = [
  ["memmon", "-a", "1GB"],
  ["httpok", "-p", "sleeper", "http://127.0.0.1:9/"],
  ["crashmail", "--tail", "5"],
  ["crashmailbatch", "--tail", "5", "--webhook", "http://127.0.0.1:9/"]
]

describe("start-up checks under a real supervisord with a password", () => {
  let supervisor: StartedSupervisord

  beforeAll(async () => {
    supervisor = await startSupervisord({
      auth,
      programs: { sleeper: { command: "sleep 1000", startsecs: 0 } },
      eventlisteners: {
        // The fixture adds the right SUPERVISOR_USERNAME/SUPERVISOR_PASSWORD to its environment.
        rightpassword: { command: memmon, events: ["TICK_5"] },
        wrongpassword: {
          command: memmon,
          events: ["TICK_5"],
          environment: { SUPERVISOR_PASSWORD: "wrong" },
          // Any exit within 10 s is "too quickly", however slow the machine: one try, then FATAL.
          startsecs: 10,
          startretries: 0
        }
      },
      waitRunning: ["sleeper", "rightpassword"]
    })
  }, 30_000)

  afterAll(async () => {
    await supervisor?.stop()
  })

  const env = (password: string | undefined) => {
    const { SUPERVISOR_PASSWORD: _, SUPERVISOR_USERNAME: __, ...rest } = supervisor.listenerEnv("check")
    return password === undefined ? rest : { ...rest, SUPERVISOR_USERNAME: auth.username, SUPERVISOR_PASSWORD: password }
  }

  it("a wrong password: exit 2 and one line naming SUPERVISOR_USERNAME/SUPERVISOR_PASSWORD, no READY", async () => {
    for (const args of rpcUsers) {
      const run = await runCli(args, { env: env("wrong") })
      expect(run.code, args.join(" ")).toBe(2)
      expect(run.stdout, args.join(" ")).toBe("")
      expect(run.stderr).toBe(
        `${args[0]}: supervisord at ${supervisor.url} refused the credentials (HTTP 401): check SUPERVISOR_USERNAME and SUPERVISOR_PASSWORD against the username and password of its [unix_http_server] (or [inet_http_server])\n`
      )
    }
  }, 30_000)

  it("no credentials at all: the line says to set them with environment=", async () => {
    const run = await runCli(["memmon", "-a", "1GB"], { env: env(undefined) })
    expect(run.code).toBe(2)
    expect(run.stdout).toBe("")
    expect(run.stderr).toBe(
      `memmon: supervisord at ${supervisor.url} asks for a user name and password (HTTP 401): set SUPERVISOR_USERNAME and SUPERVISOR_PASSWORD with environment= in the [eventlistener:…] section\n`
    )
  })

  it("supervisorctl status: FATAL for the listener with the wrong password, RUNNING for the right one", async () => {
    await Effect.runPromise(supervisor.waitForState("wrongpassword", "FATAL", { timeout: 15_000 }))
    const status = await Effect.runPromise(supervisor.ctl("status"))
    expect(status.stdout).toMatch(/^wrongpassword\s+FATAL\s+Exited too quickly/m)
    expect(status.stdout).toMatch(/^rightpassword\s+RUNNING\s+pid \d+/m)
    const log = await Effect.runPromise(supervisor.readLog("wrongpassword", "stderr"))
    expect(log.trimEnd().split("\n")).toEqual([
      `memmon: supervisord at ${supervisor.url} refused the credentials (HTTP 401): check SUPERVISOR_USERNAME and SUPERVISOR_PASSWORD against the username and password of its [unix_http_server] (or [inet_http_server])`
    ])
  }, 30_000)

  it("the right password: READY, and a tick is handled through supervisord without a warning", async () => {
    const listener = driveListener(["memmon", "-p", "sleeper=1GB"], env(auth.password))
    await listener.ready
    expect(await listener.send(tick(5))).toBe("RESULT 2\nOK")
    expect(await listener.close()).toBe(0)
    const lines = untimed(listener.stderr().trimEnd().split("\n"))
    expect(lines).toContainEqual(expect.stringMatching(/^INFO RSS of sleeper:sleeper is \d+$/))
    expect(lines.filter((line) => !line.startsWith("INFO ") && !line.startsWith("DEBUG "))).toEqual([])
  }, 20_000)
})

describe("a socket missing at start is an outage, not a misconfiguration", () => {
  it("a WARN line, then READY, for every plugin that talks to supervisord", async () => {
    for (const args of rpcUsers) {
      const listener = driveListener(args, { SUPERVISOR_SERVER_URL: "unix:///nonexistent/supervisor.sock" })
      await listener.ready
      expect(await listener.close(), args.join(" ")).toBe(0)
      expect(untimed(listener.stderr().trimEnd().split("\n"))[0]).toBe(
        "WARN cannot reach supervisord at unix:///nonexistent/supervisor.sock: no such socket (supervisor.getState); going on: supervisord is asked again when an event needs it"
      )
    }
  }, 30_000)
})
