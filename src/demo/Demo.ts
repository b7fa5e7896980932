/**
 * `superlance demo`: a real supervisord in a temp dir with example programs and our listeners,
 * mailing an embedded SMTP server; the terminal shows process changes and each alert live.
 * Ctrl-C stops supervisord (and so every program and listener) and removes the temp dir.
 */
import * as NodeCommandExecutor from "@effect/platform-node/NodeCommandExecutor"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as PlatformCommand from "@effect/platform/Command"
import { accessSync, constants, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { delimiter, join } from "node:path"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { formatAsctime } from "../domain/Time.js"
import { fullName } from "../domain/Process.js"
import type { ProcessInfo } from "../domain/ProcessInfo.js"
import * as Supervisor from "../supervisor/Supervisor.js"
import * as MailSink from "./MailSink.js"
import * as Programs from "./programs.js"

export class DemoError extends Data.TaggedError("DemoError")<{ readonly message: string }> {}

const findOnPath = (command: string): string | undefined =>
  (process.env["PATH"] ?? "").split(delimiter).map((dir) => join(dir, command)).find((file) => {
    try {
      accessSync(file, constants.X_OK)
      return true
    } catch {
      return false
    }
  })

const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "superlance-demo-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

/** How our listeners are started: the same node and the same superlance as this demo. */
const superlance = (): string => `${process.execPath} ${realpathSync(process.argv[1] ?? "superlance")}`

const config = (dir: string, mailPort: number, webPort: number): string => {
  const self = superlance()
  const mail = `--smtpHost 127.0.0.1:${mailPort} --fromEmail superlance@demo.local`
  const program = (name: string, command: string, extra: ReadonlyArray<string> = []) => [
    `[program:${name}]`,
    `command=${command}`,
    "startsecs=1",
    "autorestart=true",
    `stdout_logfile=${join(dir, `${name}.log`)}`,
    "redirect_stderr=true",
    ...extra
  ]
  const listener = (name: string, args: string, events: string) => [
    `[eventlistener:${name}]`,
    `command=${self} ${args}`,
    `events=${events}`,
    `stderr_logfile=${join(dir, `${name}.log`)}`
  ]
  const sections = [
    ["[unix_http_server]", `file=${join(dir, "supervisor.sock")}`],
    [
      "[supervisord]",
      `logfile=${join(dir, "supervisord.log")}`,
      `pidfile=${join(dir, "supervisord.pid")}`,
      `childlogdir=${dir}`,
      "nodaemon=true"
    ],
    ["[rpcinterface:supervisor]", "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface"],
    program("crasher", `${process.execPath} ${join(dir, "crasher.js")}`),
    program("web", `${process.execPath} ${join(dir, "web.js")}`, [`environment=PORT="${webPort}",HEALTHY_SECONDS="20"`]),
    program("hog", `${process.execPath} ${join(dir, "hog.js")}`),
    listener("crashmail", `crashmail -p crasher -m ops@demo.local ${mail}`, "PROCESS_STATE_EXITED"),
    listener(
      "crashmailbatch",
      `crashmailbatch --toEmail ops@demo.local --fromEmail superlance@demo.local --smtpHost 127.0.0.1:${mailPort} --interval 0.5`,
      "PROCESS_STATE,TICK_60"
    ),
    listener("httpok", `httpok -p web -t 2 -m ops@demo.local ${mail} http://127.0.0.1:${webPort}/`, "TICK_5"),
    listener("memmon", `memmon -p hog=100MB -m ops@demo.local ${mail}`, "TICK_5")
  ]
  return sections.map((lines) => lines.join("\n")).join("\n\n") + "\n"
}

const freePort = Effect.async<number>((resume) => {
  const server = createServer().listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

/** supervisord for the life of the scope; closing it stops supervisord and all it started. */
const runSupervisord = (command: string, confPath: string) =>
  Effect.gen(function*() {
    const supervisord = yield* PlatformCommand.start(PlatformCommand.make(command, "-n", "-c", confPath)).pipe(
      Effect.mapError((error) => new DemoError({ message: `cannot start supervisord: ${error.message}` }))
    )
    // It logs to its log file; whatever it prints is drained, so a full pipe never blocks it.
    yield* Effect.forkScoped(Stream.runDrain(Stream.merge(supervisord.stdout, supervisord.stderr)))
    // Runs before the platform's own release: SIGTERM, and SIGKILL if it has not stopped in 15 s.
    yield* Effect.addFinalizer(() =>
      supervisord.kill("SIGTERM").pipe(
        Effect.timeout(Duration.seconds(15)),
        Effect.catchAll(() => supervisord.kill("SIGKILL")),
        Effect.ignore
      )
    )
  })

const time = () => formatAsctime(Date.now()).slice(11, 19)

const describeChange = (info: ProcessInfo): string =>
  `${time()}  ${fullName(info).padEnd(32)} ${info.statename}${info.pid > 0 ? ` (pid ${info.pid})` : ""}`

/** Prints every change of state, polling supervisord once a second. */
const watchProcesses = (supervisor: Supervisor.SupervisorService) =>
  Effect.gen(function*() {
    const seen = new Map<string, string>()
    yield* supervisor.getAllProcessInfo.pipe(
      Effect.flatMap((all) =>
        Effect.forEach(all, (info) => {
          const key = `${info.statename}:${info.pid}`
          if (seen.get(fullName(info)) === key) return Effect.void
          seen.set(fullName(info), key)
          return print(describeChange(info))
        }, { discard: true })
      ),
      Effect.catchAll((error) => print(`${time()}  (supervisord did not answer: ${error.message})`)),
      Effect.repeat(Schedule.spaced(Duration.seconds(1)))
    )
  })

/** The demo prints through Effect's Console, which the CLI's console module provides. */
const print = (text: string): Effect.Effect<void> => Console.log(text)

const showMail = (mail: MailSink.ReceivedMail) =>
  print(
    [
      `${time()}  ✉  to ${mail.to.join(", ")}: ${mail.subject}`,
      ...mail.text.split("\n").map((line) => `           ${line}`)
    ].join("\n")
  )

export const run: Effect.Effect<void, DemoError> = Effect.scoped(
  Effect.gen(function*() {
    const supervisordCommand = findOnPath("supervisord")
    if (supervisordCommand === undefined) {
      return yield* new DemoError({
        message: "the demo needs supervisord: install it with `apt-get install supervisor` or `pip install supervisor`"
      })
    }
    const dir = yield* tempDir
    // The SMTP server calls back outside any fiber: print with this fiber's services (its Console).
    const runtime = yield* Effect.runtime<never>()
    const sink = yield* MailSink.make((mail) => Runtime.runSync(runtime)(showMail(mail))).pipe(
      Effect.mapError((error) => new DemoError({ message: error.message }))
    )
    const webPort = yield* freePort
    const confPath = join(dir, "supervisord.conf")
    yield* Effect.sync(() => {
      writeFileSync(join(dir, "crasher.js"), Programs.crasher)
      writeFileSync(join(dir, "web.js"), Programs.web)
      writeFileSync(join(dir, "hog.js"), Programs.hog)
      writeFileSync(confPath, config(dir, sink.port, webPort))
    })
    yield* print([
      `superlance demo: a real supervisord in ${dir}, mail to a local SMTP server on port ${sink.port}.`,
      "  crasher  exits with an error every 10 s     → crashmail mails each crash, crashmailbatch every 30 s",
      `  web      answers http://127.0.0.1:${webPort}/ for 20 s, then hangs → httpok restarts it`,
      "  hog      grows by 4 MB a second           → memmon restarts it past 100 MB",
      "Listener logs are in that directory. Ctrl-C stops everything.",
      ""
    ].join("\n"))
    yield* runSupervisord(supervisordCommand, confPath)
    const supervisor = yield* Supervisor.make({ url: `unix://${join(dir, "supervisor.sock")}` }).pipe(
      Effect.mapError((error) => new DemoError({ message: error.message }))
    )
    yield* supervisor.getState.pipe(
      Effect.retry(Schedule.spaced(Duration.millis(100)).pipe(Schedule.upTo(Duration.seconds(15)))),
      Effect.mapError((error) => new DemoError({ message: `supervisord did not start: ${error.message}` }))
    )
    yield* watchProcesses(supervisor)
  }).pipe(
    Effect.onInterrupt(() => print("\nstopping supervisord and the demo programs…")),
    Effect.provide(Layer.provide(NodeCommandExecutor.layer, NodeFileSystem.layer))
  )
)
