/**
 * The last lines a process wrote, for alerts (`--tail N`): read from supervisord's stderr log
 * when the event arrives (the log moves on), or from its stdout log when the stderr one is
 * empty (as with `redirect_stderr=true`). Reading never fails an alert: what went wrong is
 * said in the alert instead.
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { Supervisor, type SupervisorError } from "../supervisor/Supervisor.js"

export type Channel = "stderr" | "stdout"

export type TailResult = Data.TaggedEnum<{
  /** `cut`: the first line may be the end of a longer one (the read window began inside it). */
  Lines: { readonly channel: Channel; readonly lines: ReadonlyArray<string>; readonly cut: boolean }
  /** Both logs are empty (or the process has none). */
  Empty: {}
  Failed: { readonly message: string }
}>
export const TailResult = Data.taggedEnum<TailResult>()

/** Reading the tail took longer than allowed; reported in the alert, never failing it. */
export class LogTailTimeout extends Data.TaggedError("LogTailTimeout")<{ readonly message: string }> {}

export interface LogTailOptions {
  /** How many lines (at least 1). */
  readonly lines: number
  /** Bounds reading both logs (default 5 s): an alert must not wait long for its tail. */
  readonly timeout?: Duration.DurationInput
}

/** supervisord counts bytes: ask for enough for N ordinary lines, within sane bounds. */
export const windowBytes = (lines: number): number => Math.min(64 * 1024, Math.max(4 * 1024, lines * 512))

/** One line of a crash log is rarely longer; a longer one is shortened, not dropped. */
const LINE_LIMIT = 500

const shorten = (line: string): string => (line.length > LINE_LIMIT ? `${line.slice(0, LINE_LIMIT - 1)}…` : line)

/** The last `count` lines of a window of text that may begin inside a line. */
export const lastLines = (
  text: string,
  count: number,
  windowFull: boolean
): { readonly lines: ReadonlyArray<string>; readonly cut: boolean } => {
  const all = text.replace(/\r\n?/g, "\n").replace(/\n+$/, "").split("\n")
  const lines = all.slice(-count)
  // A window as large as asked began somewhere in the log, likely inside the first line.
  const cut = windowFull && lines.length === all.length
  return { lines: lines.map(shorten), cut }
}

/**
 * supervisord decodes the bytes it read as UTF-8 and answers HTTP 500 when the window begins
 * inside a character: shrinking the window by up to three bytes moves its start onto one.
 */
const tailAligned = (
  read: (length: number) => Effect.Effect<readonly [string, number, boolean], SupervisorError>,
  length: number
) =>
  Effect.gen(function*() {
    for (let shrink = 0;; shrink++) {
      const result = yield* Effect.either(read(length - shrink))
      if (result._tag === "Right") return { text: result.right[0], full: result.right[1] > length - shrink }
      const error = result.left
      const cutCharacter = error._tag === "RpcTransportError" && error.reason === "HttpStatus"
      if (!cutCharacter || shrink >= 3) return yield* Effect.fail(error)
    }
  })

export class LogTail extends Context.Tag("superlance/LogTail")<LogTail, {
  /** The last lines of a process's log; None when alerts carry no tail (no `--tail`). */
  readonly read: (namespec: string) => Effect.Effect<Option.Option<TailResult>>
}>() {
  static make(options: LogTailOptions): Effect.Effect<LogTail["Type"], never, Supervisor> {
    return Effect.map(Supervisor, (supervisor) => {
      const count = Math.max(1, Math.floor(options.lines))
      const length = windowBytes(count)
      const timeout = Duration.decode(options.timeout ?? "5 seconds")
      const readChannel = (namespec: string, channel: Channel) =>
        tailAligned(
          (bytes) =>
            channel === "stderr"
              ? supervisor.tailProcessStderrLog(namespec, 0, bytes)
              : supervisor.tailProcessStdoutLog(namespec, 0, bytes),
          length
        )
      const read = (namespec: string) =>
        Effect.gen(function*() {
          for (const channel of ["stderr", "stdout"] as const) {
            const { full, text } = yield* readChannel(namespec, channel)
            if (text.trim() !== "") return TailResult.Lines({ channel, ...lastLines(text, count, full) })
          }
          return TailResult.Empty()
        }).pipe(
          Effect.timeoutFail({
            duration: timeout,
            onTimeout: () => new LogTailTimeout({ message: `supervisord did not answer within ${Duration.format(timeout)}` })
          }),
          Effect.catchAll((error) => {
            const message = `cannot read the log of ${namespec}: ${error.message}`
            return Effect.logWarning(message).pipe(Effect.as(TailResult.Failed({ message })))
          }),
          Effect.map(Option.some)
        )
      return { read }
    })
  }

  /** Tails of `lines` lines, read through the Supervisor service. */
  static layer(options: LogTailOptions): Layer.Layer<LogTail, never, Supervisor> {
    return Layer.effect(LogTail, LogTail.make(options))
  }

  /** No tails (no `--tail`): needs no supervisord. */
  static readonly layerNone: Layer.Layer<LogTail> = Layer.succeed(LogTail, {
    read: () => Effect.succeed(Option.none())
  })

  /** Reads the tail through the LogTail in context. */
  static read(namespec: string): Effect.Effect<Option.Option<TailResult>, never, LogTail> {
    return Effect.flatMap(LogTail, (tail) => tail.read(namespec))
  }
}

/**
 * The tail as alert text: a heading line, then the lines, each prefixed with `indent` (the batch
 * plugins indent it under the event's line).
 */
export const formatTail = (result: TailResult, indent = ""): string => {
  const lines = TailResult.$match(result, {
    Lines: ({ channel, cut, lines }) => [
      `Last ${lines.length === 1 ? "line" : `${lines.length} lines`} of its ${channel} log:`,
      ...lines.map((line, i) => (i === 0 && cut ? `…${line}` : line))
    ],
    Empty: () => ["(nothing in its stderr and stdout logs)"],
    Failed: ({ message }) => [`(${message})`]
  })
  return lines.map((line) => `${indent}${line}`).join("\n")
}
