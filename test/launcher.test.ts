import * as Effect from "effect/Effect"
import { afterAll, describe, expect, it } from "vitest"
import { spawn } from "node:child_process"
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { bundle, launcher, runCli } from "./support/cli.js"
import { processState, tick } from "./support/envelope.js"
import * as FakeSendmail from "./support/fakeSendmail.js"
import { driveListener } from "./support/listener.js"
import * as Smtp from "./support/smtp.js"
import { waitUntil } from "./support/supervisord.js"

const dir = mkdtempSync(join(tmpdir(), "launcher-"))
const sendmail = FakeSendmail.create()
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
  sendmail.remove()
})

/** A command named like the bin links `npm install -g` makes. */
const installed = (name: string, target = launcher, where = dir) => {
  const link = join(where, name)
  if (!existsSync(link)) symlinkSync(target, link)
  return link
}

const blob = join(dirname(bundle), "snapshot", "superlance.blob")

/** Starts a command as supervisord would, and resolves with its pid and command line once READY. */
const startListener = (command: string, env: Record<string, string> = {}) => {
  const child = spawn(command, ["-m", "root"], {
    env: { ...process.env, SUPERVISOR_SERVER_URL: "unix:///nonexistent.sock", ...env }
  })
  let stdout = ""
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk
      if (stdout === "READY\n") resolve(readFileSync(`/proc/${child.pid}/cmdline`, "utf8").split("\0").join(" "))
    })
    child.on("close", (code) => reject(new Error(`exited ${code} before READY`)))
  })
  const closed = new Promise<number | null>((resolve) => child.on("close", resolve))
  return { child, ready, closed, stdout: () => stdout }
}

describe("the installed command (bin/superlance.js)", () => {
  it("starts node from the startup snapshot that npm run build made, as the listener's own process", async () => {
    expect(existsSync(blob)).toBe(true)
    const listener = startListener(installed("crashmail"))
    const cmdline = await listener.ready
    // exec, not a child: supervisord's SIGTERM reaches node itself.
    expect(cmdline).toMatch(/--snapshot-blob \S*\/dist\/snapshot\/superlance\.blob /)
    listener.child.kill("SIGTERM")
    expect(await listener.closed).toBe(0)
    expect(listener.stdout()).toBe("READY\n")
  })

  it("from the snapshot, behaves as the plugin it is named after: protocol on stdout, the crash mailed", async () => {
    const input = tick(60) + processState("EXITED", { name: "cat", expected: 0, pid: 7 }) + tick(5)
    const run = await runCli(["-m", "root", "-s", sendmail.command()], {
      command: installed("crashmail"),
      env: { SUPERVISOR_SERVER_URL: "unix:///nonexistent.sock" },
      input
    })
    expect(run.stderr).toMatch(/^\S+Z INFO unexpected exit of cat:cat, sending alert via mail$/m)
    expect(run.stdout).toBe("READY\n" + "RESULT 2\nOKREADY\n".repeat(3))
    expect(run.code).toBe(0)
    const calls = Effect.runSync(sendmail.calls)
    expect(calls.map((call) => call.message.subject)).toEqual([expect.stringMatching(/^cat crashed at /)])
  })

  it("from the snapshot, gives up on a mail server that never answers, and retries (its timers fire)", async () => {
    // The greeting timeout (10 s) is the first timer such a listener sets: due long after start.
    const smtp = await Smtp.start()
    smtp.fail({ _tag: "Stall", at: "connect" })
    const listener = driveListener(
      ["-m", "ops@example.com", "--smtpHost", `127.0.0.1:${smtp.port}`, "--fromEmail", "sv@example.com"],
      { SUPERVISOR_SERVER_URL: "unix:///nonexistent.sock" },
      installed("crashmail")
    )
    try {
      await listener.ready
      await listener.send(processState("EXITED", { name: "cat", expected: 0, pid: 7 }))
      await Effect.runPromise(waitUntil(() => /retrying in/.test(listener.stderr()), { timeout: 20_000 }))
      expect(listener.stderr()).toMatch(/could not send alert \(SMTP server 127\.0\.0\.1:\d+ did not answer in time with a greeting\)/)
    } finally {
      listener.child.kill("SIGKILL")
      await smtp.close()
    }
  }, 30_000)

  it("from the snapshot, reports usage errors and --version as the plain bundle does", async () => {
    const fromSnapshot = await runCli(["-p", "foo=abc"], { command: installed("memmon") })
    const plain = await runCli(["memmon", "-p", "foo=abc"])
    expect(fromSnapshot.code).toBe(2)
    expect(fromSnapshot.stderr).toBe(plain.stderr.replace("'superlance memmon --help'", "'memmon --help'"))
    const version = await runCli(["--version"], { command: installed("superlance") })
    expect(version.stdout).toBe((await runCli(["--version"])).stdout)
  })

  it("starts from the plain bundle when NODE_OPTIONS is set (V8 flags would not match the snapshot's)", async () => {
    const listener = startListener(installed("crashmail"), { NODE_OPTIONS: "--max-old-space-size=200" })
    const cmdline = await listener.ready
    expect(cmdline).not.toContain("--snapshot-blob")
    expect(cmdline).toContain(installed("crashmail"))
    listener.child.kill("SIGTERM")
    expect(await listener.closed).toBe(0)
  })

  it("starts from the plain bundle when the snapshot was made by another node binary", async () => {
    // A copy of the package whose snapshot claims to come from another binary.
    const copy = join(dir, "copy")
    mkdirSync(join(copy, "bin"), { recursive: true })
    mkdirSync(join(copy, "dist", "snapshot"), { recursive: true })
    copyFileSync(launcher, join(copy, "bin", "superlance.js"))
    symlinkSync(bundle, join(copy, "dist", "superlance.js"))
    symlinkSync(blob, join(copy, "dist", "snapshot", "superlance.blob"))
    symlinkSync("/bin/sh", join(copy, "dist", "snapshot", "node"))
    const listener = startListener(installed("crashmail", join(copy, "bin", "superlance.js"), copy))
    const cmdline = await listener.ready
    expect(cmdline).not.toContain("--snapshot-blob")
    listener.child.kill("SIGTERM")
    expect(await listener.closed).toBe(0)
  })

  it("still runs as JavaScript when started by node itself (`node …/bin/superlance.js crashmail`)", async () => {
    const run = await runCli([launcher, "crashmail", "--bogus"], { command: process.execPath })
    expect(run.code).toBe(2)
    expect(run.stderr).toBe("crashmail: no such option: --bogus (see 'superlance crashmail --help')\n")
  })
})
