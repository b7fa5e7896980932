/**
 * The SMTP transport: one connection per alert through nodemailer, one attempt, failures mapped
 * onto `NotifyError` reasons with the server's own reply in the message.
 *
 * Certificates are not verified by default: relays often present self-signed certificates, and
 * the original (Python's smtplib `starttls()` without a context) did not verify either. Set
 * `verifyCertificate` to verify. With `secure: "none"` STARTTLS is still used when the server
 * offers it, falling back to plain text if the upgrade fails, so nothing that worked with the
 * original stops working.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import nodemailer, { type SMTPTransportOptions } from "nodemailer"
import { NotifyError, type NotifyErrorReason, oneLine, type Transport } from "../Alert.js"
import { messageFields } from "./Message.js"

export interface SmtpConfig {
  readonly _tag: "Smtp"
  readonly host: string
  readonly port: number
  /** `implicit`: TLS from the first byte (always so on port 465); `starttls`: required upgrade. */
  readonly secure: "starttls" | "implicit" | "none"
  readonly username?: string | undefined
  readonly password?: Redacted.Redacted<string> | undefined
  readonly from: string
  readonly to: ReadonlyArray<string>
  /** Verify the server's certificate (default false, like the original). */
  readonly verifyCertificate?: boolean | undefined
}

export interface SmtpOptions {
  /**
   * Bounds the whole attempt (default 30 s). Connecting and the greeting may take at most 10 s
   * each, and the server may stay silent for at most half the bound at any point.
   */
  readonly timeout?: Duration.DurationInput
}

/** Reads a property of an unknown error without trusting its shape. */
const field = (error: unknown, name: string): unknown =>
  typeof error === "object" && error !== null ? (error as Record<string, unknown>)[name] : undefined

const stringField = (error: unknown, name: string): string | undefined => {
  const value = field(error, name)
  return typeof value === "string" ? value : undefined
}

const timeoutPhases: Record<string, string> = {
  CONNECT_TIMEOUT: "while connecting",
  GREETING_TIMEOUT: "with a greeting",
  UPGRADE_TIMEOUT: "during STARTTLS",
  SOCKET_TIMEOUT: "during the dialogue"
}

const unreachableCodes = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "EDNS"])

const toNotifyError = (config: SmtpConfig, error: unknown): NotifyError => {
  const server = `SMTP server ${config.host}:${config.port}`
  const fail = (reason: NotifyErrorReason, message: string) =>
    new NotifyError({ reason, transport: "smtp", message: oneLine(message) })
  const code = stringField(error, "code")
  const originalCode = stringField(error, "originalCode")
  const message = stringField(error, "message") ?? String(error)
  const response = stringField(error, "response")
  const responseCode = field(error, "responseCode")

  if (code === "EAUTH" || code === "ENOAUTH") {
    return fail("AuthFailed", `${server} refused the login of user ${config.username ?? "(none)"}: ${response ?? message}`)
  }
  if (code === "ETIMEDOUT") {
    const phase = timeoutPhases[stringField(error, "timeoutType") ?? ""] ?? ""
    return fail("Timeout", `${server} did not answer in time${phase === "" ? "" : ` ${phase}`}`)
  }
  // Certificate and handshake failures surface as socket errors that keep the TLS code.
  if (code === "ETLS" || /CERT|SSL|TLS/.test(originalCode ?? "")) {
    return fail("TlsFailed", `TLS with ${server} failed: ${message}`)
  }
  if (typeof responseCode === "number" && responseCode >= 400) {
    const refused: Record<string, string> = {
      "CONN": "the connection",
      "MAIL FROM": `the sender ${config.from}`,
      "RCPT TO": config.to.length === 1 ? `the recipient ${config.to[0]}` : `the recipients ${config.to.join(", ")}`
    }
    const what = refused[stringField(error, "command") ?? ""] ?? "the message"
    return fail(responseCode < 500 ? "Refused" : "Rejected", `${server} refused ${what}: ${response ?? message}`)
  }
  if (code === "EENVELOPE") return fail("Invalid", `cannot send to ${server}: ${message}`)
  if (unreachableCodes.has(originalCode ?? code ?? "")) return fail("Unreachable", `cannot connect to ${server}: ${message}`)
  return fail("Unreachable", `connection to ${server} failed: ${message}`)
}

const transportOptions = (config: SmtpConfig, timeout: Duration.Duration): SMTPTransportOptions => {
  // Half the bound each, so nodemailer's own timer (which names the phase) fires before ours.
  const half = Duration.times(timeout, 0.5)
  const phase = Duration.toMillis(Duration.min(half, Duration.seconds(10)))
  const implicit = config.secure === "implicit" || config.port === 465
  return {
    host: config.host,
    port: config.port,
    secure: implicit,
    requireTLS: !implicit && config.secure === "starttls",
    opportunisticTLS: config.secure === "none",
    tls: { rejectUnauthorized: config.verifyCertificate === true },
    ...(config.username === undefined ? {} : {
      auth: {
        user: config.username,
        pass: config.password === undefined ? "" : Redacted.value(config.password)
      }
    }),
    connectionTimeout: phase,
    greetingTimeout: phase,
    socketTimeout: Duration.toMillis(half),
    logger: false
  }
}

/** A transport that delivers each alert to the configured SMTP server. */
export const make = (config: SmtpConfig, options: SmtpOptions = {}): Transport => {
  const timeout = Duration.decode(options.timeout ?? "30 seconds")
  return (alert) =>
    Effect.gen(function*() {
      const now = new Date(yield* Clock.currentTimeMillis)
      const transporter = nodemailer.createTransport(transportOptions(config, timeout))
      const info = yield* Effect.tryPromise({
        try: (signal) => transporter.sendMail({ ...messageFields(alert, config, now), signal }),
        catch: (error) => toNotifyError(config, error)
      }).pipe(
        Effect.timeoutFail({
          duration: timeout,
          onTimeout: () =>
            new NotifyError({
              reason: "Timeout",
              transport: "smtp",
              message: `SMTP server ${config.host}:${config.port} did not take the message within ${
                Duration.format(timeout)
              }`
            })
        }),
        Effect.ensuring(Effect.sync(() => transporter.close()))
      )
      // Some recipients took it: retrying would duplicate it for them, so report and carry on.
      if (info.rejected.length > 0) {
        yield* Effect.logWarning(
          `SMTP server ${config.host}:${config.port} refused recipients ${info.rejected.join(", ")}; the others got the alert`
        )
      }
      yield* Effect.logDebug(`alert sent by SMTP: ${oneLine(alert.subject)}`)
    })
}
