/**
 * The one place interactive output is written: `--help`, `--version`, usage errors, `demo` and
 * `test-mail` (these two print through Effect's Console, which this module provides). Plugins
 * never print; in listener mode they only log (to stderr).
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

const ANSI = /\u001b\[[0-9;]*m/g

/** A usage error reads as one line, whatever @effect/cli's help renderer made of it. */
export const oneLine = (text: string): string => text.replace(ANSI, "").replace(/\s*\n\s*/g, " ").trim()

export const print = (text: string): Effect.Effect<void> => Effect.sync(() => void process.stdout.write(`${text}\n`))

export const printError = (text: string): Effect.Effect<void> =>
  Effect.sync(() => void process.stderr.write(`${oneLine(text)}\n`))

const render = (args: ReadonlyArray<unknown>): string => args.map(String).join(" ")

/** Installs this module as Effect's Console, which @effect/cli prints help and errors through. */
export const layer: Layer.Layer<never> = Layer.unwrapEffect(
  Console.consoleWith((base) =>
    Effect.succeed(Console.setConsole({
      ...base,
      log: (...args) => print(render(args)),
      info: (...args) => print(render(args)),
      error: (...args) => printError(render(args)),
      warn: (...args) => printError(render(args))
    }))
  )
)
