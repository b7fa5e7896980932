// The cost of `--spool` per event during a crash storm while the mail server is down:
// crashmailbatch with `--spool` and a `--queue-limit` above the backlog, its SMTP host a
// closed port, driven as supervisord drives a listener (one PROCESS_STATE_EXITED event at a
// time: write it, wait for its RESULT and the next READY). First BACKLOG events fill the spool,
// then EVENTS more are timed: the per-event cost must not grow with what is already queued.
//
//   npm run build && node scripts/bench-spool.js [backlog] [events]
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { protocolReader } from "./protocolReader.js"

const BACKLOG = Number(process.argv[2] ?? 10_000)
const EVENTS = Number(process.argv[3] ?? 5_000)
const TARGET = 2_000

const here = path.dirname(fileURLToPath(import.meta.url))
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-spool-"))
const now = () => Number(process.hrtime.bigint()) / 1e6

/** A port nothing listens on: the mail server is down. */
const closedPort = () =>
  new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })

const crash = (serial) => {
  const payload = `processname:web${serial % 50} groupname:web from_state:RUNNING expected:0 pid:${10_000 + serial}`
  return `ver:3.0 server:supervisor serial:${serial} pool:crashmailbatch poolserial:${serial} eventname:PROCESS_STATE_EXITED len:${payload.length}\n${payload}`
}

/** Starts crashmailbatch (with `--spool` unless `spool` is false) and sends it the events. */
const measure = async (port, spool) => {
  const args = [
    "crashmailbatch", "--smtpHost", `127.0.0.1:${port}`, "-t", "ops@example.com", "-f", "sv@example.com",
    "--queue-limit", String(10 * (BACKLOG + EVENTS)), "--interval", "1", ...(spool ? ["--spool", dir] : [])
  ]
  const env = { ...process.env, SUPERVISOR_SERVER_URL: `unix://${dir}/supervisor.sock`, SUPERVISOR_PROCESS_NAME: "storm" }
  const child = spawn(path.join(here, "../bin/superlance.js"), args, { env, stdio: ["pipe", "pipe", "pipe"] })
  let stderr = ""
  child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr = (stderr + chunk).slice(-4000)))
  const exited = new Promise((resolve) => child.on("close", resolve))
  const read = protocolReader(child, () => stderr)
  const event = async (serial) => {
    child.stdin.write(crash(serial))
    await read("RESULT 2\nOK")
    await read("READY\n")
  }
  await read("READY\n")
  const run = async (from, count) => {
    const t0 = now()
    for (let serial = from; serial < from + count; serial++) await event(serial)
    return count / ((now() - t0) / 1000)
  }
  const filling = await run(1, BACKLOG)
  const timed = await run(BACKLOG + 1, EVENTS)
  // Every acknowledged event is in the file (SIGKILL cannot take back what was written).
  child.kill("SIGKILL")
  await exited
  const spooled = spool
    ? fs.readFileSync(path.join(dir, "crashmailbatch-storm.json"), "utf8").split("died unexpectedly").length - 1
    : undefined
  return { filling, timed, spooled }
}

try {
  const port = await closedPort()
  const withSpool = await measure(port, true)
  const inMemory = await measure(port, false)
  const met = withSpool.timed >= TARGET ? "met" : "NOT met"
  process.stdout.write([
    `crashmailbatch, mail server down (closed port), --queue-limit above the backlog; node ${process.version}, ${os.cpus().length} CPUs`,
    `| events                              | --spool DIR   | no --spool    |`,
    `|-------------------------------------|--------------:|--------------:|`,
    `| 1–${BACKLOG} (filling the backlog)`.padEnd(38) + `| ${withSpool.filling.toFixed(0).padStart(7)} ev/s  | ${inMemory.filling.toFixed(0).padStart(7)} ev/s  |`,
    `| ${BACKLOG + 1}–${BACKLOG + EVENTS} (${BACKLOG}-line backlog)`.padEnd(38) + `| ${withSpool.timed.toFixed(0).padStart(7)} ev/s  | ${inMemory.timed.toFixed(0).padStart(7)} ev/s  |`,
    `with --spool and a ${BACKLOG}-line backlog: ${withSpool.timed.toFixed(0)} events/s (target >= ${TARGET}: ${met})`,
    `alerts in the spool file after SIGKILL: ${withSpool.spooled} of ${BACKLOG + EVENTS} acknowledged`,
    ""
  ].join("\n"))
} finally {
  fs.rmSync(dir, { recursive: true, force: true })
}
