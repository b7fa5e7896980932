/**
 * The listener's two pipes to supervisord: events arrive on stdin, protocol tokens leave on stdout.
 * Nothing else may ever be written to stdout in listener mode.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ProtocolError } from "./Framing.js"

export class ListenerIO extends Context.Tag("superlance/ListenerIO")<ListenerIO, {
  /**
   * Hands what supervisord writes (bytes, or text already decoded from UTF-8) to `consume`, chunk
   * by chunk, until `consume` answers true (it has something for the caller): then succeeds with
   * true, or with false once stdin has ended. `consume` runs synchronously as input arrives, so it
   * may answer what needs no fiber (the acknowledgement of an ignored event) with `unsafeWrite`.
   */
  readonly read: (consume: (input: Uint8Array | string) => boolean) => Effect.Effect<boolean, ProtocolError>
  readonly write: (token: string) => Effect.Effect<void>
  /** `write` for plain callbacks such as `consume`. */
  readonly unsafeWrite: (token: string) => void
}>() {}

/** Writes to a pipe are synchronous on Linux, so a token is never lost on exit. */
const unsafeWrite = (token: string): void => void process.stdout.write(token)

/**
 * stdin as it flows: a chunk goes straight to the waiting reader, or waits in a short queue while
 * the listener is busy with an event. supervisord sends one event at a time, so the queue stays
 * short; stdin is paused anyway if it grows, so input is never buffered without bound.
 */
const stdin = Effect.acquireRelease(
  Effect.sync(() => {
    // Decoded as it arrives (a character split across chunks arrives whole), as a plain listener would.
    process.stdin.setEncoding("utf8")
    const queue: Array<string> = []
    let ended: ProtocolError | "end" | undefined
    let reader: ((chunk: string | undefined) => void) | undefined
    const onData = (chunk: string) => {
      if (reader !== undefined) return reader(chunk)
      queue.push(chunk)
      if (queue.length >= 16) process.stdin.pause()
    }
    const onEnd = () => {
      ended ??= "end"
      reader?.(undefined)
    }
    const onError = (error: Error) => {
      ended ??= new ProtocolError({ reason: "InputFailed", message: `cannot read stdin: ${error.message}` })
      reader?.(undefined)
    }
    process.stdin.on("data", onData).once("end", onEnd).once("error", onError)
    const read = (consume: (input: Uint8Array | string) => boolean): Effect.Effect<boolean, ProtocolError> =>
      Effect.suspend(() => {
        if (queue.length > 0) process.stdin.resume()
        for (let chunk = queue.shift(); chunk !== undefined; chunk = queue.shift()) {
          if (consume(chunk)) return Effect.succeed(true)
        }
        if (ended !== undefined) return ended === "end" ? Effect.succeed(false) : Effect.fail(ended)
        return Effect.async<boolean, ProtocolError>((resume) => {
          reader = (chunk) => {
            if (chunk !== undefined && !consume(chunk)) return
            reader = undefined
            if (chunk !== undefined) resume(Effect.succeed(true))
            else resume(ended === "end" || ended === undefined ? Effect.succeed(false) : Effect.fail(ended))
          }
          return Effect.sync(() => void (reader = undefined))
        })
      })
    const release = Effect.sync(() => {
      process.stdin.off("data", onData).off("end", onEnd).off("error", onError)
      process.stdin.pause()
    })
    return { read, release }
  }),
  ({ release }) => release
)

/** Process stdin and stdout. */
export const layer: Layer.Layer<ListenerIO> = Layer.scoped(
  ListenerIO,
  Effect.map(stdin, ({ read }) =>
    ListenerIO.of({ read, write: (token) => Effect.sync(() => unsafeWrite(token)), unsafeWrite }))
)

/** Feeds the given chunks as stdin, one at a time, and records everything written. */
export const makeTest = (chunks: Iterable<Uint8Array | string>) =>
  Effect.sync(() => {
    const written: Array<string> = []
    const encoder = new TextEncoder()
    const pending = Array.from(chunks, (chunk) => (typeof chunk === "string" ? encoder.encode(chunk) : chunk))
    const record = (token: string) => void written.push(token)
    const io = ListenerIO.of({
      read: (consume) =>
        Effect.sync(() => {
          for (let chunk = pending.shift(); chunk !== undefined; chunk = pending.shift()) {
            if (consume(chunk)) return true
          }
          return false
        }),
      write: (token) => Effect.sync(() => record(token)),
      unsafeWrite: record
    })
    return {
      io,
      layer: Layer.succeed(ListenerIO, io),
      written: Effect.sync((): ReadonlyArray<string> => [...written])
    } as const
  })
