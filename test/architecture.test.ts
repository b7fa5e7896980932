/** The folder rule of ARCHITECTURE.md: imports between the folders of src/ go one way. */
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { expect, it } from "vitest"

const script = fileURLToPath(new URL("../scripts/check-imports.js", import.meta.url))

it("src/ folders import only the folders below them, and no plugin imports another", () => {
  const run = spawnSync(process.execPath, [script], { encoding: "utf8" })
  expect(run.stderr).toBe("")
  expect(run.status).toBe(0)
})
