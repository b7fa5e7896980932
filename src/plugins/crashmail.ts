/**
 * crashmail (SPEC §4): one mail per unexpected exit of a watched process.
 */
import * as Effect from "effect/Effect"
import { Alerts } from "../alerts/Alerts.js"
import { asctime } from "../alerts/asctime.js"
import type { CrashmailConfig } from "../config/crashmail.js"
import type { Event } from "../protocol/Event.js"
import { fullName, type ProcessId, selectedByAny } from "./Selection.js"

export const crashmail = (config: Pick<CrashmailConfig, "programs" | "any" | "optionalHeader">) =>
  Effect.gen(function*() {
    const alerts = yield* Alerts
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
        yield* Effect.logInfo(`unexpected exit of ${fullName(process)}, mailing`)
        yield* alerts.send({ plugin: "crashmail", subject, body, processes: [fullName(process)] })
      })
  })
