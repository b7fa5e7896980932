/**
 * httpok's `-d` / `-g`: a core image of a hung process, taken before it is restarted so that the
 * hang can be studied afterwards. The gcore command line (default `/usr/bin/gcore -o`) is the
 * operator's, run by `/bin/sh -c` as the original's popen did, with the core file and the pid
 * as its last two arguments (passed as positional parameters, so no name needs shell quoting).
 */
import * as NodeCommandExecutor from "@effect/platform-node/NodeCommandExecutor"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as PlatformCommand from "@effect/platform/Command"
import * as CommandExecutor from "@effect/platform/CommandExecutor"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"

export interface GcoreRequest {
  /** A shell command line that takes a file name and a pid, e.g. `/usr/bin/gcore -o`. */
  readonly command: string
  /** `<coredir>/<namespec>` (gcore itself appends `.<pid>`). */
  readonly corefile: string
  readonly pid: number
}

/**
 * - `Unavailable`: the command does not exist or cannot be run;
 * - `Failed`: it ran and exited non-zero (or was killed);
 * - `Timeout`: it did not finish in time and was stopped.
 */
export class GcoreError extends Data.TaggedError("GcoreError")<{
  readonly reason: "Unavailable" | "Failed" | "Timeout"
  /** What it wrote before failing, stdout and stderr together. */
  readonly output: string
  readonly message: string
}> {}

export interface GcoreService {
  /** Runs the command; answers its output (stdout and stderr, in the order written). */
  readonly dump: (request: GcoreRequest) => Effect.Effect<string, GcoreError>
}

/** Dumping a large process takes a while, but a hung gcore must not stall the listener for good. */
export const DEFAULT_TIMEOUT = Duration.minutes(5)

/** Enough for any gcore's chatter; the rest is cut. */
const OUTPUT_LIMIT = 64 * 1024

interface Exit {
  readonly code: number | null
  readonly signal: string | null
  readonly output: string
}

/** stdout and stderr as text, together in the order written, up to the limit. */
const collect = (child: CommandExecutor.Process) =>
  Stream.merge(Stream.decodeText(child.stdout), Stream.decodeText(child.stderr)).pipe(
    Stream.runFold("", (output, chunk) => (output.length < OUTPUT_LIMIT ? output + chunk : output))
  )

/** The exit status; a process killed by a signal has none (the platform reports it as a failure). */
const exitOf = (child: CommandExecutor.Process) =>
  child.exitCode.pipe(
    Effect.map((code) => ({ code: Number(code), signal: null })),
    Effect.catchAll((error) =>
      Effect.succeed({ code: null, signal: /signal: (\w+)/.exec(error.message)?.[1] ?? null })
    )
  )

/**
 * Runs the request, or answers None when it has not finished within `timeout`: then the command
 * and everything it started are killed (it runs in its own process group, so that reaches gdb
 * too, not just the shell).
 */
const run = (request: GcoreRequest, timeout: Duration.Duration) =>
  Effect.scoped(Effect.gen(function*() {
    const command = PlatformCommand.make("/bin/sh", "-c", `${request.command} "$1" "$2"`, "gcore", request.corefile, String(request.pid))
    const child = yield* PlatformCommand.start(command).pipe(
      Effect.mapError((error) =>
        new GcoreError({ reason: "Unavailable", output: "", message: `cannot run /bin/sh: ${error.message}` })
      )
    )
    const finished = yield* Effect.all([collect(child), exitOf(child)], { concurrency: 2 }).pipe(
      Effect.map(([output, exit]): Exit => ({ ...exit, output })),
      Effect.mapError((error) =>
        new GcoreError({ reason: "Failed", output: "", message: `cannot read the output of gcore: ${error.message}` })
      ),
      Effect.timeoutOption(timeout)
    )
    if (Option.isNone(finished)) yield* child.kill("SIGKILL").pipe(Effect.ignore)
    return finished
  }))

const firstLine = (text: string): string =>
  text.split(/\r?\n/).map((line) => line.trim()).find((line) => line !== "") ?? ""

export const make = (
  options: { readonly timeout?: Duration.DurationInput } = {}
): Effect.Effect<GcoreService, never, CommandExecutor.CommandExecutor> =>
  Effect.map(CommandExecutor.CommandExecutor, (executor) => {
    const timeout = Duration.decode(options.timeout ?? DEFAULT_TIMEOUT)
    const dump = (request: GcoreRequest) =>
      run(request, timeout).pipe(
        Effect.provideService(CommandExecutor.CommandExecutor, executor),
        Effect.flatMap(Option.match({
          onNone: () =>
            Effect.fail(
              new GcoreError({
                reason: "Timeout",
                output: "",
                message: `gcore command (${request.command}) did not finish within ${
                  Duration.format(timeout)
                } and was stopped`
              })
            ),
          onSome: Effect.succeed
        })),
        Effect.flatMap((exit) => {
          if (exit.code === 0) return Effect.succeed(exit.output)
          const said = firstLine(exit.output)
          // 126/127: the shell could not find or execute the command.
          const reason = exit.code === 126 || exit.code === 127 ? "Unavailable" : "Failed"
          const how = exit.code === null ? `was killed by ${exit.signal ?? "a signal"}` : `exited with code ${exit.code}`
          return Effect.fail(
            new GcoreError({
              reason,
              output: exit.output,
              message: `gcore command (${request.command}) ${how}${said === "" ? "" : `: ${said}`}`
            })
          )
        })
      )
    return { dump }
  })

export class Gcore extends Context.Tag("superlance/Gcore")<Gcore, GcoreService>() {
  static readonly make = make

  /** Runs gcore as a child process of this one. */
  static readonly layer: Layer.Layer<Gcore> = Layer.effect(Gcore, make()).pipe(
    Layer.provide(NodeCommandExecutor.layer),
    Layer.provide(NodeFileSystem.layer)
  )

  /** Records requests and answers `output` (or fails with `error`) without running anything. */
  static readonly layerTest: Layer.Layer<Gcore | GcoreTest> = Layer.effectContext(
    Effect.gen(function*() {
      const requests = yield* Ref.make<ReadonlyArray<GcoreRequest>>([])
      const reply = yield* Ref.make<string | GcoreError>("")
      const service: GcoreService = {
        dump: (request) =>
          Ref.update(requests, (all) => [...all, request]).pipe(
            Effect.zipRight(Ref.get(reply)),
            Effect.flatMap((r) => (typeof r === "string" ? Effect.succeed(r) : Effect.fail(r)))
          )
      }
      const control: GcoreTest["Type"] = {
        requests: Ref.get(requests),
        respond: (r) => Ref.set(reply, r)
      }
      return Context.make(Gcore, service).pipe(Context.add(GcoreTest, control))
    })
  )
}

/** The handle on `Gcore.layerTest`. */
export class GcoreTest extends Context.Tag("superlance/GcoreTest")<GcoreTest, {
  readonly requests: Effect.Effect<ReadonlyArray<GcoreRequest>>
  /** What every later dump answers: its output, or a failure. */
  readonly respond: (reply: string | GcoreError) => Effect.Effect<void>
}>() {}
