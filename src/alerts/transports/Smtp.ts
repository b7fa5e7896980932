/**
 * The SMTP transport: one connection per alert through nodemailer, one attempt, failures mapped
 * onto `NotifyError` reasons with the server's own reply in the message.
 *
 * Certificates are not verified by default: relays often present self-signed certificates, and
 * the original (Python's smtplib `starttls()` without a context) did not verify either. Set
 * `verifyCertificate` to verify. With `secure: "none"` (no `--tls`) STARTTLS is still used when
 * the server offers it; when it fails (a relay whose TLS Node refuses, such as TLS 1.0 only), the
 * same attempt connects again with TLS off and delivers, with a warning logged once: the
 * original never starts TLS without `--tls`, so nothing that worked with it stops working.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import nodemailer from "nodemailer"
import type { SMTPTransportOptions } from "nodemailer"
import { NotifyError, type NotifyErrorReason, oneLine, type Transport } from "../Transport.js"
import { compose, isAscii, type MailForm, newMessageId } from "./Message.js"

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
  readonly form?: MailForm | undefined
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

/** `80…:error:0A00042E:SSL routines:ssl3_read_bytes:tlsv1 alert protocol version:…` → its reason. */
const openSslReason = (message: string) => /:error:[0-9A-F]+:[^:]*:[^:]*:([^:]+):/.exec(message)?.[1] ?? message

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
    return fail("TlsFailed", `TLS with ${server} failed: ${openSslReason(message)}`)
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

const transportOptions = (
  config: SmtpConfig,
  timeout: Duration.Duration,
  tls: "try" | "off"
): SMTPTransportOptions => {
  // Half the bound each, so nodemailer's own timer (which names the phase) fires before ours.
  const half = Duration.times(timeout, 0.5)
  const phase = Duration.toMillis(Duration.min(half, Duration.seconds(10)))
  const implicit = isImplicit(config)
  return {
    host: config.host,
    port: config.port,
    secure: implicit,
    // Without --tls a failed STARTTLS (refused or a failed handshake) is an ETLS error, on which
    // `make` connects again with TLS off: nodemailer's `opportunisticTLS` would cover only a
    // refusal, and then drops AUTH.
    requireTLS: !implicit && config.secure === "starttls",
    ignoreTLS: tls === "off",
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

const isImplicit = (config: SmtpConfig) => config.secure === "implicit" || config.port === 465

/** Without --tls, TLS is a bonus: a relay whose TLS fails still gets the mail, as with the original. */
const fallsBackToPlainText = (config: SmtpConfig, error: NotifyError) =>
  error.reason === "TlsFailed" && config.secure === "none" && !isImplicit(config)

const plainTextWarning = (config: SmtpConfig, error: NotifyError) => {
  const what = config.username === undefined
    ? "the mail goes"
    : `the mail and the AUTH login of user ${config.username} go`
  return `${error.message}; sending without TLS instead, so ${what} in clear (give --tls to require TLS; not repeated for later mails)`
}

/** A transport that delivers each alert to the configured SMTP server. */
export const make = (config: SmtpConfig, options: SmtpOptions = {}): Transport => {
  const timeout = Duration.decode(options.timeout ?? "30 seconds")
  const server = `SMTP server ${config.host}:${config.port}`
  // Once per transport, i.e. per listener: every mail would otherwise repeat it.
  let warned = false

  // Given explicitly, since nodemailer reads no addresses from a raw message; as objects, since it
  // would take a bare string such as "root" for a display name.
  const from = { name: "", address: config.from }
  const to = config.to.map((address) => ({ name: "", address }))

  const send = (tls: "try" | "off", raw: string) =>
    Effect.acquireUseRelease(
      Effect.sync(() => nodemailer.createTransport(transportOptions(config, timeout, tls))),
      (transporter) =>
        Effect.tryPromise({
          try: (signal) => transporter.sendMail({ envelope: { from, to, use8BitMime: !isAscii(raw) }, raw, signal }),
          catch: (error) => toNotifyError(config, error)
        }),
      (transporter) => Effect.sync(() => transporter.close())
    )

  return (alert) =>
    Effect.gen(function*() {
      const date = new Date(yield* Clock.currentTimeMillis)
      const messageId = yield* Effect.sync(() => newMessageId(config.from))
      const raw = compose(alert, config, { date, messageId, newline: "\r\n" })
      const info = yield* send("try", raw).pipe(
        Effect.catchIf((error) => fallsBackToPlainText(config, error), (error) =>
          Effect.gen(function*() {
            if (!warned) {
              warned = true
              yield* Effect.logWarning(plainTextWarning(config, error))
            }
            return yield* send("off", raw)
          })),
        Effect.timeoutFail({
          duration: timeout,
          onTimeout: () =>
            new NotifyError({
              reason: "Timeout",
              transport: "smtp",
              message: `${server} did not take the message within ${Duration.format(timeout)}`
            })
        })
      )
      // Some recipients took it: retrying would duplicate it for them, so report and carry on.
      if (info.rejected.length > 0) {
        yield* Effect.logWarning(
          `${server} refused recipients ${info.rejected.join(", ")}; the others got the alert`
        )
      }
      yield* Effect.logDebug(`alert sent by SMTP: ${oneLine(alert.subject)}`)
    })
}
