/**
 * Alerts that have not reached their receiver yet. Nothing is lost: a failed delivery keeps its
 * entries, later entries join them, and delivery is retried with backoff (a WARN per attempt).
 * A defect in a transport is an ERROR, then retried the same way. With a spool file the queue is
 * mirrored on disk (Spool.ts), so a restarted listener sends what the last one could not.
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import type * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Spool from "./Spool.js"

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

/** What a failed delivery says about itself; the transports' `NotifyError` has this shape. */
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
  /** A Chunk: adding to the end and dropping from the front cost the same however long it is. */
  readonly entries: Chunk.Chunk<Entry<T>>
  readonly dropped: number
  readonly nextSeq: number
}

/** Retries after 1 s, 2 s, 4 s, … up to `cap`; each failure is logged with the wait that follows. */
const backoff = (name: string, cap: Duration.Duration) =>
  Schedule.exponential(Duration.seconds(1)).pipe(
    Schedule.map((delay) => Duration.min(delay, cap)),
    // The wait is the capped output, which is also what the warning says.
    Schedule.modifyDelay((capped) => capped),
    Schedule.intersect(Schedule.identity<DeliveryFailure>()),
    Schedule.tapOutput(([wait, failure]) =>
      Effect.logWarning(`${name}: could not send alert (${failure.message}); retrying in ${Duration.format(wait)}`)
    )
  )

/** Keeps nothing on disk: the queue lives in memory only. */
const noSpool = <T>(): Spool.Spool<T> => ({ restored: { entries: [], dropped: 0 }, record: () => Effect.void })

/**
 * Starts the delivery fiber for a queue of alerts. Closing the scope stops it and makes one last
 * attempt, bounded by SHUTDOWN_BUDGET; what still fails then stays in the spool file, if any.
 * Fails only when the spool file cannot be read or written at start.
 */
export const make = <T, I>(
  options: OutboxOptions<T, I>
): Effect.Effect<Outbox<T>, Spool.SpoolError, Scope.Scope | FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const limit = options.queueLimit ?? DEFAULT_QUEUE_LIMIT
    const spool = options.spoolFile === undefined ? noSpool<T>() : yield* Spool.make(options.spoolFile, options.entry)
    const restored = spool.restored
    const leftOver = restored.entries.length > 0 || restored.dropped > 0
    if (leftOver) {
      yield* Effect.logInfo(`${options.name}: ${restored.entries.length} queued alert(s) found in ${options.spoolFile}`)
    }
    const state = yield* Ref.make<State<T>>({
      entries: Chunk.fromIterable(restored.entries.map((value, seq) => ({ seq, value }))),
      dropped: restored.dropped,
      nextSeq: restored.entries.length
    })
    const wake = yield* Queue.sliding<void>(1)

    // Held while the queue changes and the change is written, so the spool file records the
    // changes in the order they were made.
    const changing = yield* Effect.makeSemaphore(1)

    /** Queues an entry; with a spool file it is on disk when this returns. */
    const add = (value: T) =>
      changing.withPermits(1)(Effect.gen(function*() {
        const [excess, next] = yield* Ref.modify(state, ({ dropped, entries, nextSeq }) => {
          const all = Chunk.append(entries, { seq: nextSeq, value })
          const excess = Math.max(0, all.length - limit)
          const next = { entries: Chunk.drop(all, excess), dropped: dropped + excess, nextSeq: nextSeq + 1 }
          return [[excess, next] as const, next]
        })
        yield* spool.record({ _tag: "Added", entry: value, dropped: excess })
        if (excess > 0) {
          yield* Effect.logError(
            `${options.name}: queue limit of ${limit} alert(s) reached; the oldest was dropped (${next.dropped} dropped so far, counted in the next message)`
          )
        }
      })).pipe(
        Effect.zipRight(options.cadence._tag === "Immediate" ? Queue.offer(wake, undefined) : Effect.void)
      )

    /** Takes what was delivered (up to `lastSent`, and the mention of `mentioned` dropped ones) off the queue. */
    const delivered = (lastSent: number, mentioned: number) =>
      changing.withPermits(1)(Effect.gen(function*() {
        const count = yield* Ref.modify(state, (current) => {
          const entries = Chunk.dropWhile(current.entries, (entry) => entry.seq <= lastSent)
          return [current.entries.length - entries.length, { ...current, entries, dropped: current.dropped - mentioned }]
        })
        yield* spool.record({ _tag: "Sent", count, mentioned })
      }))

    /** Delivers until the queue is empty; fails with the first failure, keeping what was not sent. */
    const deliverAll: Effect.Effect<void, DeliveryFailure> = Effect.gen(function*() {
      for (;;) {
        const { dropped, entries } = yield* Ref.get(state)
        if (entries.length === 0 && dropped === 0) return
        const pending = Chunk.toReadonlyArray(entries)
        const count = yield* options.deliver(pending.map((entry) => entry.value), dropped)
        if (count <= 0 && pending.length > 0) return
        yield* delivered(pending[Math.min(count, pending.length) - 1]?.seq ?? -1, dropped)
      }
    })

    // Held while a delivery is under way, so shutdown waits for it instead of cutting it off
    // (a message the server accepted but we never heard back about would be sent twice).
    const delivering = yield* Effect.makeSemaphore(1)

    /**
     * One attempt at delivering the queue. A defect (a bug in a transport) is logged as an error
     * and then treated as a failed delivery: the alerts stay queued and are retried.
     */
    const attempt = delivering.withPermits(1)(deliverAll).pipe(
      Effect.catchAllDefect((defect) =>
        Effect.logError(`${options.name}: sending failed on a defect (a bug); the alerts stay queued`, Cause.die(defect)).pipe(
          Effect.zipRight(Effect.fail({ message: `defect: ${defectMessage(defect)}` }))
        )
      )
    )

    const waitForWork = options.cadence._tag === "Immediate"
      ? Queue.take(wake)
      : Effect.sleep(options.cadence.interval)

    const untilDelivered = Effect.retry(attempt, backoff(options.name, options.retryCap)).pipe(
      // The schedule never ends, so this cannot happen; it keeps the fiber's type honest.
      Effect.catchAll(() => Effect.void)
    )

    // Whatever a previous listener left in the spool goes out first, without waiting for a cadence.
    const deliverer = (leftOver ? untilDelivered : Effect.void).pipe(
      Effect.zipRight(Effect.forever(waitForWork.pipe(Effect.zipRight(untilDelivered))))
    )

    const reportUnsent = (reason: string) =>
      Ref.get(state).pipe(Effect.flatMap(({ entries }) =>
        entries.length === 0 ? Effect.void : Effect.logError(
          `${options.name}: ${entries.length} alert(s) not sent before exit (${reason}); ${
            options.spoolFile === undefined ? "they are lost (no --spool directory)" : `kept in ${options.spoolFile}`
          }`
        )
      ))

    /** On shutdown: let a delivery under way finish, stop the fiber, then one last attempt. */
    const lastAttempt = (deliverer: Fiber.RuntimeFiber<never>) =>
      Effect.gen(function*() {
        yield* delivering.take(1)
        yield* Fiber.interrupt(deliverer)
        yield* delivering.release(1)
        yield* attempt
      }).pipe(
        // Finalizers run uninterruptibly: without this the time limit could not cut anything off.
        Effect.interruptible,
        Effect.timeoutFail({ duration: SHUTDOWN_BUDGET, onTimeout: () => ({ message: "timed out" }) }),
        Effect.catchAll((failure) => reportUnsent(failure.message))
      )

    // The fiber is interrupted when the scope closes, after the last attempt (finalizers run in
    // reverse order). It must stay interruptible even when started where interruption is off.
    const fiber = yield* Effect.forkScoped(Effect.interruptible(deliverer))
    yield* Effect.addFinalizer(() => lastAttempt(fiber))

    return {
      add,
      pending: Ref.get(state).pipe(Effect.map(({ entries }) => Chunk.toReadonlyArray(Chunk.map(entries, (entry) => entry.value))))
    }
  })

/** A defect's own message, without its stack. */
const defectMessage = (defect: unknown): string => defect instanceof Error ? defect.message : String(defect)
