/** The library example in docs/library.md, run as written against the built package. */
import { spawn } from "node:child_process"
import { readFileSync, rmSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { expect, it } from "vitest"
import { processState } from "./support/envelope.js"

const root = fileURLToPath(new URL("../", import.meta.url))

const example = (): string => {
  const page = readFileSync(`${root}docs/library.md`, "utf8")
  const code = /```js\n([\s\S]*?)```/.exec(page)?.[1]
  if (code === undefined) throw new Error("no js example in docs/library.md")
  return code
}

it("the library example in docs/library.md runs as a listener", async () => {
  // Inside the package, so that `import "superlance"` resolves to this package itself.
  const file = `${root}.readme-example-${process.pid}.mjs`
  writeFileSync(file, example())
  try {
    const child = spawn(process.execPath, [file], { stdio: ["pipe", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    child.stdin.end(
      processState("FATAL", { name: "web", group: "shop", from: "BACKOFF" }) +
        processState("RUNNING", { name: "db", pid: 3 })
    )
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve))
    expect(code).toBe(0)
    expect(stdout).toBe("READY\n" + "RESULT 2\nOKREADY\n".repeat(2))
    expect(stderr).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ WARN shop:web gave up starting\n$/)
  } finally {
    rmSync(file, { force: true })
  }
})
