/**
 * httpok (SPEC §4): on a TICK, GET the URL; when the answer is bad, core-dump (with `-d`) and
 * restart the watched RUNNING processes, and mail a report in the original's words. A URL with
 * placeholders checks each selected process at its own URL instead (`perProcess.ts`).
 * Operator safety: act only after `--failures` bad checks in a row, leave alone a process
 * younger than `--grace`, and stop restarting one that hit the restart limit.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Delivery from "../../alerts/Delivery.js"
import type { Event } from "../../domain/Event.js"
import { namespec, type ProcessId } from "../../domain/Process.js"
import { isSelf, isWholeGroup, type ProgramSpec, selectedByAny, selects } from "../../domain/Selection.js"
import * as UrlTemplate from "../../domain/UrlTemplate.js"
import { Supervisor } from "../../supervisor/Supervisor.js"
import * as Debounce from "../safety/Debounce.js"
import { judge, makeCheck } from "./check.js"
import type { HttpokConfig } from "./options.js"
import * as PerProcess from "./perProcess.js"
import * as Restart from "./restart.js"

export type HttpokSettings =
  & Pick<
    HttpokConfig,
    "url" | "programs" | "any" | "timeout" | "codes" | "body" | "eager" | "gcore" | "coredir" | "name" | "verifyTls"
  >
  // Absent: the original's behaviour (and no `{port}`).
  & Partial<Pick<HttpokConfig, "failures" | "grace" | "restartLimit" | "portBase">>
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

/** `httpok: <URL>: <what>`, or `httpok [<name>]: <URL>: <what>` with `-n`. */
export const subjectOf = (config: Pick<HttpokSettings, "url" | "name">) => (what: string): string =>
  config.name === undefined ? `httpok: ${config.url}: ${what}` : `httpok [${config.name}]: ${config.url}: ${what}`

/** Which processes httpok acts on: `-a` (never the listener itself), else those `-p`/`--group` select. */
export const watcher = (config: Pick<HttpokSettings, "any" | "programs">, self: ProcessId | undefined) => (p: ProcessId) =>
  // Stopping the listener itself halfway through a restart helps nobody.
  config.any ? !isSelf(self, p) : selectedByAny(config.programs, p)

/**
 * The original's `Restarting selected processes [...]` list: the `-p` names as written, but a
 * whole group (`-p web:*`, `--group web`) as the processes of it that are being restarted.
 */
export const selectionList = (programs: ReadonlyArray<ProgramSpec>, restarting: ReadonlyArray<ProcessId>): string =>
  pythonList(programs.flatMap((spec) =>
    isWholeGroup(spec) ? restarting.filter((p) => selects(spec, p)).map((p) => namespec(p)) : [spec.text]
  ))

export const httpok = (config: HttpokSettings, self?: ProcessId) =>
  Effect.gen(function*() {
    const template = UrlTemplate.make(config.url)
    const check = UrlTemplate.isPerProcess(template)
      ? yield* PerProcess.make(config, template, { subject: subjectOf(config), watches: watcher(config, self) })
      : yield* oneUrl(config, template, self)
    /** When the last check ended (ms); ticks queued while it ran are stale. */
    let lastCheckEnded = 0
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

/** The original's httpok: one URL for all; when it is bad, every watched RUNNING process is restarted. */
const oneUrl = (config: HttpokSettings, template: UrlTemplate.UrlTemplate, self: ProcessId | undefined) =>
  Effect.gen(function*() {
    const supervisor = yield* Supervisor
    const alerts = yield* Delivery.alerts({ name: "httpok", spoolFile: config.spoolFile })
    const restarter = yield* Restart.make(config)
    const probe = yield* makeCheck(template, config)
    /** Bad checks of the URL in a row not yet acted on (`--failures`). */
    const badChecks = Debounce.make<"url">(config.failures)
    const subject = subjectOf(config)
    const watches = watcher(config, self)

    /** Restarts what is watched and may be; answers the report's lines after the first. */
    const act = Effect.gen(function*() {
      const out = Restart.report()
      const counts = Restart.tally()
      const infos = yield* Effect.either(supervisor.getAllProcessInfo)
      if (Either.isLeft(infos)) {
        yield* out.write(`Exception retrieving process info ${infos.left.message}, not acting`)
        return { out, counts }
      }
      const chosen = infos.right.filter(watches)
      // Decided first, so that the first line can name the processes of a group being restarted.
      const decisions = yield* Effect.forEach(chosen, (info) => restarter.decide(info, counts))
      yield* out.write(
        config.any
          ? "Restarting all running processes"
          : `Restarting selected processes ${
            selectionList(config.programs, chosen.filter((_, i) => decisions[i]!._tag === "Restart"))
          }`
      )
      yield* Effect.forEach(chosen, (info, i) => {
        const decision = decisions[i]!
        return decision._tag === "Spare" ? out.write(decision.line) : restarter.restart(info, out, counts)
      }, { discard: true })
      const missing = config.programs.filter((p) => !infos.right.some((info) => selectedByAny([p], info)))
      if (missing.length > 0) {
        yield* out.write(`Programs not restarted because they did not exist: ${pythonList(missing.map((p) => p.text))}`)
      }
      return { out, counts }
    })

    /** The one alert saying the restart limit holds processes back. */
    const limitAlert = (summary: string, held: ReadonlyArray<Restart.Held>) =>
      alerts.send({
        plugin: "httpok",
        subject: subject("restart limit reached"),
        body: [summary, ...held.map((h) => Restart.heldLine(h))].join("\n"),
        processes: held.map((h) => h.name)
      })

    return Effect.gen(function*() {
      if (!config.eager) {
        const infos = yield* Effect.either(supervisor.getAllProcessInfo)
        if (Either.isLeft(infos)) {
          return yield* Effect.logWarning(
            `cannot tell whether watched processes are RUNNING, not checking: ${infos.left.message}`
          )
        }
        if (!infos.right.some((info) => watches(info) && Restart.isRunning(info))) {
          // Nothing watched is up: bad checks before it went down say nothing about it once it is back.
          badChecks.reset("url")
          return yield* Effect.logDebug("no watched process is RUNNING, not checking (-E)")
        }
      }
      const verdict = judge(config, config.url, yield* probe(config.url))
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
      const { counts, out } = yield* act
      if (counts.newlyHeld.length > 0) yield* limitAlert(verdict.summary, counts.newlyHeld)
      if (counts.spared > 0 && counts.tried === 0) {
        // Still bad: the next bad check acts as soon as --grace or the restart limit lets it.
        return yield* Effect.logInfo("nothing restarted (--grace or the restart limit), no report mailed")
      }
      const streak = badChecks.required > 1 ? [`Acted after ${bad} bad checks in a row (${badChecks.option})`] : []
      badChecks.reset("url")
      yield* alerts.send({
        plugin: "httpok",
        subject: subject(verdict.what),
        body: [verdict.summary, ...out.lines, ...streak].join("\n"),
        processes: counts.restarted
      })
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
