/** Log lines as Logging's text format writes them, read by tests. */

/** `2026-12-02T02:41:07Z `: every text log line starts with its time, to the second, in UTC. */
export const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ /

/**
 * The lines without their time, `LEVEL message`, for assertions that do not care when; a line
 * without a timestamp is kept marked, so that an assertion on it fails visibly.
 */
export const untimed = (lines: ReadonlyArray<string>): Array<string> =>
  lines.map((line) => (TIMESTAMP.test(line) ? line.replace(TIMESTAMP, "") : `(no timestamp) ${line}`))
