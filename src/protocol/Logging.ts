/**
 * Listener logs on stderr, which supervisord keeps in the listener's log file without times of
 * its own: one line per entry, `2026-12-02T02:41:07Z ERROR message key=value`, or with
 * `--log-format json` one JSON object per line. stdout is the protocol's, so Effect's default
 * logger (which writes to stdout) is replaced, not joined.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as HashMap from "effect/HashMap"
import * as HashSet from "effect/HashSet"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Schema from "effect/Schema"

/** `--log-format`: `text` (the default) or `json`. */
export const LogFormat = Schema.Literal("text", "json").annotations({ description: "text or json" })
export type LogFormat = typeof LogFormat.Type

/** What a formatter reads of an entry; the date is the fiber's Clock, so TestClock drives it. */
export type Entry = Pick<Logger.Logger.Options<unknown>, "annotations" | "cause" | "date" | "logLevel" | "message">

/** UTC to the second: `2026-12-02T02:41:07Z`. */
export const timestamp = (date: Date): string => date.toISOString().replace(/\.\d+Z$/, "Z")

/** One event, one line: the lines of a message are trimmed, blank ones dropped, the rest joined with " | ". */
export const fold = (text: string): string => text.trim().replace(/\s*\n\s*/g, " | ")

const render = (message: unknown): string => {
  if (Array.isArray(message)) return message.map(render).join(" ")
  return typeof message === "string" ? message : String(message)
}

const causeText = (cause: Cause.Cause<unknown>): string | undefined =>
  Cause.isEmpty(cause) ? undefined : fold(Cause.pretty(cause))

/**
 * The annotation naming the section of `superlance run` a line comes from: text lines start
 * with it (`[httpok 2] …`), JSON lines carry it as `section`.
 */
export const SECTION = "section"

/** Logs of `effect` name `section` (`superlance run`). */
export const inSection = (section: string) => Effect.annotateLogs(SECTION, section)

/**
 * `2026-12-02T02:41:07Z WARN [section] message key=value cause`; levels are Effect's labels
 * (DEBUG, INFO, WARN, ERROR, FATAL).
 */
export const formatText = ({ annotations, cause, date, logLevel, message }: Entry): string => {
  const context = HashMap.reduce(
    annotations,
    "",
    (text, value, key) => key === SECTION ? text : `${text} ${key}=${fold(render(value))}`
  )
  const section = HashMap.get(annotations, SECTION)
  const prefix = section._tag === "Some" ? `[${render(section.value)}] ` : ""
  const failure = causeText(cause)
  return `${timestamp(date)} ${logLevel.label} ${prefix}${fold(render(message))}${context}${
    failure === undefined ? "" : ` ${failure}`
  }`
}

const RESERVED = new Set(["time", "level", "message", "cause"])

/** `{"time":…,"level":…,"message":…}`, then the annotations (but none named like those) and `cause`. */
export const formatJson = ({ annotations, cause, date, logLevel, message }: Entry): string => {
  const record: Record<string, unknown> = { time: timestamp(date), level: logLevel.label, message: fold(render(message)) }
  HashMap.forEach(annotations, (value, key) => {
    if (RESERVED.has(key)) return
    record[key] = typeof value === "number" || typeof value === "boolean" ? value : render(value)
  })
  const failure = causeText(cause)
  if (failure !== undefined) record.cause = failure
  return JSON.stringify(record)
}

const formatters: Record<LogFormat, (entry: Entry) => string> = { text: formatText, json: formatJson }

export const stderrLogger = (format: LogFormat): Logger.Logger<unknown, void> =>
  Logger.make((entry) => {
    process.stderr.write(`${formatters[format](entry)}\n`)
  })

/** Makes `logger` the only one: whatever was installed before (Effect's stdout logger) is gone. */
const only = (logger: Logger.Logger<unknown, unknown>): Layer.Layer<never> =>
  Layer.locallyScoped(FiberRef.currentLoggers, HashSet.make(logger))

/** Text lines on stderr; the minimum level stays adjustable (`--log-level`). */
export const layer: Layer.Layer<never> = only(stderrLogger("text"))

/** JSON lines on stderr (`--log-format json`). */
export const layerJson: Layer.Layer<never> = only(stderrLogger("json"))

export const layerFor = (format: LogFormat): Layer.Layer<never> => format === "json" ? layerJson : layer

export const minimumLevel = (level: LogLevel.LogLevel): Layer.Layer<never> => Logger.minimumLogLevel(level)

/** Collects the lines the stderr logger would write (without the newline) instead, for tests. */
export const captureLayer = (lines: Array<string>, format: LogFormat = "text"): Layer.Layer<never> =>
  only(Logger.make((entry) => void lines.push(formatters[format](entry))))
