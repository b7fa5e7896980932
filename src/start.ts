/**
 * Starts the command line: the platform services, then `main`, with the exit code it answers.
 * Shared by the plain bundle (src/bin.ts) and the startup snapshot (src/snapshot.ts).
 */
import * as CliConfig from "@effect/cli/CliConfig"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Random from "effect/Random"
import { basename } from "node:path"
import { EXIT_FAILURE, main } from "./Cli.js"
import * as Console from "./Console.js"
import * as Logging from "./protocol/Logging.js"

const platform = Layer.mergeAll(
  NodeFileSystem.layer,
  NodePath.layer,
  NodeTerminal.layer,
  CliConfig.layer({ isCaseSensitive: true }),
  Console.layer,
  Logging.layer
)

/** Started as `memmon …` through a bin link, the link's name picks the subcommand. */
export const invokedName = (scriptPath: string | undefined): string =>
  basename(scriptPath ?? "superlance").replace(/\.[cm]?js$/, "")

/**
 * The command line with its platform, answering the exit code. Effect's default Random is seeded
 * when its module loads, which a startup snapshot would freeze into one seed for every process:
 * each run gets its own.
 */
export const program = (args: ReadonlyArray<string>, invokedAs: string): Effect.Effect<number> =>
  main(args, invokedAs).pipe(
    Effect.provide(platform),
    Effect.withRandom(Random.make(Math.random()))
  )

/** Runs `superlance` with `args`; `invokedAs` is the command's name (`memmon` picks that subcommand). */
export const start = (args: ReadonlyArray<string>, invokedAs: string): void =>
  NodeRuntime.runMain(program(args, invokedAs), {
    disableErrorReporting: true,
    disablePrettyLogger: true,
    teardown: (exit, onExit) => {
      // SIGTERM interrupts the listener: that is a clean stop, exit 0.
      const code = Exit.isSuccess(exit) ? exit.value : Exit.isInterrupted(exit) ? 0 : EXIT_FAILURE
      onExit(typeof code === "number" ? code : EXIT_FAILURE)
      process.exit(typeof code === "number" ? code : EXIT_FAILURE)
    }
  })
