/**
 * The listener's two pipes to supervisord: events arrive on stdin, protocol tokens leave on stdout.
 * Nothing else may ever be written to stdout in listener mode.
 */
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import { ProtocolError } from "./Framing.js"

export class ListenerIO extends Context.Tag("superlance/ListenerIO")<ListenerIO, {
  readonly input: Stream.Stream<Uint8Array, ProtocolError>
  readonly write: (token: string) => Effect.Effect<void>
}>() {}

const stdin: Stream.Stream<Uint8Array, ProtocolError> = Stream.async<Uint8Array, ProtocolError>((emit) => {
  const onData = (chunk: Buffer) => void emit.single(chunk)
  const onEnd = () => void emit.end()
  const onError = (error: Error) =>
    void emit.fail(new ProtocolError({ reason: "InputFailed", message: `cannot read stdin: ${error.message}` }))
  process.stdin.on("data", onData).once("end", onEnd).once("error", onError)
  return Effect.sync(() => {
    process.stdin.off("data", onData).off("end", onEnd).off("error", onError)
    process.stdin.pause()
  })
})

/** Process stdin and stdout. Writes to a pipe are synchronous on Linux, so a token is never lost on exit. */
export const layer: Layer.Layer<ListenerIO> = Layer.succeed(ListenerIO, {
  input: stdin,
  write: (token) => Effect.sync(() => void process.stdout.write(token))
})

/** Feeds the given chunks as stdin and records everything written. */
export const makeTest = (chunks: Iterable<Uint8Array | string>) =>
  Effect.gen(function*() {
    const written = yield* Ref.make<ReadonlyArray<string>>([])
    const encoder = new TextEncoder()
    const bytes = Chunk.fromIterable(chunks).pipe(
      Chunk.map((chunk) => (typeof chunk === "string" ? encoder.encode(chunk) : chunk))
    )
    const io = ListenerIO.of({
      input: Stream.fromChunk(bytes).pipe(Stream.rechunk(1)),
      write: (token) => Ref.update(written, (tokens) => [...tokens, token])
    })
    return { io, layer: Layer.succeed(ListenerIO, io), written: Ref.get(written) } as const
  })
