/**
 * A real Prometheus Alertmanager (Debian's `prometheus-alertmanager`) on a free loopback port,
 * with a minimal config (one receiver that does nothing), its storage in a temp dir and
 * clustering off. Ready once `/-/ready` answers 200; stopped when the scope closes.
 *
 *   const am = yield* alertmanager()
 *   ...post to am.url...
 *   const alerts = yield* am.alerts
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { freePort, SupervisordFixtureError, waitUntil } from "./supervisord.js"

const candidates = ["/usr/bin/prometheus-alertmanager", "/usr/local/bin/alertmanager", "/usr/bin/alertmanager"]

/** The Alertmanager binary, or undefined when none is installed. */
export const binary: string | undefined = candidates.find((file) => fs.existsSync(file))

/** An alert as `GET /api/v2/alerts` answers it (the fields tests look at). */
export interface GettableAlert {
  readonly labels: Readonly<Record<string, string>>
  readonly annotations: Readonly<Record<string, string>>
  readonly startsAt: string
  readonly endsAt: string
  readonly status: { readonly state: string }
}

export interface Alertmanager {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  readonly port: number
  /** The alerts it holds now. */
  readonly alerts: Effect.Effect<ReadonlyArray<GettableAlert>, Error>
  /** Waits until it holds at least `count` alerts (real time), and answers them. */
  readonly waitForAlerts: (count: number, timeoutMs?: number) => Effect.Effect<ReadonlyArray<GettableAlert>, Error>
  /** What it wrote on stdout/stderr, for failure messages. */
  readonly output: () => string
}

const config = `route:
  receiver: "null"
  group_wait: 1h
receivers:
  - name: "null"
`

const getJson = (url: string) =>
  Effect.tryPromise({
    try: async () => {
      const response = await fetch(url)
      if (!response.ok) throw new Error(`GET ${url}: ${response.status}`)
      return (await response.json()) as unknown
    },
    catch: (error) => (error instanceof Error ? error : new Error(String(error)))
  })

/** Starts Alertmanager on `port` (default: a free one). */
export const alertmanager = (options: { readonly port?: number } = {}): Effect.Effect<
  Alertmanager,
  SupervisordFixtureError | Error,
  Scope.Scope
> =>
  Effect.gen(function*() {
    if (binary === undefined) return yield* Effect.fail(new Error("prometheus-alertmanager is not installed"))
    const port = options.port ?? (yield* freePort)
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "am-"))
    fs.writeFileSync(path.join(dir, "alertmanager.yml"), config)
    let output = ""
    const child: ChildProcess = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const started = spawn(binary, [
          `--config.file=${path.join(dir, "alertmanager.yml")}`,
          `--storage.path=${path.join(dir, "data")}`,
          `--web.listen-address=127.0.0.1:${port}`,
          "--cluster.listen-address="
        ], { stdio: ["ignore", "pipe", "pipe"] })
        started.stdout?.setEncoding("utf8").on("data", (chunk: string) => (output += chunk))
        started.stderr?.setEncoding("utf8").on("data", (chunk: string) => (output += chunk))
        return started
      }),
      (started) =>
        Effect.async<void>((resume) => {
          const done = () => {
            fs.rmSync(dir, { recursive: true, force: true })
            resume(Effect.void)
          }
          if (started.exitCode !== null || started.signalCode !== null) return done()
          const timer = setTimeout(() => started.kill("SIGKILL"), 5_000)
          started.once("exit", () => {
            clearTimeout(timer)
            done()
          })
          started.kill("SIGTERM")
        })
    )
    const url = `http://127.0.0.1:${port}`
    yield* waitUntil(
      () =>
        child.exitCode === null &&
        fetch(`${url}/-/ready`).then((response) => response.ok, () => false),
      { timeout: 15_000, message: `Alertmanager to be ready on ${url}` }
    ).pipe(Effect.mapError((error) => new Error(`${error.message}\n${output}`)))
    const alerts = Effect.map(getJson(`${url}/api/v2/alerts`), (body) => body as ReadonlyArray<GettableAlert>)
    const waitForAlerts = (count: number, timeoutMs = 10_000) =>
      Effect.gen(function*() {
        let last: ReadonlyArray<GettableAlert> = []
        yield* waitUntil(Effect.map(alerts, (all) => (last = all).length >= count), {
          timeout: timeoutMs,
          message: `${count} alert(s) in Alertmanager`
        })
        return last
      })
    return { url, port, alerts, waitForAlerts, output: () => output }
  })
