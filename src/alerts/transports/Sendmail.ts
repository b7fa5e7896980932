/**
 * The sendmail transport: the complete message (headers included) on the stdin of the
 * configured command line, run by `/bin/sh -c` as the original does. The command comes from the
 * configuration only; nothing from an event ever reaches it, recipients travel in the To header
 * (`-t`).
 */
import * as NodeCommandExecutor from "@effect/platform-node/NodeCommandExecutor"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as PlatformCommand from "@effect/platform/Command"
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { type Alert, NotifyError, oneLine, type Transport } from "../Transport.js"
import { compose, type MailForm, newMessageId } from "./Message.js"

export interface SendmailConfig {
  readonly _tag: "Sendmail"
  /** A shell command line, e.g. `/usr/sbin/sendmail -t -i`. */
  readonly command: string
  readonly to: ReadonlyArray<string>
  /** Without it there is no From header: operators often put `-f` in the command instead. */
  readonly from?: string | undefined
  readonly form?: MailForm | undefined
}

export interface SendmailOptions {
  /** The command is killed after this long (default 30 s): a hung MTA must not stall a plugin. */
  readonly timeout?: Duration.DurationInput
}

/** Keeps a chatty command's stderr from growing without bound; the first line is what we report. */
const STDERR_LIMIT = 16 * 1024

/** Child processes of this one; provided here so that the transport needs nothing from its caller. */
const executor = NodeCommandExecutor.layer.pipe(Layer.provide(NodeFileSystem.layer))

const message = (config: SendmailConfig, alert: Alert) =>
  Effect.gen(function*() {
    const date = new Date(yield* Clock.currentTimeMillis)
    const messageId = yield* Effect.sync(() => newMessageId(config.from))
    // Local MTAs expect local line endings on stdin, as the original wrote them.
    return Buffer.from(compose(alert, config, { date, messageId, newline: "\n" }))
  })

interface Exit {
  readonly code: number | null
  readonly signal: string | null
  readonly stderr: string
}

// collectStderr and exitOf are the same as services/Gcore.ts's; alerts/ may not import services/
// (ARCHITECTURE.md) and domain/ runs no processes, so the few lines live here too.

/** The first STDERR_LIMIT characters or so of stderr, as text. */
const collectStderr = (child: CommandExecutor.Process) =>
  Stream.decodeText(child.stderr).pipe(
    Stream.runFold("", (stderr, chunk) => (stderr.length < STDERR_LIMIT ? stderr + chunk : stderr))
  )

/** The exit status; a process killed by a signal has none (the platform reports it as a failure). */
const exitOf = (child: CommandExecutor.Process) =>
  child.exitCode.pipe(
    Effect.map((code) => ({ code: Number(code), signal: null })),
    Effect.catchAll((error) =>
      Effect.succeed({ code: null, signal: /signal: (\w+)/.exec(error.message)?.[1] ?? null })
    )
  )

/** How long a command stopped with SIGTERM gets before SIGKILL: stopping must not hang either. */
const KILL_GRACE = Duration.seconds(2)

const cannotRun = (error: { readonly message: string }) =>
  new NotifyError({
    reason: "CommandFailed",
    transport: "sendmail",
    message: `cannot run /bin/sh for sendmail: ${oneLine(error.message)}`
  })

/**
 * Runs the command with `input` on its stdin, or answers None when it has not finished within
 * `timeout`: then it and everything it started get SIGTERM (the platform starts it in its own
 * process group and kills the group), and SIGKILL if that is not enough.
 */
const run = (command: string, input: Uint8Array, timeout: Duration.Duration) =>
  Effect.scoped(Effect.gen(function*() {
    const child = yield* PlatformCommand.start(PlatformCommand.make("/bin/sh", "-c", command)).pipe(
      Effect.mapError(cannotRun)
    )
    // A command that exits without reading its input (not found, bad option) closes the pipe
    // early; its exit status says what went wrong, so the EPIPE itself is not worth reporting.
    yield* Stream.run(Stream.make(input), child.stdin).pipe(Effect.ignore, Effect.forkScoped)
    // stdout is drained (the platform cannot ignore it), so that a chatty command never blocks.
    const finished = yield* Effect.all([collectStderr(child), exitOf(child), Stream.runDrain(child.stdout)], {
      concurrency: "unbounded"
    }).pipe(
      Effect.map(([stderr, exit]): Exit => ({ ...exit, stderr })),
      Effect.mapError((error) =>
        new NotifyError({
          reason: "CommandFailed",
          transport: "sendmail",
          message: `cannot read the output of sendmail: ${oneLine(error.message)}`
        })
      ),
      Effect.timeoutOption(timeout)
    )
    if (Option.isNone(finished)) {
      yield* child.kill("SIGTERM").pipe(
        Effect.timeout(KILL_GRACE),
        Effect.orElse(() => child.kill("SIGKILL")),
        Effect.ignore
      )
    }
    return finished
  })).pipe(Effect.provide(executor))

const failure = (command: string, exit: Exit) => {
  const firstLine = exit.stderr.split(/\r?\n/).map((line) => line.trim()).find((line) => line !== "")
  const how = exit.code === null ? `was killed by ${exit.signal ?? "a signal"}` : `exited with code ${exit.code}`
  return oneLine(`sendmail command (${command}) ${how}${firstLine === undefined ? "" : `: ${firstLine}`}`)
}

/** A transport that hands each alert to the sendmail command. */
export const make = (config: SendmailConfig, options: SendmailOptions = {}): Transport => {
  const timeout = Duration.decode(options.timeout ?? "30 seconds")
  return (alert) =>
    Effect.gen(function*() {
      const finished = yield* run(config.command, yield* message(config, alert), timeout)
      if (Option.isNone(finished)) {
        return yield* new NotifyError({
          reason: "Timeout",
          transport: "sendmail",
          message: `sendmail command (${config.command}) did not finish within ${Duration.format(timeout)} and was stopped`
        })
      }
      const exit = finished.value
      if (exit.code !== 0) {
        return yield* new NotifyError({ reason: "CommandFailed", transport: "sendmail", message: failure(config.command, exit) })
      }
      yield* Effect.logDebug(`alert handed to sendmail: ${oneLine(alert.subject)}`)
    })
}
