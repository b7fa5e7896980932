/**
 * `superlance --completions SHELL`, loaded into the real shells: bash always, fish and zsh where
 * installed. Each completes the commands under `superlance` and the options under every name.
 */
import { execFileSync, spawnSync } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { beforeAll, describe, expect, it } from "vitest"
import { runCli } from "../support/cli.js"

const oldNames = ["httpok", "crashmail", "memmon", "crashmailbatch", "fatalmailbatch", "crashsms"]
const commands = [...oldNames, "test-mail", "demo"]

const installed = (shell: string) => spawnSync(shell, ["-c", "exit 0"]).status === 0

const dir = mkdtempSync(join(tmpdir(), "completions-"))
const scripts: Record<string, string> = {}

beforeAll(async () => {
  for (const shell of ["bash", "zsh", "fish"]) {
    const run = await runCli(["--completions", shell])
    expect(run.code).toBe(0)
    expect(run.stderr).toBe("")
    scripts[shell] = join(dir, `superlance.${shell}`)
    writeFileSync(scripts[shell]!, run.stdout)
  }
})

/** The words bash offers for a command line (the last word is the one being completed). */
const bash = (line: ReadonlyArray<string>): ReadonlyArray<string> => {
  const words = line.map((word) => `'${word}'`).join(" ")
  const out = execFileSync("bash", ["-c", `
    source '${scripts.bash}'
    COMP_WORDS=(${words}); COMP_CWORD=${line.length - 1}
    $(complete -p "\${COMP_WORDS[0]##*/}" | sed -E 's/.* -F ([^ ]+) .*/\\1/')
    printf '%s\\n' "\${COMPREPLY[@]}"
  `], { encoding: "utf8" })
  return out.split("\n").filter((word) => word !== "")
}

const fish = (line: string): ReadonlyArray<string> =>
  execFileSync("fish", ["-c", `source '${scripts.fish}'; complete -C '${line}'`], { encoding: "utf8" })
    .split("\n").filter((row) => row !== "").map((row) => row.split("\t")[0]!)

const zshHarness = fileURLToPath(new URL("../support/zshComplete.zsh", import.meta.url))
const zsh = (line: string): ReadonlyArray<string> => {
  const out = execFileSync("zsh", [zshHarness, scripts.zsh!, line], { encoding: "utf8", timeout: 20_000 })
  return [...new Set([...out.matchAll(/^@@ (\S+)/gm)].map((m) => m[1]!))]
}

describe("superlance --completions", () => {
  it("names every command and every old command name, in each shell's script", () => {
    for (const shell of ["bash", "zsh", "fish"]) {
      const text = execFileSync("cat", [scripts[shell]!], { encoding: "utf8" })
      for (const name of commands) expect(text, `${shell}: ${name}`).toContain(name)
      expect(text).not.toContain("--wizard")
    }
  })

  it("bash: registered for superlance and each old name; commands, options and their values", () => {
    const registered = execFileSync("bash", ["-c", `source '${scripts.bash}'; complete -p`], { encoding: "utf8" })
    for (const name of ["superlance", ...oldNames]) expect(registered).toMatch(new RegExp(`-F _superlance ${name}$`, "m"))
    expect(bash(["superlance", ""])).toEqual(expect.arrayContaining(commands))
    expect(bash(["superlance", "te"])).toEqual(["test-mail"])
    expect([...bash(["httpok", "--g"])].sort()).toEqual(["--gcore", "--grace", "--group"])
    expect(bash(["/usr/local/bin/memmon", "--gr"])).toEqual(["--group", "--groupname", "--grace"])
    expect(bash(["superlance", "test-mail", "--sm"])).toEqual(["--smtpHost", "--smtpPort"])
    expect(bash(["crashsms", "--to"])).toEqual(["--toEmail"])
    expect(bash(["superlance", "--completions", ""])).toEqual(["bash", "zsh", "fish"])
    expect(bash(["crashmail", "--log-format", ""])).toEqual(["text", "json"])
  })

  it.skipIf(!installed("fish"))("fish: commands under superlance, options under every name", () => {
    expect(fish("superlance te")).toEqual(["test-mail"])
    expect([...fish("httpok --g")].sort()).toEqual(["--gcore", "--grace", "--group"])
    expect([...fish("superlance httpok --g")].sort()).toEqual(["--gcore", "--grace", "--group"])
    expect(fish("superlance test-mail --sm")).toEqual(["--smtpHost", "--smtpPort"])
    expect(fish("superlance --completions ")).toEqual(["bash", "fish", "zsh"])
  })

  it.skipIf(!installed("zsh"))("zsh: commands under superlance, options under every name", () => {
    expect(zsh("superlance te")).toEqual(["test-mail"])
    expect([...zsh("httpok --g")].sort()).toEqual(["--gcore", "--grace", "--group"])
    expect(zsh("superlance crashmailbatch --sm")).toEqual(["--smtpHost", "--smtpPort"])
  }, 60_000)
})
