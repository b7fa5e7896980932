/** The `superlance` executable: the platform services, then the command line. */
import * as CliConfig from "@effect/cli/CliConfig"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import { basename } from "node:path"
import { EXIT_FAILURE, main } from "./cli/Cli.js"
import * as Console from "./cli/Console.js"
import * as Logging from "./protocol/Logging.js"

const platform = Layer.mergeAll(
  NodeFileSystem.layer,
  NodePath.layer,
  NodeTerminal.layer,
  CliConfig.layer({ isCaseSensitive: true }),
  Console.layer,
  Logging.layer
)

// Started as `memmon …` through a bin link, the link's name picks the subcommand.
const invokedAs = basename(process.argv[1] ?? "superlance").replace(/\.[cm]?js$/, "")

NodeRuntime.runMain(main(process.argv.slice(2), invokedAs).pipe(Effect.provide(platform)), {
  disableErrorReporting: true,
  disablePrettyLogger: true,
  teardown: (exit, onExit) => {
    // SIGTERM interrupts the listener: that is a clean stop, exit 0.
    const code = Exit.isSuccess(exit) ? exit.value : Exit.isInterrupted(exit) ? 0 : EXIT_FAILURE
    onExit(typeof code === "number" ? code : EXIT_FAILURE)
    process.exit(typeof code === "number" ? code : EXIT_FAILURE)
  }
})
