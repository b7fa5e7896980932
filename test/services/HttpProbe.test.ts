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
        ? Effect.succeed<ProbeResponse>({ status: 200, reason: "OK", body: "fine" })
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
      expect(yield* probe.get({ url, timeout: "1 second" })).toEqual({ status: 503, reason: "Service Unavailable", body: "" })
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
  it.scopedLive("GETs the URL with User-Agent httpok and answers status, reason and body", () =>
    Effect.gen(function*() {
      const http = yield* HttpFixture.make()
      http.respond({ status: 200, body: "all good: ünïcødé ✓" })
      const response = yield* live.get({ url: http.url("/health?deep=1"), timeout: "5 seconds" })
      expect(response).toEqual({ status: 200, reason: "OK", body: "all good: ünïcødé ✓" })
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
        reason: "Internal Server Error",
        body: "boom"
      })
      expect((yield* live.get({ url: http.url(), timeout: "5 seconds" })).status).toBe(201)
    }))

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
      const response = yield* live.get({ url: https.url(), timeout: "5 seconds" })
      expect(response).toMatchObject({ status: 200, body: "secure" })
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
