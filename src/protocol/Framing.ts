/**
 * Framing of supervisord's event-listener stream: a header line of `key:value` tokens, then a
 * payload of exactly `len` Unicode code points (SPEC §2) — not bytes, not UTF-16 units.
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { formatParseError } from "../internal/parseError.js"

/** The longest header line we accept; supervisord's are a few hundred bytes. */
export const MAX_HEADER_LENGTH = 64 * 1024

/** The stream is out of step with supervisord: the listener must exit so it is restarted. */
export class ProtocolError extends Data.TaggedError("ProtocolError")<{
  readonly reason: "BadHeader" | "HeaderTooLong" | "TruncatedPayload" | "InputFailed"
  readonly message: string
}> {}

const IntFromString = Schema.compose(Schema.NumberFromString, Schema.Int)

export const Header = Schema.Struct({
  ver: Schema.String,
  server: Schema.String,
  serial: IntFromString,
  pool: Schema.String,
  poolserial: IntFromString,
  eventname: Schema.NonEmptyString,
  len: Schema.compose(IntFromString, Schema.NonNegative)
})
export type Header = typeof Header.Type

/** One event as supervisord sent it: the decoded header and the raw payload text. */
export interface Frame {
  readonly header: Header
  readonly payload: string
}

/** Splits `a:1 b:2` into a record; a token without a colon maps to the empty string. */
export const parseTokens = (line: string): Record<string, string> => {
  const tokens: Record<string, string> = {}
  for (const token of line.split(" ")) {
    if (token === "") continue
    const colon = token.indexOf(":")
    if (colon === -1) tokens[token] = ""
    else tokens[token.slice(0, colon)] = token.slice(colon + 1)
  }
  return tokens
}

const decodeHeader = Schema.decodeUnknownEither(Header, { onExcessProperty: "ignore" })

const parseHeader = (line: string): Either.Either<Header, ProtocolError> =>
  Either.mapLeft(decodeHeader(parseTokens(line)), (error) =>
    new ProtocolError({
      reason: "BadHeader",
      message: `event header out of step with supervisord: ${JSON.stringify(truncate(line))} (${
        formatParseError(error)
      })`
    }))

const truncate = (text: string): string => (text.length > 200 ? `${text.slice(0, 200)}…` : text)

/**
 * Incremental decoder state. Text is decoded from UTF-8 with `stream: true`, so a multi-byte
 * character split across chunks arrives whole; code points are then counted on the JS string.
 */
class FrameDecoder {
  private readonly utf8 = new TextDecoder("utf-8")
  private buffer = ""
  private header: Header | undefined = undefined
  /** Progress through the current payload, kept so long payloads are scanned once. */
  private scannedUnits = 0
  private scannedCodePoints = 0

  /** The frames the bytes complete, and the error that stops the stream after them, if any. */
  push(bytes: Uint8Array): { readonly frames: ReadonlyArray<Frame>; readonly error?: ProtocolError } {
    this.buffer += this.utf8.decode(bytes, { stream: true })
    const frames: Array<Frame> = []
    const error = this.drainInto(frames)
    return error === undefined ? { frames } : { frames, error }
  }

  end(): ProtocolError | undefined {
    this.buffer += this.utf8.decode()
    if (this.header !== undefined) {
      return new ProtocolError({
        reason: "TruncatedPayload",
        message:
          `stdin ended inside the payload of ${this.header.eventname} (serial ${this.header.serial}): expected ${this.header.len} characters`
      })
    }
    if (this.buffer.length > 0) {
      return new ProtocolError({
        reason: "BadHeader",
        message: `stdin ended inside an event header: ${JSON.stringify(truncate(this.buffer))}`
      })
    }
    return undefined
  }

  private drainInto(frames: Array<Frame>): ProtocolError | undefined {
    for (;;) {
      if (this.header === undefined) {
        const newline = this.buffer.indexOf("\n")
        if (newline === -1) {
          if (this.buffer.length > MAX_HEADER_LENGTH) {
            return new ProtocolError({
              reason: "HeaderTooLong",
              message: `event header longer than ${MAX_HEADER_LENGTH} characters: out of step with supervisord`
            })
          }
          return undefined
        }
        const header = parseHeader(this.buffer.slice(0, newline))
        if (Either.isLeft(header)) return header.left
        this.header = header.right
        this.buffer = this.buffer.slice(newline + 1)
        this.scannedUnits = 0
        this.scannedCodePoints = 0
      }
      const end = this.payloadEnd(this.header.len)
      if (end === undefined) return undefined
      frames.push({ header: this.header, payload: this.buffer.slice(0, end) })
      this.buffer = this.buffer.slice(end)
      this.header = undefined
    }
  }

  /** The UTF-16 index after `len` code points, or undefined while the buffer is short. */
  private payloadEnd(len: number): number | undefined {
    let units = this.scannedUnits
    let codePoints = this.scannedCodePoints
    const buffer = this.buffer
    while (codePoints < len && units < buffer.length) {
      const unit = buffer.charCodeAt(units)
      units += unit >= 0xd800 && unit <= 0xdbff ? 2 : 1
      codePoints++
    }
    this.scannedUnits = units
    this.scannedCodePoints = codePoints
    return codePoints === len ? units : undefined
  }
}

/** Turns the raw bytes supervisord writes to a listener's stdin into frames. */
export const frames = <E, R>(input: Stream.Stream<Uint8Array, E, R>): Stream.Stream<Frame, E | ProtocolError, R> =>
  Stream.suspend(() => {
    const decoder = new FrameDecoder()
    const leftover = Stream.suspend(() => {
      const error = decoder.end()
      return error === undefined ? Stream.empty : Stream.fail(error)
    })
    return input.pipe(
      // Frames before a bad header are still handled (and acknowledged) before the stream fails.
      Stream.flatMap((bytes) => {
        const { error, frames } = decoder.push(bytes)
        const complete = Stream.fromIterable(frames)
        return error === undefined ? complete : Stream.concat(complete, Stream.fail(error))
      }),
      Stream.concat(leftover)
    )
  })
