/**
 * The command tree: `superlance <plugin> [options]`, or a plugin's own name (`memmon …`) as the
 * original commands were started. Options are normalised from getopt/optparse forms, parsed by
 * @effect/cli, decoded into a typed config, and handed to the plugin's listener.
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import * as Arr from "effect/Array"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Logger from "effect/Logger"
import packageJson from "../package.json" with { type: "json" }
import { routes } from "./alerts/Routes.js"
import { testMail as runTestMail } from "./alerts/TestMail.js"
import { print, printError } from "./Console.js"
import * as Demo from "./demo/Demo.js"
import { normalize } from "./options/argv.js"
import { decodeLogFormat } from "./options/logging.js"
import { type OptionTable, toCommandConfig } from "./options/OptionTable.js"
import { decodeTestMail, testMailTable } from "./options/testMail.js"
import type { Plugin } from "./plugins/common/Plugin.js"
import { all as allPlugins, isPluginName, plugins } from "./plugins/registry.js"
import { ProtocolError } from "./protocol/Framing.js"
import * as Logging from "./protocol/Logging.js"
import * as Run from "./run/Run.js"
import * as RunConfig from "./run/RunConfig.js"

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

/** Reads and decodes a config file; problems are named `FILE: [section] key: …`, one per line. */
const readRunConfig = (path: string) =>
  Effect.flatMap(FileSystem.FileSystem, (fs) => fs.readFileString(path)).pipe(
    Effect.mapError((error) => new RunConfig.RunConfigError({ problems: [`cannot read it: ${error.message}`] })),
    Effect.flatMap(RunConfig.decode),
    Effect.mapError((error) => new RunConfig.RunConfigError({ problems: error.problems.map((line) => `${path}: ${line}`) }))
  )

/**
 * `superlance run CONFIG`: every section of the file in one listener. `--check` validates the
 * file by hand (no supervisord needed) and prints the `events=` line its listener needs.
 */
const run = Command.make(
  "run",
  {
    check: Options.boolean("check").pipe(
      Options.withDescription("Only check CONFIG, and print the events= line its [eventlistener] needs.")
    ),
    config: Args.text({ name: "CONFIG" }).pipe(Args.withDescription("The TOML file: one section per plugin."))
  },
  ({ check, config: path }) =>
    Effect.flatMap(readRunConfig(path), (config) =>
      check
        ? print(RunConfig.eventsLine(config))
        : Run.listen(config).pipe(
          Effect.tapError((error) => error._tag === "ProtocolError" ? Effect.logFatal(error.message) : Effect.void),
          config.logLevel === undefined ? (self) => self : Logger.withMinimumLogLevel(config.logLevel),
          Effect.provide(Logging.layerFor(config.logFormat))
        ))
).pipe(Command.withDescription("Run several plugins, each any number of times, in one listener, from a TOML file."))

const demo = Command.make("demo", {}, () => Demo.run).pipe(
  Command.withDescription("Run a live demo: a real supervisord, example programs, our listeners, mail shown here.")
)

export const root = Command.make("superlance").pipe(
  Command.withDescription("supervisord event listeners: httpok, crashmail, memmon and the batch mailers."),
  Command.withSubcommands(Arr.appendAll(allPlugins.map(listenerCommand), Arr.make(run, testMail, demo)))
)

const runCommand = Command.run(root, { name: "superlance", version: VERSION })

/** The option table of a command whose options are normalised from getopt/optparse forms. */
const optionTable = (name: string | undefined): OptionTable | undefined =>
  isPluginName(name) ? plugins[name].options : name === "test-mail" ? testMailTable : undefined

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
      if (failure instanceof RunConfig.RunConfigError) { // one line per problem
        return Effect.forEach(failure.problems, (line) => printError(`superlance run: ${line}`)).pipe(Effect.as(EXIT_USAGE))
      }
      if (failure instanceof Run.SectionError) {
        return printError(`superlance run: ${failure.message}`).pipe(
          Effect.as(failure.error._tag === "SpoolError" ? EXIT_USAGE : EXIT_FAILURE)
        )
      }
      switch (failure._tag) {
        case "UsageError":
          return printError(`${plugin}: ${failure.message} (${seeHelp})`).pipe(Effect.as(EXIT_USAGE))
        case "SpoolError": // a configuration that cannot work, as a bad option
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
