import * as fs from "node:fs"
import * as http from "node:http"
import type * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either, Fiber, Layer, Redacted, type Scope } from "effect"
import { namespec } from "../../src/domain/Process.js"
import { type RpcFault, type RpcTransportError, Supervisor } from "../../src/supervisor/Supervisor.js"
import { encodeFault, encodeMethodResponse } from "../../src/supervisor/XmlRpc.js"
import { freePort, sleepReal, useSupervisord, waitUntil } from "../support/supervisord.js"

const failure = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.flatMap(Effect.either(effect), (result) =>
    Either.isLeft(result) ? Effect.succeed(result.left) : Effect.dieMessage(`expected a failure, got ${String(result.right)}`))

const withClient = (config: Parameters<typeof Supervisor.layer>[0]) =>
  <A, E>(effect: Effect.Effect<A, E, Supervisor>) => Effect.provide(effect, Supervisor.layer(config))

/** supervisord's open sockets (its listening socket and one per client connection). */
const socketCount = (pid: number): number =>
  fs.readdirSync(`/proc/${pid}/fd`).filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith("socket:")
    } catch {
      return false
    }
  }).length

describe("Supervisor against a real supervisord", () => {
  const sv = useSupervisord({
    programs: {
      sleeper: { command: "sleep 1000", startsecs: 0 },
      idle: { command: "sleep 1000", autostart: false },
      app: { command: "sleep 1000", startsecs: 0 },
      worker: { command: "sleep 1000", startsecs: 0, numprocs: 2 },
      talker: {
        // café, then an ANSI colour sequence: text that needs UTF-8 and that XML 1.0 forbids (ESC)
        command: "sh -c \"printf 'hello caf\\303\\251 \\033[31mred\\033[0m\\n'; echo oops >&2; exec sleep 1000\"",
        startsecs: 0
      },
      merged: { command: "sh -c 'echo to-stderr >&2; exec sleep 1000'", startsecs: 0, redirect_stderr: true }
    },
    groups: { web: ["app"] },
    waitRunning: ["sleeper", "web:app", "worker:worker_0", "worker:worker_1", "talker", "merged"]
  })
  const supervisor = <A, E>(effect: Effect.Effect<A, E, Supervisor>) =>
    Effect.provide(effect, Supervisor.layer({ url: sv().url }))

  it.live("getAllProcessInfo lists every process with its state", () =>
    Effect.gen(function*() {
      const infos = yield* Effect.flatMap(Supervisor, (s) => s.getAllProcessInfo)
      expect(infos.map(namespec).sort()).toEqual(
        ["idle", "merged", "sleeper", "talker", "web:app", "worker:worker_0", "worker:worker_1"]
      )
      const sleeper = infos.find((i) => i.name === "sleeper")!
      expect(sleeper).toMatchObject({ group: "sleeper", state: 20, statename: "RUNNING", exitstatus: 0, spawnerr: "" })
      expect(sleeper.pid).toBeGreaterThan(0)
      expect(sleeper.start).toBeGreaterThan(0)
      expect(sleeper.now).toBeGreaterThanOrEqual(sleeper.start)
      expect(sleeper.description).toMatch(/^pid \d+, uptime /)
      expect(sleeper.stdout_logfile).toBe(path.join(sv().dir, "logs", "sleeper.stdout.log"))
      expect(sleeper.logfile).toBe(sleeper.stdout_logfile)
      expect(infos.find((i) => i.name === "idle")).toMatchObject({ state: 0, statename: "STOPPED", pid: 0 })
      expect(infos.find((i) => i.name === "app")).toMatchObject({ group: "web", statename: "RUNNING" })
    }).pipe(supervisor))

  it.live("stopProcess then startProcess gives the process a new pid", () =>
    Effect.gen(function*() {
      const s = yield* Supervisor
      const before = yield* s.getProcessInfo("sleeper")
      expect(yield* s.stopProcess("sleeper")).toBe(true)
      expect(yield* s.getProcessInfo("sleeper")).toMatchObject({ statename: "STOPPED", pid: 0 })
      expect(yield* s.startProcess("sleeper")).toBe(true)
      const after = yield* s.getProcessInfo("sleeper")
      expect(after.statename).toBe("RUNNING")
      expect(after.pid).toBeGreaterThan(0)
      expect(after.pid).not.toBe(before.pid)
    }).pipe(supervisor))

  it.live("group:name namespecs reach grouped and numbered processes", () =>
    Effect.gen(function*() {
      const s = yield* Supervisor
      expect(yield* s.getProcessInfo("web:app")).toMatchObject({ name: "app", group: "web", statename: "RUNNING" })
      const before = yield* s.getProcessInfo("worker:worker_1")
      expect(yield* s.stopProcess("worker:worker_1")).toBe(true)
      expect(yield* s.startProcess("worker:worker_1")).toBe(true)
      expect((yield* s.getProcessInfo("worker:worker_1")).pid).not.toBe(before.pid)
      expect((yield* s.getProcessInfo("worker:worker_0")).statename).toBe("RUNNING")
      // a grouped process is not known by its bare name
      expect(yield* failure(s.getProcessInfo("app"))).toMatchObject({ _tag: "RpcFault", faultName: "BAD_NAME" })
    }).pipe(supervisor))

  it.live("supervisord's faults arrive as RpcFault with their names", () =>
    Effect.gen(function*() {
      const s = yield* Supervisor
      const badName = (yield* failure(s.getProcessInfo("nope"))) as RpcFault
      expect(badName).toMatchObject({ _tag: "RpcFault", faultCode: 10, faultName: "BAD_NAME", faultString: "BAD_NAME: nope" })
      expect(badName.message).toBe("BAD_NAME: nope")
      expect(yield* failure(s.stopProcess("idle"))).toMatchObject({ _tag: "RpcFault", faultCode: 70, faultName: "NOT_RUNNING" })
      expect(yield* failure(s.startProcess("talker"))).toMatchObject({ faultCode: 60, faultName: "ALREADY_STARTED" })
      expect(yield* failure(s.signalProcess("talker", "NOPE"))).toMatchObject({ faultName: "BAD_SIGNAL" })
      expect(yield* failure(s.stopProcess("nope"))).toMatchObject({ faultName: "BAD_NAME" })
    }).pipe(supervisor))

  it.live("signalProcess, getState", () =>
    Effect.gen(function*() {
      const s = yield* Supervisor
      expect(yield* s.signalProcess("talker", "CONT")).toBe(true)
      expect(yield* s.getState).toEqual({ statecode: 1, statename: "RUNNING" })
    }).pipe(supervisor))

  it.live("tails stdout and stderr logs, UTF-8 and control characters included", () =>
    Effect.gen(function*() {
      const s = yield* Supervisor
      yield* waitUntil(Effect.map(s.tailProcessStderrLog("talker", 0, 100), ([data]) => data !== ""), {
        message: "talker's stderr"
      })
      const [out, outOffset, outOverflow] = yield* s.tailProcessStdoutLog("talker", 0, 1000)
      expect(out).toBe("hello café \u001b[31mred\u001b[0m\n")
      expect(outOffset).toBe(Buffer.byteLength(out))
      expect(outOverflow).toBe(false)
      expect(yield* s.tailProcessStderrLog("talker", 0, 1000)).toEqual(["oops\n", 5, false])
      // the last 3 bytes of a longer log: overflow says there was more
      expect(yield* s.tailProcessStderrLog("talker", 0, 3)).toEqual(["ps\n", 5, true])
      // with redirect_stderr, stderr goes to the stdout log and the stderr log is empty
      yield* waitUntil(Effect.map(s.tailProcessStdoutLog("merged", 0, 100), ([data]) => data !== ""))
      expect((yield* s.tailProcessStdoutLog("merged", 0, 100))[0]).toBe("to-stderr\n")
      expect((yield* s.tailProcessStderrLog("merged", 0, 100))[0]).toBe("")
    }).pipe(supervisor))

  it.live("keeps one connection open across calls, and closes it with the scope", () =>
    Effect.gen(function*() {
      const pid = sv().pid
      // Earlier tests' connections may still be closing: compare against counts, not exact values.
      const baseline = socketCount(pid)
      let during = 0
      yield* Effect.scoped(Effect.gen(function*() {
        const s = yield* Supervisor.make({ url: sv().url })
        for (let i = 0; i < 5; i++) yield* s.getState
        during = socketCount(pid)
        expect(during).toBeLessThanOrEqual(baseline + 1) // not one connection per call
      }))
      yield* waitUntil(() => socketCount(pid) < during, { message: "the connection to close", timeout: 5_000 })
    }))

  it.live("a missing socket is a SocketMissing transport error", () =>
    Effect.gen(function*() {
      const url = `unix://${path.join(sv().dir, "missing.sock")}`
      const error = (yield* failure(Effect.flatMap(Supervisor, (s) => s.getState).pipe(withClient({ url })))) as RpcTransportError
      expect(error).toMatchObject({ _tag: "RpcTransportError", reason: "SocketMissing", url })
      expect(error.message).toBe(`cannot reach supervisord at ${url}: no such socket (supervisor.getState)`)
    }))

  it.live("layerFromEnv reads SUPERVISOR_SERVER_URL; without it, a ConfigError", () =>
    Effect.gen(function*() {
      const fromEnv = (env: Record<string, string>) =>
        Supervisor.layerFromEnv.pipe(Layer.provide(Layer.setConfigProvider(ConfigProvider.fromJson(env))))
      const state = yield* Effect.flatMap(Supervisor, (s) => s.getState).pipe(
        Effect.provide(fromEnv({ SUPERVISOR_SERVER_URL: sv().url }))
      )
      expect(state.statename).toBe("RUNNING")
      const missing = yield* Effect.flip(Effect.provide(Supervisor, fromEnv({})))
      expect(missing._op).toBe("MissingData")
      const bad = yield* Effect.flip(Effect.provide(Supervisor, fromEnv({ SUPERVISOR_SERVER_URL: "ftp://x" })))
      expect(bad._op).toBe("InvalidData")
    }))
})

describe("Supervisor with credentials", () => {
  const auth = { username: "alice", password: "s3cr%t" }
  const sv = useSupervisord({ auth, inet: true, programs: { sleeper: { command: "sleep 1000", startsecs: 0 } } })
  const getState = Effect.flatMap(Supervisor, (s) => s.getState)

  it.live("the right credentials work, over the socket and over TCP", () =>
    Effect.gen(function*() {
      expect((yield* getState.pipe(withClient({ url: sv().url, ...auth }))).statename).toBe("RUNNING")
      expect(
        (yield* getState.pipe(withClient({ url: sv().url, username: auth.username, password: Redacted.make(auth.password) })))
          .statename
      ).toBe("RUNNING")
      const infos = yield* Effect.flatMap(Supervisor, (s) => s.getAllProcessInfo).pipe(
        withClient({ url: sv().inetUrl!, ...auth })
      )
      expect(infos.map((i) => i.name)).toEqual(["sleeper"])
    }))

  it.live("wrong or missing credentials are Unauthorized", () =>
    Effect.gen(function*() {
      const wrong = (yield* failure(getState.pipe(withClient({ url: sv().url, username: "alice", password: "nope" })))) as RpcTransportError
      expect(wrong).toMatchObject({ _tag: "RpcTransportError", reason: "Unauthorized", status: 401 })
      expect(wrong.message).toContain("refused the credentials")
      expect(yield* failure(getState.pipe(withClient({ url: sv().url })))).toMatchObject({ reason: "Unauthorized" })
      expect(yield* failure(getState.pipe(withClient({ url: sv().inetUrl!, username: "bob", password: "x" }))))
        .toMatchObject({ reason: "Unauthorized" })
    }))
})

/** An HTTP server on a UNIX socket in a fresh temp dir, answering as `handler` says. */
const fakeServer = (
  handler: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void
): Effect.Effect<{ readonly url: string; readonly server: http.Server }, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ url: string; server: http.Server; dir: string }>((resume) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-sv-"))
      const socketPath = path.join(dir, "s.sock")
      const server = http.createServer((req, res) => {
        let body = ""
        req.setEncoding("utf8").on("data", (c: string) => (body += c)).on("end", () => handler(req, res, body))
      })
      server.listen(socketPath, () => resume(Effect.succeed({ url: `unix://${socketPath}`, server, dir })))
    }),
    ({ dir, server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => {
          fs.rmSync(dir, { recursive: true, force: true })
          resume(Effect.void)
        })
      })
  )

const xml = (res: http.ServerResponse, body: string) => {
  res.writeHead(200, { "Content-Type": "text/xml" })
  res.end(body)
}

describe("Supervisor transport errors", () => {
  const getState = Effect.flatMap(Supervisor, (s) => s.getState)

  it.live("no answer within the timeout is a Timeout", () =>
    Effect.gen(function*() {
      const { url } = yield* fakeServer(() => {/* never answers */})
      const error = yield* failure(getState.pipe(withClient({ url, timeout: "200 millis" })))
      expect(error).toMatchObject({ _tag: "RpcTransportError", reason: "Timeout", method: "supervisor.getState" })
    }).pipe(Effect.scoped), { timeout: 5_000 })

  it.live("interrupting a call closes its request", () =>
    Effect.gen(function*() {
      let closed = false
      const { url } = yield* fakeServer((req) => {
        req.socket.on("close", () => (closed = true))
      })
      yield* Effect.gen(function*() {
        const s = yield* Supervisor
        const fiber = yield* Effect.fork(s.stopProcess("app"))
        yield* sleepReal(100)
        yield* Fiber.interrupt(fiber)
        // while the client (and its keep-alive agent) still exists
        yield* waitUntil(() => closed, { message: "the server to see the connection close", timeout: 2_000 })
      }).pipe(withClient({ url }))
    }).pipe(Effect.scoped))

  it.live("non-XML-RPC answers, other statuses and wrong shapes", () =>
    Effect.gen(function*() {
      const { url } = yield* fakeServer((req, res, body) => {
        if (req.url !== "/RPC2") return xml(res, encodeFault(1, "wrong path"))
        if (body.includes("getState")) return xml(res, encodeMethodResponse("not a struct"))
        if (body.includes("getProcessInfo")) return xml(res, "<html>oops</html>")
        if (body.includes("stopProcess")) return xml(res, encodeFault(12345, "something odd"))
        res.writeHead(500, "Internal Server Error").end()
      })
      const call = <A>(f: (s: Supervisor["Type"]) => Effect.Effect<A, unknown>) =>
        failure(Effect.flatMap(Supervisor, f).pipe(withClient({ url })))
      const shape = (yield* call((s) => s.getState)) as RpcTransportError
      expect(shape).toMatchObject({ reason: "BadResponse" })
      expect(shape.message).toContain("supervisor.getState")
      expect(yield* call((s) => s.getProcessInfo("x"))).toMatchObject({ reason: "BadResponse" })
      expect(yield* call((s) => s.stopProcess("x"))).toMatchObject({
        _tag: "RpcFault",
        faultCode: 12345,
        faultName: "UNKNOWN",
        message: "UNKNOWN: something odd"
      })
      expect(yield* call((s) => s.signalProcess("x", "HUP"))).toMatchObject({ reason: "HttpStatus", status: 500 })
    }).pipe(Effect.scoped))

  it.live("a kept-alive connection the server dropped is retried on a new one", () =>
    Effect.gen(function*() {
      const served = new WeakMap<net.Socket, number>()
      let connections = 0
      let dropped = false
      const { url, server } = yield* fakeServer((req, res) => {
        const n = (served.get(req.socket) ?? 0) + 1
        served.set(req.socket, n)
        // once, the second request on a connection finds it gone, as when supervisord restarted meanwhile
        if (n === 2 && !dropped) {
          dropped = true
          return req.socket.destroy()
        }
        xml(res, encodeMethodResponse({ statecode: 1, statename: "RUNNING" }))
      })
      server.on("connection", () => connections++)
      const states = yield* Effect.flatMap(Supervisor, (s) => Effect.all([s.getState, s.getState, s.getState])).pipe(
        withClient({ url })
      )
      expect(states.map((s) => s.statename)).toEqual(["RUNNING", "RUNNING", "RUNNING"])
      expect(dropped).toBe(true)
      expect(connections).toBe(2)
    }).pipe(Effect.scoped))

  it.live("nothing listening on a TCP port is Refused; a bad URL is BadUrl", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const refused = (yield* failure(getState.pipe(withClient({ url: `http://127.0.0.1:${port}` })))) as RpcTransportError
      expect(refused.reason).toBe("Refused")
      expect(refused.message).toContain(`cannot reach supervisord at http://127.0.0.1:${port}/`)
      const bad = yield* Effect.flip(Effect.scoped(Supervisor.make({ url: "https://example.com" })))
      expect(bad).toMatchObject({ reason: "BadUrl" })
      const empty = yield* Effect.flip(Effect.scoped(Supervisor.make({ url: "unix://" })))
      expect(empty).toMatchObject({ reason: "BadUrl" })
    }))
})
