/**
 * An alert as nodemailer message fields, shared by the sendmail and SMTP transports. nodemailer
 * does the MIME work: UTF-8 subjects become encoded-words, header values cannot carry line
 * breaks (so a process name cannot add a header), Date and Message-ID are set.
 */
import type { Options as MailComposerOptions } from "nodemailer/lib/mail-composer"
import type { Alert } from "../Transport.js"

export interface Addressing {
  readonly from?: string | undefined
  readonly to: ReadonlyArray<string>
}

// A bare string such as "root" is read by nodemailer's address parser as a display name and
// dropped; an address object keeps local targets like `-m root` (SPEC §4 Mail).
const address = (value: string) => ({ name: "", address: value })

export const messageFields = (alert: Alert, addressing: Addressing, now: Date): MailComposerOptions => ({
  ...(addressing.from === undefined ? {} : { from: address(addressing.from) }),
  to: addressing.to.map(address),
  ...(alert.subject === "" ? {} : { subject: alert.subject }),
  text: alert.body,
  date: now
})
