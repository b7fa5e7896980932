import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Fiber, TestClock } from "effect"
import * as net from "node:net"
import { ProbeError, selfConnected } from "../../src/services/Probe.js"
import { TcpProbe, TcpProbeTest } from "../../src/services/TcpProbe.js"
import { freePort } from "../support/supervisord.js"

/** A TCP server on a free 127.0.0.1 port for the scope; `close` stops it listening. */
const listening = Effect.acquireRelease(
  Effect.async<net.Server>((resume) => {
    const server = net.createServer((socket) => socket.on("error", () => {}))
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
  }),
  (server) => Effect.sync(() => server.close())
).pipe(Effect.map((server) => ({
  url: `tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
  close: Effect.async<void>((resume) => void server.close(() => resume(Effect.void)))
})))

const live = TcpProbe.make()

describe("TcpProbe over real sockets", () => {

  // A retried connection to a closed port in the ephemeral range can get that very port as its
  // source and connect to itself; the probes must take it as refused, not as a listening server.
  it.scopedLive("a socket connected to itself is told from one a server accepted", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const opened = (options: net.NetConnectOpts) =>
        Effect.acquireRelease(
          Effect.async<net.Socket, Error>((resume) => {
            const socket = net.connect(options, () => resume(Effect.succeed(socket)))
            socket.once("error", (error) => resume(Effect.fail(error)))
          }),
          (socket) => Effect.sync(() => socket.destroy())
        )
      const itself = yield* opened({ host: "127.0.0.1", port, localAddress: "127.0.0.1", localPort: port })
      expect(selfConnected(itself)).toBe(true)
      const server = yield* listening
      const accepted = yield* opened({ host: "127.0.0.1", port: Number(new URL(server.url).port) })
      expect(selfConnected(accepted)).toBe(false)
    }))
  it.scopedLive("a port that accepts: the connection opens (and is closed again)", () =>
    Effect.gen(function*() {
      const server = yield* listening
      yield* live.connect({ url: server.url, timeout: "2 seconds" })
    }))

  it.scopedLive("a port that stopped listening: refused, retried until the time is spent, reported as refused", () =>
    Effect.gen(function*() {
      const server = yield* listening
      yield* server.close
      const started = Date.now()
      const result = yield* Effect.either(live.connect({ url: server.url, timeout: "1 second" }))
      expect(Date.now() - started).toBeGreaterThanOrEqual(900)
      expect(Either.isLeft(result) && result.left.reason).toBe("Refused")
      expect(Either.isLeft(result) && result.left.message).toMatch(
        /^connection refused by 127\.0\.0\.1:\d+ \(\d+ attempts in 1s\)$/
      )
    }))

  it.scopedLive("a host that does not resolve: Dns, at once", () =>
    Effect.gen(function*() {
      const result = yield* Effect.either(live.connect({ url: "tcp://no-such-host.invalid:80", timeout: "5 seconds" }))
      expect(Either.isLeft(result) && result.left.reason).toBe("Dns")
    }))
})

describe("TcpProbe time limit (TestClock)", () => {
  it.effect("a connection that never opens is a Timeout: no connection within -t", () =>
    Effect.gen(function*() {
      const probe = TcpProbe.make(() => Effect.never)
      const fiber = yield* Effect.fork(Effect.either(probe.connect({ url: "tcp://10.0.0.1:80", timeout: "2 seconds" })))
      yield* TestClock.adjust("2 seconds")
      const result = yield* Fiber.join(fiber)
      expect(Either.isLeft(result) && result.left).toMatchObject({ reason: "Timeout", message: "no connection within 2s" })
    }))

  it.effect("a reset is not retried", () =>
    Effect.gen(function*() {
      let calls = 0
      const probe = TcpProbe.make((request) =>
        Effect.suspend(() => {
          calls++
          return Effect.fail(new ProbeError({ reason: "Reset", url: request.url, message: "reset" }))
        })
      )
      const result = yield* Effect.either(probe.connect({ url: "tcp://h:1", timeout: "2 seconds" }))
      expect(Either.isLeft(result) && result.left.reason).toBe("Reset")
      expect(calls).toBe(1)
    }))
})

describe("TcpProbe.layerTest", () => {
  it.effect("answers per URL from a script, and records the requests", () =>
    Effect.gen(function*() {
      const control = yield* TcpProbeTest
      const probe = yield* TcpProbe
      yield* control.respondAt("tcp://h:2", { fail: "Unreachable", message: "no route" })
      yield* probe.connect({ url: "tcp://h:1", timeout: "1 second" })
      const failed = yield* Effect.either(probe.connect({ url: "tcp://h:2", timeout: "1 second" }))
      expect(Either.isLeft(failed) && failed.left.message).toBe("no route")
      expect((yield* control.requests).map((r) => r.url)).toEqual(["tcp://h:1", "tcp://h:2"])
    }).pipe(Effect.provide(TcpProbe.layerTest)))
})
