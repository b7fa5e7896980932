/** `superlance run` from the command line: what an operator sees before any event arrives. */
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { runCli } from "../support/cli.js"

const dir = mkdtempSync(join(tmpdir(), "superlance-run-cli-"))
const file = (name: string, text: string) => {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}
const listenerEnv = { SUPERVISOR_SERVER_URL: `unix://${dir}/none.sock`, SUPERVISOR_PROCESS_NAME: "superlance" }

const broken = file(
  "broken.toml",
  `[crashmail]
tiemout = 5
[memmon]
program = ["web=lots"]
`
)
const brokenLines = [
  `superlance run: ${broken}: [crashmail] tiemout: not an option of crashmail`,
  `superlance run: ${broken}: [memmon] program: "web=lots" is not NAME=SIZE (size like 200MB)`
]

describe("superlance run", () => {
  it("--check names every problem, one line each, exit 2", async () => {
    const run = await runCli(["run", "--check", broken])
    expect(run.stderr.trimEnd().split("\n")).toEqual(brokenLines)
    expect(run.stdout).toBe("")
    expect(run.code).toBe(2)
  })

  it("refuses to start on an invalid file the same way, before its first READY", async () => {
    const run = await runCli(["run", broken], { env: listenerEnv })
    expect(run.stderr.trimEnd().split("\n")).toEqual(brokenLines)
    expect(run.stdout).toBe("")
    expect(run.code).toBe(2)
  })

  it("a section that cannot start stops the listener at start, naming the section, exit 2", async () => {
    const notADirectory = file("spool", "")
    const config = file(
      "spool.toml",
      `[crashmail]
[[httpok]]
url = "http://127.0.0.1:8080/"
[[httpok]]
url = "http://127.0.0.1:8081/"
spool = "${notADirectory}"
`
    )
    const run = await runCli(["run", config], { env: listenerEnv })
    expect(run.stderr).toBe(`superlance run: [httpok 2] --spool: ${notADirectory} is not a directory\n`)
    expect(run.stdout).toBe("")
    expect(run.code).toBe(2)
  })

  it("needs supervisord's environment, as every listener", async () => {
    const run = await runCli(["run", file("ok.toml", "[crashmail]\n")])
    expect(run.stderr).toBe("superlance run must be run as a supervisor event listener\n")
    expect(run.code).toBe(1)
  })
})
