/**
 * httpok (SPEC §4): on a TICK, GET the URL; when the answer is bad, core-dump (with `-d`) and
 * restart the watched RUNNING processes, and mail a report in the original's words.
 * Operator safety: act only after `--failures` bad checks in a row, leave alone a process
 * younger than `--grace`, and stop restarting one that hit the restart limit.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Delivery from "../../alerts/Delivery.js"
import type { HttpokConfig } from "./options.js"
import { formatAsctime } from "../../domain/Time.js"
import type { Event } from "../../domain/Event.js"
import { Gcore } from "../../services/Gcore.js"
import { HttpProbe, type ProbeError, type ProbeResponse } from "../../services/HttpProbe.js"
import { type FullName, fullName, type Namespec, namespec, type ProcessId } from "../../domain/Process.js"
import { type ProcessInfo, ProcessState } from "../../domain/ProcessInfo.js"
import { Supervisor } from "../../supervisor/Supervisor.js"
import * as Debounce from "../safety/Debounce.js"
import * as Grace from "../safety/Grace.js"
import * as RestartGuard from "../safety/RestartGuard.js"
import { isSelf, selectedByAny } from "../../domain/Selection.js"

export type HttpokSettings =
  & Pick<
    HttpokConfig,
    "url" | "programs" | "any" | "timeout" | "codes" | "body" | "eager" | "gcore" | "coredir" | "name" | "verifyTls"
  >
  // Absent: the original's behaviour.
  & Partial<Pick<HttpokConfig, "failures" | "grace" | "restartLimit">>
  /** Where unsent alerts are kept (`--spool`), if anywhere. */
  & { readonly spoolFile?: string | undefined }

/** A string list as Python prints it, which the original's report does: `['a', 'b']`. */
export const pythonList = (items: ReadonlyArray<string>): string =>
  `[${
    items.map((s) =>
      s.includes("'") && !s.includes("\"")
        ? `"${s.replace(/\\/g, "\\\\")}"`
        : `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`
    ).join(", ")
  }]`

/** What a check found wrong: the mail's subject, the report's first line(s), and the log's one line. */
interface Verdict {
  readonly subject: string
  readonly summary: string
  readonly logLine: string
}

/** `httpok: <URL>: <what>`, or `httpok [<name>]: <URL>: <what>` with `-n`. */
const subjectOf = (config: HttpokSettings) => (what: string): string =>
  config.name === undefined ? `httpok: ${config.url}: ${what}` : `httpok [${config.name}]: ${config.url}: ${what}`

const judge = (
  config: HttpokSettings,
  result: Either.Either<ProbeResponse, ProbeError>
): Verdict | undefined => {
  const subject = subjectOf(config)
  if (Either.isLeft(result)) {
    // The original's report puts the reason on a line of its own; the log keeps one line per event.
    const summary = `error contacting ${config.url}:\n\n ${result.left.message}`
    return { subject: subject("bad status returned"), summary, logLine: `error contacting ${config.url}: ${result.left.message}` }
  }
  const { found, reason, status } = result.right
  const summary = `status contacting ${config.url}: ${status} ${reason}`
  if (!config.codes.includes(status)) return { subject: subject("bad status returned"), summary, logLine: summary }
  if (config.body !== undefined && found !== true) {
    return { subject: subject("bad body returned"), summary, logLine: summary }
  }
  return undefined
}

const isRunning = (info: ProcessInfo) => info.state === ProcessState.RUNNING

/** A watched RUNNING process the restart limit holds back, the first time it does. */
interface Held {
  readonly spec: Namespec
  readonly name: FullName
  readonly hold: RestartGuard.Hold
}

export const httpok = (config: HttpokSettings, self?: ProcessId) =>
  Effect.gen(function*() {
    const supervisor = yield* Supervisor
    const probe = yield* HttpProbe
    const alerts = yield* Delivery.alerts({ name: "httpok", spoolFile: config.spoolFile })
    const gcore = yield* Gcore
    const guard = yield* RestartGuard.make(config.restartLimit)
    const grace = Grace.make(config.grace)
    /** Bad checks of the URL in a row not yet acted on (`--failures`). */
    const badChecks = Debounce.make<"url">(config.failures)
    const subject = subjectOf(config)
    // -a never includes the listener itself: stopping it halfway through a restart helps nobody.
    const watches = (p: ProcessId) => config.any ? !isSelf(self, p) : selectedByAny(config.programs, p)
    /** When the last check ended (ms); ticks queued while it ran are stale. */
    let lastCheckEnded = 0

    /** Restarts what is watched and may be; answers the report's lines after the first. */
    const act = Effect.gen(function*() {
      const lines: Array<string> = []
      const write = (line: string) =>
        Effect.sync(() => {
          lines.push(line)
        }).pipe(Effect.zipRight(Effect.logInfo(line)))
      const restarted: Array<FullName> = []
      /** Restarts tried (a failed stop or start included): what makes a report worth mailing. */
      let tried = 0
      /** RUNNING processes left alone for `--grace` or the restart limit. */
      let spared = 0
      const newlyHeld: Array<Held> = []

      const infos = yield* Effect.either(supervisor.getAllProcessInfo)
      if (Either.isLeft(infos)) {
        yield* write(`Exception retrieving process info ${infos.left.message}, not acting`)
        return { lines, restarted, tried, spared, newlyHeld }
      }
      yield* write(
        config.any
          ? "Restarting all running processes"
          : `Restarting selected processes ${pythonList(config.programs.map((p) => p.text))}`
      )

      const restart = (info: ProcessInfo) =>
        Effect.gen(function*() {
          const spec = namespec(info)
          if (!isRunning(info)) return yield* write(`${spec} not in RUNNING state, NOT restarting`)
          const young = Grace.spares(grace, info)
          if (young !== undefined) {
            spared++
            return yield* write(`${spec} is in RUNNING state but ${young}, NOT restarting`)
          }
          const verdict = yield* guard.admit(fullName(info))
          if (verdict._tag === "Hold") {
            spared++
            if (verdict.announce) newlyHeld.push({ spec, name: fullName(info), hold: verdict })
            return yield* write(`${spec} is in RUNNING state but was ${verdict.reason}, NOT restarting`)
          }
          if (verdict.resumed) yield* Effect.logInfo(`${spec}: the restart limit has passed, restarting it again`)
          tried++
          if (config.coredir !== undefined) {
            const corefile = `${config.coredir.replace(/\/+$/, "")}/${spec}`
            const dumped = yield* Effect.either(gcore.dump({ command: config.gcore, corefile, pid: info.pid }))
            yield* write(`gcore output for ${spec}:\n\n ${Either.isRight(dumped) ? dumped.right : dumped.left.output}`)
            if (Either.isLeft(dumped)) yield* write(`gcore failed for ${spec}: ${dumped.left.message}`)
          }
          yield* write(`${spec} is in RUNNING state, restarting`)
          const stopped = yield* Effect.either(supervisor.stopProcess(spec))
          if (Either.isLeft(stopped)) yield* write(`Failed to stop process ${spec}: ${stopped.left.message}`)
          const started = yield* Effect.either(supervisor.startProcess(spec))
          if (Either.isLeft(started)) return yield* write(`Failed to start process ${spec}: ${started.left.message}`)
          restarted.push(fullName(info))
          yield* write(`${spec} restarted`)
        })

      const chosen = infos.right.filter(watches)
      yield* Effect.forEach(chosen, restart, { discard: true })
      const missing = config.programs.filter((p) => !infos.right.some((info) => selectedByAny([p], info)))
      if (missing.length > 0) {
        yield* write(`Programs not restarted because they did not exist: ${pythonList(missing.map((p) => p.text))}`)
      }
      return { lines, restarted, tried, spared, newlyHeld }
    })

    /** The one alert saying the restart limit holds processes back. */
    const limitAlert = (summary: string, held: ReadonlyArray<Held>) =>
      alerts.send({
        plugin: "httpok",
        subject: subject("restart limit reached"),
        body: [
          summary,
          ...held.map(({ hold, spec }) =>
            `Not restarting ${spec}: it was ${hold.reason}. Restarts resume at ${
              formatAsctime(hold.resumesAt)
            } if the check still fails.`
          )
        ].join("\n"),
        processes: held.map((h) => h.name)
      })

    const check = Effect.gen(function*() {
      if (!config.eager) {
        const infos = yield* Effect.either(supervisor.getAllProcessInfo)
        if (Either.isLeft(infos)) {
          return yield* Effect.logWarning(
            `cannot tell whether watched processes are RUNNING, not checking: ${infos.left.message}`
          )
        }
        if (!infos.right.some((info) => watches(info) && isRunning(info))) {
          // Nothing watched is up: bad checks before it went down say nothing about it once it is back.
          badChecks.reset("url")
          return yield* Effect.logDebug("no watched process is RUNNING, not checking (-E)")
        }
      }
      const result = yield* Effect.either(
        probe.get({ url: config.url, timeout: config.timeout, verifyTls: config.verifyTls, find: config.body })
      )
      const verdict = judge(config, result)
      if (verdict === undefined) {
        const bad = badChecks.count("url")
        if (bad > 0) yield* Effect.logInfo(`${config.url} is fine again after ${bad} bad check(s)`)
        badChecks.reset("url")
        return yield* Effect.logDebug(`${config.url} is fine`)
      }
      yield* Effect.logInfo(verdict.logLine)
      const bad = badChecks.bad("url")
      if (bad < badChecks.required) {
        return yield* Effect.logInfo(
          `bad check ${bad} of ${badChecks.required} in a row (${badChecks.option}), not acting yet`
        )
      }
      const { lines, newlyHeld, restarted, spared, tried } = yield* act
      if (newlyHeld.length > 0) yield* limitAlert(verdict.summary, newlyHeld)
      if (spared > 0 && tried === 0) {
        // Still bad: the next bad check acts as soon as --grace or the restart limit lets it.
        return yield* Effect.logInfo("nothing restarted (--grace or the restart limit), no report mailed")
      }
      const streak = badChecks.required > 1 ? [`Acted after ${bad} bad checks in a row (${badChecks.option})`] : []
      badChecks.reset("url")
      yield* alerts.send({
        plugin: "httpok",
        subject: verdict.subject,
        body: [verdict.summary, ...lines, ...streak].join("\n"),
        processes: restarted
      })
    })

    const checkAndRecord = check.pipe(
      Effect.ensuring(Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.sync(() => {
          lastCheckEnded = now
        })))
    )

    return (event: Event): Effect.Effect<void> =>
      Effect.gen(function*() {
        if (event._tag !== "Tick") return
        if (isStale(event, lastCheckEnded)) {
          return yield* Effect.logDebug(`${event.eventName} of ${event.when} queued during the last check, skipped`)
        }
        yield* checkAndRecord
      })
  })

/**
 * A tick whose whole period ended before the last check did queued up while that check ran (a
 * timeout, a slow restart); a newer tick is queued behind it, so it is skipped rather than start
 * checks back to back against a process still coming up. (`when` is the start of the tick's
 * period, in seconds.)
 */
export const isStale = (
  tick: { readonly eventName: string; readonly when: number },
  lastCheckEnded: number
): boolean => {
  const period = /^TICK_(\d+)$/.exec(tick.eventName)?.[1]
  return period !== undefined && (tick.when + Number(period)) * 1000 <= lastCheckEnded
}
