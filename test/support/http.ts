/**
 * An HTTP (or HTTPS, self-signed) server on a free loopback port, for tests of probes and
 * webhooks. Each request gets the next scripted reply (`respondOnce`) or else the standing one
 * (`respond`): status, body, headers, a delay, or a dropped connection. Every request is
 * recorded. `stop` makes the port refuse connections; `start` listens on it again.
 *
 *   const http = yield* HttpFixture.make()
 *   http.respond({ status: 500, body: "down" })
 *   ...probe http.url("/health")...
 *   expect(http.requests()[0]?.headers["user-agent"]).toBe("httpok")
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import { createServer as createHttpsServer } from "node:https"
import type { Socket } from "node:net"
import { selfSignedCertificate } from "./tls.js"
import { waitForCount } from "./waitForCount.js"

export interface Reply {
  /** Default 200. */
  readonly status?: number
  /** Default "". */
  readonly body?: string
  readonly headers?: Readonly<Record<string, string>>
  /** Wait this long before answering (default: none). */
  readonly delay?: Duration.DurationInput
  /** Close the connection instead of answering (after the delay, if any). */
  readonly drop?: boolean
}

export interface RecordedRequest {
  readonly method: string
  /** Path and query, as requested. */
  readonly path: string
  /** Lower-cased names, as node gives them. */
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

export interface Options {
  /** Serve HTTPS with a self-signed certificate for localhost / 127.0.0.1. */
  readonly tls?: boolean
  /** Listen on this port instead of a free one. */
  readonly port?: number
}

export interface HttpFixture {
  readonly port: number
  /** `http(s)://127.0.0.1:<port><path>`. */
  readonly url: (path?: string) => string
  /** The reply for every request that has no scripted one. */
  readonly respond: (reply: Reply) => void
  /** Queues a reply for one coming request; queued replies are used in order. */
  readonly respondOnce: (reply: Reply) => void
  readonly requests: () => ReadonlyArray<RecordedRequest>
  readonly clear: () => void
  /** Stops accepting connections (the port refuses them) and closes open ones. */
  readonly stop: Effect.Effect<void>
  /** Listens again on the same port. */
  readonly start: Effect.Effect<void>
  /** All requests once at least `count` have arrived; fails after `timeout` (default 5 s). */
  readonly waitForRequests: (
    count: number,
    timeout?: Duration.DurationInput
  ) => Effect.Effect<ReadonlyArray<RecordedRequest>, Error>
}

/** The Promise-level server; `make` wraps it in a scope. */
export const start = async (options: Options = {}): Promise<HttpFixture & { readonly close: () => Promise<void> }> => {
  const requests: Array<RecordedRequest> = []
  const queued: Array<Reply> = []
  const sockets = new Set<Socket>()
  const waiters = new Set<() => void>()
  let standing: Reply = {}
  let server: Server | undefined
  let port = options.port ?? 0
  const scheme = options.tls === true ? "https" : "http"

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      requests.push({
        method: request.method ?? "",
        path: request.url ?? "",
        headers: request.headers,
        body: Buffer.concat(chunks).toString("utf8")
      })
      for (const wake of [...waiters]) wake()
      const reply = queued.shift() ?? standing
      const answer = () => {
        if (reply.drop === true) return request.socket.destroy()
        response.writeHead(reply.status ?? 200, { "content-type": "text/plain; charset=utf-8", ...reply.headers })
        response.end(reply.body ?? "")
      }
      if (reply.delay === undefined) return answer()
      const timer = setTimeout(answer, Duration.toMillis(reply.delay))
      request.socket.once("close", () => clearTimeout(timer))
    })
  }

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const next = options.tls === true ? createHttpsServer(selfSignedCertificate(), handle) : createHttpServer(handle)
      next.on("connection", (socket: Socket) => {
        sockets.add(socket)
        socket.on("close", () => sockets.delete(socket))
      })
      next.once("error", reject)
      next.listen(port, "127.0.0.1", () => {
        next.off("error", reject)
        const address = next.address()
        if (address !== null && typeof address === "object") port = address.port
        server = next
        resolve()
      })
    })

  const close = () =>
    new Promise<void>((resolve) => {
      const current = server
      server = undefined
      if (current === undefined) return resolve()
      current.close(() => resolve())
      for (const socket of sockets) socket.destroy()
    })

  const waitForRequests = (count: number, timeout: Duration.DurationInput = "5 seconds") =>
    waitForCount(requests, waiters, count, timeout, "request(s) at the test HTTP server")

  await listen()
  return {
    get port() {
      return port
    },
    url: (path = "/") => `${scheme}://127.0.0.1:${port}${path}`,
    respond: (reply) => {
      standing = reply
    },
    respondOnce: (reply) => {
      queued.push(reply)
    },
    requests: () => [...requests],
    clear: () => {
      requests.length = 0
      queued.length = 0
      standing = {}
    },
    stop: Effect.promise(close),
    start: Effect.promise(() => server === undefined ? listen() : Promise.resolve()),
    waitForRequests,
    close
  }
}

/** A test HTTP server for the scope's lifetime. */
export const make = (options: Options = {}): Effect.Effect<HttpFixture, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => start(options)),
    (fixture) => Effect.promise(fixture.close)
  )
