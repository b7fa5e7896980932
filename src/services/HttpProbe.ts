/**
 * httpok's health check: one GET of a URL, bounded in time, with a typed outcome.
 *
 * Over node:net / node:tls directly rather than @effect/platform's HttpClient (or node:http): a
 * probe needs what a client would hide (a fresh connection per check, the raw error codes that
 * say refused / DNS / TLS / reset), and it never holds the body: the body is read to its end
 * and discarded, or scanned for the `find` text, in one reused buffer, so a huge or endless
 * health page costs no memory.
 */
import * as net from "node:net"
import * as tls from "node:tls"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { type BodyScanner, bodyScanner, type ResponseHead, ResponseReader } from "./HttpResponse.js"
import {
  bounded,
  ProbeError,
  refusedSelf,
  type Scripted,
  type ScriptControl,
  script,
  selfConnected,
  socketError,
  socketHost
} from "./Probe.js"

// The probe's error and the backoff of refused connections, shared with TcpProbe (see Probe.ts).
export { ProbeError, type ProbeFailureReason, refusedBackoff } from "./Probe.js"

export interface ProbeRequest {
  /** An http or https URL. */
  readonly url: string
  /** The whole attempt, retries of refused connections and reading the body included. */
  readonly timeout: Duration.DurationInput
  /** Verify the server's certificate (off by default, as the original). */
  readonly verifyTls?: boolean | undefined
  /** Text to look for in the body (httpok's `-b`); reading stops as soon as it is found. */
  readonly find?: string | undefined
  /** Default `httpok` (USER_AGENT); the heartbeat names itself. */
  readonly userAgent?: string | undefined
}

export interface ProbeResponse {
  readonly status: number
  /** The reason phrase as the server sent it, e.g. `Internal Server Error`. */
  readonly reason: string
  /**
   * Whether the body contains the request's `find` text, decoded with the charset the server
   * named (UTF-8 when it named none); absent when the request has no `find`.
   */
  readonly found?: boolean
}

/** One GET, no retry, no time limit of its own. */
export type Attempt = (request: ProbeRequest) => Effect.Effect<ProbeResponse, ProbeError>

export const USER_AGENT = "httpok"

// ---------------------------------------------------------------------------
// One attempt over node:net / node:tls

const decodedOr = (text: string): string => {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/** The request, as node:http would send it for this URL with `agent: false`. */
const requestHead = (url: URL, userAgent: string): string => {
  const credentials = url.username !== "" || url.password !== ""
    ? `Authorization: Basic ${
      Buffer.from(`${decodedOr(url.username)}:${decodedOr(url.password)}`).toString("base64")
    }\r\n`
    : ""
  return `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUser-Agent: ${userAgent}\r\n${credentials}Connection: close\r\n\r\n`
}

/** Bytes read at a time, into one buffer per attempt. */
const READ_SIZE = 64 * 1024

const connect = (url: URL, request: ProbeRequest, onread: net.OnReadOpts): net.Socket => {
  const host = socketHost(url)
  const secure = url.protocol === "https:"
  const port = url.port === "" ? (secure ? 443 : 80) : Number(url.port)
  if (!secure) return net.connect({ host, port, onread })
  const options: tls.ConnectionOptions & net.ConnectOpts = {
    host,
    port,
    rejectUnauthorized: request.verifyTls === true,
    onread,
    ...(net.isIP(host) === 0 ? { servername: host } : {})
  }
  return tls.connect(options)
}

/**
 * A GET over a connection of its own (never a kept-alive one that could hide a hung server).
 * Over node:net / node:tls rather than node:http, which allocates a buffer for every read and
 * copies every piece of the body: at loopback speed that garbage outruns the collector by
 * ~60 MB. Here every read lands in one buffer (`onread`) and is used before the next.
 */
export const nodeAttempt: Attempt = (request) =>
  Effect.suspend(() => {
    if (!URL.canParse(request.url)) {
      return Effect.fail(new ProbeError({ reason: "Other", url: request.url, message: "not a valid URL" }))
    }
    const url = new URL(request.url)
    const find = request.find
    return Effect.async<ProbeResponse, ProbeError>((resume) => {
      let settled = false
      const settle = (result: Effect.Effect<ProbeResponse, ProbeError>) => {
        if (settled) return
        settled = true
        resume(result)
        socket.destroy()
      }
      const fail = (error: NodeJS.ErrnoException) => settle(Effect.fail(socketError(request.url, url, error)))
      let head: ResponseHead | undefined
      let scanner: BodyScanner | undefined
      let found = false
      const answer = (response: ResponseHead) =>
        settle(Effect.succeed({
          status: response.status,
          reason: response.reason,
          ...(find === undefined ? {} : { found })
        }))
      const reader = new ResponseReader(
        (response) => {
          head = response
          if (find !== undefined) scanner = bodyScanner(find, response.headers.get("content-type"))
        },
        (piece) => {
          if (scanner !== undefined && !found) found = scanner.push(piece)
        }
      )
      const complete = () => {
        if (head === undefined) return
        if (scanner !== undefined && !found) found = scanner.end()
        answer(head)
      }
      const socket = connect(url, request, {
        buffer: Buffer.allocUnsafe(READ_SIZE),
        callback: (size, buffer) => {
          const state = reader.push(Buffer.from(buffer.buffer, buffer.byteOffset, size))
          if (typeof state === "object") {
            const message = `${url.host} did not answer in HTTP: ${state.problem}`
            settle(Effect.fail(new ProbeError({ reason: "Protocol", url: request.url, message })))
          } else if (state === "done") {
            complete()
          } else if (found && head !== undefined) {
            // The rest of the body cannot change the verdict.
            answer(head)
          }
          return !settled
        }
      })
      socket.once("connect", () => {
        if (selfConnected(socket)) fail(refusedSelf())
      })
      socket.on("error", fail)
      socket.on("close", () => {
        if (reader.end()) complete()
        else fail(Object.assign(new Error("connection closed mid-response"), { code: "ECONNRESET" }))
      })
      socket.write(requestHead(url, request.userAgent ?? USER_AGENT))
      return Effect.sync(() => {
        settled = true
        socket.destroy()
      })
    })
  })

// ---------------------------------------------------------------------------
// The service

export interface HttpProbeService {
  /** GETs the URL with `User-Agent: httpok` (or the request's), without following redirects. */
  readonly get: (request: ProbeRequest) => Effect.Effect<ProbeResponse, ProbeError>
}

/** A probe over `attempt` (node:net / node:tls by default), with the retries and the time limit. */
export const make = (attempt: Attempt = nodeAttempt): HttpProbeService => ({
  get: bounded(attempt, "complete response")
})

/** What a test probe answers: status default 200, reason default OK. */
export interface ScriptedResponse extends Partial<Pick<ProbeResponse, "status" | "reason">> {
  /** Searched for the request's `find` text. */
  readonly body?: string
}

/** The reply a test probe gives: a response, or a failure. */
export type ScriptedReply = Scripted<ScriptedResponse>

export class HttpProbe extends Context.Tag("superlance/HttpProbe")<HttpProbe, HttpProbeService>() {
  static readonly make = make

  static readonly layer: Layer.Layer<HttpProbe> = Layer.sync(HttpProbe, () => make())

  /**
   * A probe that answers from a script instead of the network, through the same retries and time
   * limit (so a `delay` longer than the timeout is a Timeout on the TestClock). Read and steer it
   * through `HttpProbeTest`.
   */
  static readonly layerTest: Layer.Layer<HttpProbe | HttpProbeTest> = Layer.effectContext(
    Effect.gen(function*() {
      const { control, reply } = yield* script<ProbeRequest, ScriptedResponse>({})
      const attempt: Attempt = (request) =>
        Effect.map(reply(request), ({ body = "", reason = "OK", status = 200 }) =>
          request.find === undefined ? { status, reason } : { status, reason, found: body.includes(request.find) })
      return Context.make(HttpProbe, make(attempt)).pipe(Context.add(HttpProbeTest, control))
    })
  )
}

/** The handle on `HttpProbe.layerTest`; without a reply given, every attempt answers 200 OK, empty body. */
export class HttpProbeTest extends Context.Tag("superlance/HttpProbeTest")<
  HttpProbeTest,
  ScriptControl<ProbeRequest, ScriptedReply>
>() {}
