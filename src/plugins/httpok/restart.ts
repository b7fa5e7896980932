/**
 * What httpok does to a process it acts on, in the original's report lines: leave it alone (not
 * RUNNING, younger than `--grace`, held by the restart limit), or core-dump it (with `-d`) and
 * restart it. Shared by the one-URL check and the per-process checks.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { type FullName, fullName, type Namespec, namespec } from "../../domain/Process.js"
import { type ProcessInfo, ProcessState } from "../../domain/ProcessInfo.js"
import { formatAsctime } from "../../domain/Time.js"
import { Gcore } from "../../services/Gcore.js"
import { Supervisor } from "../../supervisor/Supervisor.js"
import * as Grace from "../safety/Grace.js"
import * as RestartGuard from "../safety/RestartGuard.js"
import type { HttpokConfig } from "./options.js"

export const isRunning = (info: ProcessInfo) => info.state === ProcessState.RUNNING

/** A watched RUNNING process the restart limit holds back, the first time it does. */
export interface Held {
  readonly spec: Namespec
  readonly name: FullName
  readonly hold: RestartGuard.Hold
}

/** Report lines being written: each one is also logged as it is written. */
export interface Report {
  readonly lines: Array<string>
  readonly write: (line: string) => Effect.Effect<void>
}

export const report = (): Report => {
  const lines: Array<string> = []
  return {
    lines,
    write: (line) =>
      Effect.sync(() => {
        lines.push(line)
      }).pipe(Effect.zipRight(Effect.logInfo(line)))
  }
}

/** What the restarts of one check came to. */
export interface Tally {
  readonly restarted: Array<FullName>
  /** Restarts tried (a failed stop or start included): what makes a report worth mailing. */
  tried: number
  /** RUNNING processes left alone for `--grace` or the restart limit. */
  spared: number
  readonly newlyHeld: Array<Held>
}

export const tally = (): Tally => ({ restarted: [], tried: 0, spared: 0, newlyHeld: [] })

/** Left alone, with the report's line saying why; or to be restarted. */
export type Decision = { readonly _tag: "Spare"; readonly line: string } | { readonly _tag: "Restart" }

export const make = (
  config: Pick<HttpokConfig, "coredir" | "gcore"> & Partial<Pick<HttpokConfig, "grace" | "restartLimit">>
) =>
  Effect.gen(function*() {
    const supervisor = yield* Supervisor
    const gcore = yield* Gcore
    const guard = yield* RestartGuard.make(config.restartLimit)
    const grace = Grace.make(config.grace)

    /** Whether the process may be restarted now; a `Restart` counts against the restart limit. */
    const decide = (info: ProcessInfo, counts: Tally): Effect.Effect<Decision> =>
      Effect.gen(function*() {
        const spec = namespec(info)
        if (!isRunning(info)) return { _tag: "Spare", line: `${spec} not in RUNNING state, NOT restarting` }
        const young = Grace.spares(grace, info)
        if (young !== undefined) {
          counts.spared++
          return { _tag: "Spare", line: `${spec} is in RUNNING state but ${young}, NOT restarting` }
        }
        const verdict = yield* guard.admit(fullName(info))
        if (verdict._tag === "Hold") {
          counts.spared++
          if (verdict.announce) counts.newlyHeld.push({ spec, name: fullName(info), hold: verdict })
          return { _tag: "Spare", line: `${spec} is in RUNNING state but was ${verdict.reason}, NOT restarting` }
        }
        if (verdict.resumed) yield* Effect.logInfo(`${spec}: the restart limit has passed, restarting it again`)
        return { _tag: "Restart" }
      })

    /** Core-dumps (with `-d`), stops and starts the process; a fault is reported, never fatal. */
    const restart = (info: ProcessInfo, out: Report, counts: Tally): Effect.Effect<void> =>
      Effect.gen(function*() {
        const spec = namespec(info)
        counts.tried++
        if (config.coredir !== undefined) {
          const corefile = `${config.coredir.replace(/\/+$/, "")}/${spec}`
          const dumped = yield* Effect.either(gcore.dump({ command: config.gcore, corefile, pid: info.pid }))
          yield* out.write(`gcore output for ${spec}:\n\n ${Either.isRight(dumped) ? dumped.right : dumped.left.output}`)
          if (Either.isLeft(dumped)) yield* out.write(`gcore failed for ${spec}: ${dumped.left.message}`)
        }
        yield* out.write(`${spec} is in RUNNING state, restarting`)
        const stopped = yield* Effect.either(supervisor.stopProcess(spec))
        if (Either.isLeft(stopped)) yield* out.write(`Failed to stop process ${spec}: ${stopped.left.message}`)
        const started = yield* Effect.either(supervisor.startProcess(spec))
        if (Either.isLeft(started)) return yield* out.write(`Failed to start process ${spec}: ${started.left.message}`)
        counts.restarted.push(fullName(info))
        yield* out.write(`${spec} restarted`)
      })

    /** Decides, then restarts or writes why not. */
    const act = (info: ProcessInfo, out: Report, counts: Tally): Effect.Effect<void> =>
      Effect.flatMap(decide(info, counts), (decision) =>
        decision._tag === "Spare" ? out.write(decision.line) : restart(info, out, counts))

    return { decide, restart, act }
  })

/** `Not restarting <spec>: it was … Restarts resume at <time> if the check still fails.` */
export const heldLine = ({ hold, spec }: Held): string =>
  `Not restarting ${spec}: it was ${hold.reason}. Restarts resume at ${formatAsctime(hold.resumesAt)} if the check still fails.`
