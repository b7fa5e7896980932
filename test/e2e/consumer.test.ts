/**
 * superlance as a library in an Effect project: scripts/consumer-check.sh installs
 * the packed package next to the oldest effect and @effect/* releases its peer range allows,
 * type-checks docs/library.md's example with `tsc --strict` and compiles it; here the example
 * then runs as a listener under a real supervisord, asking it why a process gave up.
 */
import { spawn, spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import { afterAll, expect, it } from "vitest"
import { processState } from "../support/envelope.js"
import { startSupervisord } from "../support/supervisord.js"

const root = fileURLToPath(new URL("../../", import.meta.url))
const dir = mkdtempSync(join(tmpdir(), "consumer-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

it("the library example in docs/library.md type-checks and runs against the oldest Effect the package allows", async () => {
  const check = spawnSync(join(root, "scripts/consumer-check.sh"), [dir], { encoding: "utf8" })
  expect(check.stderr + check.stdout).toMatch(/the library example type-checks/)
  expect(check.status).toBe(0)
  // The commands need nothing installed: the package declares no dependencies, only optional peers.
  const installed = JSON.parse(readFileSync(join(dir, "node_modules/superlance/package.json"), "utf8"))
  expect(installed.dependencies).toBeUndefined()

  const sv = await startSupervisord({ programs: { web: { command: "false", startsecs: 1, startretries: 0 } } })
  try {
    await Effect.runPromise(sv.waitForState("web", "FATAL"))
    const child = spawn(process.execPath, [join(dir, "example.js")], { env: { ...process.env, ...sv.env } })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    child.stdin.end(
      processState("FATAL", { name: "web", from: "BACKOFF" }) + processState("RUNNING", { name: "db", pid: 3 })
    )
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve))
    expect(stderr).toMatch(/^\S+Z WARN web:web gave up starting: Exited too quickly \(process log may have details\)\n$/)
    expect(stdout).toBe("READY\n" + "RESULT 2\nOKREADY\n".repeat(2))
    expect(code).toBe(0)
  } finally {
    await sv.stop()
  }
}, 180_000)
