/**
 * httpok's health check: one GET of a URL, bounded in time, with a typed outcome.
 *
 * Over node:http / node:https directly rather than @effect/platform's HttpClient: node:http is
 * already loaded for supervisord's XML-RPC and node:tls for the mail transport, so the listener's
 * start-up pays little for them; and a probe needs what the client would hide (a fresh
 * connection per check, the raw error codes that say refused / DNS / TLS / reset).
 */
import * as http from "node:http"
import * as https from "node:https"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"

export interface ProbeRequest {
  /** An http or https URL. */
  readonly url: string
  /** The whole attempt, retries of refused connections and reading the body included. */
  readonly timeout: Duration.DurationInput
  /** Verify the server's certificate (off by default, as the original). */
  readonly verifyTls?: boolean | undefined
}

export interface ProbeResponse {
  readonly status: number
  /** The reason phrase as the server sent it, e.g. `Internal Server Error`. */
  readonly reason: string
  /** Decoded with the charset the server named (UTF-8 when it named none). */
  readonly body: string
}

/**
 * Why no response came:
 * - `Refused`: nothing listens (still refused when the time ran out);
 * - `Timeout`: no complete response in time;
 * - `Dns`: the host name does not resolve;
 * - `Tls`: the handshake failed or the certificate was refused (`--verify-tls`);
 * - `Reset`: the connection was closed or reset before a complete response;
 * - `Unreachable`: no route to the host or network;
 * - `Protocol`: the server's answer is not HTTP;
 * - `Other`: anything else (the message says what).
 */
export type ProbeFailureReason = "Refused" | "Timeout" | "Dns" | "Tls" | "Reset" | "Unreachable" | "Protocol" | "Other"

export class ProbeError extends Data.TaggedError("ProbeError")<{
  readonly reason: ProbeFailureReason
  readonly url: string
  /** One line for the report, e.g. `connection refused by 127.0.0.1:8080`. */
  readonly message: string
}> {}

/** One GET, no retry, no time limit of its own. */
export type Attempt = (request: ProbeRequest) => Effect.Effect<ProbeResponse, ProbeError>

export const USER_AGENT = "httpok"

/** First retry of a refused connection after 100 ms, then doubling, at most a second apart. */
export const refusedBackoff = Schedule.exponential("100 millis").pipe(Schedule.union(Schedule.spaced("1 second")))

// ---------------------------------------------------------------------------
// One attempt over node:http / node:https

const classify = (error: NodeJS.ErrnoException): ProbeFailureReason => {
  const code = error.code ?? ""
  if (code === "ECONNREFUSED") return "Refused"
  if (code === "ENOTFOUND" || code.startsWith("EAI_")) return "Dns"
  if (code === "ECONNRESET" || code === "EPIPE" || code === "ECONNABORTED") return "Reset"
  if (code === "ETIMEDOUT") return "Timeout"
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH" || code === "EHOSTDOWN" || code === "ENETDOWN") {
    return "Unreachable"
  }
  if (code.startsWith("HPE_")) return "Protocol"
  if (/^(ERR_TLS_|ERR_SSL_|EPROTO$)|CERT|SELF_SIGNED|UNABLE_TO_/.test(code)) return "Tls"
  return "Other"
}

const describe = (reason: ProbeFailureReason, url: URL, error: NodeJS.ErrnoException): string => {
  const where = url.host
  const code = error.code === undefined ? "" : ` (${error.code})`
  switch (reason) {
    case "Refused":
      return `connection refused by ${where}`
    case "Dns":
      return `cannot resolve ${url.hostname}${code}`
    case "Reset":
      return `connection to ${where} closed before a complete response${code}`
    case "Tls":
      return `TLS with ${where} failed: ${error.message}`
    default:
      return `${error.message}${error.code !== undefined && !error.message.includes(error.code) ? code : ""}`
  }
}

/** The body as text, in the charset the Content-Type names when Node knows it. */
const decodeBody = (bytes: Buffer, contentType: string | undefined): string => {
  const charset = /charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? "")?.[1]
  if (charset !== undefined) {
    try {
      return new TextDecoder(charset).decode(bytes)
    } catch {
      // An unknown label: fall back to UTF-8, as browsers do.
    }
  }
  return new TextDecoder("utf-8").decode(bytes)
}

type RequestFn = (url: URL, options: http.RequestOptions & { rejectUnauthorized?: boolean }) => http.ClientRequest

const requestFor = (url: URL): Effect.Effect<RequestFn> =>
  Effect.succeed(url.protocol === "https:" ? https.request : http.request)

/** A GET over a connection of its own (never a kept-alive one that could hide a hung server). */
export const nodeAttempt: Attempt = (request) =>
  Effect.suspend(() => {
    if (!URL.canParse(request.url)) {
      return Effect.fail(new ProbeError({ reason: "Other", url: request.url, message: "not a valid URL" }))
    }
    const url = new URL(request.url)
    return Effect.flatMap(requestFor(url), (send) =>
      Effect.async<ProbeResponse, ProbeError>((resume) => {
        let settled = false
        const settle = (result: Effect.Effect<ProbeResponse, ProbeError>) => {
          if (settled) return
          settled = true
          resume(result)
        }
        const fail = (error: NodeJS.ErrnoException) => {
          const reason = classify(error)
          settle(Effect.fail(new ProbeError({ reason, url: request.url, message: describe(reason, url, error) })))
        }
        const req = send(url, {
          method: "GET",
          agent: false,
          headers: { "User-Agent": USER_AGENT },
          rejectUnauthorized: request.verifyTls === true
        })
        req.on("error", fail)
        req.on("response", (res) => {
          const chunks: Array<Buffer> = []
          res.on("data", (chunk: Buffer) => chunks.push(chunk))
          res.on("error", fail)
          res.on("end", () =>
            settle(Effect.succeed({
              status: res.statusCode ?? 0,
              reason: res.statusMessage ?? "",
              body: decodeBody(Buffer.concat(chunks), res.headers["content-type"])
            })))
          res.on("close", () => {
            if (!res.complete) fail(Object.assign(new Error("connection closed mid-response"), { code: "ECONNRESET" }))
          })
        })
        req.end()
        return Effect.sync(() => {
          settled = true
          req.destroy()
        })
      }))
  })

// ---------------------------------------------------------------------------
// Retries and the time limit

/**
 * Runs attempts until one answers or fails for good, within the request's timeout (on the
 * Clock). A refused connection is retried with `refusedBackoff`: a service being restarted
 * refuses for a moment. Refused until the end is reported as refused, not as a timeout.
 */
export const bounded = (attempt: Attempt): Attempt => (request) =>
  Effect.gen(function*() {
    const timeout = Duration.decode(request.timeout)
    // How many attempts were refused, and whether the time ran out waiting to retry one (rather
    // than waiting on an attempt that got through to a server).
    const refusals = yield* Ref.make({ count: 0, waiting: false })
    const once = Ref.update(refusals, (r) => ({ ...r, waiting: false })).pipe(
      Effect.zipRight(Effect.suspend(() => attempt(request))),
      Effect.tapError((error) =>
        error.reason === "Refused" ? Ref.update(refusals, (r) => ({ count: r.count + 1, waiting: true })) : Effect.void
      )
    )
    return yield* once.pipe(
      Effect.retry({ schedule: refusedBackoff, while: (error) => error.reason === "Refused" }),
      Effect.timeout(timeout),
      Effect.catchTag("TimeoutException", () =>
        Effect.flatMap(Ref.get(refusals), ({ count, waiting }) =>
          Effect.fail(
            waiting
              ? new ProbeError({
                reason: "Refused",
                url: request.url,
                message: `connection refused by ${hostOf(request.url)} (${count} attempts in ${Duration.format(timeout)})`
              })
              : new ProbeError({
                reason: "Timeout",
                url: request.url,
                message: `no complete response within ${Duration.format(timeout)}`
              })
          )))
    )
  })

const hostOf = (url: string): string => (URL.canParse(url) ? new URL(url).host : url)

// ---------------------------------------------------------------------------
// The service

export interface HttpProbeService {
  /** GETs the URL with `User-Agent: httpok`, without following redirects. */
  readonly get: (request: ProbeRequest) => Effect.Effect<ProbeResponse, ProbeError>
}

/** A probe over `attempt` (node:http by default), with the retries and the time limit. */
export const make = (attempt: Attempt = nodeAttempt): HttpProbeService => ({ get: bounded(attempt) })

/** The reply a test probe gives: a response (status default 200), or a failure. */
export type ScriptedReply =
  | (Partial<ProbeResponse> & { readonly delay?: Duration.DurationInput })
  | { readonly fail: ProbeFailureReason; readonly message?: string; readonly delay?: Duration.DurationInput }

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
      const requests = yield* Ref.make<ReadonlyArray<ProbeRequest>>([])
      const queued = yield* Ref.make<ReadonlyArray<ScriptedReply>>([])
      const standing = yield* Ref.make<ScriptedReply>({})
      const attempt: Attempt = (request) =>
        Effect.gen(function*() {
          yield* Ref.update(requests, (all) => [...all, request])
          const next = yield* Ref.modify(queued, ([first, ...rest]) => [first, rest] as const)
          const reply = next ?? (yield* Ref.get(standing))
          if (reply.delay !== undefined) yield* Effect.sleep(reply.delay)
          if ("fail" in reply) {
            return yield* new ProbeError({
              reason: reply.fail,
              url: request.url,
              message: reply.message ?? `test probe: ${reply.fail}`
            })
          }
          return { status: reply.status ?? 200, reason: reply.reason ?? "OK", body: reply.body ?? "" }
        })
      const control: HttpProbeTest["Type"] = {
        requests: Ref.get(requests),
        respond: (reply) => Ref.set(standing, reply),
        respondOnce: (...replies) => Ref.update(queued, (all) => [...all, ...replies])
      }
      return Context.make(HttpProbe, make(attempt)).pipe(Context.add(HttpProbeTest, control))
    })
  )
}

/** The handle on `HttpProbe.layerTest`. */
export class HttpProbeTest extends Context.Tag("superlance/HttpProbeTest")<HttpProbeTest, {
  /** Every attempt made, retries included, in order. */
  readonly requests: Effect.Effect<ReadonlyArray<ProbeRequest>>
  /** The reply for every attempt that has no queued one (default: 200 OK, empty body). */
  readonly respond: (reply: ScriptedReply) => Effect.Effect<void>
  /** Replies for the coming attempts, used in order. */
  readonly respondOnce: (...replies: ReadonlyArray<ScriptedReply>) => Effect.Effect<void>
}>() {}
