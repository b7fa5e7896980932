/**
 * Runs a table through the whole option path the binary uses: our argv normaliser, then
 * @effect/cli (case-sensitive) on the derived command config, capturing the raw record.
 */
import * as CliConfig from "@effect/cli/CliConfig"
import * as Command from "@effect/cli/Command"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { normalize } from "../../src/options/argv.js"
import { type OptionTable, type Raw, toCommandConfig } from "../../src/options/OptionTable.js"

export const cliLayer = Layer.merge(NodeContext.layer, CliConfig.layer({ isCaseSensitive: true }))

/** A Console that keeps what @effect/cli prints (help, errors) instead of writing it. */
export const recordingConsole = (lines: Array<string>): Console.Console => {
  const record = (...args: ReadonlyArray<unknown>) => Effect.sync(() => void lines.push(args.map(String).join(" ")))
  const ignore = () => Effect.void
  return {
    [Console.TypeId]: Console.TypeId,
    assert: ignore,
    clear: Effect.void,
    count: ignore,
    countReset: ignore,
    debug: record,
    dir: ignore,
    dirxml: ignore,
    error: record,
    group: ignore,
    groupEnd: Effect.void,
    info: record,
    log: record,
    table: ignore,
    time: ignore,
    timeEnd: ignore,
    timeLog: ignore,
    trace: record,
    warn: record,
    unsafe: globalThis.console
  }
}

/** `Some(raw)` when the handler ran, `None` for --help/--version; fails with UsageError or ValidationError. */
export const parseRaw = <T extends OptionTable>(name: string, table: T, argv: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const args = yield* normalize(table, argv)
    let raw: Option.Option<Raw<T>> = Option.none()
    const command = Command.make(name, toCommandConfig(table), (parsed) =>
      Effect.sync(() => {
        raw = Option.some(parsed)
      }))
    const output: Array<string> = []
    yield* Command.run(command, { name, version: "0.0.0-test" })(["node", name, ...args]).pipe(
      Effect.withConsole(recordingConsole(output))
    )
    return raw
  }).pipe(Effect.provide(cliLayer))

/** What @effect/cli printed for a command line (help text, version, its own errors). */
export const printed = <T extends OptionTable>(name: string, table: T, argv: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const args = yield* normalize(table, argv)
    const output: Array<string> = []
    const command = Command.make(name, toCommandConfig(table), () => Effect.void)
    yield* Command.run(command, { name, version: "0.0.0-test" })(["node", name, ...args]).pipe(
      Effect.withConsole(recordingConsole(output)),
      Effect.ignore
    )
    return output.join("\n")
  }).pipe(Effect.provide(cliLayer))
