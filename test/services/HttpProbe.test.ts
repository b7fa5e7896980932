import { describe, expect, it } from "@effect/vitest"
import { Clock, Duration, Effect, Either, Fiber, Option, TestClock } from "effect"
import {
  type Attempt,
  HttpProbe,
  HttpProbeTest,
  nodeAttempt,
  ProbeError,
  type ProbeFailureReason,
  type ProbeResponse
} from "../../src/services/HttpProbe.js"
import { bodyScanner, type ResponseHead, ResponseReader } from "../../src/services/HttpResponse.js"
import * as http from "node:http"
import * as net from "node:net"
import * as HttpFixture from "../support/http.js"
import { sleepReal, waitUntil } from "../support/supervisord.js"

/** An attempt that fails with these reasons in turn, then answers 200; records when it was called. */
const scripted = (failures: ReadonlyArray<ProbeFailureReason>) => {
  const times: Array<number> = []
  let next = 0
  const attempt: Attempt = (request) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      times.push(now)
      const reason = failures[next++]
      return reason === undefined
        ? Effect.succeed<ProbeResponse>({ status: 200, reason: "OK" })
        : Effect.fail(new ProbeError({ reason, url: request.url, message: reason }))
    })
  return { attempt, times }
}

const url = "http://127.0.0.1:8080/health"

describe("HttpProbe retries and time limit (TestClock)", () => {
  it.effect("retries a refused connection with a short backoff and answers once it connects", () =>
    Effect.gen(function*() {
      const { attempt, times } = scripted(["Refused", "Refused", "Refused"])
      const fiber = yield* Effect.fork(HttpProbe.make(attempt).get({ url, timeout: "10 seconds" }))
      yield* TestClock.adjust("2 seconds")
      const response = yield* Fiber.join(fiber)
      expect(response.status).toBe(200)
      expect(times).toEqual([0, 100, 300, 700])
    }))

  it.effect("keeps retrying at most a second apart, and reports refused (not timeout) when the time is spent", () =>
    Effect.gen(function*() {
      const { attempt, times } = scripted(Array.from({ length: 1000 }, () => "Refused" as const))
      const fiber = yield* Effect.fork(HttpProbe.make(attempt).get({ url, timeout: "10 seconds" }))
      yield* TestClock.adjust("9999 millis")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 millis")
      const result = yield* Effect.either(Fiber.join(fiber))
      expect(Either.isLeft(result) && result.left).toMatchObject({
        reason: "Refused",
        message: "connection refused by 127.0.0.1:8080 (13 attempts in 10s)"
      })
      // Doubling from 100 ms, then a second apart.
      expect(times).toEqual([0, 100, 300, 700, 1500, 2500, 3500, 4500, 5500, 6500, 7500, 8500, 9500])
    }))

  it.effect("a server that comes up but then does not answer is a Timeout, not refused", () =>
    Effect.gen(function*() {
      let calls = 0
      const attempt: Attempt = (request) =>
        ++calls <= 2 ? Effect.fail(new ProbeError({ reason: "Refused", url: request.url, message: "refused" })) : Effect.never
      const fiber = yield* Effect.fork(HttpProbe.make(attempt).get({ url, timeout: "2 seconds" }))
      yield* TestClock.adjust("2 seconds")
      const result = yield* Effect.either(Fiber.join(fiber))
      expect(calls).toBe(3)
      expect(Either.isLeft(result) && result.left.reason).toBe("Timeout")
    }))

  it.effect("does not retry other failures", () =>
    Effect.gen(function*() {
      const { attempt, times } = scripted(["Dns"])
      const result = yield* Effect.either(HttpProbe.make(attempt).get({ url, timeout: "10 seconds" }))
      expect(Either.isLeft(result) && result.left.reason).toBe("Dns")
      expect(times).toEqual([0])
    }))

  it.effect("gives up on a server that does not answer after exactly the timeout", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(HttpProbe.make(() => Effect.never).get({ url, timeout: "2 seconds" }))
      yield* TestClock.adjust("1999 millis")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 millis")
      const result = yield* Effect.either(Fiber.join(fiber))
      expect(Either.isLeft(result) && result.left).toMatchObject({ reason: "Timeout", message: "no complete response within 2s" })
    }))

  it.effect("the test layer answers from its script through the same limits", () =>
    Effect.gen(function*() {
      const control = yield* HttpProbeTest
      const probe = yield* HttpProbe
      yield* control.respondOnce({ status: 503, reason: "Service Unavailable" })
      yield* control.respond({ fail: "Refused" })
      expect(yield* probe.get({ url, timeout: "1 second" })).toEqual({ status: 503, reason: "Service Unavailable" })
      const refused = yield* Effect.fork(Effect.either(probe.get({ url, timeout: "1 second" })))
      yield* TestClock.adjust("1 second")
      expect(Either.getLeft(yield* Fiber.join(refused)).pipe(Option.map((e) => e.reason))).toEqual(Option.some("Refused"))
      // 503 once; then refused at 0, 100, 300 and 700 ms.
      expect((yield* control.requests).length).toBe(1 + 4)
      yield* control.respond({ delay: "5 seconds" })
      const slow = yield* Effect.fork(Effect.either(probe.get({ url, timeout: "1 second" })))
      yield* TestClock.adjust("1 second")
      expect(Either.getLeft(yield* Fiber.join(slow)).pipe(Option.map((e) => e.reason))).toEqual(Option.some("Timeout"))
    }).pipe(Effect.provide(HttpProbe.layerTest)))
})

/** Real time elapsed by an effect, in ms. */
const timed = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const start = Date.now()
    const result = yield* Effect.either(effect)
    return { result, ms: Date.now() - start }
  })

const live = HttpProbe.make()

describe("HttpProbe over a real HTTP server", () => {
  it.scopedLive("GETs the URL with User-Agent httpok and answers status, reason and whether the body has the text", () =>
    Effect.gen(function*() {
      const http = yield* HttpFixture.make()
      http.respond({ status: 200, body: "all good: ünïcødé ✓" })
      const response = yield* live.get({ url: http.url("/health?deep=1"), timeout: "5 seconds", find: "ünïcødé ✓" })
      expect(response).toEqual({ status: 200, reason: "OK", found: true })
      const [request] = http.requests()
      expect(request).toMatchObject({ method: "GET", path: "/health?deep=1" })
      expect(request?.headers["user-agent"]).toBe("httpok")
    }))

  it.scopedLive("answers a 500 and a 201 as they are", () =>
    Effect.gen(function*() {
      const http = yield* HttpFixture.make()
      http.respondOnce({ status: 500, body: "boom" })
      http.respondOnce({ status: 201 })
      expect(yield* live.get({ url: http.url(), timeout: "5 seconds" })).toEqual({
        status: 500,
        reason: "Internal Server Error"
      })
      expect((yield* live.get({ url: http.url(), timeout: "5 seconds" })).status).toBe(201)
    }))

  it.scopedLive("sends the URL's user and password as Basic credentials, the Host as given", () =>
    Effect.gen(function*() {
      const http = yield* HttpFixture.make()
      yield* live.get({ url: http.url("/x").replace("://", "://ops:s%40cret@"), timeout: "5 seconds" })
      const [request] = http.requests()
      expect(request?.headers.authorization).toBe(`Basic ${Buffer.from("ops:s@cret").toString("base64")}`)
      expect(request?.headers.host).toBe(`127.0.0.1:${http.port}`)
    }))

  it.live("an answer that is not HTTP is a Protocol failure", () =>
    Effect.gen(function*() {
      const server = net.createServer((socket) => socket.end("SSH-2.0-OpenSSH_9.6\r\n\r\n"))
      yield* Effect.acquireRelease(
        Effect.async<void>((resume) => void server.listen(0, "127.0.0.1", () => resume(Effect.void))),
        () => Effect.sync(() => server.close())
      )
      const port = (server.address() as net.AddressInfo).port
      const result = yield* Effect.either(live.get({ url: `http://127.0.0.1:${port}/`, timeout: "5 seconds" }))
      expect(Either.isLeft(result) && result.left.reason).toBe("Protocol")
    }).pipe(Effect.scoped))

  it.scopedLive("does not follow redirects", () =>
    Effect.gen(function*() {
      const http = yield* HttpFixture.make()
      http.respond({ status: 302, headers: { location: "/elsewhere" } })
      expect((yield* live.get({ url: http.url(), timeout: "5 seconds" })).status).toBe(302)
      expect(http.requests().map((r) => r.path)).toEqual(["/"])
    }))

  it.scopedLive("a response slower than the timeout is a Timeout after about that time", () =>
    Effect.gen(function*() {
      const http = yield* HttpFixture.make()
      http.respond({ delay: "5 seconds" })
      const { ms, result } = yield* timed(live.get({ url: http.url(), timeout: "2 seconds" }))
      expect(Either.isLeft(result) && result.left.reason).toBe("Timeout")
      expect(ms).toBeGreaterThanOrEqual(1900)
      expect(ms).toBeLessThan(3000)
    }))

  it.scopedLive("nothing listening: retried until the time is spent, then Refused", () =>
    Effect.gen(function*() {
      const http = yield* HttpFixture.make()
      yield* http.stop
      const { ms, result } = yield* timed(live.get({ url: http.url(), timeout: "1 second" }))
      expect(Either.isLeft(result) && result.left.reason).toBe("Refused")
      expect(Either.isLeft(result) && result.left.message).toMatch(/^connection refused by 127\.0\.0\.1:\d+ \(\d+ attempts in 1s\)$/)
      expect(ms).toBeGreaterThanOrEqual(950)
      expect(ms).toBeLessThan(2000)
    }))

  it.scopedLive("a server that comes up while refused connections are retried is answered", () =>
    Effect.gen(function*() {
      const http = yield* HttpFixture.make()
      yield* http.stop
      const fiber = yield* Effect.fork(live.get({ url: http.url(), timeout: "5 seconds" }))
      yield* sleepReal(400)
      yield* http.start
      expect((yield* Fiber.join(fiber)).status).toBe(200)
    }))

  it.scopedLive("a dropped connection is a Reset", () =>
    Effect.gen(function*() {
      const http = yield* HttpFixture.make()
      http.respond({ drop: true })
      const result = yield* Effect.either(live.get({ url: http.url(), timeout: "5 seconds" }))
      expect(Either.isLeft(result) && result.left.reason).toBe("Reset")
    }))

  it.live("a host name that does not resolve is a Dns failure", () =>
    Effect.gen(function*() {
      const result = yield* Effect.either(live.get({ url: "http://no-such-host.invalid/", timeout: "5 seconds" }))
      expect(Either.isLeft(result) && result.left).toMatchObject({ reason: "Dns" })
    }))

  it.scopedLive("https with a self-signed certificate is accepted unless --verify-tls", () =>
    Effect.gen(function*() {
      const https = yield* HttpFixture.make({ tls: true })
      https.respond({ body: "secure" })
      const response = yield* live.get({ url: https.url(), timeout: "5 seconds", find: "secure" })
      expect(response).toEqual({ status: 200, reason: "OK", found: true })
      const verified = yield* Effect.either(live.get({ url: https.url(), timeout: "5 seconds", verifyTls: true }))
      expect(Either.isLeft(verified) && verified.left.reason).toBe("Tls")
      expect(Either.isLeft(verified) && verified.left.message).toMatch(/^TLS with 127\.0\.0\.1:\d+ failed: .*self[- ]signed/)
    }))

  it.live("an interrupted probe closes its connection", () =>
    Effect.gen(function*() {
      const events: Array<string> = []
      const server = net.createServer((socket) => {
        events.push("open")
        socket.resume() // read on, so that the client's end is seen
        socket.on("close", () => events.push("close"))
      })
      yield* Effect.acquireRelease(
        Effect.async<void>((resume) => void server.listen(0, "127.0.0.1", () => resume(Effect.void))),
        () => Effect.sync(() => server.close())
      )
      const port = (server.address() as net.AddressInfo).port
      const fiber = yield* Effect.fork(nodeAttempt({ url: `http://127.0.0.1:${port}/`, timeout: Duration.infinity }))
      yield* waitUntil(() => events.includes("open"))
      yield* Fiber.interrupt(fiber)
      yield* waitUntil(() => events.includes("close"), { timeout: 1000, message: "the connection to close" })
    }).pipe(Effect.scoped))
})

describe("bodyScanner", () => {
  const text = "état: ✓ prêt 🙂"
  const cases = [
    { name: "UTF-8, searched as bytes", contentType: undefined, encoding: "utf8" },
    { name: "UTF-16LE, decoded", contentType: "text/plain; charset=utf-16le", encoding: "utf16le" }
  ] as const

  for (const { contentType, encoding, name } of cases) {
    const body = Buffer.from(`xx é ✓ ${text} 🙂 yy`, encoding)

    it(`${name}: finds the text wherever the body is split, multi-byte characters included`, () => {
      for (let at = 0; at <= body.length; at++) {
        const scanner = bodyScanner(text, contentType)
        const found = scanner.push(body.subarray(0, at)) || scanner.push(body.subarray(at)) || scanner.end()
        expect(found, `split at byte ${at}`).toBe(true)
      }
    })

    it(`${name}: finds the text arriving one byte at a time, at its last byte`, () => {
      const scanner = bodyScanner(text, contentType)
      const last = body.indexOf(Buffer.from(text, encoding)) + Buffer.byteLength(text, encoding) - 1
      const hits = [...body].map((byte) => scanner.push(Uint8Array.of(byte)))
      expect(hits.indexOf(true)).toBe(last)
    })

    it(`${name}: does not find a text that is absent, or only its parts on either side of a split`, () => {
      const scanner = bodyScanner("db: ok ✓", contentType)
      expect(scanner.push(Buffer.from("db: ", encoding))).toBe(false)
      expect(scanner.push(Buffer.from("down, ok ✓", encoding))).toBe(false)
      expect(scanner.end()).toBe(false)
    })
  }

  it("decodes with the charset the Content-Type names", () => {
    const scanner = bodyScanner("prêt", "text/plain; charset=ISO-8859-1")
    expect(scanner.push(Buffer.from("pr\xea", "latin1"))).toBe(false)
    expect(scanner.push(Buffer.from("t", "latin1"))).toBe(true)
  })
})

describe("ResponseReader", () => {
  /** Reads `response` split at `at`; answers the head, the body and the state after each piece. */
  const read = (response: string, at: number) => {
    const bytes = Buffer.from(response)
    const heads: Array<ResponseHead> = []
    const body: Array<Buffer> = []
    const reader = new ResponseReader((head) => heads.push(head), (piece) => body.push(Buffer.from(piece)))
    const states = [reader.push(bytes.subarray(0, at)), reader.push(bytes.subarray(at))]
    return { heads, body: Buffer.concat(body).toString(), states, complete: reader.end() }
  }
  const everySplit = (response: string, check: (result: ReturnType<typeof read>) => void) => {
    for (let at = 0; at <= Buffer.byteLength(response); at++) check(read(response, at))
  }

  it("reads a chunked body with extensions and trailers, after an interim 100, at every split", () =>
    everySplit(
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\nx-a: 2\r\n\r\n" +
        "5;ext=1\r\nhello\r\nA\r\n, wörld!!\r\n0\r\nTrailer: x\r\n\r\n",
      ({ body, complete, heads, states }) => {
        expect(heads).toHaveLength(1)
        expect(heads[0]).toMatchObject({ status: 200, reason: "OK" })
        expect(heads[0]?.headers.get("x-a")).toBe("1, 2")
        expect(body).toBe("hello, wörld!!")
        expect(states[1]).toBe("done")
        expect(complete).toBe(true)
      }
    ))

  it("reads a Content-Length body and ignores what follows it", () =>
    everySplit("HTTP/1.0 503 Service Unavailable\r\nContent-Length: 4\r\n\r\ndownEXTRA", ({ body, heads, states }) => {
      expect(heads.map((h) => [h.status, h.reason])).toEqual([[503, "Service Unavailable"]])
      expect(body).toBe("down")
      expect(states[1]).toBe("done")
    }))

  it("without a length, reads until the connection closes; a 204 has no body", () => {
    const { complete, states } = read("HTTP/1.1 200 OK\r\n\r\nsome body", 5)
    expect(states).toEqual(["more", "more"])
    expect(complete).toBe(true)
    expect(read("HTTP/1.1 204 No Content\r\n\r\n", 3).states[1]).toBe("done")
  })

  it("a body cut short is incomplete", () => {
    expect(read("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", 3).complete).toBe(false)
    expect(read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", 3).complete).toBe(false)
    expect(read("HTTP/1.1 200 OK\r\nContent-", 3).complete).toBe(false)
  })

  it("an answer that is not HTTP says why", () => {
    expect(read("SSH-2.0-OpenSSH_9.6\r\n\r\n", 3).states[1]).toEqual({ problem: "not an HTTP response: \"SSH-2.0-OpenSSH_9.6\"" })
    expect(read("HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n", 3).states[1]).toMatchObject({ problem: expect.stringMatching(/Content-Length/) })
    expect(read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 3).states[1]).toMatchObject({ problem: expect.stringMatching(/chunk size/) })
    expect(read(`HTTP/1.1 200 OK\r\nX: ${"y".repeat(70_000)}`, 3).states[1]).toMatchObject({ problem: expect.stringMatching(/more than/) })
  })
})

// ---------------------------------------------------------------------------
// Bodies too big to hold

const filler = Buffer.alloc(64 * 1024, "x")

/**
 * A server whose handler writes each body itself; `closes` records, per response, whether it had
 * been written to its end when its connection closed.
 */
const bodyServer = (write: (response: http.ServerResponse) => void) =>
  Effect.gen(function*() {
    const closes: Array<{ readonly finished: boolean }> = []
    const server = http.createServer((_, response) => {
      response.on("error", () => {})
      response.on("close", () => closes.push({ finished: response.writableFinished }))
      response.writeHead(200, { "content-type": "text/plain; charset=utf-8" })
      write(response)
    })
    yield* Effect.acquireRelease(
      Effect.async<void>((resume) => void server.listen(0, "127.0.0.1", () => resume(Effect.void))),
      () =>
        Effect.sync(() => {
          server.closeAllConnections()
          server.close()
        })
    )
    const { port } = server.address() as net.AddressInfo
    return { url: `http://127.0.0.1:${port}/`, closes }
  })

/** Filler forever (as fast as the client reads), with `text` once after `after` bytes. */
const endless = (options: { readonly text?: string; readonly after?: number } = {}) => (response: http.ServerResponse) => {
  let sent = 0
  let pending = options.text === undefined ? undefined : Buffer.from(options.text)
  const pour = () => {
    while (!response.destroyed) {
      let chunk = filler
      if (pending !== undefined && sent >= (options.after ?? 0)) {
        chunk = pending
        pending = undefined
      }
      sent += chunk.length
      if (!response.write(chunk)) return void response.once("drain", pour)
    }
  }
  pour()
}

describe("HttpProbe reads a body it never holds", () => {
  it.scopedLive("an endless body without -b is a Timeout after -t, and its connection is closed", () =>
    Effect.gen(function*() {
      const server = yield* bodyServer(endless())
      const { ms, result } = yield* timed(live.get({ url: server.url, timeout: "1500 millis" }))
      expect(Either.isLeft(result) && result.left).toMatchObject({ reason: "Timeout", message: "no complete response within 1s 500ms" })
      expect(ms).toBeGreaterThanOrEqual(1400)
      expect(ms).toBeLessThan(3000)
      yield* waitUntil(() => server.closes.length === 1, { timeout: 2000, message: "the connection to close" })
    }))

  it.scopedLive("an endless body with the -b text after 50 MB is found, and reading stops there", () =>
    Effect.gen(function*() {
      const server = yield* bodyServer(endless({ text: "status: ok ✓", after: 50 * 1024 * 1024 }))
      const result = yield* live.get({ url: server.url, timeout: "20 seconds", find: "status: ok ✓" })
      expect(result).toEqual({ status: 200, reason: "OK", found: true })
      yield* waitUntil(() => server.closes.length === 1, { timeout: 2000, message: "the connection to close" })
      expect(server.closes).toEqual([{ finished: false }])
    }))

  it.scopedLive("an endless body without the -b text is still a Timeout", () =>
    Effect.gen(function*() {
      const server = yield* bodyServer(endless())
      const result = yield* Effect.either(live.get({ url: server.url, timeout: "1 second", find: "status: ok" }))
      expect(Either.isLeft(result) && result.left.reason).toBe("Timeout")
    }))

  it.scopedLive("headers and part of the body, then a stall, is a Timeout (with or without -b)", () =>
    Effect.gen(function*() {
      const server = yield* bodyServer((response) => void response.write("status: "))
      for (const find of [undefined, "status: ok"]) {
        const result = yield* Effect.either(live.get({ url: server.url, timeout: "1 second", find }))
        expect(Either.isLeft(result) && result.left.reason).toBe("Timeout")
      }
    }))

  it.scopedLive("the -b text split across two chunks, inside a multi-byte character, is found", () =>
    Effect.gen(function*() {
      const text = Buffer.from("db: ✓ ok")
      const split = text.indexOf(Buffer.from("✓")) + 1
      const server = yield* bodyServer((response) => {
        response.write(Buffer.concat([Buffer.from("status "), text.subarray(0, split)]))
        // Apart in time, so the two halves arrive as two chunks.
        setTimeout(() => response.end(Buffer.concat([text.subarray(split), Buffer.from(" end")])), 200)
      })
      const result = yield* live.get({ url: server.url, timeout: "5 seconds", find: "db: ✓ ok" })
      expect(result).toEqual({ status: 200, reason: "OK", found: true })
    }))

  it.scopedLive("a finite body without the -b text is read to its end: not found", () =>
    Effect.gen(function*() {
      const server = yield* bodyServer((response) => {
        for (let i = 0; i < 64; i++) response.write(filler)
        response.end("db: down")
      })
      const result = yield* live.get({ url: server.url, timeout: "5 seconds", find: "db: ok" })
      expect(result).toEqual({ status: 200, reason: "OK", found: false })
      expect(server.closes).toEqual([{ finished: true }])
    }))
})
