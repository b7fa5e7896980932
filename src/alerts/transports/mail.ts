/** Mail as one transport: the sendmail command or an SMTP server, whichever is configured. */
import type { Transport } from "../Transport.js"
import * as Sendmail from "./Sendmail.js"
import * as Smtp from "./Smtp.js"

/** How mail travels: the sendmail command, or an SMTP server. */
export type MailConfig = Sendmail.SendmailConfig | Smtp.SmtpConfig

/** Transport for a mail configuration. */
export const mailTransport = (config: MailConfig): Transport =>
  config._tag === "Sendmail" ? Sendmail.make(config) : Smtp.make(config)

/** Where mail goes, for people: `mail by SMTP 127.0.0.1:25 to ops@example.com`. */
export const describeMail = (mail: MailConfig): string =>
  mail._tag === "Sendmail"
    ? `mail by sendmail (${mail.command}) to ${mail.to.join(", ")}`
    : `mail by SMTP ${mail.host.includes(":") ? `[${mail.host}]` : mail.host}:${mail.port} to ${mail.to.join(", ")}`
