import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Either, Stream } from "effect"
import { type Frame, frames, MAX_HEADER_LENGTH, ProtocolError } from "../../src/protocol/Framing.js"
import { envelope } from "../support/envelope.js"

const encoder = new TextEncoder()

const decodeChunks = (chunks: ReadonlyArray<Uint8Array>) =>
  frames(Stream.fromIterable(chunks)).pipe(Stream.runCollect, Effect.map(Chunk.toReadonlyArray))

const payloadsOf = (result: ReadonlyArray<Frame>) => result.map((frame) => [frame.header.eventname, frame.payload])

describe("frames", () => {
  const astral = "processname:web groupname:web pid:7 channel:stdout\nhé ✓ 日本 😀 done"
  const tick = "when:1700000000"
  const stream = encoder.encode(
    envelope("PROCESS_LOG_STDOUT", astral, 1) + envelope("TICK_5", tick, 2)
  )

  it.effect("counts the payload in code points, not bytes or UTF-16 units", () =>
    Effect.gen(function*() {
      const result = yield* decodeChunks([stream])
      expect(payloadsOf(result)).toEqual([["PROCESS_LOG_STDOUT", astral], ["TICK_5", tick]])
      // The header says len = code points: 😀 is one, although JS counts two and UTF-8 four.
      expect(result[0]!.header.len).toBe([...astral].length)
      expect(result[0]!.header.len).toBeLessThan(astral.length)
    }))

  it.effect("gives the same frames whichever byte the input is split at", () =>
    Effect.gen(function*() {
      for (let at = 0; at <= stream.length; at++) {
        const result = yield* decodeChunks([stream.subarray(0, at), stream.subarray(at)])
        expect(payloadsOf(result)).toEqual([["PROCESS_LOG_STDOUT", astral], ["TICK_5", tick]])
      }
    }))

  it.effect("decodes input arriving one byte at a time", () =>
    Effect.gen(function*() {
      const bytes = Array.from(stream, (byte) => Uint8Array.of(byte))
      const result = yield* decodeChunks(bytes)
      expect(result.map((frame) => frame.header.serial)).toEqual([1, 2])
    }))

  it.effect("decodes several events in one chunk, with their header fields", () =>
    Effect.gen(function*() {
      const many = Array.from({ length: 5 }, (_, i) => envelope("TICK_60", `when:${i}`, i + 10)).join("")
      const result = yield* decodeChunks([encoder.encode(many)])
      expect(result.map((frame) => frame.payload)).toEqual(["when:0", "when:1", "when:2", "when:3", "when:4"])
      expect(result[0]!.header).toMatchObject({ ver: "3.0", server: "supervisor", serial: 10, pool: "listener" })
    }))

  it.effect("accepts an empty payload", () =>
    Effect.gen(function*() {
      const result = yield* decodeChunks([encoder.encode(envelope("SUPERVISOR_STATE_CHANGE_RUNNING", "", 1))])
      expect(payloadsOf(result)).toEqual([["SUPERVISOR_STATE_CHANGE_RUNNING", ""]])
    }))

  const failure = (input: string) =>
    decodeChunks([encoder.encode(input)]).pipe(Effect.flip, Effect.map((error) => error as ProtocolError))

  it.effect("fails when stdin ends inside a payload", () =>
    Effect.gen(function*() {
      const error = yield* failure(envelope("TICK_5", "when:1700000000").slice(0, -3))
      expect(error.reason).toBe("TruncatedPayload")
      expect(error.message).toContain("TICK_5")
    }))

  it.effect("fails on a header without len, or with a non-numeric len", () =>
    Effect.gen(function*() {
      const noLen = yield* failure("ver:3.0 server:supervisor serial:1 pool:p poolserial:1 eventname:TICK_5\nwhen:1")
      expect(noLen.reason).toBe("BadHeader")
      expect(noLen.message).toContain("len")
      const badLen = yield* failure("ver:3.0 server:supervisor serial:1 pool:p poolserial:1 eventname:TICK_5 len:x\n")
      expect(badLen.reason).toBe("BadHeader")
      const garbage = yield* failure("hello there\n")
      expect(garbage.reason).toBe("BadHeader")
      expect(garbage.message).toContain("hello there")
    }))

  it.effect("fails on a header line longer than 64 KiB instead of buffering forever", () =>
    Effect.gen(function*() {
      const error = yield* failure("x".repeat(MAX_HEADER_LENGTH + 1))
      expect(error.reason).toBe("HeaderTooLong")
    }))

  it.effect("ends quietly when stdin closes between events", () =>
    Effect.gen(function*() {
      const result = yield* decodeChunks([encoder.encode(envelope("TICK_5", "when:1"))]).pipe(Effect.either)
      expect(Either.isRight(result)).toBe(true)
    }))
})
