/**
 * crashmail (SPEC §4): one mail per unexpected exit of a watched process, with the last lines
 * of its log when tails are on (`--tail N`).
 */
import * as Effect from "effect/Effect"
import { Alerts } from "../alerts/Alerts.js"
import { asctime } from "../alerts/asctime.js"
import type { CrashmailConfig } from "../config/crashmail.js"
import type { Event } from "../protocol/Event.js"
import { formatTail, LogTail } from "../services/LogTail.js"
import { fullName, type ProcessId, selectedByAny } from "./Selection.js"

export const crashmail = (config: Pick<CrashmailConfig, "programs" | "any" | "optionalHeader">) =>
  Effect.gen(function*() {
    const alerts = yield* Alerts
    const logTail = yield* LogTail
    const watches = (process: ProcessId) =>
      config.any || config.programs.length === 0 || selectedByAny(config.programs, process)

    return (event: Event) =>
      Effect.gen(function*() {
        if (event._tag !== "ProcessState" || event.state !== "EXITED" || event.expected !== false) return
        const process = { group: event.groupName, name: event.processName }
        if (!watches(process)) return
        const crashed = `${event.processName} crashed at ${yield* asctime}`
        const subject = config.optionalHeader === undefined ? crashed : `${config.optionalHeader}: ${crashed}`
        const body = `Process ${event.processName} in group ${event.groupName} exited unexpectedly (pid ${
          event.pid ?? "?"
        }) from state ${event.fromState}`
        // Read now: by the time the alert goes out the log may have moved on.
        const tail = yield* logTail.read(fullName(process))
        const withTail = tail._tag === "Some" ? `${body}\n\n${formatTail(tail.value)}` : body
        yield* Effect.logInfo(`unexpected exit of ${fullName(process)}, mailing`)
        yield* alerts.send({ plugin: "crashmail", subject, body: withTail, processes: [fullName(process)], events: [event] })
      })
  })
