/**
 * httpok with a URL per process (SPEC §6): on a TICK, check each selected RUNNING process at its
 * own URL (at most 8 at once, each within `-t`), restart only those whose own check failed, and
 * mail one report for the tick. `--failures`, `--grace` and `--max-restarts` count per process.
 * A process whose name cannot fill the URL in is a configuration problem, reported once.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Delivery from "../../alerts/Delivery.js"
import { type FullName, fullName, namespec, type ProcessId } from "../../domain/Process.js"
import type { ProcessInfo } from "../../domain/ProcessInfo.js"
import * as UrlTemplate from "../../domain/UrlTemplate.js"
import { Supervisor } from "../../supervisor/Supervisor.js"
import * as Debounce from "../safety/Debounce.js"
import { judge, makeCheck, type Verdict } from "./check.js"
import type { HttpokConfig } from "./options.js"
import * as Restart from "./restart.js"

/** Checks of one tick running at once. */
export const CONCURRENCY = 8

export type PerProcessSettings =
  & Pick<HttpokConfig, "timeout" | "codes" | "body" | "gcore" | "coredir" | "verifyTls">
  & Partial<Pick<HttpokConfig, "failures" | "grace" | "restartLimit" | "portBase">>
  & { readonly spoolFile?: string | undefined }

export interface Naming {
  /** `httpok: <URL template>: <what>` (with `-n`'s name). */
  readonly subject: (what: string) => string
  /** Whether a process is selected (`-p`, `--group`, `-a`). */
  readonly watches: (process: ProcessId) => boolean
}

/** A process whose check failed this tick. */
interface Failed {
  readonly info: ProcessInfo
  readonly verdict: Verdict
}

export const make = (config: PerProcessSettings, template: UrlTemplate.UrlTemplate, naming: Naming) =>
  Effect.gen(function*() {
    const supervisor = yield* Supervisor
    const alerts = yield* Delivery.alerts({ name: "httpok", spoolFile: config.spoolFile })
    const restarter = yield* Restart.make(config)
    const probe = yield* makeCheck(template, config)
    /** Bad checks in a row of each process, for one pid (`--failures`). */
    const badChecks = Debounce.make<FullName>(config.failures)
    /** Processes whose configuration problem was reported: once is enough. */
    const misconfigured = new Set<FullName>()

    /** Logged at ERROR and mailed, once per process: it is never checked nor restarted. */
    const reportProblems = (problems: ReadonlyArray<{ readonly info: ProcessInfo; readonly problem: string }>) =>
      Effect.gen(function*() {
        const fresh = problems.filter(({ info }) => !misconfigured.has(fullName(info)))
        if (fresh.length === 0) return
        const lines = fresh.map(({ info, problem }) => {
          misconfigured.add(fullName(info))
          return `cannot check ${namespec(info)} at ${template.text}: ${problem}; not checking or restarting it`
        })
        yield* Effect.forEach(lines, (line) => Effect.logError(line), { discard: true })
        yield* alerts.send({
          plugin: "httpok",
          subject: naming.subject("configuration problem"),
          body: lines.join("\n"),
          processes: fresh.map(({ info }) => fullName(info))
        })
      })

    /** The report's section about one failing process: its check, then what was done about it. */
    const handleFailure = ({ info, verdict }: Failed, counts: Restart.Tally) =>
      Effect.gen(function*() {
        const out = Restart.report()
        out.lines.push(verdict.summary)
        yield* Effect.logInfo(verdict.logLine)
        const name = fullName(info)
        const bad = badChecks.bad(name, info.pid)
        if (bad < badChecks.required) {
          yield* out.write(
            `${namespec(info)}: bad check ${bad} of ${badChecks.required} in a row (${badChecks.option}), not acting yet`
          )
          return out.lines
        }
        const tried = counts.tried
        yield* restarter.act(info, out, counts)
        if (counts.tried > tried) {
          if (badChecks.required > 1) out.lines.push(`Acted after ${bad} bad checks in a row (${badChecks.option})`)
          badChecks.reset(name)
        }
        return out.lines
      })

    return Effect.gen(function*() {
      const infos = yield* Effect.either(supervisor.getAllProcessInfo)
      if (Either.isLeft(infos)) {
        return yield* Effect.logWarning(`cannot list the processes to check, not checking: ${infos.left.message}`)
      }
      const running = infos.right.filter((info) => naming.watches(info) && Restart.isRunning(info))
      // A process no longer checked (stopped, gone) starts afresh when it is back.
      badChecks.keep(new Set(running.map(fullName)))
      const expanded = running.map((info) => ({ info, url: UrlTemplate.expand(template, info, config.portBase) }))
      yield* reportProblems(expanded.flatMap(({ info, url }) => Either.isLeft(url) ? [{ info, problem: url.left }] : []))
      const targets = expanded.flatMap(({ info, url }) => Either.isRight(url) ? [{ info, url: url.right }] : [])
      if (targets.length === 0) return yield* Effect.logDebug("no selected process is RUNNING, nothing to check")

      const checked = yield* Effect.forEach(
        targets,
        ({ info, url }) => Effect.map(probe(url), (outcome) => ({ info, url, verdict: judge(config, url, outcome) })),
        { concurrency: CONCURRENCY }
      )
      const failed: Array<Failed> = []
      for (const { info, url, verdict } of checked) {
        if (verdict !== undefined) {
          failed.push({ info, verdict })
          continue
        }
        const bad = badChecks.count(fullName(info))
        if (bad > 0) yield* Effect.logInfo(`${url} is fine again after ${bad} bad check(s)`)
        badChecks.reset(fullName(info))
      }
      if (failed.length === 0) return yield* Effect.logDebug(`all ${checked.length} processes are fine`)

      const counts = Restart.tally()
      const sections = yield* Effect.forEach(failed, (failure) => handleFailure(failure, counts))
      if (counts.newlyHeld.length > 0) {
        yield* alerts.send({
          plugin: "httpok",
          subject: naming.subject("restart limit reached"),
          body: counts.newlyHeld.map((held) => {
            const summary = failed.find((f) => fullName(f.info) === held.name)?.verdict.summary
            return [summary, Restart.heldLine(held)].join("\n")
          }).join("\n\n"),
          processes: counts.newlyHeld.map((h) => h.name)
        })
      }
      if (counts.tried === 0) {
        // Not yet (--failures), or still bad: the next bad check acts as soon as it may.
        return yield* Effect.logInfo(`${failed.length} of ${checked.length} processes failed, none restarted, no report mailed`)
      }
      yield* alerts.send({
        plugin: "httpok",
        subject: naming.subject(`${failed.length} of ${checked.length} processes failed`),
        body: sections.map((lines) => lines.join("\n")).join("\n\n"),
        processes: counts.restarted
      })
    })
  })
