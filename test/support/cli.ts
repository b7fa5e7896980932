/**
 * Runs the built CLI (`dist/superlance.js`, made by `npm run build` before the tests) as a real
 * process, the way supervisord or an operator would.
 */
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"

export const bundle = fileURLToPath(new URL("../../dist/superlance.js", import.meta.url))
export const launcher = fileURLToPath(new URL("../../bin/superlance.js", import.meta.url))

if (!existsSync(bundle)) {
  process.stderr.write(`${bundle} is missing: run 'npm run build' first (npm test does)\n`)
}

export interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export interface RunOptions {
  readonly env?: Record<string, string | undefined>
  /** Written to stdin, which is then closed. */
  readonly input?: string
  /** Run this file instead of the bundle (e.g. a bin link to the launcher). */
  readonly command?: string
  readonly timeoutMs?: number
}

/** A clean environment: nothing of supervisord's unless the test adds it. */
const baseEnv = () => {
  const env: Record<string, string | undefined> = { ...process.env }
  for (const key of Object.keys(env)) if (key.startsWith("SUPERVISOR_")) delete env[key]
  return env
}

export const runCli = (args: ReadonlyArray<string>, options: RunOptions = {}): Promise<Run> =>
  new Promise((resolve, reject) => {
    const [file, argv] = options.command === undefined ? [process.execPath, [bundle, ...args]] : [options.command, args]
    const child = spawn(file, argv, { env: { ...baseEnv(), ...options.env }, stdio: ["pipe", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 15_000)
    child.on("error", reject)
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
    child.stdin.on("error", () => {})
    child.stdin.end(options.input ?? "")
  })
