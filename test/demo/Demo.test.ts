import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { bundle, runCli } from "../support/cli.js"

describe("superlance demo", () => {
  it("says how to get supervisord when it is not on PATH", async () => {
    const run = await runCli(["demo"], { env: { PATH: "/nonexistent" } })
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/needs supervisord: install it with `apt-get install supervisor` or `pip install supervisor`/)
  })

  it("runs a real supervisord, shows a crash mail live, and stops cleanly on Ctrl-C", async () => {
    const child = spawn(process.execPath, [bundle, "demo"], { stdio: ["ignore", "pipe", "pipe"] })
    let output = ""
    child.stdout.setEncoding("utf8")
    const crashMail = new Promise<void>((resolve) =>
      child.stdout.on("data", (chunk: string) => {
        output += chunk
        if (/✉ {2}to ops@demo\.local: crasher crashed at /.test(output)) resolve()
      })
    )
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve))
    await crashMail
    const dir = /supervisord in (\S+),/.exec(output)?.[1]
    expect(dir).toBeDefined()
    expect(output).toMatch(/crasher:crasher +RUNNING \(pid \d+\)/)
    child.kill("SIGINT")
    expect(await exited).toBe(0)
    expect(existsSync(dir!)).toBe(false)
  }, 40_000)
})
