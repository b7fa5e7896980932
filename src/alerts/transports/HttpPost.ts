/**
 * One JSON POST over node:http or node:https, for the webhook and Alertmanager transports: one
 * attempt, bounded in time, every failure a `NotifyError` whose reason says whether trying again
 * can help. Redirects are not followed (a POST that moved is a configuration to fix).
 */
import * as http from "node:http"
import * as https from "node:https"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { NotifyError, type NotifyErrorReason, oneLine, type Transport } from "../Transport.js"

export interface PostTarget {
  readonly url: URL
  /** The URL as shown in messages: no credentials, secrets in the path left out. */
  readonly display: string
  /** `webhook`, `alertmanager`: the transport named in errors. */
  readonly transport: string
}

export const DEFAULT_TIMEOUT = Duration.seconds(10)

/** Enough of an error answer to show why, not a whole HTML page. */
const BODY_LIMIT = 2048

/** The URL without user and password, and without its query string (tokens often live there). */
export const displayUrl = (url: URL, keepPath: boolean): string => {
  const path = url.pathname === "/" ? "" : keepPath ? url.pathname : `/${url.pathname.split("/")[1] ?? ""}/…`
  return `${url.protocol}//${url.host}${path}${url.search === "" ? "" : "?…"}`
}

/** A transport for a URL that does not parse (the CLI checks first; library callers may not). */
export const invalidUrl = (transport: string, url: string): Transport => () =>
  Effect.fail(new NotifyError({ reason: "Invalid", transport, message: `${transport}: not a URL: ${oneLine(url, 100)}` }))

const tlsCodes = /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH|ERR_OSSL)/

const networkError = (target: PostTarget, error: NodeJS.ErrnoException): NotifyError => {
  const code = error.code ?? ""
  const reason: NotifyErrorReason = tlsCodes.test(code) ? "TlsFailed" : "Unreachable"
  const what = reason === "TlsFailed" ? "TLS with" : "cannot reach"
  return new NotifyError({
    reason,
    transport: target.transport,
    message: oneLine(`${target.transport}: ${what} ${target.display}: ${error.message}`)
  })
}

/**
 * 5xx, 408, 425 and 429 are the receiver's passing trouble (`Refused`: worth retrying); 401 and
 * 403 are credentials; other answers mean the request itself is wrong (`Rejected`).
 */
export const statusReason = (status: number): NotifyErrorReason =>
  status >= 500 || status === 408 || status === 425 || status === 429
    ? "Refused"
    : status === 401 || status === 403
    ? "AuthFailed"
    : "Rejected"

const statusError = (target: PostTarget, response: http.IncomingMessage, body: string): NotifyError => {
  const status = response.statusCode ?? 0
  const location = response.headers.location
  const detail = status >= 300 && status < 400
    ? `redirects to ${location ?? "elsewhere"}, which is not followed: give the final URL`
    : body.trim()
  return new NotifyError({
    reason: status >= 300 && status < 400 ? "Rejected" : statusReason(status),
    transport: target.transport,
    message: oneLine(
      `${target.transport} ${target.display} answered ${status}${
        response.statusMessage ? ` ${response.statusMessage}` : ""
      }${detail === "" ? "" : `: ${detail}`}`
    )
  })
}

type Request = typeof http.request

const request = (send: Request, target: PostTarget, payload: Buffer): Effect.Effect<void, NotifyError> =>
  Effect.async<void, NotifyError>((resume) => {
    const { url } = target
    let settled = false
    const settle = (result: Effect.Effect<void, NotifyError>) => {
      if (settled) return
      settled = true
      resume(result)
    }
    const auth = url.username === "" ? undefined : `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`
    const req = send({
      protocol: url.protocol,
      host: url.hostname.replace(/^\[|\]$/g, ""),
      port: url.port === "" ? undefined : Number(url.port),
      path: `${url.pathname}${url.search}`,
      method: "POST",
      ...(auth === undefined ? {} : { auth }),
      headers: {
        "Content-Type": "application/json",
        "Content-Length": payload.length,
        "User-Agent": "superlance"
      },
      // One request, then the socket goes: a listener posts rarely.
      agent: false
    })
    req.on("response", (response) => {
      const status = response.statusCode ?? 0
      let body = ""
      response.setEncoding("utf8")
      response.on("data", (chunk: string) => {
        if (body.length < BODY_LIMIT) body += chunk
      })
      response.on("error", (error) => settle(Effect.fail(networkError(target, error))))
      response.on("end", () =>
        settle(
          status >= 200 && status < 300
            ? Effect.void
            : Effect.fail(statusError(target, response, body.slice(0, BODY_LIMIT)))
        ))
      response.on("close", () => {
        if (!response.complete) {
          settle(Effect.fail(networkError(target, new Error("the connection closed mid-answer"))))
        }
      })
    })
    req.on("error", (error) => settle(Effect.fail(networkError(target, error))))
    req.end(payload)
    return Effect.sync(() => {
      settled = true
      req.destroy()
    })
  })

/** POSTs `body` as JSON; succeeds on any 2xx answer. */
export const postJson = (
  target: PostTarget,
  body: unknown,
  timeout: Duration.DurationInput = DEFAULT_TIMEOUT
): Effect.Effect<void, NotifyError> =>
  Effect.gen(function*() {
    const send: Request = target.url.protocol === "https:" ? https.request : http.request
    const limit = Duration.decode(timeout)
    yield* request(send, target, Buffer.from(JSON.stringify(body), "utf8")).pipe(
      Effect.timeoutFail({
        duration: limit,
        onTimeout: () =>
          new NotifyError({
            reason: "Timeout",
            transport: target.transport,
            message: `${target.transport} ${target.display} did not answer within ${Duration.format(limit)}`
          })
      })
    )
  })
