// memmon's cost per tick: 100 idle programs under a real supervisord, memmon
// `-a 1GB` (nothing is restarted) driven directly over stdin/stdout as supervisord drives a
// listener: one TICK at a time, timed from writing it to reading its RESULT. Beside it,
// supervisord's own share: the bare getAllProcessInfo round trip.
//
//   npm run build && npm run bench          (or: node scripts/bench-memmon.js [ticks] [programs])
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import { fileURLToPath } from "node:url"
import { protocolReader } from "./protocolReader.js"
import { startSupervisord } from "./supervisord.js"

const TICKS = Number(process.argv[2] ?? 50)
const PROGRAMS = Number(process.argv[3] ?? 100)
// A listener handles ticks for days: measure it warmed up, as it runs after its first minutes.
const WARMUP = 20
const TARGET_MS = 15

const bundle = fileURLToPath(new URL("../dist/superlance.js", import.meta.url))
if (!fs.existsSync(bundle)) {
  process.stderr.write(`${bundle} is missing: run 'npm run build' first\n`)
  process.exit(1)
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const now = () => Number(process.hrtime.bigint()) / 1e6

const sv = await startSupervisord(`[program:idle]
command=sleep 100000
numprocs=${PROGRAMS}
process_name=%(program_name)s_%(process_num)03d
startsecs=0
autorestart=false
stdout_logfile=NONE
stderr_logfile=NONE
`)
process.on("SIGINT", () => void sv.stop().then(() => process.exit(130)))
const call = sv.call

const waitFor = async (what, check, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return
    await sleep(100)
  }
  throw new Error(`timed out waiting for ${what}`)
}

// ---------------------------------------------------------------------------
// Measurements

const stats = (times) => {
  const sorted = [...times].sort((a, b) => a - b)
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
  return { median: at(0.5), p90: at(0.9), min: sorted[0] }
}

const measureRpc = async () => {
  for (let i = 0; i < WARMUP; i++) await call("supervisor.getAllProcessInfo")
  const times = []
  let size = 0
  for (let i = 0; i < TICKS; i++) {
    const t0 = now()
    size = (await call("supervisor.getAllProcessInfo")).length
    times.push(now() - t0)
  }
  return { ...stats(times), note: `${(size / 1024).toFixed(0)} KB answer` }
}

const envelope = (serial) => {
  const payload = `when:${Math.floor(Date.now() / 1000)}`
  return `ver:3.0 server:supervisor serial:${serial} pool:memmon poolserial:${serial} eventname:TICK_5 len:${payload.length}\n${payload}`
}

const measureMemmon = async (args) => {
  const child = spawn(process.execPath, [bundle, "memmon", ...args], {
    env: { ...process.env, SUPERVISOR_SERVER_URL: sv.url },
    stdio: ["pipe", "pipe", "pipe"]
  })
  let rssLines = 0
  let errors = ""
  child.stderr.setEncoding("utf8").on("data", (chunk) => {
    rssLines += chunk.split("\n").filter((line) => /^\S+Z INFO RSS of /.test(line)).length
    for (const line of chunk.split("\n")) if (/ERROR|Restarting/.test(line)) errors += `${line}\n`
  })
  const exited = new Promise((resolve) => child.on("close", resolve))
  const read = protocolReader(child, () => `memmon said: ${errors}`)

  await read("READY\n")
  const times = []
  for (let serial = 1; serial <= WARMUP + TICKS; serial++) {
    const t0 = now()
    child.stdin.write(envelope(serial))
    await read("RESULT 2\nOK")
    const t1 = now()
    await read("READY\n")
    if (serial > WARMUP) times.push(t1 - t0)
  }
  child.stdin.end()
  await exited
  if (errors !== "") process.stderr.write(`memmon ${args.join(" ")} said:\n${errors}`)
  return { ...stats(times), note: `${Math.round(rssLines / (WARMUP + TICKS))} processes checked per tick` }
}

// ---------------------------------------------------------------------------

try {
  await waitFor(`${PROGRAMS} programs RUNNING`, async () =>
    ((await call("supervisor.getAllProcessInfo")).match(/<string>RUNNING<\/string>/g) ?? []).length === PROGRAMS)

  const rows = [
    ["getAllProcessInfo round trip (supervisord's share)", await measureRpc()],
    ["memmon -a 1GB", await measureMemmon(["-a", "1GB"])],
    ["memmon -a 1GB -c", await measureMemmon(["-a", "1GB", "-c"])]
  ]
  const fmt = (ms) => ms.toFixed(2).padStart(7)
  const width = Math.max(...rows.map(([label]) => label.length))
  const lines = [
    `${PROGRAMS} idle programs, ${TICKS} ticks one at a time after ${WARMUP} warm-up; node ${process.version}, ${os.cpus().length} cores`,
    "",
    `| ${"case".padEnd(width)} | median ms |  p90 ms |  min ms | note`,
    `|${"-".repeat(width + 2)}|-----------|---------|---------|------`,
    ...rows.map(([label, s]) => `| ${label.padEnd(width)} |   ${fmt(s.median)} | ${fmt(s.p90)} | ${fmt(s.min)} | ${s.note}`),
    "",
    ...rows.slice(1).map(([label, s]) =>
      `${label}: median ${s.median.toFixed(2)} ms per tick, target <= ${TARGET_MS} ms: ${s.median <= TARGET_MS ? "met" : "NOT met"}`
    )
  ]
  process.stdout.write(`${lines.join("\n")}\n`)
} finally {
  await sv.stop()
}
