import { describe, expect, it } from "vitest"
import { mkdtempSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { bundle, launcher, runCli } from "./support/cli.js"
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

describe("help, version and the original's abbreviations", () => {
  const oldNames = ["httpok", "crashmail", "memmon", "crashmailbatch", "fatalmailbatch", "crashsms"]
  const events: Record<string, string> = {
    httpok: "TICK_60",
    crashmail: "PROCESS_STATE_EXITED",
    memmon: "TICK_60",
    crashmailbatch: "PROCESS_STATE,TICK_60",
    fatalmailbatch: "PROCESS_STATE,TICK_60",
    crashsms: "PROCESS_STATE,TICK_60"
  }
  const bin = mkdtempSync(join(tmpdir(), "bin-"))
  for (const name of oldNames) symlinkSync(launcher, join(bin, name))
  const asOldName = (name: string, args: ReadonlyArray<string>) => runCli(args, { command: join(bin, name) })

  const expectReadableHelp = (run: { code: number | null; stdout: string; stderr: string }, what: string) => {
    expect(run.code, what).toBe(0)
    expect(run.stderr, what).toBe("")
    const lines = run.stdout.trimEnd().split("\n")
    expect(lines.filter((line) => line.length > 80), what).toEqual([])
    expect(run.stdout, what).not.toContain("\u001b")
    for (const noise of ["A user-defined piece of text.", "This setting is optional.", "--wizard", "A true or false value."]) {
      expect(run.stdout, what).not.toContain(noise)
    }
    return lines
  }

  it("prints one screen per command, ≤ 80 columns and without colour when piped, even with TERM set", async () => {
    const root = expectReadableHelp(await runCli(["--help"], { env: { TERM: "xterm-256color" } }), "superlance --help")
    expect(root[0]).toMatch(/^superlance \d+\.\d+\.\d+ - /)
    for (const name of [...oldNames, "test-mail", "demo"]) {
      const lines = expectReadableHelp(await runCli([name, "-h"], { env: { TERM: "xterm-256color" } }), name)
      expect(lines[0]).toMatch(new RegExp(`^superlance ${name} - \\S`))
      expect(lines.length, name).toBeLessThanOrEqual(80)
      expect(lines).not.toContain("--completions")
    }
  })

  it("under an old name: its name as the title, the sample section with the events= it needs", async () => {
    for (const name of oldNames) {
      const lines = expectReadableHelp(await asOldName(name, ["--help"]), name)
      expect(lines[0]).toMatch(new RegExp(`^${name} - \\S`))
      expect(lines.slice(-4)).toEqual([
        "In supervisord.conf:",
        `[eventlistener:${name}]`,
        expect.stringMatching(new RegExp(`^command=${name} \\S`)),
        `events=${events[name]}`
      ])
    }
  })

  it("says the same under superlance and under the old name, but for the name", async () => {
    const body = (text: string) => text.slice(text.indexOf("\n\n"))
    for (const name of oldNames) {
      const viaSuperlance = (await runCli([name, "--help"])).stdout
      const viaOldName = (await asOldName(name, ["-h"])).stdout
      expect(viaSuperlance.split("\n")[0]).toBe(`superlance ${viaOldName.split("\n")[0]}`)
      // Past the title, the name is where the usage line and the sample's command= say it.
      expect(body(viaSuperlance).replaceAll(`superlance ${name}`, name)).toBe(body(viaOldName))
    }
  })

  it("honours -h anywhere, as the original", async () => {
    const run = await asOldName("memmon", ["-p", "x=1MB", "-h", "--bogus"])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^memmon - /)
  })

  it("colours help only on a terminal, and not with NO_COLOR or TERM=dumb", async () => {
    // util-linux script(1) gives the command a pty as stdout.
    const onTty = async (env: Record<string, string>) => {
      const run = await runCli(["-qec", `node ${JSON.stringify(bundle)} httpok --help`, "/dev/null"], {
        command: "script",
        env: { TERM: "xterm", ...env }
      })
      expect(run.stdout).toContain("httpok options")
      return run.stdout
    }
    expect(await onTty({})).toContain("\u001b[1m")
    expect(await onTty({ NO_COLOR: "1" })).not.toContain("\u001b")
    expect(await onTty({ TERM: "dumb" })).not.toContain("\u001b")
  })

  it("prints --version as exactly one line", async () => {
    for (const run of [await runCli(["--version"]), await runCli(["memmon", "--version"]), await asOldName("httpok", ["--version"])]) {
      expect(run.code).toBe(0)
      expect(run.stdout).toBe(`${packageJson.version}\n`)
    }
  })

  it("reads an abbreviated long option as the original did, before our own options", async () => {
    // A missing value makes the error name the option the abbreviation was read as.
    const resolved = async (name: string, abbreviation: string) => (await asOldName(name, [abbreviation])).stderr
    expect(await resolved("httpok", "--g")).toBe("httpok: option --gcore requires an argument (see 'httpok --help')\n")
    expect(await resolved("memmon", "--g")).toBe("memmon: option --group requires an argument (see 'memmon --help')\n")
    expect(await resolved("crashmail", "--s")).toBe(
      "crashmail: option --sendmail_program requires an argument (see 'crashmail --help')\n"
    )
    expect((await asOldName("httpok", ["--he"])).stdout).toMatch(/^httpok - /)
  })

  it("rejects what superlance itself does not take, in one line", async () => {
    await expectUsageError(["--wizard"], /^superlance: no such option: --wizard /)
    await expectUsageError(["bogus"], /^superlance: no such command: bogus /)
    await expectUsageError(["--completions", "ksh"], /^superlance: option --completions: "ksh" is not one of bash, zsh, fish /)
    await expectUsageError(["httpok", "--completions", "bash"], /^httpok: no such option: --completions /)
  })
})
