/**
 * Drives the built CLI the way supervisord drives a listener: one event at a time, waiting for
 * its RESULT and the next READY before sending another.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import { bundle } from "./cli.js"

export interface DrivenListener {
  readonly child: ChildProcessWithoutNullStreams
  /** Resolves once the listener said READY for the first time. */
  readonly ready: Promise<void>
  /** Writes one event and resolves with its RESULT once the next READY has come. */
  readonly send: (envelope: string) => Promise<string>
  readonly stderr: () => string
  /** Everything written to stdout so far. */
  readonly stdout: () => string
  /** Closes stdin and resolves with the exit code. */
  readonly close: () => Promise<number | null>
  readonly kill: (signal: NodeJS.Signals) => Promise<number | null>
}

/** Runs the built bundle with `args`, or `command` (e.g. a bin link to a copy of the package). */
export const driveListener = (
  args: ReadonlyArray<string>,
  env: Record<string, string>,
  command?: string
): DrivenListener => {
  const [file, argv] = command === undefined ? [process.execPath, [bundle, ...args]] : [command, args]
  const child = spawn(file, argv, { env: { ...process.env, ...env } })
  let stdout = ""
  let stderr = ""
  let waiting: { readonly resolve: () => void; readonly count: number } | undefined
  let readies = 0
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)))
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk
    readies = stdout.split("READY\n").length - 1
    if (waiting !== undefined && readies >= waiting.count) waiting.resolve()
  })
  const untilReadies = (count: number) =>
    new Promise<void>((resolve, reject) => {
      if (readies >= count) return resolve()
      waiting = { resolve, count }
      void exited.then((code) => reject(new Error(`listener exited (${code}): ${stderr}`)))
    })
  const ready = untilReadies(1)
  return {
    child,
    ready,
    send: async (envelope) => {
      const before = readies
      const from = stdout.length
      child.stdin.write(envelope)
      await untilReadies(before + 1)
      return stdout.slice(from).replace(/READY\n$/, "")
    },
    stderr: () => stderr,
    stdout: () => stdout,
    close: () => {
      child.stdin.end()
      return exited
    },
    kill: (signal) => {
      child.kill(signal)
      return exited
    }
  }
}
