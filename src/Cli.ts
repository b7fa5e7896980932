/**
 * The command tree: `superlance <plugin> [options]`, or a plugin's own name (`memmon …`) as the
 * original commands were started. Options are normalised from getopt/optparse forms, parsed by
 * @effect/cli, decoded into a typed config, and handed to the plugin's listener.
 */
import * as Command from "@effect/cli/Command"
import * as ValidationError from "@effect/cli/ValidationError"
import * as Arr from "effect/Array"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import packageJson from "../package.json" with { type: "json" }
import { routes } from "./alerts/Routes.js"
import { testMail as runTestMail } from "./alerts/TestMail.js"
import { printError } from "./Console.js"
import * as Demo from "./demo/Demo.js"
import { normalize } from "./options/argv.js"
import { decodeLogFormat } from "./options/logging.js"
import { type OptionTable, toCommandConfig } from "./options/OptionTable.js"
import { decodeTestMail, testMailTable } from "./options/testMail.js"
import type { Plugin } from "./plugins/common/Plugin.js"
import { all as allPlugins, isPluginName, plugins } from "./plugins/registry.js"
import { ProtocolError } from "./protocol/Framing.js"
import * as Logging from "./protocol/Logging.js"

export const VERSION = packageJson.version

/**
 * A plugin's subcommand: its options parsed, decoded into its config, then its listener, which
 * logs in the `--log-format` asked for.
 */
const listenerCommand = (plugin: Plugin) =>
  Command.make(plugin.name, toCommandConfig(plugin.options), (raw) =>
    Effect.zip(decodeLogFormat(raw), plugin.decode(raw)).pipe(
      Effect.flatMap(([format, config]) =>
        plugin.listen(config).pipe(
          // A stream out of step ends a running listener: its last words are a log line like the others.
          Effect.tapError((error) => error instanceof ProtocolError ? Effect.logFatal(error.message) : Effect.void),
          Effect.provide(Logging.layerFor(format))
        )
      )
    )).pipe(Command.withDescription(plugin.description))

const testMail = Command.make(
  "test-mail",
  toCommandConfig(testMailTable),
  (raw) => decodeTestMail(raw).pipe(Effect.flatMap((config) => runTestMail(routes(config.mail, config.receivers))))
).pipe(Command.withDescription("Send one test message through the given mail, webhook or Alertmanager options."))

const demo = Command.make("demo", {}, () => Demo.run).pipe(
  Command.withDescription("Run a live demo: a real supervisord, example programs, our listeners, mail shown here.")
)

export const root = Command.make("superlance").pipe(
  Command.withDescription("supervisord event listeners: httpok, crashmail, memmon and the batch mailers."),
  Command.withSubcommands(Arr.appendAll(allPlugins.map(listenerCommand), Arr.make(testMail, demo)))
)

const runCommand = Command.run(root, { name: "superlance", version: VERSION })

/** The option table of a command whose options are normalised from getopt/optparse forms. */
const optionTable = (name: string | undefined): OptionTable | undefined =>
  isPluginName(name) ? plugins[name].options : name === "test-mail" ? testMailTable : undefined

/**
 * Exit codes: 2 for a configuration that cannot work (bad usage, as getopt/optparse; an unusable
 * spool directory; credentials supervisord refuses), 1 for a listener that cannot go on.
 */
export const EXIT_USAGE = 2
export const EXIT_FAILURE = 1

/**
 * Runs the command line and answers the process's exit code; every failure has been reported
 * on stderr in one line by then.
 */
export const main = (args: ReadonlyArray<string>, invokedAs: string) => {
  const plugin = isPluginName(invokedAs) ? invokedAs : optionTable(args[0]) !== undefined ? args[0] : undefined
  const rest = plugin === undefined ? args : isPluginName(invokedAs) ? args : args.slice(1)
  const seeHelp = `see '${plugin === undefined ? "superlance" : invokedAs === plugin ? plugin : `superlance ${plugin}`} --help'`
  const table = optionTable(plugin)
  const normalized = table === undefined ? Either.right(rest) : normalize(table, rest)
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
        case "UsageError":
          return printError(`${plugin}: ${failure.message} (${seeHelp})`).pipe(Effect.as(EXIT_USAGE))
        case "SpoolError": // a configuration that cannot work, as a bad option
        case "CredentialsRefused":
          return printError(`${plugin}: ${failure.message}`).pipe(Effect.as(EXIT_USAGE))
        case "NotAListener":
          return printError(failure.message).pipe(Effect.as(EXIT_FAILURE))
        case "ProtocolError":
          // Logged by the listener, in its log format.
          return Effect.succeed(EXIT_FAILURE)
        default:
          return printError(`${plugin ?? "superlance"}: ${failure.message}`).pipe(Effect.as(EXIT_FAILURE))
      }
    })
  )
}
