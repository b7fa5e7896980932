// What a listener costs the machine, each figure measured side by side in the same run against
// a bare Node listener (scripts/bare-listener.js) and printed as a ratio:
//
//   - start-up: spawn to the first READY of `crashmail` from the clone (a link named crashmail to
//     bin/superlance.js) and from the installed package (`npm pack`, `npm install -g --prefix`,
//     scripts/installed.js: the snapshot its postinstall made);
//   - events: ignored TICK_60 per second and the peak RSS after EVENTS of them (installed crashmail);
//     the same for events crashmail handles (decodes), for the record;
//   - a supervisord's worth of listeners: the six plugins started one each, as the drop-in
//     supervisord.conf does, after start and one event of each kind they act on (a crash, a FATAL,
//     a TICK running httpok's check and memmon's sample), against a real supervisord and a local
//     SMTP server; and the one combined listener (`superlance run`) doing the same work;
//   - the installed package's size.
//
// Every listener is driven as supervisord drives it: write one event, wait for its RESULT and the
// next READY.
//
//   npm run build && node scripts/bench-listener.js [startups] [events]
//
// Events are timed with this driver pinned to one CPU and the listeners either on the same CPU
// or on another (taskset). A pipe round trip costs ~20 µs between processes on one CPU and ~80 µs
// across CPUs on the 2-core VMs this runs on, and unpinned the scheduler flips between the two
// from run to run: that would measure the scheduler, not the listener.
import { spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as http from "node:http"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { SMTPServer } from "smtp-server"
import { installPackage } from "./installed.js"
import { protocolReader } from "./protocolReader.js"
import { writeRunConfig } from "./runConfig.js"
import { startSupervisord } from "./supervisord.js"

const STARTUPS = Number(process.argv[2] ?? 30)
const EVENTS = Number(process.argv[3] ?? 10_000)
const ROUNDS = 3
/** The first events warm up each process's JIT (and the driver's): they are sent but not timed. */
const UNTIMED = 1_000
/** The listeners take turns, SLICE events each, so that both meet the same machine. */
const SLICE = 250
const TARGETS = { startup: 1.6, throughput: 0.9, rss: 1.4, combined: 1.5, sizeMiB: 15 }

const here = path.dirname(fileURLToPath(import.meta.url))
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-listener-"))
fs.symlinkSync(path.join(here, "../bin/superlance.js"), path.join(dir, "crashmail"))
const installed = installPackage()

const bare = [process.execPath, path.join(here, "bare-listener.js")]
const crashmailArgs = ["-m", "ops@example.com", "-s", "cat > /dev/null"]
// What supervisord gives a listener; the socket is never contacted for ignored events.
const env = { ...process.env, SUPERVISOR_SERVER_URL: `unix://${dir}/supervisor.sock`, SUPERVISOR_PROCESS_NAME: "crashmail" }

/** Pins this driver to CPU 0 and answers where the listeners run while events are timed. */
const pin = () => {
  const canPin = os.cpus().length >= 2 && spawnSync("taskset", ["-p", "-c", "0", String(process.pid)]).status === 0
  return canPin ? { "same CPU": [], "other CPU": ["taskset", "-c", "1"] } : { unpinned: [] }
}

const now = () => Number(process.hrtime.bigint()) / 1e6
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

const envelope = (serial, eventName, payload) =>
  `ver:3.0 server:supervisor serial:${serial} pool:listener poolserial:${serial} eventname:${eventName} len:${payload.length}\n${payload}`
const tick = (serial) => envelope(serial, "TICK_60", `when:${1_700_000_000 + serial}`)

/** What crashmail ignores (acknowledged as it is read, never decoded) and what it handles (decoded, no alert). */
const kinds = {
  ignored: { label: "ignored", targets: true, event: tick },
  // For the record (ARCHITECTURE.md, the Stream decision): a bare listener decodes nothing, so no target.
  handled: {
    label: "handled",
    targets: false,
    event: (serial) =>
      envelope(serial, "PROCESS_STATE_EXITED", `processname:web groupname:web from_state:RUNNING expected:1 pid:${serial}`)
  }
}

/** Starts a listener; `ready` resolves with the time to its first READY, `send` writes one event and awaits its ack. */
const start = (command, environment = env) => {
  const spawnedAt = now()
  const child = spawn(command[0], command.slice(1), { env: environment, stdio: ["pipe", "pipe", "pipe"] })
  let stderr = ""
  child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk))
  const exited = new Promise((resolve) => child.on("close", resolve))
  const read = protocolReader(child, () => `${command.join(" ")}: ${stderr}`)
  const send = async (event) => {
    child.stdin.write(event)
    await read("RESULT 2\nOK")
    await read("READY\n")
  }
  return {
    ready: read("READY\n").then(() => now() - spawnedAt),
    send,
    event: (serial, kind = kinds.ignored) => send(kind.event(serial)),
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

// ---------------------------------------------------------------------------
// Start-up and events: crashmail alone

/** Time to the first READY, unpinned: the subjects take turns, so all see the same machine. */
const measureStartup = async () => {
  const subjects = {
    bare,
    clone: [path.join(dir, "crashmail"), ...crashmailArgs],
    installed: [installed.bin("crashmail"), ...crashmailArgs]
  }
  const names = Object.keys(subjects)
  const times = Object.fromEntries(names.map((name) => [name, []]))
  for (let round = -2; round < STARTUPS; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + 2 + i) % names.length] // each goes first in turn
      const listener = start(subjects[name])
      const ms = await listener.ready
      await listener.stop()
      if (round >= 0) times[name].push(ms) // the first rounds only warm the page cache
    }
  }
  return Object.fromEntries(names.map((name) => [name, median(times[name])]))
}

/** EVENTS events of a kind to each listener, side by side, then each one's peak RSS; median of ROUNDS. */
const measureEvents = async (placement, kind) => {
  const subjects = { bare, crashmail: [installed.bin("crashmail"), ...crashmailArgs] }
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

// ---------------------------------------------------------------------------
// A supervisord's worth of listeners

/** The events of the scenario, one of each kind a plugin acts on; `web` is a program under a real supervisord. */
const scenario = {
  crash: (serial) => envelope(serial, "PROCESS_STATE_EXITED", "processname:web groupname:web from_state:RUNNING expected:0 pid:4242"),
  fatal: (serial) => envelope(serial, "PROCESS_STATE_FATAL", "processname:web groupname:web from_state:BACKOFF"),
  tick
}

/** The six plugins as the drop-in supervisord.conf runs them, one listener each, and the events each acts on. */
const singles = ({ smtp, url }) => {
  const mail = ["-m", "ops@example.com", "--smtpHost", smtp, "--fromEmail", "sv@example.com"]
  // The batch mailers send what they collected every --interval minutes: 0.01 is 0.6 s, so each
  // has sent its mail before the peak RSS is read.
  const batch = ["--toEmail", "ops@example.com", "--fromEmail", "sv@example.com", "--smtpHost", smtp, "--interval", "0.01"]
  return {
    httpok: { args: ["-p", "web", ...mail, url], events: ["tick"], mails: 0 },
    memmon: { args: ["-p", "web=1GB", ...mail], events: ["tick"], mails: 0 },
    crashmail: { args: mail, events: ["crash"], mails: 1 },
    crashmailbatch: { args: batch, events: ["crash"], mails: 1 },
    fatalmailbatch: { args: batch, events: ["fatal"], mails: 1 },
    crashsms: { args: batch, events: ["crash"], mails: 1 }
  }
}

/** The combined listener: the six plugins of `singles` as sections of one `superlance run` file. */
const combined = (context) => [installed.bin("superlance"), "run", writeRunConfig(dir, context)]

/** Starts the listeners, sends each its events, waits for their mail, and answers each one's peak RSS (KiB). */
const runScenario = async (listeners, context) => {
  const started = Object.fromEntries(
    Object.entries(listeners).map(([name, { command }]) => [
      name,
      start(command, { ...process.env, SUPERVISOR_SERVER_URL: context.supervisorUrl, SUPERVISOR_PROCESS_NAME: name })
    ])
  )
  const mailsBefore = context.mails()
  await Promise.all(Object.values(started).map((listener) => listener.ready))
  await Promise.all(
    Object.entries(listeners).map(async ([name, { events }]) => {
      for (const [i, kind] of events.entries()) await started[name].send(scenario[kind](i + 1))
    })
  )
  const mails = Object.values(listeners).reduce((sum, { mails }) => sum + mails, 0)
  const deadline = Date.now() + 30_000
  while (context.mails() - mailsBefore < mails && Date.now() < deadline) await sleep(50)
  if (context.mails() - mailsBefore < mails) throw new Error(`expected ${mails} mails, got ${context.mails() - mailsBefore}`)
  await sleep(500) // what follows a send (the SMTP connection closing) is part of the work
  const peaks = Object.fromEntries(Object.entries(started).map(([name, listener]) => [name, listener.peakRss()]))
  for (const listener of Object.values(started)) await listener.stop()
  return peaks
}

const measureSupervisordsWorth = async () => {
  const sv = await startSupervisord("[program:web]\ncommand=sleep 100000\nstartsecs=0\n")
  const site = http.createServer((_, res) => res.end("ok")).listen(0, "127.0.0.1")
  let received = 0
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData: (stream, _, done) => {
      stream.resume()
      stream.on("end", () => {
        received++
        done()
      })
    }
  })
  const mailServer = smtp.listen(0, "127.0.0.1")
  try {
    await Promise.all([site, mailServer].map((server) => new Promise((resolve) => server.once("listening", resolve))))
    while (!(await sv.call("supervisor.getProcessInfo", "web")).includes("RUNNING")) await sleep(100)
    const context = {
      supervisorUrl: sv.url,
      smtp: `127.0.0.1:${mailServer.address().port}`,
      url: `http://127.0.0.1:${site.address().port}/health`,
      mails: () => received
    }
    const plugins = singles(context)
    const total = (peaks) => Object.values(peaks).reduce((sum, kib) => sum + kib, 0)
    const allEvents = Object.keys(scenario)
    const result = { six: [], bare: [], combined: [] }
    for (let round = 0; round < ROUNDS; round++) {
      const six = await runScenario(
        Object.fromEntries(Object.entries(plugins).map(([name, { args, events, mails }]) =>
          [name, { command: [installed.bin(name), ...args], events, mails }]
        )),
        context
      )
      const bareRun = await runScenario({ bare: { command: bare, events: allEvents, mails: 0 } }, context)
      result.six.push(total(six))
      result.bare.push(bareRun.bare)
      const command = combined(context)
      if (command !== undefined) {
        const mails = Object.values(plugins).reduce((sum, plugin) => sum + plugin.mails, 0)
        const one = await runScenario({ combined: { command, events: allEvents, mails } }, context)
        result.combined.push(one.combined)
      }
    }
    return {
      six: median(result.six),
      bare: median(result.bare),
      combined: result.combined.length === 0 ? undefined : median(result.combined)
    }
  } finally {
    site.close()
    await new Promise((resolve) => smtp.close(resolve))
    await sv.stop()
  }
}

// ---------------------------------------------------------------------------

const mib = (kib) => `${(kib / 1024).toFixed(1)} MiB`
/** One line of the report: what, bare Node's figure, ours, and our figure against its bound. */
const row = (label, bareValue, ours, measured, bound) => {
  const verdict = bound === undefined || measured === undefined
    ? ""
    : (bound.op === "<=" ? measured <= bound.value : measured >= bound.value) ? "met" : "NOT met"
  return { label, bareValue, ours, measured, bound, verdict }
}
/** A ratio to bare Node, bounded. */
const ratio = (label, bareValue, ours, value, op, target) => row(label, bareValue, ours, value, { op, value: target })

try {
  const rows = []
  const startup = await measureStartup()
  for (const how of ["clone", "installed"]) {
    rows.push(ratio(`spawn to the first READY, ${how === "clone" ? "clone" : "installed package"}`, `${startup.bare.toFixed(1)} ms`,
      `${startup[how].toFixed(1)} ms`, startup[how] / startup.bare, "<=", TARGETS.startup))
  }
  // Start-up was timed unpinned: node starts on several threads.
  for (const [where, placement] of Object.entries(pin())) {
    for (const kind of Object.values(kinds)) {
      const { eps, rss } = await measureEvents(placement, kind)
      const bounded = (label, bareValue, ours, value, op, target) =>
        kind.targets ? ratio(label, bareValue, ours, value, op, target) : row(label, bareValue, ours, value)
      rows.push(
        bounded(`${kind.label} events (${kind === kinds.ignored ? "TICK_60" : "PROCESS_STATE_EXITED, expected"}) per second, ${where}`,
          eps.bare.eps.toFixed(0), eps.crashmail.eps.toFixed(0), eps.crashmail.eps / eps.bare.eps, ">=", TARGETS.throughput),
        bounded(`peak RSS after ${EVENTS} ${kind.label} events, ${where}`, mib(rss.bare.rss), mib(rss.crashmail.rss),
          rss.crashmail.rss / rss.bare.rss, "<=", TARGETS.rss)
      )
    }
  }
  const fleet = await measureSupervisordsWorth()
  rows.push(
    row("six listeners, one per plugin, after a crash, a FATAL, a TICK: total peak RSS", `6 × ${mib(fleet.bare)}`,
      mib(fleet.six), fleet.six / (6 * fleet.bare)),
    // After 10,000 mixed events too: scripts/bench-run.js.
    ratio("one `superlance run` listener with the six as sections: peak RSS", mib(fleet.bare),
      fleet.combined === undefined ? "not measured yet" : mib(fleet.combined),
      fleet.combined === undefined ? undefined : fleet.combined / fleet.bare, "<=", TARGETS.combined),
    row(`installed size: ${installed.packages} package, ${installed.nativeAddons} native addons, ${
      installed.snapshot ? "with" : "WITHOUT"
    } the snapshot`, "", mib(installed.sizeKiB), undefined, { op: "<=", value: TARGETS.sizeMiB, unit: " MiB" }),
  )
  // The size is bounded in MiB, not as a ratio.
  rows.at(-1).verdict = installed.sizeKiB / 1024 <= TARGETS.sizeMiB ? "met" : "NOT met"

  const width = Math.max(...rows.map(({ label }) => label.length))
  const lines = [
    `crashmail (${crashmailArgs.join(" ")}) and the six plugins against a bare Node listener; node ${process.version}, ${os.cpus().length} CPUs`,
    `start-up: median of ${STARTUPS} each, taking turns; events: ${EVENTS} each (the first ${UNTIMED} untimed), taking turns, median of ${ROUNDS} rounds;`,
    `six listeners: median of ${ROUNDS} rounds; "installed": npm pack + npm install -g --prefix of this build`,
    "",
    `| ${"measure".padEnd(width)} |    bare Node |       superlance | ratio |     target |`,
    `|${"-".repeat(width + 2)}|-------------:|-----------------:|------:|------------|------`,
    ...rows.map(({ label, bareValue, ours, measured, bound, verdict }) =>
      `| ${label.padEnd(width)} | ${bareValue.padStart(12)} | ${ours.padStart(16)} | ${
        (measured === undefined ? "—" : measured.toFixed(2)).padStart(5)
      } | ${(bound === undefined ? "—" : `${bound.op} ${bound.unit === undefined ? bound.value.toFixed(1) : bound.value + bound.unit}`).padEnd(10)} | ${verdict}`
    )
  ]
  process.stdout.write(`${lines.join("\n")}\n`)
} finally {
  fs.rmSync(dir, { recursive: true, force: true })
  installed.remove()
}
