import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Either, Stream } from "effect"
import { type Frame, FrameDecoder, frames, MAX_HEADER_LENGTH, ProtocolError } from "../../src/protocol/Framing.js"
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

  it.effect("reads a header the same whatever the order and spacing of its fields", () =>
    Effect.gen(function*() {
      const usual = "ver:3.0 server:supervisor serial:21 pool:mail poolserial:7 eventname:TICK_5 len:4\nwhen"
      const shuffled = "len:4  eventname:TICK_5 poolserial:7 pool:mail serial:21 server:supervisor ver:3.0 extra:x\nwhen"
      const [a] = yield* decodeChunks([encoder.encode(usual)])
      const [b] = yield* decodeChunks([encoder.encode(shuffled)])
      expect(a).toEqual(b)
      expect(a!.header).toEqual({
        ver: "3.0",
        server: "supervisor",
        serial: 21,
        pool: "mail",
        poolserial: 7,
        eventname: "TICK_5",
        len: 4
      })
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

describe("FrameDecoder.next(skip)", () => {
  const drain = (decoder: FrameDecoder, skip: (name: string) => boolean) => {
    const out: Array<string> = []
    for (let next = decoder.next(skip); next !== undefined; next = decoder.next(skip)) {
      out.push(next === "skipped" ? "skipped" : next instanceof ProtocolError ? next.reason : next.header.eventname)
      if (next instanceof ProtocolError) break
    }
    return out
  }
  const isTick = (name: string) => name.startsWith("TICK_")

  it("passes over the events it picks, whatever their payload, and keeps the others whole", () => {
    const input = envelope("TICK_5", "when:soon", 1) + envelope("PROCESS_LOG_STDOUT", "processname:a\n😀", 2) +
      "len:3 eventname:TICK_60 ver:3.0 server:s serial:3 pool:p poolserial:3\nabc" + envelope("TICK_60", "when:1", 4)
    const bytes = encoder.encode(input)
    for (let at = 0; at <= bytes.length; at += 7) {
      const decoder = new FrameDecoder()
      decoder.push(bytes.subarray(0, at))
      const first = drain(decoder, isTick)
      decoder.push(bytes.subarray(at))
      expect([...first, ...drain(decoder, isTick)]).toEqual(["skipped", "PROCESS_LOG_STDOUT", "skipped", "skipped"])
    }
  })

  it("still stops at a bad header, and names an event it was passing over when input ends inside it", () => {
    const bad = new FrameDecoder()
    bad.push(envelope("TICK_5", "when:1") + "ver:3.0 serial:x eventname:TICK_5 len:1\nx")
    expect(drain(bad, isTick)).toEqual(["skipped", "BadHeader"])
    const cut = new FrameDecoder()
    cut.push(envelope("TICK_60", "when:1700000000", 9).slice(0, -3))
    expect(drain(cut, isTick)).toEqual([])
    expect(cut.end()?.message).toBe("stdin ended inside the payload of TICK_60 (serial 9): expected 15 characters")
  })
})

