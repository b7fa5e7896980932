/**
 * The command tree: `superlance <plugin> [options]`, or a plugin's own name (`memmon …`) as the
 * original commands were started. Options are normalised from getopt/optparse forms, parsed by
 * @effect/cli, decoded into a typed config, and handed to the plugin's listener.
 */
import * as Command from "@effect/cli/Command"
import * as ValidationError from "@effect/cli/ValidationError"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import packageJson from "../../package.json" with { type: "json" }
import { decodeBatch } from "../config/batch.js"
import { decodeCrashmail } from "../config/crashmail.js"
import { decodeHttpok } from "../config/httpok.js"
import { decodeLogFormat } from "../config/logging.js"
import type { ConfigError } from "../config/fields.js"
import { decodeMemmon } from "../config/memmon.js"
import { decodeTestMail } from "../config/testMail.js"
import * as Demo from "../demo/Demo.js"
import { ProtocolError } from "../protocol/Framing.js"
import * as Logging from "../protocol/Logging.js"
import { normalize } from "./argv.js"
import { printError } from "./Console.js"
import * as Listeners from "./listeners.js"
import { type OptionTable, type Raw, toCommandConfig } from "./OptionTable.js"
import { type logging, type PluginName, tables, testMail as testMailTable } from "./tables.js"
import { testMail as runTestMail } from "./testMail.js"

export const VERSION = packageJson.version

/**
 * A plugin's subcommand: its option table, decoded into its config, then its listener, which
 * logs in the `--log-format` asked for.
 */
const listenerCommand = <T extends OptionTable & typeof logging, C, E, R>(
  name: string,
  table: T,
  decode: (raw: Raw<T>) => Effect.Effect<C, ConfigError>,
  listen: (config: C) => Effect.Effect<void, E, R>,
  description: string
) =>
  Command.make(name, toCommandConfig(table), (parsed) => {
    // For a concrete table @effect/cli's parsed type is exactly Raw<T> (test/cli/OptionTable.test.ts);
    // TypeScript cannot see that through the generic T.
    const raw = parsed as Raw<T>
    return Effect.zip(decodeLogFormat(raw), decode(raw)).pipe(
      Effect.flatMap(([format, config]) =>
        listen(config).pipe(
          // A stream out of step ends a running listener: its last words are a log line like the others.
          Effect.tapError((error) => error instanceof ProtocolError ? Effect.logFatal(error.message) : Effect.void),
          Effect.provide(Logging.layerFor(format))
        )
      )
    )
  }).pipe(Command.withDescription(description))

const httpok = listenerCommand(
  "httpok",
  tables.httpok,
  decodeHttpok,
  Listeners.httpok,
  "Restart processes whose HTTP endpoint stops answering well."
)
const crashmail = listenerCommand(
  "crashmail",
  tables.crashmail,
  decodeCrashmail,
  Listeners.crashmail,
  "Mail when a process exits unexpectedly."
)
const memmon = listenerCommand(
  "memmon",
  tables.memmon,
  decodeMemmon,
  Listeners.memmon,
  "Restart processes that use too much memory."
)
const crashmailbatch = listenerCommand(
  "crashmailbatch",
  tables.crashmailbatch,
  (raw) => decodeBatch("crashmailbatch", raw),
  Listeners.crashmailbatch,
  "Mail unexpected exits in batches."
)
const fatalmailbatch = listenerCommand(
  "fatalmailbatch",
  tables.fatalmailbatch,
  (raw) => decodeBatch("fatalmailbatch", raw),
  Listeners.fatalmailbatch,
  "Mail processes that failed to start (FATAL) in batches."
)
const crashsms = listenerCommand(
  "crashsms",
  tables.crashsms,
  (raw) => decodeBatch("crashsms", raw),
  Listeners.crashsms,
  "Text unexpected exits to an SMS-by-e-mail gateway, in batches."
)

const testMail = Command.make(
  "test-mail",
  toCommandConfig(testMailTable),
  (raw) => decodeTestMail(raw).pipe(Effect.flatMap(runTestMail))
).pipe(Command.withDescription("Send one test message through the given mail, webhook or Alertmanager options."))

const demo = Command.make("demo", {}, () => Demo.run).pipe(
  Command.withDescription("Run a live demo: a real supervisord, example programs, our listeners, mail shown here.")
)

export const root = Command.make("superlance").pipe(
  Command.withDescription("supervisord event listeners: httpok, crashmail, memmon and the batch mailers."),
  Command.withSubcommands([httpok, crashmail, memmon, crashmailbatch, fatalmailbatch, crashsms, testMail, demo])
)

const runCommand = Command.run(root, { name: "superlance", version: VERSION })

const isPlugin = (name: string | undefined): name is PluginName => name !== undefined && Object.hasOwn(tables, name)

/** Commands whose options are normalised from getopt/optparse forms: the plugins and test-mail. */
const optionTables = { ...tables, "test-mail": testMailTable } as const
const hasOptionTable = (name: string | undefined): name is keyof typeof optionTables =>
  name !== undefined && Object.hasOwn(optionTables, name)

/**
 * Exit codes: 2 for a configuration that cannot work (bad usage, as getopt/optparse; an unusable
 * spool directory), 1 for a listener that cannot go on.
 */
export const EXIT_USAGE = 2
export const EXIT_FAILURE = 1

/**
 * Runs the command line and answers the process's exit code; every failure has been reported
 * on stderr in one line by then.
 */
export const main = (args: ReadonlyArray<string>, invokedAs: string) => {
  const plugin = isPlugin(invokedAs) ? invokedAs : hasOptionTable(args[0]) ? args[0] : undefined
  const rest = plugin === undefined ? args : isPlugin(invokedAs) ? args : args.slice(1)
  const seeHelp = `see '${plugin === undefined ? "superlance" : invokedAs === plugin ? plugin : `superlance ${plugin}`} --help'`
  const normalized = plugin === undefined ? Either.right(rest) : normalize(optionTables[plugin], rest)
  if (Either.isLeft(normalized)) {
    return printError(`${plugin}: ${normalized.left.message} (${seeHelp})`).pipe(Effect.as(EXIT_USAGE))
  }
  const argv = ["node", "superlance", ...(plugin === undefined ? [] : [plugin]), ...normalized.right]
  return runCommand(argv).pipe(
    Effect.as(0),
    Effect.catchAll((failure) => {
      // @effect/cli has printed its own message through the console module.
      if (ValidationError.isValidationError(failure)) return Effect.succeed(EXIT_USAGE)
      switch (failure._tag) {
        case "ConfigError":
          return printError(`${plugin}: ${failure.message} (${seeHelp})`).pipe(Effect.as(EXIT_USAGE))
        case "NotAListener":
          return printError(failure.message).pipe(Effect.as(EXIT_FAILURE))
        case "ProtocolError":
          // Logged by the listener, in its log format.
          return Effect.succeed(EXIT_FAILURE)
        case "SpoolError": // a configuration that cannot work, as a bad option
          return printError(`${plugin}: ${failure.message}`).pipe(Effect.as(EXIT_USAGE))
        default:
          return printError(`${plugin ?? "superlance"}: ${failure.message}`).pipe(Effect.as(EXIT_FAILURE))
      }
    })
  )
}
