// A memory hog for the memmon tests: holds about MB megabytes of touched memory (default 60) and
// sleeps. With a second argument K it first starts K children holding as much each (for the
// cumulative view). Prints "ready <pid> [<child pids>]" once all the memory is in use. With
// GROW_FILE and GROW_MB, it takes GROW_MB more as soon as GROW_FILE exists (and removes the file,
// so that the process started in its place stays small).
//
//   node hog.mjs [MB] [K] [GROW_FILE GROW_MB]
import { spawn } from "node:child_process"
import { existsSync, rmSync } from "node:fs"
import { fileURLToPath } from "node:url"

const mb = Number(process.argv[2] ?? 60)
const kids = Number(process.argv[3] ?? 0)
const [growFile, growMb] = process.argv.slice(4)
// fill() touches every page: an untouched allocation would not show in RSS.
const held = Buffer.alloc(mb * 1024 * 1024).fill(1)

const startChild = () =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), String(mb), "0"], {
      stdio: ["ignore", "pipe", "inherit"]
    })
    child.stdout.setEncoding("utf8").once("data", () => resolve(child))
    child.once("error", reject)
  })

const children = []
for (let i = 0; i < kids; i++) children.push(await startChild())

const stop = () => {
  for (const child of children) child.kill("SIGTERM")
  process.exit(0)
}
process.on("SIGTERM", stop)
process.on("SIGINT", stop)

process.stdout.write(`ready ${process.pid} ${children.map((c) => c.pid).join(" ")}\n`.replace(/ \n$/, "\n"))
setInterval(() => {
  held[0] = (held[0] + 1) % 256
}, 60_000)

const grown = []
if (growFile !== undefined) {
  setInterval(() => {
    if (!existsSync(growFile)) return
    rmSync(growFile, { force: true })
    grown.push(Buffer.alloc(Number(growMb) * 1024 * 1024).fill(1))
    process.stdout.write(`grown by ${growMb} MB\n`)
  }, 100)
}
