/**
 * An in-memory supervisord for plugin tests. `SupervisorTest.layer(processes)` provides both
 * `Supervisor` (serving a scripted process table, with supervisord's faults) and `SupervisorTest`
 * (to read the calls made, change the table and script faults):
 *
 *   Effect.gen(function*() {
 *     yield* plugin.onTick(...)
 *     const supervisor = yield* SupervisorTest
 *     expect(yield* supervisor.callsOf("stopProcess")).toEqual([["web:app", true]])
 *   }).pipe(Effect.provide(SupervisorTest.layer([{ name: "app", group: "web" }, { name: "db", statename: "STOPPED" }])))
 *
 * Times (`start`, `stop`, `now`) come from the Clock, so TestClock drives them.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { namespec as namespecOf, parseNamespec } from "../domain/Process.js"
import { isStarted, type ProcessInfo, ProcessState, type ProcessStateName, stateName } from "../domain/ProcessInfo.js"
import { type LogTail, Supervisor, type SupervisorService } from "./Supervisor.js"
import { RpcFault, type SupervisorError } from "./SupervisorError.js"

export type SupervisorMethod = keyof SupervisorService

export interface SupervisorCall {
  readonly method: SupervisorMethod
  /** As passed, with defaults filled in (`stopProcess("x")` records `["x", true]`). */
  readonly args: ReadonlyArray<string | number | boolean>
}

/** A process for the table: only `name` is required; `statename` (or `state`) defaults to RUNNING. */
export type TestProcess = Partial<Omit<ProcessInfo, "statename">> & {
  readonly name: string
  readonly statename?: ProcessStateName
}

export interface FaultOptions {
  /** Only calls naming this process (as passed). */
  readonly namespec?: string
  /** Only this many times (default: until `clearFaults`). */
  readonly times?: number
}

export interface SupervisorTestService {
  /** Every call so far, in order, failed ones included. */
  readonly calls: Effect.Effect<ReadonlyArray<SupervisorCall>>
  /** The arguments of every call to `method`, in order. */
  readonly callsOf: (method: SupervisorMethod) => Effect.Effect<ReadonlyArray<SupervisorCall["args"]>>
  readonly clearCalls: Effect.Effect<void>
  /** The table as it stands (with `now` as of the Clock). */
  readonly processes: Effect.Effect<ReadonlyArray<ProcessInfo>>
  /** One process; dies if the namespec names none (a mistake in the test). */
  readonly process: (namespec: string) => Effect.Effect<ProcessInfo>
  readonly setProcesses: (processes: ReadonlyArray<TestProcess>) => Effect.Effect<void>
  /** Changes fields of a process, e.g. `{ statename: "FATAL" }` (state follows statename, and the reverse). */
  readonly updateProcess: (namespec: string, patch: Partial<TestProcess>) => Effect.Effect<void>
  /** Makes calls to `method` fail with `error`, e.g. `RpcFault.of("SPAWN_ERROR", "web:app")`. */
  readonly setFault: (method: SupervisorMethod, error: SupervisorError, options?: FaultOptions) => Effect.Effect<void>
  readonly clearFaults: Effect.Effect<void>
  /** Adds text to a process's log, for the tail methods. */
  readonly appendLog: (namespec: string, channel: "stdout" | "stderr", text: string) => Effect.Effect<void>
}

interface ScriptedFault {
  readonly method: SupervisorMethod
  readonly namespec: string | undefined
  readonly error: SupervisorError
  remaining: number | undefined
}

const SIGNALS = new Set([
  "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM",
  "TERM", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "SYS"
])

const hasPid = (state: number): boolean =>
  state === ProcessState.RUNNING || state === ProcessState.STARTING || state === ProcessState.STOPPING

/** supervisord's `tailFile`: the last bytes from `offset`, moving the offset and flagging overflow. */
const tail = (log: Buffer, offset: number, length: number): LogTail => {
  const size = log.length
  let overflow = false
  if (size > offset + length) {
    overflow = true
    offset = size - 1
  }
  if (offset + length > size) {
    if (offset > size - 1) length = 0
    offset = size - length
  }
  if (offset < 0) offset = 0
  if (length < 0) length = 0
  return [log.subarray(offset, offset + length).toString("utf8"), size, overflow]
}

const make = (initial: ReadonlyArray<TestProcess>) =>
  Effect.gen(function*() {
    const seconds = Effect.map(Clock.currentTimeMillis, (ms) => Math.floor(ms / 1000))
    let nextPid = 1000
    let table: Array<ProcessInfo> = []
    let calls: Array<SupervisorCall> = []
    let faults: Array<ScriptedFault> = []
    const logs = new Map<string, { stdout: Buffer; stderr: Buffer }>()

    const complete = (p: TestProcess, now: number): ProcessInfo => {
      const state = p.statename !== undefined ? ProcessState[p.statename] : p.state ?? ProcessState.RUNNING
      const pid = p.pid ?? (hasPid(state) ? nextPid++ : 0)
      return {
        group: p.name,
        start: hasPid(state) ? now : 0,
        stop: 0,
        spawnerr: "",
        exitstatus: 0,
        description: state === ProcessState.RUNNING
          ? `pid ${pid}, uptime 0:00:00`
          : state === ProcessState.STOPPED
          ? "Not started"
          : "",
        logfile: `/var/log/supervisor/${p.name}-stdout.log`,
        stdout_logfile: `/var/log/supervisor/${p.name}-stdout.log`,
        stderr_logfile: `/var/log/supervisor/${p.name}-stderr.log`,
        ...p,
        pid,
        state,
        statename: stateName(state),
        now
      }
    }

    const indexOf = (spec: string): number => {
      const { group, name } = parseNamespec(spec)
      return table.findIndex((p) => p.group === group && p.name === name)
    }
    const withNow = (info: ProcessInfo, now: number): ProcessInfo => ({ ...info, now })

    /** Records the call, then fails if a scripted fault matches. */
    const enter = (method: SupervisorMethod, args: SupervisorCall["args"]): Effect.Effect<void, SupervisorError> =>
      Effect.suspend(() => {
        calls.push({ method, args })
        const fault = faults.find((f) => f.method === method && (f.namespec === undefined || f.namespec === args[0]))
        if (fault === undefined) return Effect.void
        if (fault.remaining !== undefined && --fault.remaining <= 0) faults = faults.filter((f) => f !== fault)
        return Effect.fail(fault.error)
      })

    /** The named process, or supervisord's BAD_NAME. */
    const lookup = (spec: string): Effect.Effect<number, RpcFault> =>
      Effect.suspend(() => {
        const i = indexOf(spec)
        return i === -1 ? Effect.fail(RpcFault.of("BAD_NAME", spec)) : Effect.succeed(i)
      })

    const now0 = yield* seconds
    table = initial.map((p) => complete(p, now0))

    const tailLog = (method: SupervisorMethod, channel: "stdout" | "stderr") =>
    (spec: string, offset: number, length: number) =>
      enter(method, [spec, offset, length]).pipe(
        Effect.zipRight(lookup(spec)),
        Effect.map((i) => tail(logs.get(namespecOf(table[i]!))?.[channel] ?? Buffer.alloc(0), offset, length))
      )

    const service: SupervisorService = {
      getAllProcessInfo: enter("getAllProcessInfo", []).pipe(
        Effect.zipRight(seconds),
        Effect.map((now) => table.map((p) => withNow(p, now)))
      ),
      getProcessInfo: (spec) =>
        enter("getProcessInfo", [spec]).pipe(
          Effect.zipRight(lookup(spec)),
          Effect.zip(seconds),
          Effect.map(([i, now]) => withNow(table[i]!, now))
        ),
      stopProcess: (spec, wait = true) =>
        enter("stopProcess", [spec, wait]).pipe(
          Effect.zipRight(lookup(spec)),
          Effect.zip(seconds),
          Effect.flatMap(([i, now]) => {
            const p = table[i]!
            if (!isStarted(p)) return Effect.fail(RpcFault.of("NOT_RUNNING", spec))
            table[i] = { ...p, state: ProcessState.STOPPED, statename: "STOPPED", pid: 0, stop: now, description: "" }
            return Effect.succeed(true)
          })
        ),
      startProcess: (spec, wait = true) =>
        enter("startProcess", [spec, wait]).pipe(
          Effect.zipRight(lookup(spec)),
          Effect.zip(seconds),
          Effect.flatMap(([i, now]) => {
            const p = table[i]!
            if (isStarted(p)) return Effect.fail(RpcFault.of("ALREADY_STARTED", spec))
            const pid = nextPid++
            table[i] = {
              ...p,
              state: ProcessState.RUNNING,
              statename: "RUNNING",
              pid,
              start: now,
              spawnerr: "",
              description: `pid ${pid}, uptime 0:00:00`
            }
            return Effect.succeed(true)
          })
        ),
      signalProcess: (spec, signal) =>
        enter("signalProcess", [spec, signal]).pipe(
          Effect.zipRight(lookup(spec)),
          Effect.flatMap((i) => {
            const name = signal.toUpperCase().replace(/^SIG/, "")
            if (!SIGNALS.has(name) && !/^\d+$/.test(signal)) return Effect.fail(RpcFault.of("BAD_SIGNAL", signal))
            if (!isStarted(table[i]!)) return Effect.fail(RpcFault.of("NOT_RUNNING", spec))
            return Effect.succeed(true)
          })
        ),
      getState: enter("getState", []).pipe(Effect.as({ statecode: 1, statename: "RUNNING" })),
      tailProcessStderrLog: tailLog("tailProcessStderrLog", "stderr"),
      tailProcessStdoutLog: tailLog("tailProcessStdoutLog", "stdout")
    }

    const control: SupervisorTestService = {
      calls: Effect.sync(() => [...calls]),
      callsOf: (method) => Effect.sync(() => calls.filter((c) => c.method === method).map((c) => c.args)),
      clearCalls: Effect.sync(() => {
        calls = []
      }),
      processes: Effect.map(seconds, (now) => table.map((p) => withNow(p, now))),
      process: (spec) =>
        Effect.flatMap(seconds, (now) => {
          const i = indexOf(spec)
          return i === -1 ? Effect.dieMessage(`SupervisorTest: no process ${spec}`) : Effect.succeed(withNow(table[i]!, now))
        }),
      setProcesses: (processes) =>
        Effect.map(seconds, (now) => {
          table = processes.map((p) => complete(p, now))
        }),
      updateProcess: (spec, patch) =>
        Effect.suspend(() => {
          const i = indexOf(spec)
          if (i === -1) return Effect.dieMessage(`SupervisorTest: no process ${spec}`)
          const p = table[i]!
          const state = patch.statename !== undefined ? ProcessState[patch.statename] : patch.state ?? p.state
          table[i] = { ...p, ...patch, state, statename: stateName(state) }
          return Effect.void
        }),
      setFault: (method, error, options = {}) =>
        Effect.sync(() => {
          faults.push({ method, namespec: options.namespec, error, remaining: options.times })
        }),
      clearFaults: Effect.sync(() => {
        faults = []
      }),
      appendLog: (spec, channel, text) =>
        Effect.suspend(() => {
          const i = indexOf(spec)
          if (i === -1) return Effect.dieMessage(`SupervisorTest: no process ${spec}`)
          const key = namespecOf(table[i]!)
          const log = logs.get(key) ?? { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) }
          log[channel] = Buffer.concat([log[channel], Buffer.from(text, "utf8")])
          logs.set(key, log)
          return Effect.void
        })
    }

    return Context.make(Supervisor, service).pipe(Context.add(SupervisorTest, control))
  })

export class SupervisorTest extends Context.Tag("superlance/SupervisorTest")<SupervisorTest, SupervisorTestService>() {
  /** A fresh in-memory supervisord serving `processes`; provides `Supervisor` and `SupervisorTest`. */
  static readonly layer = (processes: ReadonlyArray<TestProcess> = []): Layer.Layer<Supervisor | SupervisorTest> =>
    Layer.effectContext(make(processes))
}
