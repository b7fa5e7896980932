/**
 * Listener logs: plain lines on stderr, which supervisord keeps in the listener's log file.
 * stdout is the protocol's, so Effect's default loggers (which write to stdout) are replaced.
 */
import * as Cause from "effect/Cause"
import * as HashMap from "effect/HashMap"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"

const render = (message: unknown): string => {
  if (Array.isArray(message)) return message.map(render).join(" ")
  return typeof message === "string" ? message : String(message)
}

/** Formats a line as the original's: the message alone, with the level only when it is not INFO. */
export const formatLine = (
  { annotations, cause, logLevel, message }: Pick<Logger.Logger.Options<unknown>, "annotations" | "cause" | "logLevel" | "message">
): string => {
  const level = logLevel._tag === "Info" ? "" : `${logLevel.label}: `
  const context = HashMap.reduce(annotations, "", (text, value, key) => `${text} ${key}=${render(value)}`)
  const failure = Cause.isEmpty(cause) ? "" : ` ${Cause.pretty(cause).replace(/\s*\n\s*/g, " | ")}`
  return `${level}${render(message)}${context}${failure}`
}

export const stderrLogger = Logger.make<unknown, void>((options) => {
  process.stderr.write(`${formatLine(options)}\n`)
})

/** Replaces the default logger with the stderr one; the minimum level stays adjustable (`--log-level`). */
export const layer: Layer.Layer<never> = Logger.replace(Logger.defaultLogger, stderrLogger)

export const minimumLevel = (level: LogLevel.LogLevel): Layer.Layer<never> => Logger.minimumLogLevel(level)

/** Collects formatted lines instead of writing them, for tests. */
export const captureLayer = (lines: Array<string>): Layer.Layer<never> =>
  Logger.replace(Logger.defaultLogger, Logger.make((options) => void lines.push(formatLine(options))))
