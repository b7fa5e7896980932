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
import { decodeMemmon } from "../config/memmon.js"
import { decodeTestMail } from "../config/testMail.js"
import { normalize } from "./argv.js"
import { printError } from "./Console.js"
import * as Listeners from "./listeners.js"
import { toCommandConfig } from "./OptionTable.js"
import { type PluginName, tables, testMail as testMailTable } from "./tables.js"
import { testMail as runTestMail } from "./testMail.js"

export const VERSION = packageJson.version

const httpok = Command.make(
  "httpok",
  toCommandConfig(tables.httpok),
  (raw) => decodeHttpok(raw).pipe(Effect.flatMap(Listeners.httpok))
).pipe(Command.withDescription("Restart processes whose HTTP endpoint stops answering well."))

const crashmail = Command.make(
  "crashmail",
  toCommandConfig(tables.crashmail),
  (raw) => decodeCrashmail(raw).pipe(Effect.flatMap(Listeners.crashmail))
).pipe(Command.withDescription("Mail when a process exits unexpectedly."))

const memmon = Command.make(
  "memmon",
  toCommandConfig(tables.memmon),
  (raw) => decodeMemmon(raw).pipe(Effect.flatMap(Listeners.memmon))
).pipe(Command.withDescription("Restart processes that use too much memory."))

const crashmailbatch = Command.make(
  "crashmailbatch",
  toCommandConfig(tables.crashmailbatch),
  (raw) => decodeBatch("crashmailbatch", raw).pipe(Effect.flatMap(Listeners.crashmailbatch))
).pipe(Command.withDescription("Mail unexpected exits in batches."))

const fatalmailbatch = Command.make(
  "fatalmailbatch",
  toCommandConfig(tables.fatalmailbatch),
  (raw) => decodeBatch("fatalmailbatch", raw).pipe(Effect.flatMap(Listeners.fatalmailbatch))
).pipe(Command.withDescription("Mail processes that failed to start (FATAL) in batches."))

const crashsms = Command.make(
  "crashsms",
  toCommandConfig(tables.crashsms),
  (raw) => decodeBatch("crashsms", raw).pipe(Effect.flatMap(Listeners.crashsms))
).pipe(Command.withDescription("Text unexpected exits to an SMS-by-e-mail gateway, in batches."))

const testMail = Command.make(
  "test-mail",
  toCommandConfig(testMailTable),
  (raw) => decodeTestMail(raw).pipe(Effect.flatMap(runTestMail))
).pipe(Command.withDescription("Send one test message through the given mail, webhook or Alertmanager options."))

// Loaded only when asked for: the demo brings an SMTP server along.
const demo = Command.make("demo", {}, () => Effect.flatMap(Effect.promise(() => import("../demo/Demo.js")), (m) => m.run)).pipe(
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

/** Exit codes: 2 for bad usage (as getopt/optparse), 1 for a listener that cannot go on. */
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
        default:
          return printError(`${plugin ?? "superlance"}: ${failure.message}`).pipe(Effect.as(EXIT_FAILURE))
      }
    })
  )
}
