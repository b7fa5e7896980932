/**
 * A real supervisord for tests: a fresh temp dir with its own config and UNIX socket, started
 * with `supervisord -n`, ready once getState answers RUNNING, shut down (children included)
 * when the scope closes.
 *
 *   // Effect style
 *   it.scoped("...", () => Effect.gen(function*() {
 *     const sv = yield* supervisord({ programs: { sleeper: { command: "sleep 1000" } } })
 *     ...
 *   }))
 *
 *   // shared by the tests of a file
 *   const sv = useSupervisord({ programs: { ... } })   // registers beforeAll/afterAll
 *   it.live("...", () => Effect.gen(function*() { const info = yield* sv().processInfo("sleeper") }))
 *
 * Values in the generated config go through supervisord's `%(name)s` expansion: write a
 * literal `%` in a command as `%%` (environment values and paths are escaped for you).
 * All waiting here is in real time, so the helpers also work inside `it.effect` (TestClock).
 */
import { spawn, type ChildProcess } from "node:child_process"
import * as fs from "node:fs"
import * as http from "node:http"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import { afterAll, beforeAll } from "vitest"
import { ProcessInfo } from "../../src/domain/ProcessInfo.js"
import { decodeMethodResponse, encodeMethodCall, type XmlRpcValue } from "../../src/supervisor/XmlRpc.js"

export interface ProgramOptions {
  readonly command: string
  readonly autostart?: boolean
  readonly autorestart?: boolean | "unexpected"
  readonly startsecs?: number
  readonly startretries?: number
  readonly stopwaitsecs?: number
  readonly stopsignal?: string
  readonly exitcodes?: ReadonlyArray<number>
  readonly redirect_stderr?: boolean
  readonly environment?: Readonly<Record<string, string>>
  readonly numprocs?: number
  /** Needed with numprocs > 1, e.g. `%(program_name)s_%(process_num)s`. */
  readonly process_name?: string
  readonly directory?: string
  readonly priority?: number
  /** Any other `key=value` lines of the section. */
  readonly extra?: Readonly<Record<string, string | number | boolean>>
}

export interface EventListenerOptions extends Omit<ProgramOptions, "redirect_stderr"> {
  readonly events: ReadonlyArray<string>
  readonly buffer_size?: number
  /**
   * With `auth` set, add SUPERVISOR_USERNAME / SUPERVISOR_PASSWORD to the listener's environment,
   * as an operator would with `environment=`. Default true.
   */
  readonly credentials?: boolean
}

export interface SupervisordOptions {
  readonly programs?: Readonly<Record<string, ProgramOptions>>
  readonly eventlisteners?: Readonly<Record<string, EventListenerOptions>>
  /** `[group:name]` sections: group name → program names. */
  readonly groups?: Readonly<Record<string, ReadonlyArray<string>>>
  /** Basic auth on the socket (and on the TCP port, when there is one). */
  readonly auth?: { readonly username: string; readonly password: string }
  /** Also serve XML-RPC on a free 127.0.0.1 port (`inetUrl`). */
  readonly inet?: boolean
  /** supervisord's log level (default info; `debug` shows event dispatch). */
  readonly loglevel?: "critical" | "error" | "warn" | "info" | "debug" | "trace" | "blather"
  /** Raw text appended to the config. */
  readonly extra?: string
  /** Namespecs that must be RUNNING before the fixture is handed over. */
  readonly waitRunning?: ReadonlyArray<string>
  /** Milliseconds to wait for RUNNING (default 15 s). */
  readonly startTimeout?: number
  /** Milliseconds to wait for a clean exit before SIGKILL (default 12 s: above supervisord's default stopwaitsecs). */
  readonly stopTimeout?: number
  /** Keep the temp dir after shutdown (for debugging). */
  readonly keepDir?: boolean
}

export interface CtlResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export interface WaitOptions {
  /** Milliseconds (default 10 s). */
  readonly timeout?: number
  /** Milliseconds between checks (default 50). */
  readonly interval?: number
  /** What was awaited, for the error. */
  readonly message?: string
}

export class SupervisordFixtureError extends Data.TaggedError("SupervisordFixtureError")<{
  readonly message: string
}> {}

export interface Supervisord {
  readonly dir: string
  readonly confPath: string
  readonly socketPath: string
  /** `unix://<socketPath>` */
  readonly url: string
  /** `http://127.0.0.1:<port>` with `inet: true` */
  readonly inetUrl: string | undefined
  readonly pid: number
  readonly auth: { readonly username: string; readonly password: string } | undefined
  /** What a listener gets from supervisord (plus the credentials, when set). */
  readonly env: Readonly<Record<string, string>>
  /** `env` plus SUPERVISOR_PROCESS_NAME / SUPERVISOR_GROUP_NAME, as a listener named so sees it. */
  readonly listenerEnv: (name: string, group?: string) => Readonly<Record<string, string>>
  /** A raw XML-RPC call over the socket; a fault fails with its faultString. */
  readonly rpc: (method: string, ...params: ReadonlyArray<XmlRpcValue>) => Effect.Effect<XmlRpcValue, SupervisordFixtureError>
  readonly processInfo: (namespec: string) => Effect.Effect<ProcessInfo, SupervisordFixtureError>
  readonly allProcessInfo: Effect.Effect<ReadonlyArray<ProcessInfo>, SupervisordFixtureError>
  /** Waits until the process is in the state; answers its info. */
  readonly waitForState: (namespec: string, statename: string, options?: WaitOptions) => Effect.Effect<ProcessInfo, SupervisordFixtureError>
  /** Runs `supervisorctl -c <conf> ...args`. */
  readonly ctl: (...args: ReadonlyArray<string>) => Effect.Effect<CtlResult>
  /** A program's (or listener's) log file, "" when there is none yet. */
  readonly readLog: (namespec: string, channel?: "stdout" | "stderr") => Effect.Effect<string, SupervisordFixtureError>
  /** supervisord's own log. */
  readonly supervisordLog: Effect.Effect<string>
}

// ---------------------------------------------------------------------------
// Helpers usable on their own

/** Sleeps in real time (not on the TestClock). */
export const sleepReal = (ms: number): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    const timer = setTimeout(() => resume(Effect.void), ms)
    return Effect.sync(() => clearTimeout(timer))
  })

/** Polls `check` in real time until it holds. */
export const waitUntil = <E = never, R = never>(
  check: Effect.Effect<boolean, E, R> | (() => boolean | PromiseLike<boolean>),
  options: WaitOptions = {}
): Effect.Effect<void, E | SupervisordFixtureError, R> => {
  const timeout = options.timeout ?? 10_000
  const interval = options.interval ?? 50
  const test: Effect.Effect<boolean, E, R> = Effect.isEffect(check)
    ? check
    : Effect.promise(async () => await check())
  return Effect.gen(function*() {
    const deadline = Date.now() + timeout
    while (true) {
      if (yield* test) return
      if (Date.now() > deadline) {
        return yield* new SupervisordFixtureError({
          message: `timed out after ${timeout} ms waiting for ${options.message ?? "a condition"}`
        })
      }
      yield* sleepReal(interval)
    }
  })
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export const freePort: Effect.Effect<number> = Effect.async<number>((resume) => {
  const server = net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

const portIsFree = (port: number): Effect.Effect<boolean> =>
  Effect.async<boolean>((resume) => {
    const server = net.createServer()
    server.once("error", () => resume(Effect.succeed(false)))
    server.listen(port, "127.0.0.1", () => server.close(() => resume(Effect.succeed(true))))
  })

/**
 * A base port such that `base`, `base + 1`, … `base + count - 1` were all free on 127.0.0.1 a
 * moment ago: the ports of a numprocs program's instances. With `hundreds`, the base is a
 * multiple of 100, so the instances' ports read `<base / 100>00`, `<base / 100>01`, … (supervisord's
 * `80%(process_num)02d` convention, with a free prefix).
 */
export const freePortBlock = (count: number, options: { readonly hundreds?: boolean } = {}): Effect.Effect<number> =>
  Effect.gen(function*() {
    for (let attempt = 0; attempt < 200; attempt++) {
      const base = options.hundreds === true
        ? 100 * (200 + Math.floor(Math.random() * 400))
        : 20_000 + Math.floor(Math.random() * 40_000)
      let free = true
      for (let i = 0; i < count && free; i++) free = yield* portIsFree(base + i)
      if (free) return base
    }
    return yield* Effect.dieMessage(`no block of ${count} free ports found`)
  })

// ---------------------------------------------------------------------------
// The config file

/** supervisord expands `%(name)s` in most values. */
const escapePercent = (s: string): string => s.replace(/%/g, "%%")

const environmentLine = (env: Readonly<Record<string, string>>): string =>
  Object.entries(env)
    .map(([k, v]) => `${k}="${escapePercent(v).replace(/\\/g, "\\\\").replace(/"/g, "\\\"")}"`)
    .join(",")

const boolean = (b: boolean): string => (b ? "true" : "false")

const processLines = (dir: string, name: string, p: EventListenerOptions | ProgramOptions): Array<string> => {
  const lines = [`command=${p.command}`]
  const numbered = (p.numprocs ?? 1) > 1
  const logBase = path.join(dir, "logs", escapePercent(name)) + (numbered ? "-%(process_num)s" : "")
  if (p.autostart !== undefined) lines.push(`autostart=${boolean(p.autostart)}`)
  if (p.autorestart !== undefined) {
    lines.push(`autorestart=${typeof p.autorestart === "boolean" ? boolean(p.autorestart) : p.autorestart}`)
  }
  if (p.startsecs !== undefined) lines.push(`startsecs=${p.startsecs}`)
  if (p.startretries !== undefined) lines.push(`startretries=${p.startretries}`)
  if (p.stopwaitsecs !== undefined) lines.push(`stopwaitsecs=${p.stopwaitsecs}`)
  if (p.stopsignal !== undefined) lines.push(`stopsignal=${p.stopsignal}`)
  if (p.exitcodes !== undefined) lines.push(`exitcodes=${p.exitcodes.join(",")}`)
  if (p.numprocs !== undefined) lines.push(`numprocs=${p.numprocs}`)
  if (p.process_name !== undefined) lines.push(`process_name=${p.process_name}`)
  else if (numbered) lines.push("process_name=%(program_name)s_%(process_num)s")
  if (p.directory !== undefined) lines.push(`directory=${escapePercent(p.directory)}`)
  if (p.priority !== undefined) lines.push(`priority=${p.priority}`)
  const redirect = "redirect_stderr" in p && p.redirect_stderr === true
  if (redirect) lines.push("redirect_stderr=true")
  lines.push(`stdout_logfile=${logBase}.stdout.log`)
  if (!redirect) lines.push(`stderr_logfile=${logBase}.stderr.log`)
  return lines
}

const renderConfig = (dir: string, options: SupervisordOptions, port: number | undefined): string => {
  const socketPath = path.join(dir, "supervisor.sock")
  const auth = options.auth
  const authLines = auth === undefined
    ? []
    : [`username=${auth.username}`, `password=${escapePercent(auth.password)}`]
  const sections: Array<Array<string>> = [
    ["[unix_http_server]", `file=${escapePercent(socketPath)}`, "chmod=0700", ...authLines],
    ...(port === undefined ? [] : [["[inet_http_server]", `port=127.0.0.1:${port}`, ...authLines]]),
    [
      "[supervisord]",
      `logfile=${escapePercent(path.join(dir, "supervisord.log"))}`,
      `pidfile=${escapePercent(path.join(dir, "supervisord.pid"))}`,
      `childlogdir=${escapePercent(path.join(dir, "logs"))}`,
      `loglevel=${options.loglevel ?? "info"}`,
      "nodaemon=true"
    ],
    ["[rpcinterface:supervisor]", "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface"],
    ["[supervisorctl]", `serverurl=unix://${escapePercent(socketPath)}`, ...authLines]
  ]
  for (const [name, p] of Object.entries(options.programs ?? {})) {
    const lines = [`[program:${name}]`, ...processLines(dir, name, p)]
    if (p.environment !== undefined) lines.push(`environment=${environmentLine(p.environment)}`)
    for (const [k, v] of Object.entries(p.extra ?? {})) lines.push(`${k}=${typeof v === "boolean" ? boolean(v) : v}`)
    sections.push(lines)
  }
  for (const [name, l] of Object.entries(options.eventlisteners ?? {})) {
    const lines = [`[eventlistener:${name}]`, ...processLines(dir, name, l), `events=${l.events.join(",")}`]
    if (l.buffer_size !== undefined) lines.push(`buffer_size=${l.buffer_size}`)
    const environment = {
      ...(auth !== undefined && l.credentials !== false
        ? { SUPERVISOR_USERNAME: auth.username, SUPERVISOR_PASSWORD: auth.password }
        : {}),
      ...l.environment
    }
    if (Object.keys(environment).length > 0) lines.push(`environment=${environmentLine(environment)}`)
    for (const [k, v] of Object.entries(l.extra ?? {})) lines.push(`${k}=${typeof v === "boolean" ? boolean(v) : v}`)
    sections.push(lines)
  }
  for (const [name, programs] of Object.entries(options.groups ?? {})) {
    sections.push([`[group:${name}]`, `programs=${programs.join(",")}`])
  }
  return sections.map((lines) => lines.join("\n")).join("\n\n") + "\n\n" + (options.extra ?? "") + "\n"
}

// ---------------------------------------------------------------------------
// Talking to it

const rawRpc = (
  socketPath: string,
  auth: SupervisordOptions["auth"],
  method: string,
  params: ReadonlyArray<XmlRpcValue>
): Effect.Effect<XmlRpcValue, SupervisordFixtureError> =>
  Effect.async<XmlRpcValue, SupervisordFixtureError>((resume) => {
    const body = Buffer.from(encodeMethodCall(method, params))
    const headers: http.OutgoingHttpHeaders = {
      Host: "localhost",
      "Content-Type": "text/xml",
      "Content-Length": body.length
    }
    if (auth !== undefined) {
      headers["Authorization"] = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`
    }
    const fail = (message: string) =>
      resume(Effect.fail(new SupervisordFixtureError({ message: `${method}: ${message}` })))
    const req = http.request({ socketPath, path: "/RPC2", method: "POST", headers, agent: false }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (c: Buffer) => chunks.push(c))
      res.on("error", (err) => fail(err.message))
      res.on("end", () => {
        if (res.statusCode !== 200) return fail(`HTTP ${res.statusCode}`)
        const decoded = decodeMethodResponse(Buffer.concat(chunks).toString("utf8"))
        if (Either.isLeft(decoded)) return fail(decoded.left.message)
        if (decoded.right._tag === "Fault") return fail(decoded.right.faultString)
        resume(Effect.succeed(decoded.right.value))
      })
    })
    req.on("error", (err) => fail(err.message))
    req.end(body)
    return Effect.sync(() => req.destroy())
  })

const decodeAs = <A, I>(schema: Schema.Schema<A, I>) => (value: XmlRpcValue) =>
  Effect.mapError(
    Schema.decodeUnknown(schema)(value),
    (e) => new SupervisordFixtureError({ message: e.message })
  )

const runCtl = (confPath: string, args: ReadonlyArray<string>): Effect.Effect<CtlResult> =>
  Effect.async<CtlResult>((resume) => {
    const child = spawn("supervisorctl", ["-c", confPath, ...args], { stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s))
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s))
    child.on("error", (err) => resume(Effect.succeed({ code: null, stdout, stderr: stderr + err.message })))
    child.on("close", (code) => resume(Effect.succeed({ code, stdout, stderr })))
    return Effect.sync(() => child.kill("SIGKILL"))
  })

const readFileOrEmpty = (file: string): string => {
  try {
    return fs.readFileSync(file, "utf8")
  } catch {
    return ""
  }
}

/** Direct children of `pid`, from /proc. */
const childrenOf = (pid: number): Array<number> => {
  const children: Array<number> = []
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    const stat = readFileOrEmpty(`/proc/${entry}/stat`)
    // The command name (field 2) may contain spaces; fields after its closing paren are fixed.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    if (Number(fields[1]) === pid) children.push(Number(entry))
  }
  return children
}

const killQuietly = (pid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(pid, signal)
  } catch {
    // already gone
  }
}

const poke = (socketPath: string): void => {
  const socket = net.connect(socketPath)
  socket.on("error", () => {/* shutting down: fine */})
  socket.on("connect", () => socket.destroy())
}

const exited = (child: ChildProcess, ms: number): Effect.Effect<boolean> =>
  Effect.async<boolean>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.succeed(true))
    const timer = setTimeout(() => resume(Effect.succeed(false)), ms)
    child.once("exit", () => {
      clearTimeout(timer)
      resume(Effect.succeed(true))
    })
    return Effect.sync(() => clearTimeout(timer))
  })

// ---------------------------------------------------------------------------
// Start and stop

interface Running {
  readonly handle: Supervisord
  readonly child: ChildProcess
  readonly onExit: () => void
}

const start = (options: SupervisordOptions): Effect.Effect<Running, SupervisordFixtureError> =>
  Effect.gen(function*() {
    // Short path: a UNIX socket path must stay under 108 bytes.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sv-"))
    fs.mkdirSync(path.join(dir, "logs"))
    const port = options.inet === true ? yield* freePort : undefined
    const confPath = path.join(dir, "supervisord.conf")
    fs.writeFileSync(confPath, renderConfig(dir, options, port))
    const socketPath = path.join(dir, "supervisor.sock")
    const url = `unix://${socketPath}`
    const auth = options.auth

    const output = fs.openSync(path.join(dir, "supervisord.out"), "a")
    const child = spawn("supervisord", ["-n", "-c", confPath], { cwd: dir, stdio: ["ignore", output, output] })
    fs.closeSync(output)
    // If the test run dies without closing the scope, still ask supervisord to stop its children.
    const onExit = () => killQuietly(child.pid ?? -1, "SIGTERM")
    process.once("exit", onExit)

    const rpc = (method: string, ...params: ReadonlyArray<XmlRpcValue>) => rawRpc(socketPath, auth, method, params)
    const processInfo = (namespec: string) =>
      Effect.flatMap(rpc("supervisor.getProcessInfo", namespec), decodeAs(ProcessInfo))
    const env: Record<string, string> = { SUPERVISOR_ENABLED: "1", SUPERVISOR_SERVER_URL: url }
    if (auth !== undefined) {
      env["SUPERVISOR_USERNAME"] = auth.username
      env["SUPERVISOR_PASSWORD"] = auth.password
    }
    const supervisordLog = Effect.sync(() => readFileOrEmpty(path.join(dir, "supervisord.log")))

    const handle: Supervisord = {
      dir,
      confPath,
      socketPath,
      url,
      inetUrl: port === undefined ? undefined : `http://127.0.0.1:${port}`,
      pid: child.pid ?? -1,
      auth,
      env,
      listenerEnv: (name, group = name) => ({ ...env, SUPERVISOR_PROCESS_NAME: name, SUPERVISOR_GROUP_NAME: group }),
      rpc,
      processInfo,
      allProcessInfo: Effect.flatMap(rpc("supervisor.getAllProcessInfo"), decodeAs(Schema.Array(ProcessInfo))),
      waitForState: (namespec, statename, waitOptions = {}) => {
        let last: ProcessInfo | undefined
        return waitUntil(
          Effect.map(processInfo(namespec), (info) => {
            last = info
            return info.statename === statename
          }),
          { message: `${namespec} to be ${statename}`, ...waitOptions }
        ).pipe(
          Effect.mapError((e) =>
            new SupervisordFixtureError({ message: `${e.message} (last seen: ${last?.statename ?? "nothing"})` })
          ),
          Effect.map(() => last!)
        )
      },
      ctl: (...args) => runCtl(confPath, args),
      readLog: (namespec, channel = "stdout") =>
        Effect.map(processInfo(namespec), (info) =>
          readFileOrEmpty(channel === "stdout" ? info.stdout_logfile : info.stderr_logfile)),
      supervisordLog
    }
    const running: Running = { handle, child, onExit }

    const startTimeout = options.startTimeout ?? 15_000
    const ready = yield* waitUntil(
      Effect.gen(function*() {
        if (child.exitCode !== null || child.signalCode !== null) {
          return yield* new SupervisordFixtureError({ message: "supervisord exited during start-up" })
        }
        const state = yield* Effect.either(rpc("supervisor.getState"))
        return Either.isRight(state) && (state.right as { statename?: unknown }).statename === "RUNNING"
      }),
      { timeout: startTimeout, interval: 50, message: "supervisord to be RUNNING" }
    ).pipe(
      Effect.zipRight(Effect.forEach(options.waitRunning ?? [], (namespec) =>
        handle.waitForState(namespec, "RUNNING", { timeout: startTimeout }))),
      Effect.either
    )
    if (Either.isLeft(ready)) {
      yield* stop(options, running)
      const out = readFileOrEmpty(path.join(dir, "supervisord.out"))
      return yield* new SupervisordFixtureError({
        message: `${ready.left.message}\nconfig ${confPath}:\n${readFileOrEmpty(confPath)}\noutput:\n${out}`
      })
    }
    return running
  })

const stop = (options: SupervisordOptions, running: Running): Effect.Effect<void> =>
  Effect.gen(function*() {
    const { child, handle } = running
    const pid = child.pid
    if (pid !== undefined && child.exitCode === null && child.signalCode === null) {
      // SIGTERM is what `supervisorctl shutdown` amounts to: supervisord stops every child first.
      killQuietly(pid, "SIGTERM")
      // supervisord notices the signal only when its poll() (1 s timeout) returns: a connection
      // to its socket wakes it sooner.
      const deadline = Date.now() + (options.stopTimeout ?? 12_000)
      let gone = false
      while (!gone && Date.now() < deadline) {
        poke(handle.socketPath)
        gone = yield* exited(child, Math.min(100, Math.max(0, deadline - Date.now())))
      }
      if (!gone) {
        const children = childrenOf(pid)
        killQuietly(pid, "SIGKILL")
        // supervisord puts each child in its own process group.
        for (const c of children) {
          killQuietly(-c, "SIGKILL")
          killQuietly(c, "SIGKILL")
        }
        yield* exited(child, 2_000)
      }
    }
    process.removeListener("exit", running.onExit)
    if (options.keepDir !== true) fs.rmSync(handle.dir, { recursive: true, force: true })
  })

/** A running supervisord for the life of the scope. */
export const supervisord = (
  options: SupervisordOptions = {}
): Effect.Effect<Supervisord, SupervisordFixtureError, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(start(options), (running) => stop(options, running)),
    (running) => running.handle
  )

export interface StartedSupervisord extends Supervisord {
  readonly stop: () => Promise<void>
}

/** Promise-friendly: `const sv = await startSupervisord(...)` in beforeAll, `await sv.stop()` in afterAll. */
export const startSupervisord = async (options: SupervisordOptions = {}): Promise<StartedSupervisord> => {
  const scope = Effect.runSync(Scope.make())
  const exit = await Effect.runPromiseExit(Scope.extend(supervisord(options), scope))
  if (Exit.isFailure(exit)) {
    await Effect.runPromise(Scope.close(scope, exit))
    throw Cause.squash(exit.cause)
  }
  return { ...exit.value, stop: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

/**
 * Starts one supervisord for the tests of the enclosing describe/file (beforeAll) and stops it
 * afterwards (afterAll). Call the returned function inside a test to get it.
 */
export const useSupervisord = (options: SupervisordOptions = {}): () => StartedSupervisord => {
  let started: StartedSupervisord | undefined
  beforeAll(async () => {
    started = await startSupervisord(options)
  })
  afterAll(async () => {
    await started?.stop()
    started = undefined
  })
  return () => {
    if (started === undefined) throw new Error("supervisord is not running (used outside a test?)")
    return started
  }
}
