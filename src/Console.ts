/**
 * The one place interactive output is written: `--help`, `--version`, usage errors, `demo` and
 * `test-mail` (these two print through Effect's Console, which this module provides). Plugins
 * never print; in listener mode they only log (to stderr).
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { Layout } from "./options/help.js"

const ANSI = /\u001b\[[0-9;]*m/g

/** A usage error reads as one line, whatever @effect/cli's help renderer made of it. */
export const oneLine = (text: string): string => text.replace(ANSI, "").replace(/\s*\n\s*/g, " ").trim()

/**
 * How help should look here: on a terminal, its width, and colour unless NO_COLOR is set
 * (no-color.org: set and not empty) or TERM is dumb; piped or redirected, 80 columns, plain.
 */
export const layoutFor = (
  stdout: { readonly isTTY?: boolean; readonly columns?: number },
  env: Readonly<Record<string, string | undefined>>
): Layout => {
  if (stdout.isTTY !== true) return { width: 80, color: false }
  const noColor = (env["NO_COLOR"] ?? "") !== "" || env["TERM"] === "dumb"
  // A pty without a size (0 columns) reads as the usual 80.
  const columns = stdout.columns === undefined || stdout.columns === 0 ? 80 : stdout.columns
  return { width: Math.max(columns, 40), color: !noColor }
}

export const layout: Effect.Effect<Layout> = Effect.sync(() => layoutFor(process.stdout, process.env))

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
