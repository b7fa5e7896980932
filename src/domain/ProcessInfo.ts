/** supervisord's process info struct and its states. */
import * as Schema from "effect/Schema"

/** supervisord's process states (supervisor/states.py). */
export const ProcessState = {
  STOPPED: 0,
  STARTING: 10,
  RUNNING: 20,
  BACKOFF: 30,
  STOPPING: 40,
  EXITED: 100,
  FATAL: 200,
  UNKNOWN: 1000
} as const

export type ProcessStateName = keyof typeof ProcessState

export const ProcessStateName = Schema.Literal(
  "STOPPED",
  "STARTING",
  "RUNNING",
  "BACKOFF",
  "STOPPING",
  "EXITED",
  "FATAL",
  "UNKNOWN"
)

/** The name of a state code; codes supervisord does not define are UNKNOWN, as supervisorctl shows them. */
export const stateName = (code: number): ProcessStateName => {
  for (const name of ProcessStateName.literals) {
    if (ProcessState[name] === code) return name
  }
  return "UNKNOWN"
}

/** States in which supervisord considers a process started (stopProcess works, startProcess is ALREADY_STARTED). */
export const isStarted = (info: { readonly state: number }): boolean =>
  info.state === ProcessState.RUNNING || info.state === ProcessState.STARTING ||
  info.state === ProcessState.BACKOFF

/**
 * One entry of `getAllProcessInfo()` / `getProcessInfo()`. `state` and `statename` are kept as
 * sent (not narrowed to the known states) so that a newer supervisord cannot make a whole
 * process list undecodable.
 */
export const ProcessInfo = Schema.Struct({
  name: Schema.String,
  group: Schema.String,
  pid: Schema.Int,
  state: Schema.Int,
  statename: Schema.String,
  start: Schema.Number,
  stop: Schema.Number,
  now: Schema.Number,
  spawnerr: Schema.String,
  exitstatus: Schema.Int,
  description: Schema.String,
  logfile: Schema.String,
  stdout_logfile: Schema.String,
  stderr_logfile: Schema.String
})

export interface ProcessInfo extends Schema.Schema.Type<typeof ProcessInfo> {}
