/**
 * An Outbox's queue on disk (`--spool DIR`), so a restarted listener sends what the last one
 * could not. Each change is one JSON line appended to the file before the change is acknowledged
 * (no fsync: the threat is SIGKILL, not power loss), so the cost of an alert does not grow with
 * the queue. The file is rewritten with only what is still queued (through a rename) when the
 * queue is emptied, and whenever it holds more than twice as many entries as are still queued:
 *
 *   {"spool":1,"dropped":0}      first line: the format, and alerts dropped but not yet mentioned
 *   {"entry":…}                  an alert queued
 *   {"drop":1}                   the oldest queued alert dropped by the queue limit
 *   {"sent":2,"mentioned":1}     the two oldest delivered, with the mention of one dropped alert
 *
 * Files of earlier versions, one JSON object `{"entries":[…],"dropped":N}`, are read and rewritten.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import type { PlatformError } from "@effect/platform/Error"
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"

/** A spool directory or file the listener cannot use: a misconfiguration, reported at start. */
export class SpoolError extends Data.TaggedError("SpoolError")<{
  readonly reason: "CannotCreate" | "NotADirectory" | "CannotRead" | "CannotWrite"
  readonly path: string
  readonly detail: string
}> {
  override get message() {
    if (this.reason === "NotADirectory") return `--spool: ${this.path} is not a directory`
    const verb = { CannotCreate: "create", CannotRead: "read", CannotWrite: "write" }[this.reason]
    return `--spool: cannot ${verb} ${this.path}: ${this.detail}`
  }
}

/** `not a directory` rather than `ENOTDIR: not a directory, open '/the/path/again'`. */
const detail = (error: PlatformError): string => {
  const description = error._tag === "SystemError" ? error.description : undefined
  return /^[A-Z]+: ([^,]+)/.exec(description ?? "")?.[1] ?? (error._tag === "SystemError" ? error.reason : error.message)
}

/** What is queued: the entries, oldest first, and how many the queue limit dropped unmentioned. */
export interface Queued<T> {
  readonly entries: ReadonlyArray<T>
  readonly dropped: number
}

/** A change to the queue, as the Outbox made it. */
export type Change<T> =
  /** `entry` joined the queue, which then dropped its `dropped` oldest entries (queue limit). */
  | { readonly _tag: "Added"; readonly entry: T; readonly dropped: number }
  /** The `count` oldest entries were delivered, with the mention of `mentioned` dropped ones. */
  | { readonly _tag: "Sent"; readonly count: number; readonly mentioned: number }

export interface Spool<T> {
  /** What the last listener left. */
  readonly restored: Queued<T>
  /**
   * Records a change, on disk when this returns (never fails: a write error is logged, and the
   * next change rewrites the file). Calls must not overlap, and come in the order of the changes.
   */
  readonly record: (change: Change<T>) => Effect.Effect<void>
}

const FORMAT = 1

/** The directory of `--spool`: made (mode 0700) when missing; its parent must exist. */
export const directory = (dir: string): Effect.Effect<void, SpoolError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const made = yield* fs.makeDirectory(dir, { mode: 0o700 }).pipe(
      Effect.as(true),
      Effect.catchIf((error) => error._tag === "SystemError" && error.reason === "AlreadyExists", () => Effect.succeed(false)),
      Effect.mapError((error) => new SpoolError({ reason: "CannotCreate", path: dir, detail: detail(error) }))
    )
    if (made) return
    const info = yield* fs.stat(dir).pipe(
      Effect.mapError((error) => new SpoolError({ reason: "CannotRead", path: dir, detail: detail(error) }))
    )
    if (info.type !== "Directory") return yield* new SpoolError({ reason: "NotADirectory", path: dir, detail: info.type })
  })

const lineSchema = <T, I>(entry: Schema.Schema<T, I>) =>
  Schema.parseJson(Schema.Union(
    Schema.Struct({ spool: Schema.Number, dropped: Schema.Number }),
    Schema.Struct({ entry }),
    Schema.Struct({ drop: Schema.Number }),
    Schema.Struct({ sent: Schema.Number, mentioned: Schema.optionalWith(Schema.Number, { default: () => 0 }) })
  ))

const legacySchema = <T, I>(entry: Schema.Schema<T, I>) =>
  Schema.parseJson(Schema.Struct({ entries: Schema.Array(entry), dropped: Schema.Number }))

interface Read<T> extends Queued<T> {
  /** Lines that could not be read. */
  readonly bad: number
}

/** Replays the lines of a spool file (or reads an earlier version's file) into the queue. */
const parse = <T, I>(text: string, entry: Schema.Schema<T, I>): Read<T> => {
  const legacy = Schema.decodeUnknownEither(legacySchema(entry))(text)
  if (Either.isRight(legacy)) return { ...legacy.right, bad: 0 }
  const decodeLine = Schema.decodeUnknownEither(lineSchema(entry))
  const entries: Array<T> = []
  let first = 0 // entries before it were dropped or sent
  let dropped = 0
  let bad = 0
  for (const raw of text.split("\n")) {
    if (raw === "") continue
    const line = decodeLine(raw)
    if (Either.isLeft(line)) {
      bad++
      continue
    }
    const record = line.right
    if ("entry" in record) entries.push(record.entry)
    else if ("spool" in record) dropped = record.dropped
    else if ("drop" in record) {
      first = Math.min(entries.length, first + record.drop)
      dropped += record.drop
    } else {
      first = Math.min(entries.length, first + record.sent)
      dropped = Math.max(0, dropped - record.mentioned)
    }
  }
  return { entries: entries.slice(first), dropped, bad }
}

/** Opens the spool file (read at once: the Outbox starts from `restored`) for the scope's lifetime. */
export const make = <T, I>(
  file: string,
  entry: Schema.Schema<T, I>
): Effect.Effect<Spool<T>, SpoolError, FileSystem.FileSystem | Scope.Scope> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const encodeEntry = Schema.encodeEither(entry)
    /** An entry's line, or undefined (logged) for one that cannot be encoded: a bug. */
    const entryLine = (value: T) =>
      Either.match(encodeEntry(value), {
        onLeft: (error) =>
          Effect.logError(`an alert cannot be written to spool file ${file}: ${error.message}`).pipe(Effect.as(undefined)),
        onRight: (encoded) => Effect.succeed(`{"entry":${JSON.stringify(encoded)}}\n`)
      })

    const text = yield* fs.readFileString(file).pipe(
      Effect.catchIf((error) => error._tag === "SystemError" && error.reason === "NotFound", () => Effect.succeed("")),
      Effect.mapError((error) => new SpoolError({ reason: "CannotRead", path: file, detail: detail(error) }))
    )
    const restored = parse(text, entry)
    if (restored.bad > 0) {
      yield* fs.copyFile(file, `${file}.bad`).pipe(Effect.ignore)
      yield* Effect.logError(`${restored.bad} unreadable line(s) in spool file ${file} skipped; the file is kept as ${file}.bad`)
    }

    // The queue's lines, oldest first from `head`, kept so that a rewrite costs no encoding. The
    // mutable state below is only touched by `record`, whose calls never overlap.
    let queue: Array<string | undefined> = yield* Effect.forEach(restored.entries, entryLine)
    let head = 0
    let dropped = restored.dropped
    const take = (count: number) => {
      head = Math.min(queue.length, head + count)
      if (head > 1024 && head * 2 > queue.length) {
        queue = queue.slice(head)
        head = 0
      }
    }
    /** Entry lines and other lines in the file since its header. */
    let lines = { entries: 0, other: 0 }
    /** The file does not hold the queue (a write failed, or an alert could not be encoded). */
    let stale = false
    let failing = false

    // The open file, replaced after each rewrite; the handles live in a scope of their own that
    // closes after the Outbox's last attempt (its finalizer was registered later).
    const handles = yield* Scope.fork(yield* Effect.scope, ExecutionStrategy.sequential)
    let appender: { readonly file: FileSystem.File; readonly scope: Scope.CloseableScope } | undefined

    const rewrite = Effect.gen(function*() {
      const live = queue.slice(head)
      const entries = live.filter((line) => line !== undefined)
      yield* fs.writeFileString(`${file}.tmp`, `{"spool":${FORMAT},"dropped":${dropped}}\n${entries.join("")}`, { mode: 0o600 })
      yield* fs.rename(`${file}.tmp`, file)
      if (appender !== undefined) yield* Scope.close(appender.scope, Exit.void)
      appender = undefined
      const scope = yield* Scope.fork(handles, ExecutionStrategy.sequential)
      appender = { file: yield* fs.open(file, { flag: "a" }).pipe(Scope.extend(scope)), scope }
      lines = { entries: entries.length, other: 0 }
      stale = entries.length < live.length
    })

    // Starting from a clean file also tells at once whether it can be written.
    yield* rewrite.pipe(
      Effect.mapError((error) => new SpoolError({ reason: "CannotWrite", path: file, detail: detail(error) }))
    )

    const encoder = new TextEncoder()
    /** Applies the change to the kept queue; answers what to append. */
    const apply = (change: Change<T>) =>
      Effect.gen(function*() {
        if (change._tag === "Sent") {
          take(change.count)
          dropped = Math.max(0, dropped - change.mentioned)
          lines = { ...lines, other: lines.other + 1 }
          return `{"sent":${change.count},"mentioned":${change.mentioned}}\n`
        }
        const line = yield* entryLine(change.entry)
        queue.push(line)
        if (line === undefined) stale = true
        take(change.dropped)
        dropped += change.dropped
        lines = { entries: lines.entries + 1, other: lines.other + (change.dropped > 0 ? 1 : 0) }
        return `${line ?? ""}${change.dropped > 0 ? `{"drop":${change.dropped}}\n` : ""}`
      })

    const failed = (cause: Cause.Cause<unknown>) => {
      stale = true
      if (failing) return Effect.void // said once, until it works again
      failing = true
      return Effect.logError(`cannot write spool file ${file}; queued alerts are kept in memory meanwhile`, cause)
    }

    const record = (change: Change<T>) =>
      Effect.gen(function*() {
        const append = yield* apply(change)
        const size = queue.length - head
        const emptied = size === 0 && lines.entries + lines.other > 0
        if (stale || appender === undefined || lines.entries > 2 * size || emptied) yield* rewrite
        else yield* appender.file.writeAll(encoder.encode(append))
        if (failing) {
          failing = false
          yield* Effect.logInfo(`spool file ${file} is written again`)
        }
      }).pipe(
        Effect.catchAll((error) => failed(Cause.fail(error))),
        Effect.catchAllDefect((defect) => failed(Cause.die(defect)))
      )

    return { restored: { entries: restored.entries, dropped: restored.dropped }, record }
  })
