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
import { layout, print, printError } from "./Console.js"
import * as Demo from "./demo/Demo.js"
import { normalize } from "./options/argv.js"
import * as Completions from "./options/completions.js"
import * as Help from "./options/help.js"
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

const testMailDescription = "Send one test message through the given mail, webhook or Alertmanager options."
const demoDescription = "Run a live demo: a real supervisord, example programs, our listeners, mail shown here."

const testMail = Command.make(
  "test-mail",
  toCommandConfig(testMailTable),
  (raw) => decodeTestMail(raw).pipe(Effect.flatMap((config) => runTestMail(routes(config.mail, config.receivers))))
).pipe(Command.withDescription(testMailDescription))

const demo = Command.make("demo", {}, () => Demo.run).pipe(
  Command.withDescription(demoDescription)
)

const purpose = "supervisord event listeners, drop-in for Python superlance."

export const root = Command.make("superlance").pipe(
  Command.withDescription(purpose),
  Command.withSubcommands(Arr.appendAll(allPlugins.map(listenerCommand), Arr.make(testMail, demo)))
)

const runCommand = Command.run(root, { name: "superlance", version: VERSION })

/**
 * Exit codes: 2 for a configuration that cannot work (bad usage, as getopt/optparse; an unusable
 * spool directory; credentials supervisord refuses), 1 for a listener that cannot go on.
 */
export const EXIT_USAGE = 2
export const EXIT_FAILURE = 1

/** The option table of a command whose options are normalised from getopt/optparse forms. */
const optionTable = (name: string | undefined): OptionTable | undefined =>
  isPluginName(name) ? plugins[name].options : name === "test-mail" ? testMailTable : name === "demo" ? {} : undefined

/** `superlance`'s own options (`--help` and `--version` are every command's, see argv.ts). */
const rootOptions = {
  completions: {
    kind: "single",
    metavar: "SHELL",
    choices: Completions.shells,
    description: "Print the completion script for bash, zsh or fish."
  }
} as const satisfies OptionTable

const rootHelpTable = {
  help: { ...Help.builtins.help, description: "Show this help; superlance COMMAND -h shows a command's." },
  version: { kind: "flag", description: "Print the version." },
  ...rootOptions
} as const satisfies OptionTable

/** A command as help and completion see it: its options with the built-in ones it reads. */
interface CommandInfo extends Completions.CompletedCommand {
  readonly sample?: Help.Sample
}

const sampleOf = (plugin: Plugin): Help.Sample => ({ section: plugin.name, args: plugin.example, events: plugin.events })

const commands: ReadonlyArray<CommandInfo> = [
  ...allPlugins.map((plugin) => ({
    name: plugin.name,
    description: plugin.description,
    table: { ...plugin.options, ...Help.logLevel, ...Help.builtins },
    sample: sampleOf(plugin),
    ownName: true
  })),
  { name: "test-mail", description: testMailDescription, table: { ...testMailTable, ...Help.builtins }, ownName: false },
  { name: "demo", description: demoDescription, table: Help.builtins, ownName: false }
]

const commandHelp = (name: string, shownAs: string) =>
  Effect.flatMap(layout, (look) => {
    const command = commands.find((c) => c.name === name)
    if (command === undefined) return Effect.void
    const { description, sample, table } = command
    return print(Help.commandPage({ name: shownAs, command: name, purpose: description, table, sample }, look))
  })

const rootHelp = Effect.flatMap(layout, (look) =>
  print(Help.rootPage({
    name: "superlance",
    version: VERSION,
    purpose,
    listeners: allPlugins.map((p) => ({ name: p.name, purpose: p.description })),
    others: commands.filter((c) => !c.ownName).map((c) => ({ name: c.name, purpose: c.description })),
    table: rootHelpTable,
    sample: { ...sampleOf(plugins.httpok), command: plugins.httpok.name }
  }, look)))

/** The value of `--completions` in a normalised argv (`--completions=bash` or two tokens). */
const completionsShell = (argv: ReadonlyArray<string>): string | undefined => {
  const at = argv.findIndex((arg) => arg === "--completions" || arg.startsWith("--completions="))
  if (at === -1) return undefined
  const arg = argv[at]!
  return arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : argv[at + 1]
}

/** `superlance` without a command: its help, the version, or a completion script. */
const rootCommand = (args: ReadonlyArray<string>): Effect.Effect<number> => {
  const fail = (message: string) => printError(`superlance: ${message} (see 'superlance --help')`).pipe(Effect.as(EXIT_USAGE))
  const first = args[0]
  if (first !== undefined && !first.startsWith("-")) return fail(`no such command: ${first}`)
  const normalized = normalize(rootOptions, args)
  if (Either.isLeft(normalized)) return fail(normalized.left.message)
  const argv = normalized.right
  if (argv[0] === "--version") return print(VERSION).pipe(Effect.as(0))
  const shell = completionsShell(argv)
  if (argv[0] === "--help" || shell === undefined) return rootHelp.pipe(Effect.as(0))
  if (!Completions.isShell(shell)) {
    return fail(`option --completions: ${JSON.stringify(shell)} is not one of ${Completions.shells.join(", ")}`)
  }
  return print(Completions.script(shell, { root: "superlance", rootOptions: rootHelpTable, commands })).pipe(Effect.as(0))
}

/**
 * Runs the command line and answers the process's exit code; every failure has been reported
 * on stderr in one line by then.
 */
export const main = (args: ReadonlyArray<string>, invokedAs: string) => {
  const command = isPluginName(invokedAs) ? invokedAs : optionTable(args[0]) !== undefined ? args[0] : undefined
  if (command === undefined) return rootCommand(args)
  const rest = isPluginName(invokedAs) ? args : args.slice(1)
  const shownAs = invokedAs === command ? command : `superlance ${command}`
  const seeHelp = `see '${shownAs} --help'`
  const normalized = normalize(optionTable(command) ?? {}, rest)
  if (Either.isLeft(normalized)) {
    return printError(`${command}: ${normalized.left.message} (${seeHelp})`).pipe(Effect.as(EXIT_USAGE))
  }
  // Help and version are ours, not @effect/cli's: one screen from the tables, one line.
  if (normalized.right[0] === "--help") return commandHelp(command, shownAs).pipe(Effect.as(0))
  if (normalized.right[0] === "--version") return print(VERSION).pipe(Effect.as(0))
  const argv = ["node", "superlance", command, ...normalized.right]
  return runCommand(argv).pipe(
    Effect.as(0),
    Effect.catchAll((failure) => {
      // @effect/cli has printed its own message through the console module.
      if (ValidationError.isValidationError(failure)) return Effect.succeed(EXIT_USAGE)
      switch (failure._tag) {
        case "UsageError":
          return printError(`${command}: ${failure.message} (${seeHelp})`).pipe(Effect.as(EXIT_USAGE))
        case "SpoolError":
        case "CredentialsRefused": // a configuration that cannot work, as a bad option
          return printError(`${command}: ${failure.message}`).pipe(Effect.as(EXIT_USAGE))
        case "NotAListener":
          return printError(failure.message).pipe(Effect.as(EXIT_FAILURE))
        case "ProtocolError":
          // Logged by the listener, in its log format.
          return Effect.succeed(EXIT_FAILURE)
        default:
          return printError(`${command}: ${failure.message}`).pipe(Effect.as(EXIT_FAILURE))
      }
    })
  )
}
