/**
 * What httpok's two probes (`HttpProbe`, `TcpProbe`) share, so that a check fails with the same
 * reasons and messages whichever it is: the error and its reasons read from node's error codes,
 * the retries of a refused connection within the time limit, and the scripted attempts of their
 * test layers. A helper without a Tag of its own.
 */
import type * as net from "node:net"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"

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

/** First retry of a refused connection after 100 ms, then doubling, at most a second apart. */
export const refusedBackoff = Schedule.exponential("100 millis").pipe(Schedule.union(Schedule.spaced("1 second")))

/** The host and port of a URL, for messages (the URL itself when it does not parse). */
const hostOf = (url: string): string => (URL.canParse(url) ? new URL(url).host : url)

/** The host to connect to: `[::1]` is how a URL spells it, `::1` what node:net takes. */
export const socketHost = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, "$1")

export const classify = (error: NodeJS.ErrnoException): ProbeFailureReason => {
  const code = error.code ?? ""
  if (code === "ECONNREFUSED") return "Refused"
  if (code === "ENOTFOUND" || code.startsWith("EAI_")) return "Dns"
  if (code === "ECONNRESET" || code === "EPIPE" || code === "ECONNABORTED") return "Reset"
  if (code === "ETIMEDOUT") return "Timeout"
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH" || code === "EHOSTDOWN" || code === "ENETDOWN") {
    return "Unreachable"
  }
  if (/^(ERR_TLS_|ERR_SSL_|EPROTO$)|CERT|SELF_SIGNED|UNABLE_TO_/.test(code)) return "Tls"
  return "Other"
}

export const describe = (reason: ProbeFailureReason, url: URL, error: NodeJS.ErrnoException): string => {
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

/** A socket error as a `ProbeError` for `url`. */
export const socketError = (request: string, url: URL, error: NodeJS.ErrnoException): ProbeError => {
  const reason = classify(error)
  return new ProbeError({ reason, url: request, message: describe(reason, url, error) })
}

/**
 * Linux can connect a socket to itself: a connection to a closed port in the ephemeral range
 * whose source port the kernel happens to pick equal to it (a simultaneous open). Nobody is
 * listening, so it counts as refused, and the socket goes at once: it holds the very port the
 * restarted server needs.
 */
export const selfConnected = (socket: net.Socket): boolean =>
  socket.localPort !== undefined && socket.localPort === socket.remotePort &&
  socket.localAddress === socket.remoteAddress

/** The error a self-connection is reported as. */
export const refusedSelf = (): NodeJS.ErrnoException =>
  Object.assign(new Error("connect ECONNREFUSED (connected to itself)"), { code: "ECONNREFUSED" })

/** What every probe request says: where, and how long the whole check may take. */
export interface Bounds {
  readonly url: string
  /** The whole check, retries of refused connections included. */
  readonly timeout: Duration.DurationInput
}

/**
 * Runs attempts until one answers or fails for good, within the request's timeout (on the
 * Clock). A refused connection is retried with `refusedBackoff`: a service being restarted
 * refuses for a moment. Refused until the end is reported as refused, not as a timeout, which
 * says `no <awaited> within <timeout>`.
 */
export const bounded = <Req extends Bounds, Res>(
  attempt: (request: Req) => Effect.Effect<Res, ProbeError>,
  awaited: string
) =>
(request: Req): Effect.Effect<Res, ProbeError> =>
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
                message: `no ${awaited} within ${Duration.format(timeout)}`
              })
          )))
    )
  })

// ---------------------------------------------------------------------------
// Scripted attempts, for the test layers

/** A scripted failure. */
export interface ScriptedFailure {
  readonly fail: ProbeFailureReason
  readonly message?: string
  readonly delay?: Duration.DurationInput
}

/** The reply a test probe gives: `A` (what it answers), or a failure; either after an optional delay. */
export type Scripted<A> = (A & { readonly delay?: Duration.DurationInput }) | ScriptedFailure

/** The handle a probe's test layer gives on its script. */
export interface ScriptControl<Req, Reply> {
  /** Every attempt made, retries included, in order. */
  readonly requests: Effect.Effect<ReadonlyArray<Req>>
  /** The reply for every attempt that has no queued one. */
  readonly respond: (reply: Reply) => Effect.Effect<void>
  /** The reply for every attempt at this URL that has no queued one (before `respond`'s). */
  readonly respondAt: (url: string, reply: Reply) => Effect.Effect<void>
  /** Replies for the coming attempts, used in order. */
  readonly respondOnce: (...replies: ReadonlyArray<Reply>) => Effect.Effect<void>
}

const isFailure = <A>(reply: Scripted<A>): reply is ScriptedFailure => "fail" in reply

/**
 * A script for a probe's test layer: `reply` records the request and answers with the next
 * queued reply, else the URL's, else the standing one (`standing` until `respond` changes it),
 * after its delay; a scripted failure is a `ProbeError`.
 */
export const script = <Req extends { readonly url: string }, A>(
  standing: Scripted<A>
): Effect.Effect<{
  readonly reply: (request: Req) => Effect.Effect<A, ProbeError>
  readonly control: ScriptControl<Req, Scripted<A>>
}> =>
  Effect.gen(function*() {
    const requests = yield* Ref.make<ReadonlyArray<Req>>([])
    const queued = yield* Ref.make<ReadonlyArray<Scripted<A>>>([])
    const standingReply = yield* Ref.make(standing)
    const byUrl = yield* Ref.make<ReadonlyMap<string, Scripted<A>>>(new Map())
    const reply = (request: Req) =>
      Effect.gen(function*() {
        yield* Ref.update(requests, (all) => [...all, request])
        const next = yield* Ref.modify(queued, ([first, ...rest]) => [first, rest] as const)
        const scripted = next ?? (yield* Ref.get(byUrl)).get(request.url) ?? (yield* Ref.get(standingReply))
        if (scripted.delay !== undefined) yield* Effect.sleep(scripted.delay)
        if (isFailure(scripted)) {
          return yield* new ProbeError({
            reason: scripted.fail,
            url: request.url,
            message: scripted.message ?? `test probe: ${scripted.fail}`
          })
        }
        return scripted
      })
    const control: ScriptControl<Req, Scripted<A>> = {
      requests: Ref.get(requests),
      respond: (reply) => Ref.set(standingReply, reply),
      respondAt: (url, reply) => Ref.update(byUrl, (all) => new Map([...all, [url, reply]])),
      respondOnce: (...replies) => Ref.update(queued, (all) => [...all, ...replies])
    }
    return { reply, control }
  })
