/**
 * An alert as the text of a mail, shared by the sendmail and SMTP transports, written the way the
 * original writes it so that filters reading the raw message keep working (SPEC §4 "Mail"), in
 * the form the configuration names (`MailForm`).
 * Bodies are never quoted-printable and lines are not folded: ASCII goes as 7bit, anything else as
 * 8bit UTF-8 with its charset. On top of the original we add Date and Message-ID (and From when
 * configured); UTF-8 subjects become encoded-words, and no value can break a header line.
 */
import { randomUUID } from "node:crypto"
import { hostname } from "node:os"
import type { Alert } from "../Transport.js"

/**
 * How a mail is written, as the originals wrote it:
 * - `bare`: headers alone (`To: root`, `Subject: …`) and the body, as crashmail, httpok and memmon;
 * - `mime`: what Python's `MIMEText(body)` makes, a `text/plain` 7bit message with its MIME
 *   headers first, as the batch mailers.
 */
export type MailForm = "bare" | "mime"

/** What a mail configuration says about its messages. */
export interface MessageConfig {
  readonly from?: string | undefined
  readonly to: ReadonlyArray<string>
  /** Default `bare`. */
  readonly form?: MailForm | undefined
}

/** What a message needs beyond the alert and its addresses; the transports supply the impure parts. */
export interface Stamp {
  readonly date: Date
  readonly messageId: string
  /** `\n` for a local sendmail (as the original wrote it), `\r\n` on the wire. */
  readonly newline: "\n" | "\r\n"
}

/** RFC 5322's limit on a line, without its line break. */
const MAX_LINE = 998

// Encoded-words of at most 39 bytes keep "Subject: =?UTF-8?B?…?=" within RFC 2047's 76 columns.
const ENCODED_WORD_BYTES = 39

export const isAscii = (text: string): boolean => /^[\x00-\x7f]*$/.test(text)

/** A header value on one line: a line break in it (from a process name, say) cannot add a header. */
const singleLine = (value: string) => value.replace(/\s*[\r\n]+\s*/g, " ")

/** Splits text into pieces of at most `max` UTF-8 bytes, never inside a character. */
const byBytes = (text: string, max: number): Array<string> => {
  const pieces: Array<string> = []
  let piece = ""
  let bytes = 0
  for (const char of text) {
    const size = Buffer.byteLength(char)
    if (bytes + size > max && piece !== "") {
      pieces.push(piece)
      piece = ""
      bytes = 0
    }
    piece += char
    bytes += size
  }
  return [...pieces, piece]
}

/** Folds a header line longer than RFC 5322 allows at a space; shorter ones stay as they are. */
const fold = (line: string, newline: string): string => {
  const lines: Array<string> = []
  let rest = line
  while (rest.length > MAX_LINE) {
    const at = rest.lastIndexOf(" ", MAX_LINE)
    if (at <= 0) break
    lines.push(rest.slice(0, at))
    rest = rest.slice(at)
  }
  return [...lines, rest].join(newline)
}

/** Addresses go as written: `To: root`, not `To: <root>`. */
const header = (name: string, value: string, newline: string): string => fold(`${name}: ${singleLine(value)}`, newline)

/** A subject that is not ASCII becomes RFC 2047 encoded-words, one per folded line. */
const subjectHeader = (subject: string, newline: string): string => {
  const text = singleLine(subject)
  if (isAscii(text)) return header("Subject", text, newline)
  const words = byBytes(text, ENCODED_WORD_BYTES).map((word) => `=?UTF-8?B?${Buffer.from(word).toString("base64")}?=`)
  return `Subject: ${words.join(`${newline} `)}`
}

/** `Wed, 01 May 2024 10:00:00 +0000`. */
const rfc5322Date = (date: Date) => date.toUTCString().replace(/GMT$/, "+0000")

/** A fresh Message-ID in the sender's domain, or this host's when there is no From. */
export const newMessageId = (from: string | undefined): string => {
  const domain = from !== undefined && from.includes("@") ? from.slice(from.lastIndexOf("@") + 1) : hostname()
  return `<${randomUUID()}@${domain}>`
}

/**
 * The complete message: headers, a blank line, the body, with `stamp.newline` throughout. A body
 * line longer than RFC 5322 allows is split (the original would send it as it is).
 */
export const compose = (alert: Alert, config: MessageConfig, stamp: Stamp): string => {
  const { newline } = stamp
  const ascii = isAscii(alert.body)
  const mime = [
    `Content-Type: text/plain; charset="${ascii ? "us-ascii" : "utf-8"}"`,
    "MIME-Version: 1.0",
    `Content-Transfer-Encoding: ${ascii ? "7bit" : "8bit"}`
  ]
  const to = header("To", config.to.join(", "), newline)
  const subject = alert.subject === "" ? [] : [subjectHeader(alert.subject, newline)]
  const from = config.from === undefined ? [] : [header("From", config.from, newline)]
  const ours = [`Date: ${rfc5322Date(stamp.date)}`, `Message-ID: ${stamp.messageId}`]
  const headers = config.form === "mime"
    ? [...mime, ...subject, ...from, to, ...ours]
    : [to, ...subject, ...from, ...ours, ...(ascii ? [] : mime)]
  const body = alert.body.split(/\r\n|\r|\n/).flatMap((line) => byBytes(line, MAX_LINE))
  return [...headers, "", ...body].join(newline)
}
