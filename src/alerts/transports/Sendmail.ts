/**
 * The sendmail transport: the complete message (headers included) on the stdin of the
 * configured command line, run by `/bin/sh -c` as the original does. The command comes from the
 * configuration only; nothing from an event ever reaches it, recipients travel in the To header
 * (`-t`).
 */
import { spawn } from "node:child_process"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
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

const message = (config: SendmailConfig, alert: Alert) =>
  Effect.gen(function*() {
    const date = new Date(yield* Clock.currentTimeMillis)
    const messageId = yield* Effect.sync(() => newMessageId(config.from))
    // Local MTAs expect local line endings on stdin, as the original wrote them.
    return Buffer.from(compose(alert, config, { date, messageId, newline: "\n" }))
  })

interface Exit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stderr: string
}

const run = (command: string, input: Buffer) =>
  Effect.async<Exit, NotifyError>((resume) => {
    // Its own process group, so that stopping it reaches what the shell started, not just the shell.
    const child = spawn("/bin/sh", ["-c", command], { stdio: ["pipe", "ignore", "pipe"], detached: true })
    let stderr = ""
    child.stderr.setEncoding("utf8")
    child.stderr.on("data", (chunk: string) => {
      if (stderr.length < STDERR_LIMIT) stderr += chunk
    })
    // A command that exits without reading its input (not found, bad option) closes the pipe
    // early; its exit status says what went wrong, so the EPIPE itself is not worth reporting.
    child.stdin.on("error", () => {})
    child.on("error", (error) =>
      resume(Effect.fail(
        new NotifyError({
          reason: "CommandFailed",
          transport: "sendmail",
          message: `cannot run /bin/sh for sendmail: ${oneLine(error.message)}`
        })
      )))
    child.on("close", (code, signal) => resume(Effect.succeed({ code, signal, stderr })))
    child.stdin.end(input)
    return Effect.sync(() => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
      try {
        process.kill(-child.pid, "SIGTERM")
      } catch {
        child.kill("SIGTERM") // the group is gone already; the shell may still be there
      }
    })
  })

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
      const exit = yield* run(config.command, yield* message(config, alert)).pipe(
        Effect.timeoutFail({
          duration: timeout,
          onTimeout: () =>
            new NotifyError({
              reason: "Timeout",
              transport: "sendmail",
              message: `sendmail command (${config.command}) did not finish within ${
                Duration.format(timeout)
              } and was stopped`
            })
        })
      )
      if (exit.code !== 0) {
        return yield* new NotifyError({ reason: "CommandFailed", transport: "sendmail", message: failure(config.command, exit) })
      }
      yield* Effect.logDebug(`alert handed to sendmail: ${oneLine(alert.subject)}`)
    })
}
