/**
 * crashmail (SPEC §4): one mail per unexpected exit of a watched process, with the last lines
 * of its log when tails are on (`--tail N`). With `--rate-limit N/DURATION`, at most N
 * mails per process within DURATION; the next one sent says how many were not.
 */
import * as Effect from "effect/Effect"
import * as Delivery from "../../alerts/Delivery.js"
import { asctime } from "../../domain/Time.js"
import type { CrashmailConfig } from "./options.js"
import type { Event } from "../../domain/Event.js"
import { formatTail, LogTail } from "../../services/LogTail.js"
import * as RateLimit from "../safety/RateLimit.js"
import { fullName, ofEvent, type ProcessId } from "../../domain/Process.js"
import { selectedByAny } from "../../domain/Selection.js"
import { onlyEvents } from "../../protocol/Listener.js"

/** The only event crashmail acts on: TICKs and other states are acknowledged without waking it. */
export const crashmailEvents: ReadonlyArray<string> = ["PROCESS_STATE_EXITED"]

/** `Listener.Options.accepts` of crashmail's own listener. */
export const crashmailAccepts = onlyEvents(...crashmailEvents)

export const crashmail = (
  config:
    & Pick<CrashmailConfig, "programs" | "any" | "optionalHeader">
    & Partial<Pick<CrashmailConfig, "rateLimit">>
    // Where unsent alerts are kept (`--spool`), if anywhere.
    & { readonly spoolFile?: string | undefined }
) =>
  Effect.gen(function*() {
    const alerts = yield* Delivery.alerts({ name: "crashmail", spoolFile: config.spoolFile })
    const logTail = yield* LogTail
    const limit = yield* RateLimit.make(config.rateLimit)
    const watches = (process: ProcessId) =>
      config.any || config.programs.length === 0 || selectedByAny(config.programs, process)

    return (event: Event) =>
      Effect.gen(function*() {
        if (event._tag !== "ProcessState" || event.state !== "EXITED" || event.expected !== false) return
        const process = ofEvent(event)
        if (!watches(process)) return
        const name = fullName(process)
        const admission = yield* limit.admit(name)
        if (admission._tag === "Suppress") {
          return yield* Effect.logInfo(
            `unexpected exit of ${name}, not mailed (${limit.option}; ${admission.suppressed} not mailed so far)`
          )
        }
        const crashed = `${event.processName} crashed at ${yield* asctime}`
        const subject = config.optionalHeader === undefined ? crashed : `${config.optionalHeader}: ${crashed}`
        const body = `Process ${event.processName} in group ${event.groupName} exited unexpectedly (pid ${
          event.pid ?? "?"
        }) from state ${event.fromState}`
        const suppressed = admission.suppressed === 0 ? [] : [suppressedNote(name, admission.suppressed, limit.option)]
        // Read now: by the time the alert goes out the log may have moved on.
        const tail = yield* logTail.read(name)
        const sections = [body, ...suppressed, ...(tail._tag === "Some" ? [formatTail(tail.value)] : [])]
        yield* Effect.logInfo(
          alerts.via.length === 0
            ? `unexpected exit of ${name}, no alert sent (no -m, --webhook or --alertmanager given)`
            : `unexpected exit of ${name}, sending alert via ${alerts.via.join(", ")}`
        )
        yield* alerts.send({ plugin: "crashmail", subject, body: sections.join("\n\n"), processes: [name], events: [event] })
      })
  })

/** `3 earlier unexpected exits of web:api were not mailed (--rate-limit 3/10m).` */
export const suppressedNote = (name: string, count: number, option: string): string =>
  `${count} earlier unexpected ${count === 1 ? "exit" : "exits"} of ${name} ${
    count === 1 ? "was" : "were"
  } not mailed (${option}).`
