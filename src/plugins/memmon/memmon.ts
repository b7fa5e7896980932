/**
 * memmon (SPEC §4): on every TICK, sample the memory of each process that has a limit, restart
 * the ones over it, and mail. Operator safety: restart only after `--failures` ticks
 * in a row over the limit, leave alone a process younger than `--grace`, and stop restarting one
 * that hit the restart limit.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Delivery from "../../alerts/Delivery.js"
import type { MemmonConfig } from "./options.js"
import type { Event } from "../../domain/Event.js"
import { ProcessMemory } from "../../services/ProcessMemory.js"
import { isStarted, type ProcessInfo } from "../../domain/ProcessInfo.js"
import { Supervisor } from "../../supervisor/Supervisor.js"
import { ctime } from "../../domain/Time.js"
import * as Debounce from "../safety/Debounce.js"
import * as Grace from "../safety/Grace.js"
import * as RestartGuard from "../safety/RestartGuard.js"
import { type FullName, fullName, type ProcessId } from "../../domain/Process.js"
import { isSelf, isWholeGroup, type ProgramSpec, selects } from "../../domain/Selection.js"

export type MemmonOptions =
  & Pick<MemmonConfig, "cumulative" | "programLimits" | "groupLimits" | "anyLimit" | "uptimeLimit" | "name">
  // Absent: the original's behaviour.
  & Partial<Pick<MemmonConfig, "failures" | "grace" | "restartLimit">>
  /** Where unsent alerts are kept (`--spool`), if anywhere. */
  & { readonly spoolFile?: string | undefined }

/**
 * The limit in bytes that applies to a process, if any: the most specific one that names it
 * (`-p group:name`, then `-p name`, then `-p group:*`, then `-g group`, then `-a`, which never
 * covers the listener itself). A group's limit applies to each of its processes on its own.
 */
export const limitFor = (config: MemmonOptions, self: ProcessId | undefined) => (process: ProcessId): number | undefined => {
  const named = (level: (spec: ProgramSpec) => boolean) =>
    config.programLimits.find((l) => level(l.program) && selects(l.program, process))?.bytes
  return named((spec) => spec.group !== undefined && !isWholeGroup(spec)) ??
    named((spec) => spec.group === undefined) ??
    named(isWholeGroup) ??
    config.groupLimits.find((l) => l.group === process.group)?.bytes ??
    (isSelf(self, process) ? undefined : config.anyLimit)
}

/** What the original logs at the start of every check. */
export const checkingLines = (config: MemmonOptions): ReadonlyArray<string> => {
  const pairs = (entries: ReadonlyArray<readonly [string, number]>) =>
    [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join(", ")
  const lines: Array<string> = []
  if (config.programLimits.length > 0) {
    lines.push(`Checking programs ${pairs(config.programLimits.map((l) => [l.program.text, l.bytes]))}`)
  }
  if (config.groupLimits.length > 0) lines.push(`Checking groups ${pairs(config.groupLimits.map((l) => [l.group, l.bytes]))}`)
  if (config.anyLimit !== undefined) lines.push(`Checking any=${config.anyLimit}`)
  return lines
}

export const memmon = (config: MemmonOptions, self?: ProcessId) =>
  Effect.gen(function*() {
    const alerts = yield* Delivery.alerts({ name: "memmon", spoolFile: config.spoolFile })
    const supervisor = yield* Supervisor
    const memory = yield* ProcessMemory
    const limitOf = limitFor(config, self)
    const checking = checkingLines(config)
    const uptimeLimit = config.uptimeLimit === undefined ? undefined : Duration.toSeconds(config.uptimeLimit)
    const subject = (text: string) => config.name === undefined ? `memmon: ${text}` : `memmon [${config.name}]: ${text}`
    const guard = yield* RestartGuard.make(config.restartLimit)
    const grace = Grace.make(config.grace)
    /** Ticks in a row each process has been over its limit, counted for one pid (`--failures`). */
    const overLimit = Debounce.make<FullName>(config.failures)

    const failed = (name: FullName, subjectText: string, body: string) =>
      Effect.logError(body).pipe(
        Effect.zipRight(alerts.send({ plugin: "memmon", subject: subject(subjectText), body, processes: [name] }))
      )

    /** Stop and start; the mail only for a process that had been up at most `-u`. A fault is reported, never fatal. */
    const restart = (info: ProcessInfo, rss: number) =>
      Effect.gen(function*() {
        const name = fullName(info)
        const current = yield* supervisor.getProcessInfo(name).pipe(Effect.orElseSucceed(() => info))
        const uptime = current.now - current.start
        yield* Effect.logInfo(`Restarting ${name}`)
        const stopped = yield* Effect.either(supervisor.stopProcess(name))
        if (stopped._tag === "Left") {
          return yield* failed(
            name,
            `failed to stop process ${name}`,
            `Failed to stop process ${name} (RSS ${rss}): ${stopped.left.message}`
          )
        }
        const started = yield* Effect.either(supervisor.startProcess(name))
        if (started._tag === "Left") {
          return yield* failed(
            name,
            `failed to start process ${name}`,
            `Failed to start process ${name} after stopping it: ${started.left.message}`
          )
        }
        if (uptimeLimit !== undefined && uptime > uptimeLimit) return
        const at = ctime(yield* Clock.currentTimeMillis)
        yield* alerts.send({
          plugin: "memmon",
          subject: subject(`process ${name} restarted`),
          body: `memmon.py restarted the process named ${name} at ${at} because it was consuming too much memory (${rss} bytes RSS)`,
          processes: [name]
        })
      })

    /** The one alert saying the restart limit holds a process back. */
    const limitReached = (name: FullName, rss: number, hold: RestartGuard.Hold) =>
      Effect.gen(function*() {
        const at = ctime(yield* Clock.currentTimeMillis)
        yield* alerts.send({
          plugin: "memmon",
          subject: subject(`process ${name} restart limit reached`),
          body: `memmon did not restart the process named ${name} at ${at} although it was consuming too much memory (${rss} bytes RSS): it was ${hold.reason}. Restarts resume at ${
            ctime(hold.resumesAt)
          } if it is still over its limit.`,
          processes: [name]
        })
      })

    const check = Effect.gen(function*() {
      // The tick's report, logged before each restart and at the end: one log line per report line.
      const report = [...checking]
      const flush = Effect.suspend(() => Effect.forEach(report.splice(0), (line) => Effect.logInfo(line), { discard: true }))
      yield* flush
      const infos = yield* supervisor.getAllProcessInfo
      const watched = infos.flatMap((info) => {
        // A process without a pid is not running; a STOPPING one is already on its way out.
        if (info.pid === 0 || !isStarted(info)) return []
        const limit = limitOf(info)
        return limit === undefined ? [] : [{ info, limit }]
      })
      if (watched.length === 0) return
      const rss = yield* memory.sample(watched.map((w) => w.info.pid), { cumulative: config.cumulative })
      // One limit per process, one pass: at most one restart per process and tick.
      for (const { info, limit } of watched) {
        const bytes = rss.get(info.pid)
        if (bytes === undefined) continue // gone since supervisord answered
        const name = fullName(info)
        report.push(`RSS of ${name} is ${bytes}`)
        if (bytes <= limit) {
          overLimit.reset(name)
          continue
        }
        const ticks = overLimit.bad(name, info.pid)
        if (ticks < overLimit.required) {
          report.push(
            `${name} is over its limit (tick ${ticks} of ${overLimit.required} in a row, ${overLimit.option}), not restarting yet`
          )
          continue
        }
        const young = Grace.spares(grace, info)
        if (young !== undefined) {
          report.push(`${name} is over its limit but ${young}, not restarting yet`)
          continue
        }
        const verdict = yield* guard.admit(name)
        if (verdict._tag === "Hold") {
          report.push(`${name} is over its limit but was ${verdict.reason}, not restarting`)
          if (verdict.announce) yield* Effect.zipRight(flush, limitReached(name, bytes, verdict))
          continue
        }
        if (verdict.resumed) report.push(`${name}: the restart limit has passed, restarting it again`)
        overLimit.reset(name)
        yield* Effect.zipRight(flush, restart(info, bytes))
      }
      yield* flush
      // A process no longer watched (stopped, gone) starts afresh when it is back.
      overLimit.keep(new Set(watched.map((w) => fullName(w.info))))
    }).pipe(
      // supervisord unreachable or the process table unreadable: the next tick tries again.
      Effect.catchAll((error) => Effect.logError(`cannot check memory this tick: ${error.message}`))
    )

    return (event: Event): Effect.Effect<void> => (event._tag === "Tick" ? check : Effect.void)
  })
