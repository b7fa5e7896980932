/**
 * One check of one URL and what it found: an HTTP GET judged by its status (`-c`) and body
 * (`-b`), or a TCP connection that opens or not, each within `-t`.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type { UrlTemplate } from "../../domain/UrlTemplate.js"
import { HttpProbe, type ProbeError, type ProbeResponse } from "../../services/HttpProbe.js"
import { TcpProbe } from "../../services/TcpProbe.js"
import type { HttpokConfig } from "./options.js"

/** What a check got: an HTTP response, a TCP connection that opened, or no answer. */
export type Outcome = Either.Either<ProbeResponse | "open", ProbeError>

/** What a check found wrong: the subject's last words, the report's first line(s), and the log's one line. */
export interface Verdict {
  readonly what: "bad status returned" | "bad body returned"
  readonly summary: string
  readonly logLine: string
}

export const judge = (config: Pick<HttpokConfig, "codes" | "body">, url: string, outcome: Outcome): Verdict | undefined => {
  if (Either.isLeft(outcome)) {
    // The original's report puts the reason on a line of its own; the log keeps one line per event.
    const summary = `error contacting ${url}:\n\n ${outcome.left.message}`
    return { what: "bad status returned", summary, logLine: `error contacting ${url}: ${outcome.left.message}` }
  }
  if (outcome.right === "open") return undefined
  const { found, reason, status } = outcome.right
  const summary = `status contacting ${url}: ${status} ${reason}`
  if (!config.codes.includes(status)) return { what: "bad status returned", summary, logLine: summary }
  if (config.body !== undefined && found !== true) return { what: "bad body returned", summary, logLine: summary }
  return undefined
}

/** Checks one URL of the template's kind; never fails (no answer is an outcome). */
export const makeCheck = (
  template: UrlTemplate,
  config: Pick<HttpokConfig, "timeout" | "verifyTls" | "body">
) =>
  Effect.gen(function*() {
    const http = yield* HttpProbe
    const tcp = yield* TcpProbe
    return (url: string): Effect.Effect<Outcome> => {
      const attempt: Effect.Effect<ProbeResponse | "open", ProbeError> = template.kind === "tcp"
        ? Effect.as(tcp.connect({ url, timeout: config.timeout }), "open" as const)
        : http.get({ url, timeout: config.timeout, verifyTls: config.verifyTls, find: config.body })
      return Effect.either(attempt)
    }
  })
