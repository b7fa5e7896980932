/**
 * Framing of supervisord's event-listener stream: a header line of `key:value` tokens, then a
 * payload of exactly `len` Unicode code points (SPEC §2) — not bytes, not UTF-16 units.
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { formatParseError } from "./parseError.js"

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

/** supervisord's own header: these fields in this order (supervisor/events.py), numbers as digits. */
const SUPERVISORD_HEADER =
  /^ver:(\S*) server:(\S*) serial:(\d{1,15}) pool:(\S*) poolserial:(\d{1,15}) eventname:(\S+) len:(\d{1,15})$/

/**
 * The header as supervisord writes it is read with one regular expression: this runs for every
 * event. Anything else (other order, extra fields) goes through the Schema, which decides and explains.
 */
const parseHeader = (line: string): Either.Either<Header, ProtocolError> => {
  const m = SUPERVISORD_HEADER.exec(line)
  if (m === null) return decodeHeaderOrExplain(line, parseTokens(line))
  return Either.right({
    ver: m[1]!,
    server: m[2]!,
    serial: Number(m[3]),
    pool: m[4]!,
    poolserial: Number(m[5]),
    eventname: m[6]!,
    len: Number(m[7])
  })
}

const decodeHeaderOrExplain = (line: string, tokens: Record<string, string>): Either.Either<Header, ProtocolError> =>
  Either.mapLeft(decodeHeader(tokens), (error) =>
    new ProtocolError({
      reason: "BadHeader",
      message: `event header out of step with supervisord: ${JSON.stringify(truncate(line))} (${
        formatParseError(error)
      })`
    }))

const truncate = (text: string): string => (text.length > 200 ? `${text.slice(0, 200)}…` : text)

const STREAM = { stream: true } as const

/** supervisord's header checked whole, capturing only what passing over its event takes. */
const SKIMMED = /^ver:\S* server:\S* serial:\d{1,15} pool:\S* poolserial:\d{1,15} eventname:(\S+) len:(\d{1,15})$/

/**
 * Incremental decoder: bytes go in with `push`, frames come out one at a time with `next`, so a
 * listener decodes a header only when it is ready for that event. Text is decoded from UTF-8 with
 * `stream: true`, so a multi-byte character split across chunks arrives whole; code points are
 * then counted on the JS string.
 */
export class FrameDecoder {
  private readonly utf8 = new TextDecoder("utf-8")
  private buffer = ""
  private header: Header | undefined = undefined
  /** The header line and payload length of an event being passed over (undecoded). */
  private skipping: string | undefined = undefined
  private skippingLen = 0
  /** Progress through the current payload, kept so long payloads are scanned once. */
  private scannedUnits = 0
  private scannedCodePoints = 0

  /** Bytes, or text already decoded from UTF-8 (as a stream with an encoding gives it). */
  push(input: Uint8Array | string): void {
    this.buffer += typeof input === "string" ? input : this.utf8.decode(input, STREAM)
  }

  /**
   * The next complete frame, the error that puts the stream out of step, or undefined for more
   * input. An event whose name `skip` picks is passed over without being decoded: "skipped".
   */
  next(skip?: (eventName: string) => boolean): Frame | ProtocolError | "skipped" | undefined {
    if (this.header === undefined && this.skipping === undefined) {
      const newline = this.buffer.indexOf("\n")
      if (newline === -1) {
        return this.buffer.length > MAX_HEADER_LENGTH
          ? new ProtocolError({
            reason: "HeaderTooLong",
            message: `event header longer than ${MAX_HEADER_LENGTH} characters: out of step with supervisord`
          })
          : undefined
      }
      const line = this.buffer.slice(0, newline)
      const skimmed = skip === undefined ? null : SKIMMED.exec(line)
      if (skip !== undefined && skimmed !== null && skip(skimmed[1]!)) {
        this.skipping = line
        this.skippingLen = Number(skimmed[2])
      } else {
        const header = parseHeader(line)
        if (Either.isLeft(header)) return header.left
        // A header in another form than supervisord's is decoded first, then passed over all the same.
        if (skimmed === null && skip?.(header.right.eventname) === true) {
          this.skipping = line
          this.skippingLen = header.right.len
        } else this.header = header.right
      }
      this.buffer = this.buffer.slice(newline + 1)
      this.scannedUnits = 0
      this.scannedCodePoints = 0
    }
    const header = this.header
    const end = this.payloadEnd(header === undefined ? this.skippingLen : header.len)
    if (end === undefined) return undefined
    const payload = header === undefined ? "" : this.buffer.slice(0, end)
    this.buffer = this.buffer.slice(end)
    this.header = undefined
    this.skipping = undefined
    return header === undefined ? "skipped" : { header, payload }
  }

  /** Called at the end of input: an error when it ended inside an event. */
  end(): ProtocolError | undefined {
    this.buffer += this.utf8.decode()
    // Only now is the header of an event being passed over decoded, for the message.
    const inside = this.header ?? (this.skipping === undefined ? undefined : Either.getOrUndefined(parseHeader(this.skipping)))
    if (inside !== undefined) {
      return new ProtocolError({
        reason: "TruncatedPayload",
        message:
          `stdin ended inside the payload of ${inside.eventname} (serial ${inside.serial}): expected ${inside.len} characters`
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

/**
 * What the listener loop reads with (Listener.run): input goes in with `consume` as it arrives,
 * accepted frames come out with `take`. An event `skip` picks is passed over undecoded and
 * `onSkipped` is called for it right there, in plain code: the listener acknowledges it without
 * waking a fiber.
 */
export class FrameReader {
  private readonly decoder = new FrameDecoder()
  /** The next frame (or the error that ends the stream), decoded while consuming input. */
  private pending: Frame | ProtocolError | undefined = undefined

  constructor(
    private readonly skip?: ((eventName: string) => boolean) | undefined,
    private readonly onSkipped?: (() => void) | undefined
  ) {}

  /** Takes a chunk of input; true when a frame (or an error) is ready for `take`. */
  consume(input: Uint8Array | string): boolean {
    this.decoder.push(input)
    this.pending = this.nextAccepted()
    return this.pending !== undefined
  }

  /** The next accepted frame, the error that puts the stream out of step, or undefined for more input. */
  take(): Frame | ProtocolError | undefined {
    const next = this.pending ?? this.nextAccepted()
    this.pending = undefined
    return next
  }

  /** At the end of input: an error when it ended inside an event. */
  end(): ProtocolError | undefined {
    return this.decoder.end()
  }

  // Plain code on purpose: it runs as input arrives, for every event.
  private nextAccepted(): Frame | ProtocolError | undefined {
    for (;;) {
      const next = this.decoder.next(this.skip)
      if (next !== "skipped") return next
      this.onSkipped?.()
    }
  }
}

/**
 * Turns the raw bytes supervisord writes to a listener's stdin into frames, for Effect programs
 * that want a Stream: read by the listener loop's own FrameReader, so they decode as it does.
 * Frames before a bad header come out before the stream fails.
 */
export const frames = <E, R>(input: Stream.Stream<Uint8Array, E, R>): Stream.Stream<Frame, E | ProtocolError, R> =>
  Stream.suspend(() => {
    const reader = new FrameReader()
    const leftover = Stream.suspend(() => {
      const error = reader.end()
      return error === undefined ? Stream.empty : Stream.fail(error)
    })
    return input.pipe(
      Stream.flatMap((bytes) => {
        reader.consume(bytes)
        const complete: Array<Frame> = []
        for (let next = reader.take(); next !== undefined; next = reader.take()) {
          if (next instanceof ProtocolError) return Stream.concat(Stream.fromIterable(complete), Stream.fail(next))
          complete.push(next)
        }
        return Stream.fromIterable(complete)
      }),
      Stream.concat(leftover)
    )
  })
