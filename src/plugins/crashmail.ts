/**
 * crashmail (SPEC §4): one mail per unexpected exit of a watched process.
 */
import * as Effect from "effect/Effect"
import { Alerts } from "../alerts/Alerts.js"
import { asctime } from "../alerts/asctime.js"
import type { Event } from "../protocol/Event.js"
import { fullName, namedByAny, type ProcessId } from "./Selection.js"

export interface CrashmailConfig {
  /** `-p` names; ignored with `any`; none means every process. */
  readonly programs: ReadonlyArray<string>
  readonly any: boolean
  /** `-o`: prefixed to the subject as `HDR: `. */
  readonly optionalHeader?: string | undefined
}

export const crashmail = (config: CrashmailConfig) =>
  Effect.gen(function*() {
    const alerts = yield* Alerts
    const watches = (process: ProcessId) =>
      config.any || config.programs.length === 0 || namedByAny(config.programs, process)

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
