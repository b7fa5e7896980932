// A memory hog for the memmon tests: holds about MB megabytes of touched memory (default 60) and
// sleeps. With a second argument K it first starts K children holding as much each (for the
// cumulative view). Prints "ready <pid> [<child pids>]" once all the memory is in use.
//
//   node hog.mjs [MB] [K]
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

const mb = Number(process.argv[2] ?? 60)
const kids = Number(process.argv[3] ?? 0)
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
