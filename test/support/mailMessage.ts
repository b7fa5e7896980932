/**
 * Just enough of an RFC 5322 / MIME reader for tests: splits headers from the body, unfolds
 * headers, decodes RFC 2047 encoded-words (the Subject) and a single-part body's transfer
 * encoding and charset. Not a general mail parser (no multipart).
 */

export interface Header {
  readonly name: string
  /** Unfolded, still encoded as it was on the wire. */
  readonly value: string
}

export interface ParsedMessage {
  /** The message as received, line endings untouched. */
  readonly raw: string
  /** Every header line, in order. */
  readonly headers: ReadonlyArray<Header>
  /** The first header of that name (case-insensitive), unfolded but not decoded; undefined when absent. */
  readonly header: (name: string) => string | undefined
  /** All headers of that name. */
  readonly headerAll: (name: string) => ReadonlyArray<string>
  /** The Subject, encoded-words decoded; undefined when there is none. */
  readonly subject: string | undefined
  /** The body, transfer encoding and charset decoded, line endings as `\n`. */
  readonly text: string
}

export const parseMessage = (raw: string): ParsedMessage => {
  const split = /\r?\n\r?\n/.exec(raw)
  const head = split === null ? raw : raw.slice(0, split.index)
  const rawBody = split === null ? "" : raw.slice(split.index + split[0].length)
  const headers: Array<Header> = []
  for (const line of head.split(/\r?\n/)) {
    if (line === "") continue
    const last = headers.at(-1)
    if (/^[ \t]/.test(line) && last !== undefined) {
      // Unfolding removes the line break, not the whitespace that follows it.
      headers[headers.length - 1] = { name: last.name, value: last.value + line }
      continue
    }
    const colon = line.indexOf(":")
    if (colon <= 0) continue
    headers.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() })
  }
  const headerAll = (name: string) =>
    headers.filter((header) => header.name.toLowerCase() === name.toLowerCase()).map((header) => header.value)
  const header = (name: string) => headerAll(name)[0]
  const subject = header("Subject")
  const charset = /charset="?([^";\s]+)"?/i.exec(header("Content-Type") ?? "")?.[1] ?? "utf-8"
  const text = decodeBody(rawBody, header("Content-Transfer-Encoding") ?? "7bit", charset)
  return {
    raw,
    headers,
    header,
    headerAll,
    subject: subject === undefined ? undefined : decodeEncodedWords(subject),
    text: text.replace(/\r\n/g, "\n")
  }
}

const charsetDecoder = (charset: string) => {
  try {
    return new TextDecoder(charset)
  } catch {
    return new TextDecoder("utf-8")
  }
}

/** Quoted-printable to bytes; `underscoreIsSpace` for the Q encoding of RFC 2047. */
const decodeQuotedPrintable = (text: string, underscoreIsSpace: boolean): Uint8Array => {
  const input = text.replace(/=\r?\n/g, "")
  const bytes: Array<number> = []
  for (let i = 0; i < input.length; i++) {
    const char = input[i]!
    if (char === "=" && /^[0-9A-Fa-f]{2}$/.test(input.slice(i + 1, i + 3))) {
      bytes.push(parseInt(input.slice(i + 1, i + 3), 16))
      i += 2
    } else if (char === "_" && underscoreIsSpace) {
      bytes.push(0x20)
    } else {
      bytes.push(...Buffer.from(char, "utf8"))
    }
  }
  return Uint8Array.from(bytes)
}

const decodeBody = (body: string, transferEncoding: string, charset: string): string => {
  switch (transferEncoding.trim().toLowerCase()) {
    case "quoted-printable":
      return charsetDecoder(charset).decode(decodeQuotedPrintable(body, false))
    case "base64":
      return charsetDecoder(charset).decode(Buffer.from(body.replace(/\s+/g, ""), "base64"))
    default:
      return body
  }
}

const encodedWord = /=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g

/** RFC 2047: decodes `=?charset?Q|B?text?=`; whitespace between two encoded-words is dropped. */
export const decodeEncodedWords = (value: string): string =>
  value
    .replace(/(\?=)\s+(=\?)/g, "$1$2")
    .replace(encodedWord, (_, charset: string, encoding: string, text: string) => {
      const bytes = encoding.toUpperCase() === "B"
        ? Buffer.from(text, "base64")
        : decodeQuotedPrintable(text, true)
      return charsetDecoder(charset.split("*")[0]!).decode(bytes)
    })
