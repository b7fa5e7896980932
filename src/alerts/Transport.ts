/** How an alert travels (a `Transport`), and the one error every transport reports. */
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import type { Alert } from "../domain/Alert.js"

export type { Alert } from "../domain/Alert.js"

/**
 * Why a single attempt failed:
 * - `Refused`: the server answered with a temporary (4xx) refusal;
 * - `Rejected`: the server answered with a permanent (5xx) refusal;
 * - `AuthFailed`: the login was refused or credentials are missing;
 * - `Unreachable`: no connection could be made, or it was lost;
 * - `Timeout`: no answer in time;
 * - `TlsFailed`: the TLS handshake or STARTTLS failed;
 * - `CommandFailed`: the sendmail command exited non-zero or could not run;
 * - `Invalid`: the message cannot be sent as configured (e.g. an address the client refuses).
 */
export type NotifyErrorReason =
  | "Refused"
  | "Rejected"
  | "AuthFailed"
  | "Unreachable"
  | "Timeout"
  | "TlsFailed"
  | "CommandFailed"
  | "Invalid"

export class NotifyError extends Data.TaggedError("NotifyError")<{
  readonly reason: NotifyErrorReason
  /** Which transport failed: `sendmail`, `smtp`, … */
  readonly transport: string
  /** One line, for the operator. */
  readonly message: string
}> {}

/** One way an alert travels. Makes exactly one attempt; retrying is the caller's business. */
export type Transport = (alert: Alert) => Effect.Effect<void, NotifyError>

/**
 * One configured transport, named. Queues retry each route on its own, so a receiver that is
 * down is retried without sending the alert again through the ones that took it.
 */
export interface Route {
  /** Short and stable, e.g. `mail`, `webhook2`: names the route's queue in logs and spool files. */
  readonly name: string
  /** Where alerts go, for people: `SMTP 127.0.0.1:25 to ops@example.com`. */
  readonly target: string
  readonly send: Transport
}

/** Server replies and stderr can span lines; the error message must stay on one. */
export const oneLine = (text: string, max = 300): string => {
  const line = text.replace(/\s*[\r\n]+\s*/g, " ").trim()
  return line.length > max ? `${line.slice(0, max - 1)}…` : line
}
