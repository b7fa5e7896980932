// Start-up, throughput and memory of a listener (issue 6 §3), each measured side by side in the
// same run against a bare Node listener (scripts/bare-listener.js) and printed as a ratio.
// crashmail is started the way supervisord starts it, through the installed command: a link
// named `crashmail` to bin/superlance.js, as `npm install -g` makes. Both are driven as
// supervisord drives a listener: write one event, wait for its RESULT and the next READY.
//
//   npm run build && node scripts/bench-listener.js [startups] [events]
//
// Events are timed with this driver pinned to one CPU and the listeners either on the same CPU
// or on another (taskset). A pipe round trip costs ~20 µs between processes on one CPU and ~80 µs
// across CPUs on the 2-core VMs this runs on, and unpinned the scheduler flips between the two
// from run to run: that would measure the scheduler, not the listener.
import { spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { protocolReader } from "./protocolReader.js"

const STARTUPS = Number(process.argv[2] ?? 30)
const EVENTS = Number(process.argv[3] ?? 10_000)
const ROUNDS = 3
/** The first events warm up each process's JIT (and the driver's): they are sent but not timed. */
const UNTIMED = 1_000
/** The listeners take turns, SLICE events each, so that both meet the same machine. */
const SLICE = 250
const TARGETS = { startup: 1.6, throughput: 0.9, rss: 1.4 }

const here = path.dirname(fileURLToPath(import.meta.url))
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-listener-"))
fs.symlinkSync(path.join(here, "../bin/superlance.js"), path.join(dir, "crashmail"))

const subjects = {
  bare: [process.execPath, path.join(here, "bare-listener.js")],
  crashmail: [path.join(dir, "crashmail"), "-m", "ops@example.com", "-s", "cat > /dev/null"]
}
// What supervisord gives a listener; the socket is never contacted for ignored events.
const env = { ...process.env, SUPERVISOR_SERVER_URL: `unix://${dir}/supervisor.sock`, SUPERVISOR_PROCESS_NAME: "crashmail" }

/** Pins this driver to CPU 0 and answers where the listeners run while events are timed. */
const pin = () => {
  const canPin = os.cpus().length >= 2 && spawnSync("taskset", ["-p", "-c", "0", String(process.pid)]).status === 0
  return canPin ? { "same CPU": [], "other CPU": ["taskset", "-c", "1"] } : { unpinned: [] }
}

const now = () => Number(process.hrtime.bigint()) / 1e6

const envelope = (serial, eventname, payload) =>
  `ver:3.0 server:supervisor serial:${serial} pool:crashmail poolserial:${serial} eventname:${eventname} len:${payload.length}\n${payload}`

/** What crashmail ignores (acknowledged as it is read, never decoded) and what it handles (decoded, no alert). */
const kinds = {
  ignored: {
    label: "ignored events (TICK_60)",
    targets: true,
    event: (serial) => envelope(serial, "TICK_60", `when:${1_700_000_000 + serial}`)
  },
  // For the record (ARCHITECTURE.md, the Stream decision): a bare listener decodes nothing, so no target.
  handled: {
    label: "handled events (expected PROCESS_STATE_EXITED)",
    targets: false,
    event: (serial) =>
      envelope(serial, "PROCESS_STATE_EXITED", `processname:web groupname:web from_state:RUNNING expected:1 pid:${serial}`)
  }
}

/** Starts a listener; `ready` resolves with the time to its first READY, `event` sends one event. */
const start = (command) => {
  const spawnedAt = now()
  const child = spawn(command[0], command.slice(1), { env, stdio: ["pipe", "pipe", "pipe"] })
  let stderr = ""
  child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk))
  const exited = new Promise((resolve) => child.on("close", resolve))
  const read = protocolReader(child, () => `${command.join(" ")}: ${stderr}`)
  return {
    ready: read("READY\n").then(() => now() - spawnedAt),
    event: async (serial, kind = kinds.ignored) => {
      child.stdin.write(kind.event(serial))
      await read("RESULT 2\nOK")
      await read("READY\n")
    },
    /** The peak resident set so far (VmHWM), in KiB: taskset execs, so the pid is the listener's. */
    peakRss: () => Number(/VmHWM:\s*(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, "utf8"))[1]),
    stop: async () => {
      child.stdin.end()
      const code = await exited
      if (code !== 0) throw new Error(`${command.join(" ")} exited ${code}: ${stderr}`)
      return stderr
    }
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** Time to the first READY, unpinned: the two take turns, so both see the same machine. */
const measureStartup = async () => {
  const times = { bare: [], crashmail: [] }
  for (let round = -2; round < STARTUPS; round++) {
    for (const name of round % 2 === 0 ? ["bare", "crashmail"] : ["crashmail", "bare"]) {
      const listener = start(subjects[name])
      const ms = await listener.ready
      await listener.stop()
      if (round >= 0) times[name].push(ms) // the first rounds only warm the page cache
    }
  }
  return { bare: median(times.bare), crashmail: median(times.crashmail) }
}

/** EVENTS events of a kind to each listener, side by side, then each one's peak RSS; median of ROUNDS. */
const measureEvents = async (placement, kind) => {
  const rounds = []
  for (let round = 0; round < ROUNDS; round++) {
    const listeners = {
      bare: start([...placement, ...subjects.bare]),
      crashmail: start([...placement, ...subjects.crashmail])
    }
    await Promise.all([listeners.bare.ready, listeners.crashmail.ready])
    const elapsed = { bare: 0, crashmail: 0 }
    for (let sent = 0; sent < EVENTS; sent += SLICE) {
      for (const name of (sent / SLICE) % 2 === 0 ? ["bare", "crashmail"] : ["crashmail", "bare"]) {
        const t0 = now()
        for (let serial = sent + 1; serial <= Math.min(EVENTS, sent + SLICE); serial++) await listeners[name].event(serial, kind)
        if (sent >= UNTIMED) elapsed[name] += now() - t0
      }
    }
    const result = {}
    for (const name of ["bare", "crashmail"]) {
      const rss = listeners[name].peakRss()
      const said = await listeners[name].stop()
      if (said !== "") process.stderr.write(`${name} said:\n${said}`)
      result[name] = { eps: (EVENTS - UNTIMED) / (elapsed[name] / 1000), rss }
    }
    rounds.push(result)
  }
  const middle = (ratio) => [...rounds].sort((a, b) => ratio(a) - ratio(b))[Math.floor(ROUNDS / 2)]
  return {
    eps: middle((r) => r.crashmail.eps / r.bare.eps),
    rss: middle((r) => r.crashmail.rss / r.bare.rss)
  }
}

try {
  const startup = await measureStartup()
  const rows = [["time from spawn to the first READY", `${startup.bare.toFixed(1)} ms`, `${startup.crashmail.toFixed(1)} ms`,
    startup.crashmail / startup.bare, "<=", TARGETS.startup]]
  // Start-up was timed unpinned: node starts on several threads.
  for (const [where, placement] of Object.entries(pin())) {
    for (const kind of Object.values(kinds)) {
      const { eps, rss } = await measureEvents(placement, kind)
      rows.push(
        [`${kind.label} per second, ${where}`, eps.bare.eps.toFixed(0), eps.crashmail.eps.toFixed(0),
          eps.crashmail.eps / eps.bare.eps, ">=", kind.targets ? TARGETS.throughput : undefined],
        [`peak RSS after ${EVENTS} ${kind === kinds.ignored ? "ignored" : "handled"} events, ${where}`,
          `${(rss.bare.rss / 1024).toFixed(1)} MiB`, `${(rss.crashmail.rss / 1024).toFixed(1)} MiB`, rss.crashmail.rss / rss.bare.rss,
          "<=", kind.targets ? TARGETS.rss : undefined]
      )
    }
  }
  const met = (ratio, op, target) => (op === "<=" ? ratio <= target : ratio >= target)
  const width = Math.max(...rows.map(([label]) => label.length))
  const lines = [
    `crashmail (${subjects.crashmail.slice(1).join(" ")}) against a bare Node listener; node ${process.version}, ${os.cpus().length} CPUs`,
    `start-up: median of ${STARTUPS} each, taking turns; events: ${EVENTS} each (the first ${UNTIMED} untimed), taking turns, median of ${ROUNDS} rounds`,
    "",
    `| ${"measure".padEnd(width)} |       bare |  crashmail | ratio | target |`,
    `|${"-".repeat(width + 2)}|-----------:|-----------:|------:|--------|------`,
    ...rows.map(([label, bare, crash, ratio, op, target]) =>
      `| ${label.padEnd(width)} | ${bare.padStart(10)} | ${crash.padStart(10)} | ${ratio.toFixed(2).padStart(5)} | ${
        target === undefined ? "      " : `${op} ${target.toFixed(1)}`
      } | ${target === undefined ? "" : met(ratio, op, target) ? "met" : "NOT met"}`
    )
  ]
  process.stdout.write(`${lines.join("\n")}\n`)
} finally {
  fs.rmSync(dir, { recursive: true, force: true })
}
