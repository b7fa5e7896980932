/** Log lines as Logging's text format writes them, read by tests; and log calls recorded as values. */
import { Cause, Logger } from "effect"

/** `2026-12-02T02:41:07Z `: every text log line starts with its time, to the second, in UTC. */
export const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ /

/**
 * The lines without their time, `LEVEL message`, for assertions that do not care when; a line
 * without a timestamp is kept marked, so that an assertion on it fails visibly.
 */
export const untimed = (lines: ReadonlyArray<string>): Array<string> =>
  lines.map((line) => (TIMESTAMP.test(line) ? line.replace(TIMESTAMP, "") : `(no timestamp) ${line}`))

export interface Logged {
  readonly level: string
  readonly message: string
  readonly cause: string
}

/** Records each log line's level, message and cause, whatever the line format. */
export const recordLogs = (logs: Array<Logged>) =>
  Logger.replace(
    Logger.defaultLogger,
    Logger.make(({ cause, logLevel, message }) =>
      void logs.push({
        level: logLevel.label,
        message: Array.isArray(message) ? message.join(" ") : String(message),
        cause: Cause.pretty(cause)
      })
    )
  )
