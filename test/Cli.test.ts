import { describe, expect, it } from "vitest"
import { mkdtempSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { launcher, runCli } from "./support/cli.js"
import { processState, tick } from "./support/envelope.js"
import { untimed } from "./support/logLines.js"
import packageJson from "../package.json" with { type: "json" }

const expectUsageError = async (args: ReadonlyArray<string>, message: RegExp) => {
  const run = await runCli(args)
  expect(run.code).toBe(2)
  expect(run.stdout).toBe("")
  const lines = run.stderr.trimEnd().split("\n")
  expect(lines).toHaveLength(1)
  expect(lines[0]).toMatch(message)
  expect(lines[0]).toMatch(/--help/)
  expect(run.stderr).not.toMatch(/\bat .*\.js:\d+/) // no stack trace
}

describe("the superlance command line", () => {
  it("rejects bad input with one line naming the problem, exit 2", async () => {
    await expectUsageError(["httpok", "-x", "http://localhost/"], /^httpok: no such option: -x /)
    await expectUsageError(["httpok", "-p", "web"], /^httpok: missing URL/)
    await expectUsageError(["memmon", "-p", "foo=abc"], /^memmon: -p\/--program: "foo=abc" is not NAME=SIZE/)
    await expectUsageError(["crashmailbatch", "--fromEmail=a@example.com"], /--toEmail is required/)
    await expectUsageError(["crashmailbatch", "--toEmail=a@example.com"], /--fromEmail is required/)
    await expectUsageError(["httpok", "-t", "abc", "http://localhost/"], /-t\/--timeout: "abc" is not a number of seconds/)
    await expectUsageError(["memmon", "-m", "ops@example.com"], /^memmon: no memory limit given: use -p\/--program NAME=SIZE/)
  })

  it("says a plugin must run under supervisord when SUPERVISOR_SERVER_URL is missing", async () => {
    const run = await runCli(["crashmail", "-m", "root"])
    expect(run.code).not.toBe(0)
    expect(run.stderr).toBe("crashmail must be run as a supervisor event listener\n")
    expect(run.stdout).toBe("")
  })

  it("reports option errors before the missing supervisord", async () => {
    const run = await runCli(["crashmail", "--bogus"])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/no such option: --bogus/)
  })

  it("behaves as the plugin when started under a plugin's name", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bin-"))
    symlinkSync(launcher, join(dir, "memmon"))
    const run = await runCli(["-p", "foo=abc"], { command: join(dir, "memmon") })
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/^memmon: -p\/--program: "foo=abc" is not NAME=SIZE .*'memmon --help'/)
  })

  it("prints --version and --help on stdout", async () => {
    const version = await runCli(["--version"])
    expect(version.code).toBe(0)
    expect(version.stdout.trim()).toBe(packageJson.version)
    const help = await runCli(["memmon", "-p", "x=1MB", "--help"])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain("--cumulative")
    expect(help.stderr).toBe("")
  })

  it("in listener mode writes nothing but protocol tokens on stdout, logs on stderr", async () => {
    const sendmail = "cat > /dev/null"
    const input = tick(60) + processState("EXITED", { name: "cat", expected: 0, pid: 7 }) + tick(60)
    const run = await runCli(["crashmail", "-m", "root", "-s", sendmail], {
      env: { SUPERVISOR_SERVER_URL: "unix:///nonexistent.sock" },
      input
    })
    expect(run.code).toBe(0)
    expect(run.stdout).toBe("READY\n" + "RESULT 2\nOKREADY\n".repeat(3))
    expect(untimed(run.stderr.trimEnd().split("\n"))).toEqual(["INFO unexpected exit of cat:cat, sending alert via mail"])
  })

  it("the alert's log line names the transports it goes to", async () => {
    const input = processState("EXITED", { name: "cat", expected: 0, pid: 7 })
    const env = { SUPERVISOR_SERVER_URL: "unix:///nonexistent.sock" }
    // Nothing listens on port 9: the webhook's retries are cut short by the end of stdin.
    const webhookOnly = await runCli(["crashmail", "--webhook", "http://127.0.0.1:9/"], { env, input })
    expect(untimed(webhookOnly.stderr.trimEnd().split("\n"))[0]).toBe("INFO unexpected exit of cat:cat, sending alert via webhook")
    const none = await runCli(["crashmail"], { env, input })
    expect(untimed(none.stderr.trimEnd().split("\n"))).toEqual([
      "INFO unexpected exit of cat:cat, no alert sent (no -m, --webhook or --alertmanager given)"
    ])
  })

  it("with --log-format json, writes one JSON object per line on stderr and only protocol tokens on stdout", async () => {
    const input = tick(60) + processState("EXITED", { name: "cat", expected: 0, pid: 7 }) + tick(60)
    const run = await runCli(["crashmail", "-m", "root", "-s", "cat > /dev/null", "--log-format", "json", "--log-level", "debug"], {
      env: { SUPERVISOR_SERVER_URL: "unix:///nonexistent.sock" },
      input
    })
    expect(run.code).toBe(0)
    expect(run.stdout).toBe("READY\n" + "RESULT 2\nOKREADY\n".repeat(3))
    const records = run.stderr.trimEnd().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(records.length).toBeGreaterThanOrEqual(2)
    for (const record of records) {
      expect(record).toMatchObject({ time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) })
      expect(["DEBUG", "INFO", "WARN", "ERROR", "FATAL"]).toContain(record.level)
      expect(typeof record.message).toBe("string")
    }
    expect(records).toContainEqual(
      expect.objectContaining({ level: "INFO", message: "unexpected exit of cat:cat, sending alert via mail" })
    )
  })

  it("refuses an unknown --log-format in one plain line, exit 2", async () => {
    await expectUsageError(["crashmail", "--log-format", "xml"], /^crashmail: --log-format: "xml" is not text or json/)
  })

  it("exits 1 with one clear line when the stream is out of step", async () => {
    const run = await runCli(["crashmail"], {
      env: { SUPERVISOR_SERVER_URL: "unix:///nonexistent.sock" },
      input: tick(5) + "this is not a header\n"
    })
    expect(run.code).toBe(1)
    expect(run.stdout).toBe("READY\nRESULT 2\nOKREADY\n")
    expect(run.stderr.trimEnd().split("\n")).toHaveLength(1)
    expect(untimed(run.stderr.trimEnd().split("\n"))[0]).toMatch(/^FATAL event header out of step with supervisord: "this is not a header"/)
  })

  it("exits 1 when stdin closes inside a payload", async () => {
    const run = await runCli(["crashmail"], {
      env: { SUPERVISOR_SERVER_URL: "unix:///nonexistent.sock" },
      input: tick(5).slice(0, -2)
    })
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/stdin ended inside the payload of TICK_5/)
  })

  it("stops cleanly with exit 0 on SIGTERM", async () => {
    const { spawn } = await import("node:child_process")
    const { bundle } = await import("./support/cli.js")
    const child = spawn(process.execPath, [bundle, "crashmail"], {
      env: { ...process.env, SUPERVISOR_SERVER_URL: "unix:///nonexistent.sock" }
    })
    let stdout = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()))
    child.kill("SIGTERM")
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve))
    expect(code).toBe(0)
    expect(stdout).toBe("READY\n")
  })
})
