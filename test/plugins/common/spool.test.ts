/**
 * `--spool DIR` at start, with the built CLI: a missing directory is made, one that cannot be
 * made or written is a misconfiguration (exit 2, one line naming the path, before any READY), so
 * that supervisord shows the listener failing instead of a green RUNNING that would lose alerts.
 */
import { chmodSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { runCli } from "../../support/cli.js"
import { processState } from "../../support/envelope.js"
import { readSpool } from "../../support/spool.js"

const env = { SUPERVISOR_SERVER_URL: "unix:///nonexistent.sock", SUPERVISOR_PROCESS_NAME: "mailer" }
const crash = processState("EXITED", { name: "cat", expected: 0, pid: 7 })
// Mail that cannot go anywhere: what is queued stays in the spool.
const crashmail = (spool: string) => ["crashmail", "-a", "-m", "root", "-s", "exit 75", "--spool", spool]
const batch = (spool: string) => ["crashmailbatch", "-t", "root@example.com", "-f", "sv@example.com", "-H", "127.0.0.1:1", "--spool", spool]

const expectUnusable = async (args: ReadonlyArray<string>, path: string) => {
  const run = await runCli(args, { env, input: crash })
  expect(run.code).toBe(2)
  expect(run.stdout).toBe("") // not even READY
  const lines = run.stderr.trimEnd().split("\n")
  expect(lines).toHaveLength(1)
  expect(lines[0]).toContain(path)
  expect(lines[0]).toMatch(/^(crashmail|crashmailbatch|httpok): --spool: /)
  return lines[0]
}

describe("--spool DIR at start", () => {
  it("makes a missing directory (mode 0700) when its parent exists, and keeps the queue there", async () => {
    const spool = join(mkdtempSync(join(tmpdir(), "spool-")), "superlance")
    const run = await runCli(crashmail(spool), { env, input: crash, timeoutMs: 20_000 })
    expect(run.stdout).toBe("READY\nRESULT 2\nOKREADY\n")
    expect(run.code).toBe(0)
    expect(statSync(spool).mode & 0o777).toBe(0o700)
    expect(readSpool(join(spool, "crashmail-mailer.json")).entries).toHaveLength(1)
  }, 30_000)

  it("exits 2 naming the path when the directory cannot be made (no parent)", async () => {
    const spool = join(mkdtempSync(join(tmpdir(), "spool-")), "missing", "superlance")
    expect(await expectUnusable(crashmail(spool), spool)).toMatch(/cannot create .*: no such file or directory$/)
    await expectUnusable(batch(spool), spool)
  })

  it("exits 2 naming the path when it cannot be written (a file where the directory should be)", async () => {
    const spool = join(mkdtempSync(join(tmpdir(), "spool-")), "not-a-directory")
    writeFileSync(spool, "")
    expect(await expectUnusable(crashmail(spool), spool)).toBe(`crashmail: --spool: ${spool} is not a directory`)
    await expectUnusable(["httpok", "-p", "web", "--spool", spool, "http://127.0.0.1:1/"], spool)
    // The directory is fine, but the listener's file in it cannot be used.
    const dir = mkdtempSync(join(tmpdir(), "spool-"))
    mkdirSync(join(dir, "crashmail-mailer.json"))
    await expectUnusable(crashmail(dir), join(dir, "crashmail-mailer.json"))
  })

  it.skipIf(process.getuid?.() === 0)("exits 2 naming the path when the directory is read-only", async () => {
    const spool = mkdtempSync(join(tmpdir(), "spool-"))
    chmodSync(spool, 0o500)
    await expectUnusable(batch(spool), spool)
  })
})
