/**
 * How a plugin sends mail (SPEC §4 "Mail, for every plugin"): a sendmail-like command or SMTP.
 * crashmail, httpok and memmon use sendmail and switch to SMTP with `--smtpHost`; the batch
 * plugins use SMTP and switch to sendmail with `--sendmail`.
 */
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { SendmailConfig } from "../alerts/transports/Sendmail.js"
import type { SmtpConfig } from "../alerts/transports/Smtp.js"
import type { MailConfig as TransportMailConfig } from "../alerts/transports/mail.js"
import type { Fields, FieldsOf } from "./fields.js"
import { UsageError, usageError } from "./UsageError.js"
import { EmailAddress, EmailList, HostPort, NonBlank, Port } from "./units.js"
import type { HostPort as HostPortValue } from "./units.js"
import { inGroup } from "./OptionTable.js"
import { receivers } from "./receivers.js"

/** How the sendmail-first plugins (crashmail, httpok, memmon) mail. */
const sendmailFirst = inGroup("mail", {
  email: {
    original: true,
    short: "m",
    kind: "single",
    metavar: "ADDR",
    description: "Mail reports to ADDR (comma-separated for several). Without it nothing is mailed."
  },
  sendmail_program: {
    original: true,
    short: "s",
    aliases: ["sendmail"],
    kind: "single",
    metavar: "CMD",
    description: "Command that reads the whole message on stdin (default: /usr/sbin/sendmail -t -i)."
  },
  smtpHost: {
    kind: "single",
    metavar: "HOST[:PORT]",
    description: "Send mail by SMTP through HOST instead of sendmail (needs --fromEmail)."
  },
  smtpPort: { kind: "single", metavar: "PORT", description: "SMTP port (default 25; 465 means implicit TLS)." },
  fromEmail: {
    kind: "single",
    metavar: "ADDR",
    description: "From address (required with --smtpHost; adds a From header for sendmail)."
  },
  userName: { kind: "single", metavar: "USER", description: "SMTP user name." },
  password: {
    kind: "single",
    metavar: "PASS",
    description: "SMTP password (better: env SUPERLANCE_SMTP_PASSWORD, which ps does not show)."
  },
  tls: { kind: "flag", description: "Use STARTTLS with the SMTP server." }
})

/** Mail options of the sendmail-first plugins (crashmail, httpok, memmon), and the receivers. */
export const listenerMail = { ...sendmailFirst, ...receivers }


/** How mail travels: the transports' own configurations, so the two cannot drift apart. */
export type MailConfig = TransportMailConfig
export type Sendmail = SendmailConfig
export type Smtp = SmtpConfig
export const MailConfig = {
  Sendmail: (fields: Omit<SendmailConfig, "_tag">): SendmailConfig => ({ _tag: "Sendmail", ...fields }),
  Smtp: (fields: Omit<SmtpConfig, "_tag">): SmtpConfig => ({ _tag: "Smtp", ...fields })
}

export const defaultSendmail = "/usr/sbin/sendmail -t -i"
export const passwordEnv = "SUPERLANCE_SMTP_PASSWORD"

/** The options both mail decoders read, by the names the tables give them. */
type SmtpFields = Fields<"tls", "smtpHost" | "smtpPort" | "userName" | "password", never>

/** An empty value means "not set", as the original's `default=""` did. */
const nonEmpty = (value: Option.Option<string>) => Option.filter(value, (s) => s.length > 0)

/** `--password`, else env SUPERLANCE_SMTP_PASSWORD (read through effect's ConfigProvider). */
const password = (f: SmtpFields) =>
  Effect.gen(function*() {
    const given = nonEmpty(yield* f.optional("password", Schema.String))
    if (Option.isSome(given)) return Option.some(Redacted.make(given.value))
    const fromEnv = yield* Config.option(Config.redacted(passwordEnv)).pipe(
      Effect.mapError((e) => new UsageError({ message: `${passwordEnv}: ${e.toString()}` }))
    )
    return Option.filter(fromEnv, (p) => Redacted.value(p).length > 0)
  })

const smtp = (
  f: SmtpFields,
  to: ReadonlyArray<string>,
  from: string
): Effect.Effect<Smtp, UsageError> =>
  Effect.gen(function*() {
    const hostPort = yield* f.optional("smtpHost", HostPort)
    const { host, port: portInHost } = Option.getOrElse(hostPort, (): HostPortValue => ({ host: "localhost" }))
    const explicitPort = yield* f.optional("smtpPort", Port)
    if (Option.isSome(explicitPort) && portInHost !== undefined && portInHost !== explicitPort.value) {
      return yield* usageError(
        `${f.label("smtpPort")}: ${explicitPort.value} contradicts the port ${portInHost} in ${f.label("smtpHost")}`
      )
    }
    const port = Option.getOrElse(explicitPort, () => portInHost ?? 25)
    const username = nonEmpty(yield* f.optional("userName", Schema.String))
    return MailConfig.Smtp({
      host,
      port,
      secure: port === 465 ? "implicit" : f.flag("tls") ? "starttls" : "none",
      username: Option.getOrUndefined(username),
      password: Option.getOrUndefined(yield* password(f)),
      from,
      to
    })
  })

/**
 * crashmail, httpok, memmon: no `-m`, no mail. `-m ADDR` mails through `-s CMD` (default
 * `/usr/sbin/sendmail -t -i`), or by SMTP when `--smtpHost` is given, which then needs
 * `--fromEmail`.
 */
export const decodeListenerMail = (
  f: FieldsOf<typeof listenerMail>
): Effect.Effect<MailConfig | undefined, UsageError> =>
  Effect.gen(function*() {
    const to = yield* f.optional("email", EmailList)
    const command = yield* f.optional("sendmail_program", NonBlank)
    const from = yield* f.optional("fromEmail", EmailAddress)
    if (!f.given("smtpHost")) {
      for (const key of ["smtpPort", "userName", "password"] as const) {
        if (f.given(key)) return yield* usageError(`${f.label(key)} needs --smtpHost`)
      }
      if (f.flag("tls")) return yield* usageError(`${f.label("tls")} needs --smtpHost`)
      if (Option.isNone(to)) return undefined
      return MailConfig.Sendmail({
        command: Option.getOrElse(command, () => defaultSendmail),
        to: to.value,
        from: Option.getOrUndefined(from)
      })
    }
    if (Option.isSome(command)) {
      return yield* usageError(`${f.label("sendmail_program")} and ${f.label("smtpHost")} exclude each other`)
    }
    if (Option.isNone(to)) return yield* usageError(`${f.label("smtpHost")} needs ${f.label("email")} (the recipients)`)
    if (Option.isNone(from)) return yield* usageError(`${f.label("fromEmail")} is required with ${f.label("smtpHost")}`)
    return yield* smtp(f, to.value, from.value)
  })

/**
 * The batch plugins: SMTP (default localhost:25) to `--toEmail` from `--fromEmail`, or the
 * `--sendmail CMD` command. The caller has decoded the (required) addresses.
 */
export const decodeBatchMail = (
  f: Fields<"tls", "sendmail" | "smtpHost" | "smtpPort" | "userName" | "password", never>,
  to: ReadonlyArray<string>,
  from: string
): Effect.Effect<MailConfig, UsageError> =>
  Effect.gen(function*() {
    const command = yield* f.optional("sendmail", NonBlank)
    if (Option.isNone(command)) return yield* smtp(f, to, from)
    for (const key of ["smtpHost", "smtpPort", "userName", "password"] as const) {
      if (f.given(key)) return yield* usageError(`${f.label(key)} is for SMTP and cannot be used with --sendmail`)
    }
    if (f.flag("tls")) return yield* usageError(`${f.label("tls")} is for SMTP and cannot be used with --sendmail`)
    return MailConfig.Sendmail({ command: command.value, to, from })
  })
