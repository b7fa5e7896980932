/**
 * Alerts that have not reached their receiver yet. Nothing is lost: a failed delivery keeps its
 * entries, later entries join them, and delivery is retried with backoff. With a spool file the
 * queue is mirrored on disk, so a restarted listener sends what the last one could not.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"

/** How long a last delivery may take on shutdown: supervisord kills a listener 10 s after SIGTERM. */
export const SHUTDOWN_BUDGET = Duration.seconds(8)
export const DEFAULT_QUEUE_LIMIT = 10_000

/** How alerts the queue limit threw away are mentioned, once, in the next message. */
export const droppedLine = (dropped: number): string => `… ${dropped} more alerts were dropped`

/**
 * Name and spool file of the queue for one of several routes (one queue per transport, so a
 * receiver that is down does not make the others get the same alert twice). With a single
 * route both stay as they were, so existing spool files are still found.
 */
export const perRoute = (
  options: { readonly name: string; readonly spoolFile?: string | undefined },
  route: string,
  routes: number
): { readonly name: string; readonly spoolFile: string | undefined } =>
  routes <= 1
    ? { name: options.name, spoolFile: options.spoolFile }
    : {
      name: `${options.name} (${route})`,
      spoolFile: options.spoolFile?.replace(/(\.json)?$/, `-${route}.json`)
    }

/** What a failed delivery says about itself; the Notifier's errors have this shape. */
export interface DeliveryFailure {
  readonly message: string
}

export interface OutboxOptions<T, I> {
  /** Names the queue in log lines, e.g. `crashmailbatch`. */
  readonly name: string
  /** Encodes an entry for the spool file. */
  readonly entry: Schema.Schema<T, I>
  /**
   * Sends entries from the front of the queue, `dropped` counting the oldest ones the queue limit
   * threw away (to be mentioned once), and returns how many entries it delivered.
   */
  readonly deliver: (pending: ReadonlyArray<T>, dropped: number) => Effect.Effect<number, DeliveryFailure>
  /** When to send: at once (each alert is its own message), or every so often (a batch). */
  readonly cadence: { readonly _tag: "Immediate" } | { readonly _tag: "Every"; readonly interval: Duration.Duration }
  /** The longest wait between two retries. */
  readonly retryCap: Duration.Duration
  readonly queueLimit?: number
  readonly spoolFile?: string | undefined
}

export interface Outbox<T> {
  readonly add: (entry: T) => Effect.Effect<void>
  readonly pending: Effect.Effect<ReadonlyArray<T>>
}

interface Entry<T> {
  readonly seq: number
  readonly value: T
}

interface State<T> {
  readonly entries: ReadonlyArray<Entry<T>>
  readonly dropped: number
  readonly nextSeq: number
}

const retryDelay = (failures: number, cap: Duration.Duration): Duration.Duration =>
  Duration.min(Duration.seconds(2 ** Math.min(failures - 1, 20)), cap)

/**
 * Starts the delivery fiber for a queue of alerts. Closing the scope stops it and makes one last
 * attempt, bounded by SHUTDOWN_BUDGET; what still fails then stays in the spool file, if any.
 */
export const make = <T, I>(
  options: OutboxOptions<T, I>
): Effect.Effect<Outbox<T>, never, Scope.Scope | FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const limit = options.queueLimit ?? DEFAULT_QUEUE_LIMIT
    const spool = options.spoolFile === undefined ? undefined : yield* makeSpool(options.spoolFile, options.entry)
    const restored = spool === undefined ? { entries: [], dropped: 0 } : yield* spool.load
    const leftOver = restored.entries.length > 0 || restored.dropped > 0
    if (leftOver) {
      yield* Effect.logInfo(`${options.name}: ${restored.entries.length} queued alert(s) found in ${options.spoolFile}`)
    }
    const state = yield* Ref.make<State<T>>({
      entries: restored.entries.map((value, seq) => ({ seq, value })),
      dropped: restored.dropped,
      nextSeq: restored.entries.length
    })
    const wake = yield* Queue.sliding<void>(1)
    const persist = spool === undefined ? Effect.void : Ref.get(state).pipe(Effect.flatMap(spool.save))

    const add = (value: T) =>
      Ref.update(state, ({ dropped, entries, nextSeq }) => {
        const all = [...entries, { seq: nextSeq, value }]
        const excess = Math.max(0, all.length - limit)
        return { entries: all.slice(excess), dropped: dropped + excess, nextSeq: nextSeq + 1 }
      }).pipe(
        Effect.zipRight(persist),
        Effect.zipRight(options.cadence._tag === "Immediate" ? Queue.offer(wake, undefined) : Effect.void)
      )

    /** Delivers until the queue is empty; fails with the first failure, keeping what was not sent. */
    const deliverAll: Effect.Effect<void, DeliveryFailure> = Effect.gen(function*() {
      for (;;) {
        const { dropped, entries } = yield* Ref.get(state)
        if (entries.length === 0 && dropped === 0) return
        const delivered = yield* options.deliver(entries.map((entry) => entry.value), dropped)
        if (delivered <= 0 && entries.length > 0) return
        const lastSent = entries[Math.min(delivered, entries.length) - 1]?.seq ?? -1
        yield* Ref.update(state, (current) => ({
          ...current,
          entries: current.entries.filter((entry) => entry.seq > lastSent),
          dropped: current.dropped - dropped
        }))
        yield* persist
      }
    })

    // Held while a delivery is under way, so shutdown waits for it instead of cutting it off
    // (a message the server accepted but we never heard back about would be sent twice).
    const delivering = yield* Effect.makeSemaphore(1)

    const attemptUntilDelivered = (failures: number): Effect.Effect<void> =>
      delivering.withPermits(1)(deliverAll).pipe(
        Effect.catchAll((failure) => {
          const delay = retryDelay(failures + 1, options.retryCap)
          return Effect.logWarning(
            `${options.name}: could not send alert (${failure.message}); retrying in ${Duration.format(delay)}`
          ).pipe(Effect.zipRight(Effect.sleep(delay)), Effect.zipRight(attemptUntilDelivered(failures + 1)))
        })
      )

    const waitForWork = options.cadence._tag === "Immediate"
      ? Queue.take(wake)
      : Effect.sleep(options.cadence.interval)

    // Whatever a previous listener left in the spool goes out first, without waiting for a cadence.
    const deliverer = (leftOver ? attemptUntilDelivered(0) : Effect.void).pipe(
      Effect.zipRight(Effect.forever(waitForWork.pipe(Effect.zipRight(attemptUntilDelivered(0)))))
    )

    const reportUnsent = (reason: string) =>
      Ref.get(state).pipe(Effect.flatMap(({ entries }) =>
        entries.length === 0 ? Effect.void : Effect.logError(
          `${options.name}: ${entries.length} alert(s) not sent before exit (${reason}); ${
            spool === undefined ? "they are lost (no --spool directory)" : `kept in ${options.spoolFile}`
          }`
        )
      ))

    /** On shutdown: let a delivery under way finish, stop the fiber, then one last attempt. */
    const lastAttempt = (deliverer: Fiber.RuntimeFiber<never>) =>
      Effect.gen(function*() {
        yield* delivering.take(1)
        yield* Fiber.interrupt(deliverer)
        yield* deliverAll
      }).pipe(
        // Finalizers run uninterruptibly: without this the time limit could not cut anything off.
        Effect.interruptible,
        Effect.timeoutFail({ duration: SHUTDOWN_BUDGET, onTimeout: () => ({ message: "timed out" }) }),
        Effect.catchAll((failure) => reportUnsent(failure.message))
      )

    // acquireRelease acquires uninterruptibly; the fiber itself must stay interruptible.
    yield* Effect.acquireRelease(Effect.forkDaemon(Effect.interruptible(deliverer)), lastAttempt)

    return {
      add,
      pending: Ref.get(state).pipe(Effect.map(({ entries }) => entries.map((entry) => entry.value)))
    }
  })

/** The queue on disk: written whole on every change (small; atomically through a rename). */
const makeSpool = <T, I>(file: string, entry: Schema.Schema<T, I>) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const Stored = Schema.parseJson(Schema.Struct({ entries: Schema.Array(entry), dropped: Schema.Number }))
    const decode = Schema.decodeUnknown(Stored)
    const encode = Schema.encode(Stored)

    const load = fs.readFileString(file).pipe(
      Effect.option,
      Effect.flatMap(Option.match({
        onNone: () => Effect.succeed({ entries: [] as ReadonlyArray<T>, dropped: 0 }),
        onSome: (text) =>
          decode(text).pipe(Effect.catchAll(() =>
            Effect.logError(`spool file ${file} is unreadable; set aside as ${file}.bad`).pipe(
              Effect.zipRight(fs.rename(file, `${file}.bad`).pipe(Effect.ignore)),
              Effect.as({ entries: [] as ReadonlyArray<T>, dropped: 0 })
            )
          ))
      }))
    )

    const save = (state: State<T>) =>
      encode({ entries: state.entries.map((e) => e.value), dropped: state.dropped }).pipe(
        Effect.flatMap((text) =>
          fs.writeFileString(`${file}.tmp`, text).pipe(Effect.zipRight(fs.rename(`${file}.tmp`, file)))
        ),
        Effect.catchAll((error) => Effect.logError(`cannot write spool file ${file}: ${error.message}`))
      )

    return { load, save } as const
  })
