// A real supervisord for the benchmarks, in a temp dir with its own UNIX socket: `programs` is
// the text of its [program:…] sections. `call(method, ...stringParams)` answers the raw XML-RPC
// response, over one kept-alive connection (as a listener's client calls, so a timed round trip
// is supervisord's share alone); `stop()` shuts it down (children included) and removes the dir.
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as http from "node:http"
import * as os from "node:os"
import * as path from "node:path"

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

export const startSupervisord = async (programs) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-supervisord-"))
  const socketPath = path.join(dir, "supervisor.sock")
  fs.writeFileSync(
    path.join(dir, "supervisord.conf"),
    `[unix_http_server]
file=${socketPath}
chmod=0700

[supervisord]
logfile=${path.join(dir, "supervisord.log")}
pidfile=${path.join(dir, "supervisord.pid")}
childlogdir=${dir}
nodaemon=true

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

${programs}
`
  )
  const supervisord = spawn("supervisord", ["-n", "-c", path.join(dir, "supervisord.conf")], {
    stdio: ["ignore", "ignore", "inherit"]
  })
  const running = () => supervisord.exitCode === null && supervisord.signalCode === null
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })

  const call = (method, ...params) =>
    new Promise((resolve, reject) => {
      const body = `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params>${
        params.map((param) => `<param><value><string>${param}</string></value></param>`).join("")
      }</params></methodCall>`
      const req = http.request(
        {
          socketPath,
          path: "/RPC2",
          method: "POST",
          agent,
          headers: { Host: "localhost", "Content-Type": "text/xml", "Content-Length": Buffer.byteLength(body) }
        },
        (res) => {
          const chunks = []
          res.on("data", (chunk) => chunks.push(chunk))
          res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
          res.on("error", reject)
        }
      )
      req.on("error", reject)
      req.end(body)
    })

  const stop = async () => {
    agent.destroy()
    if (running()) {
      supervisord.kill("SIGTERM")
      const deadline = Date.now() + 15_000
      while (running() && Date.now() < deadline) {
        // supervisord notices a signal when its poll() returns; a connection wakes it.
        http.get({ socketPath, path: "/" }).on("error", () => {})
        await sleep(100)
      }
      if (running()) supervisord.kill("SIGKILL")
    }
    fs.rmSync(dir, { recursive: true, force: true })
  }

  const deadline = Date.now() + 30_000
  while (!(await call("supervisor.getState").then((answer) => answer.includes("RUNNING"), () => false))) {
    if (!running() || Date.now() > deadline) {
      await stop()
      throw new Error("supervisord did not start")
    }
    await sleep(100)
  }
  return { url: `unix://${socketPath}`, call, stop }
}
