// httpok's memory while it reads a huge health page, which must not grow with the page: the
// real listener, started as supervisord starts it (a link named `httpok` to bin/superlance.js),
// is sent one TICK over stdin and checks a local server that streams a 500 MB body, then
// (another listener) a 200 MB body whose `-b` text is its very end. The bodies are generated as they are sent, never held by the
// server. Each listener's peak RSS (VmHWM) after the check is compared with its own at READY.
//
//   npm run build && node scripts/bench-httpok-body.js
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as http from "node:http"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { protocolReader } from "./protocolReader.js"

const MB = 1024 * 1024
const TARGET_MB = 20
const TEXT = "bench: ✓ healthy"
const LATIN1_TEXT = "bench: état sain"
const filler = Buffer.alloc(64 * 1024, "x")

const here = path.dirname(fileURLToPath(import.meta.url))
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-httpok-body-"))
fs.symlinkSync(path.join(here, "../bin/superlance.js"), path.join(dir, "httpok"))
// The check is eager (httpok's default): it runs without asking supervisord what is RUNNING, and a
// good check never calls it, so the socket is never contacted.
const env = { ...process.env, SUPERVISOR_SERVER_URL: `unix://${dir}/supervisor.sock`, SUPERVISOR_PROCESS_NAME: "httpok" }

// ---------------------------------------------------------------------------
// The server: /<bytes>?text=&charset= answers that many bytes of filler, ending with the text
// (in that charset: utf-8 or latin1) if asked.

const sent = new Map()
const server = http.createServer((request, response) => {
  const url = new URL(request.url, "http://localhost")
  const size = Number(url.pathname.slice(1))
  const charset = url.searchParams.get("charset") ?? "utf-8"
  const tail = Buffer.from(url.searchParams.get("text") ?? "", charset === "utf-8" ? "utf8" : "latin1")
  response.writeHead(200, { "content-type": `text/plain; charset=${charset}`, "content-length": size })
  let left = size - tail.length
  const pour = () => {
    while (left > 0) {
      const chunk = left >= filler.length ? filler : filler.subarray(0, left)
      left -= chunk.length
      if (!response.write(chunk)) return void response.once("drain", pour)
    }
    response.end(tail)
  }
  response.on("close", () => sent.set(url.pathname, response.writableFinished))
  pour()
})
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve))
const base = `http://127.0.0.1:${server.address().port}`

// ---------------------------------------------------------------------------
// One listener, one check

const now = () => Number(process.hrtime.bigint()) / 1e6
const peakRss = (pid) => Number(/VmHWM:\s*(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024

const tick = () => {
  const payload = `when:${Math.floor(Date.now() / 1000)}`
  return `ver:3.0 server:supervisor serial:1 pool:httpok poolserial:1 eventname:TICK_60 len:${payload.length}\n${payload}`
}

/** Starts httpok on `url` with `args`, sends one TICK, answers its peak RSS at READY and after. */
const check = async (url, args) => {
  const child = spawn(path.join(dir, "httpok"), ["--log-level", "debug", "-t", "300", ...args, url], {
    env,
    stdio: ["pipe", "pipe", "pipe"]
  })
  let stderr = ""
  child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk))
  const exited = new Promise((resolve) => child.on("close", resolve))
  const read = protocolReader(child, () => stderr)
  await read("READY\n")
  const idle = peakRss(child.pid)
  const t0 = now()
  child.stdin.write(tick())
  await read("RESULT 2\nOK")
  const seconds = (now() - t0) / 1000
  const peak = peakRss(child.pid)
  child.stdin.end()
  await exited
  // A good check logs this at DEBUG; a bad one would log why at INFO and try to restart.
  const good = /\bis fine\b/.test(stderr)
  if (!good) process.stderr.write(`httpok ${args.join(" ")} ${url} said:\n${stderr}`)
  return { idle, peak, seconds, good }
}

// ---------------------------------------------------------------------------

try {
  const cases = [
    ["500 MB body, no -b (read and discarded)", `${base}/${500 * MB}`, []],
    ["200 MB body, -b text at its end", `${base}/${200 * MB}?text=${encodeURIComponent(TEXT)}`, ["-b", TEXT]],
    // Other charsets are decoded, not searched as bytes.
    ["200 MB latin1 body, -b text at its end", `${base}/${200 * MB}?charset=latin1&text=${encodeURIComponent(LATIN1_TEXT)}`, [
      "-b",
      LATIN1_TEXT
    ]]
  ]
  const rows = []
  for (const [label, url, args] of cases) {
    const result = await check(url, args)
    const served = sent.get(new URL(url).pathname) === true
    sent.clear()
    rows.push({ label, ...result, good: result.good && served })
  }
  const width = Math.max(...rows.map((r) => r.label.length))
  const mib = (x) => `${x.toFixed(1)} MiB`.padStart(10)
  const lines = [
    `httpok -t 300 through bin/superlance.js, one TICK each, a fresh listener per case; node ${process.version}, ${os.cpus().length} CPUs`,
    "",
    `| ${"case".padEnd(width)} | idle peak RSS | check peak RSS |       growth | check time | verdict |`,
    `|${"-".repeat(width + 2)}|--------------:|---------------:|-------------:|-----------:|---------|`,
    ...rows.map((r) =>
      `| ${r.label.padEnd(width)} | ${mib(r.idle).padStart(13)} | ${mib(r.peak).padStart(14)} | ${mib(r.peak - r.idle).padStart(12)} | ${
        `${r.seconds.toFixed(2)} s`.padStart(10)
      } | ${(r.good ? "good" : "BAD").padEnd(7)} |`
    ),
    "",
    ...rows.map((r) =>
      `${r.label}: peak RSS ${r.peak.toFixed(1)} MiB vs idle ${r.idle.toFixed(1)} MiB, +${
        (r.peak - r.idle).toFixed(1)
      } MiB, target <= ${TARGET_MB} MiB and a good check: ${r.peak - r.idle <= TARGET_MB && r.good ? "PASS" : "FAIL"}`
    )
  ]
  process.stdout.write(`${lines.join("\n")}\n`)
} finally {
  server.closeAllConnections()
  server.close()
  fs.rmSync(dir, { recursive: true, force: true })
}
