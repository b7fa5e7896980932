// Memory of the one combined listener: `superlance run` with six sections
// (httpok, memmon, crashmail, crashmailbatch, fatalmailbatch, crashsms) against the bare Node
// listener (scripts/bare-listener.js), each given the same events, side by side in one run:
//   - after start and one event of each kind the sections act on: a crash (crashmail,
//     crashmailbatch, crashsms mail it), a FATAL (fatalmailbatch) and a TICK (httpok checks a
//     local URL, memmon samples a program of a real supervisord), each mail received by a local
//     SMTP server before the peak RSS is read;
//   - after 10,000 mixed events more: per hundred, one crash, one FATAL, 30 TICKs, and 68
//     expected exits (decoded, but no section alerts on them).
// Both are driven as supervisord drives a listener: write one event, wait for its RESULT and
// the next READY.
//
//   npm run build && node scripts/bench-run.js [events]
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as http from "node:http"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { SMTPServer } from "smtp-server"
import { protocolReader } from "./protocolReader.js"
import { writeRunConfig } from "./runConfig.js"
import { startSupervisord } from "./supervisord.js"

const EVENTS = Number(process.argv[2] ?? 10_000)
const ROUNDS = 3
const TARGET = 1.5

const here = path.dirname(fileURLToPath(import.meta.url))
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-run-"))
const bare = [process.execPath, path.join(here, "bare-listener.js")]

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const mib = (kib) => `${(kib / 1024).toFixed(1)} MiB`

const envelope = (serial, eventName, payload) =>
  `ver:3.0 server:supervisor serial:${serial} pool:superlance poolserial:${serial} eventname:${eventName} len:${payload.length}\n${payload}`

/** One event of each kind a section acts on; `web` is a program of the real supervisord. */
const events = {
  crash: (serial) =>
    envelope(serial, "PROCESS_STATE_EXITED", "processname:web groupname:web from_state:RUNNING expected:0 pid:4242"),
  fatal: (serial) => envelope(serial, "PROCESS_STATE_FATAL", "processname:web groupname:web from_state:BACKOFF"),
  tick: (serial) => envelope(serial, "TICK_60", `when:${1_700_000_000 + serial}`),
  exit: (serial) =>
    envelope(serial, "PROCESS_STATE_EXITED", "processname:web groupname:web from_state:RUNNING expected:1 pid:4242")
}
/** The mixed events: per hundred, one crash, one FATAL, 30 TICKs, 68 expected exits. */
const mixed = (i) => (i % 100 === 0 ? "crash" : i % 100 === 50 ? "fatal" : i % 10 < 3 ? "tick" : "exit")

/** Mails for the first events: crashmail, crashmailbatch and crashsms for the crash, fatalmailbatch for the FATAL. */
const MAILS_FIRST = 4

const start = (command, env) => {
  const child = spawn(command[0], command.slice(1), { env, stdio: ["pipe", "pipe", "pipe"] })
  let stderr = ""
  child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk))
  const exited = new Promise((resolve) => child.on("close", resolve))
  const read = protocolReader(child, () => `${command.join(" ")}: ${stderr}`)
  return {
    ready: read("READY\n"),
    send: async (event) => {
      child.stdin.write(event)
      await read("RESULT 2\nOK")
      await read("READY\n")
    },
    peakRss: () => Number(/VmHWM:\s*(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, "utf8"))[1]),
    stderr: () => stderr,
    stop: async () => {
      child.stdin.end()
      const code = await exited
      if (code !== 0) throw new Error(`${command.join(" ")} exited ${code}: ${stderr}`)
    }
  }
}

/** Waits until the SMTP server has `count` more mails than `before`. */
const mailsArrive = async (context, before, count) => {
  const deadline = Date.now() + 30_000
  while (context.mails() - before < count && Date.now() < deadline) await sleep(50)
  if (context.mails() - before < count) throw new Error(`expected ${count} mails, got ${context.mails() - before}`)
  await sleep(500) // what follows a send (the SMTP connection closing) is part of the work
}

/** One listener through the scenario: its peak RSS (KiB) after the first events, and after EVENTS more. */
const measure = async (command, context, mails) => {
  const listener = start(command, { ...process.env, SUPERVISOR_SERVER_URL: context.supervisorUrl, SUPERVISOR_PROCESS_NAME: "superlance" })
  await listener.ready
  let serial = 0
  let before = context.mails()
  for (const kind of ["crash", "fatal", "tick"]) await listener.send(events[kind](++serial))
  if (mails) await mailsArrive(context, before, MAILS_FIRST)
  else await sleep(500)
  const first = listener.peakRss()
  before = context.mails()
  let crashes = 0
  for (let i = 1; i <= EVENTS; i++) {
    const kind = mixed(i)
    if (kind === "crash") crashes++
    await listener.send(events[kind](++serial))
  }
  // crashmail mails each crash; the batch mailers send at least one more batch each.
  if (mails) await mailsArrive(context, before, crashes + 3)
  else await sleep(500)
  const mixedPeak = listener.peakRss()
  await listener.stop()
  return { first, mixed: mixedPeak, stderr: listener.stderr() }
}

const smtpServer = async () => {
  let mails = 0
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData: (stream, _session, callback) => {
      stream.resume()
      stream.on("end", () => {
        mails++
        callback()
      })
    }
  })
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve))
  return { port: server.server.address().port, mails: () => mails, close: () => new Promise((resolve) => server.close(resolve)) }
}

const httpServer = async () => {
  const server = http.createServer((_request, response) => response.end("ok\n"))
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve))
  return { url: `http://127.0.0.1:${server.address().port}/health`, close: () => new Promise((resolve) => server.close(resolve)) }
}

const supervisor = await startSupervisord(`[program:web]
command=sleep 100000
startsecs=0
`)
const smtp = await smtpServer()
const web = await httpServer()
try {
  const context = { supervisorUrl: supervisor.url, mails: smtp.mails }
  const combined = [path.join(here, "../bin/superlance.js"), "run", writeRunConfig(dir, { smtp: `127.0.0.1:${smtp.port}`, url: web.url })]
  const rounds = []
  for (let round = 0; round < ROUNDS; round++) {
    // Taking turns, so that both meet the same machine.
    const order = round % 2 === 0 ? ["bare", "combined"] : ["combined", "bare"]
    const result = {}
    for (const name of order) {
      result[name] = name === "bare" ? await measure(bare, context, false) : await measure(combined, context, true)
    }
    if (/ (ERROR|FATAL) /.test(result.combined.stderr)) process.stderr.write(`superlance run said:\n${result.combined.stderr}`)
    rounds.push(result)
  }
  const middle = (key) => [...rounds].sort((a, b) => a.combined[key] / a.bare[key] - b.combined[key] / b.bare[key])[Math.floor(ROUNDS / 2)]
  const rows = [
    ["peak RSS after start and one crash, FATAL and TICK", middle("first"), "first", TARGET],
    [`peak RSS after ${EVENTS} mixed events more`, middle("mixed"), "mixed", undefined]
  ]
  const width = Math.max(...rows.map(([label]) => label.length))
  const lines = [
    `superlance run with six sections (httpok, memmon, crashmail, crashmailbatch, fatalmailbatch, crashsms) against a bare Node listener; node ${process.version}, ${os.cpus().length} CPUs, median of ${ROUNDS} rounds`,
    "",
    `| ${"measure".padEnd(width)} |       bare | superlance run | ratio | target |`,
    `|${"-".repeat(width + 2)}|-----------:|---------------:|------:|--------|------`,
    ...rows.map(([label, round, key, target]) => {
      const ratio = round.combined[key] / round.bare[key]
      return `| ${label.padEnd(width)} | ${mib(round.bare[key]).padStart(10)} | ${mib(round.combined[key]).padStart(14)} | ${
        ratio.toFixed(2).padStart(5)
      } | ${target === undefined ? "      " : `<= ${target.toFixed(1)}`} | ${
        target === undefined ? "" : ratio <= target ? "met" : "NOT met"
      }`
    })
  ]
  process.stdout.write(`${lines.join("\n")}\n`)
} finally {
  await web.close()
  await smtp.close()
  await supervisor.stop()
  fs.rmSync(dir, { recursive: true, force: true })
}
