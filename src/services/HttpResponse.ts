/**
 * An HTTP/1.1 response read from its bytes as they arrive (`ResponseReader`), and its body
 * scanned for a text (`bodyScanner`), holding neither the bytes nor the body: HttpProbe's reader
 * of what a health page answers. A helper without a Tag of its own.
 */

/** The final head of a response (interim 1xx heads are skipped). */
export interface ResponseHead {
  readonly status: number
  readonly reason: string
  /** Lower-cased names; a repeated header's values joined with ", ". */
  readonly headers: ReadonlyMap<string, string>
}

/** Where a response stands: more bytes wanted, complete, or not HTTP (`problem` says why). */
export type ReadState = "more" | "done" | { readonly problem: string }

/** The most a head (or a chunk-size or trailer section) may take: node:http allows 16 KB. */
const MAX_HEAD = 64 * 1024

/**
 * Reads one HTTP/1.1 response from its bytes, in whatever pieces they arrive, framed as the
 * head says (Content-Length, chunked, or until the connection closes). It holds no body: each
 * piece of it goes to `onBody` as a view of the bytes pushed, valid only during that call.
 */
export class ResponseReader {
  private phase: "head" | "body" | "untilClose" | "chunkSize" | "chunk" | "chunkEnd" | "trailers" | "done" = "head"
  /** The line being read, and the lines of the head so far. */
  private line = ""
  private lines: Array<string> = []
  private lineBytes = 0
  /** Bytes left of the body (Content-Length) or of the current chunk. */
  private left = 0

  constructor(
    private readonly onHead: (head: ResponseHead) => void,
    private readonly onBody: (piece: Buffer) => void
  ) {}

  push(bytes: Buffer): ReadState {
    let at = 0
    while (at < bytes.length && this.phase !== "done") {
      if (this.phase === "body" || this.phase === "chunk" || this.phase === "untilClose") {
        const end = this.phase === "untilClose" ? bytes.length : Math.min(bytes.length, at + this.left)
        this.onBody(bytes.subarray(at, end))
        this.left -= end - at
        at = end
        if (this.left === 0 && this.phase !== "untilClose") this.phase = this.phase === "body" ? "done" : "chunkEnd"
        continue
      }
      const newline = bytes.indexOf(10, at)
      const end = newline === -1 ? bytes.length : newline
      this.lineBytes += end - at
      if (this.lineBytes > MAX_HEAD) return { problem: `more than ${MAX_HEAD} bytes of ${this.phase}` }
      this.line += bytes.toString("latin1", at, end)
      if (newline === -1) break
      at = newline + 1
      const line = this.line.endsWith("\r") ? this.line.slice(0, -1) : this.line
      this.line = ""
      const problem = this.endLine(line)
      if (problem !== undefined) return { problem }
    }
    return this.phase === "done" ? "done" : "more"
  }

  /** Whether the response was complete when the connection closed. */
  end(): boolean {
    return this.phase === "done" || this.phase === "untilClose"
  }

  private endLine(line: string): string | undefined {
    switch (this.phase) {
      case "head":
        if (line !== "") this.lines.push(line)
        // An empty line ends the head (one before the status line is tolerated).
        return line === "" && this.lines.length > 0 ? this.endHead() : undefined
      case "chunkSize": {
        const size = /^([0-9a-f]{1,12})[ \t]*(;.*)?$/i.exec(line)?.[1]
        if (size === undefined) return `bad chunk size ${JSON.stringify(line.slice(0, 40))}`
        this.left = parseInt(size, 16)
        this.enter(this.left === 0 ? "trailers" : "chunk")
        return undefined
      }
      case "chunkEnd":
        if (line !== "") return "a chunk longer than its size"
        this.enter("chunkSize")
        return undefined
      case "trailers":
        if (line === "") this.enter("done")
        return undefined
    }
    return undefined
  }

  private endHead(): string | undefined {
    const [statusLine = "", ...fields] = this.lines
    this.lines = []
    const status = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine)
    if (status === null) return `not an HTTP response: ${JSON.stringify(statusLine.slice(0, 40))}`
    const code = Number(status[1])
    const headers = new Map<string, string>()
    for (const field of fields) {
      const colon = field.indexOf(":")
      if (/^[ \t]/.test(field)) continue // an obsolete folded line: nothing read here needs it
      if (colon <= 0) return `bad header line ${JSON.stringify(field.slice(0, 40))}`
      const name = field.slice(0, colon).trim().toLowerCase()
      const value = field.slice(colon + 1).trim()
      const before = headers.get(name)
      headers.set(name, before === undefined ? value : `${before}, ${value}`)
    }
    // 100 Continue, 103 Early Hints: the real head follows.
    if (code < 200) return this.enter("head")
    this.onHead({ status: code, reason: status[2] ?? "", headers })
    const encoding = headers.get("transfer-encoding")
    const length = headers.get("content-length")
    if (code === 204 || code === 304) return this.enter("done")
    if (encoding !== undefined) return this.enter(/(^|,)\s*chunked\s*$/i.test(encoding) ? "chunkSize" : "untilClose")
    if (length === undefined) return this.enter("untilClose")
    const lengths = new Set(length.split(",").map((value) => value.trim()))
    const [only = ""] = lengths
    if (lengths.size !== 1 || !/^\d{1,15}$/.test(only)) return `bad Content-Length ${JSON.stringify(length.slice(0, 40))}`
    this.left = Number(only)
    return this.enter(this.left === 0 ? "done" : "body")
  }

  private enter(phase: ResponseReader["phase"]): undefined {
    this.phase = phase
    this.lineBytes = 0
    return undefined
  }
}

// ---------------------------------------------------------------------------
// The body, scanned for the -b text

/** A streaming decoder for the charset the Content-Type names when Node knows it, else UTF-8. */
const decoderFor = (contentType: string | undefined) => {
  const charset = /charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? "")?.[1]
  if (charset !== undefined) {
    try {
      return new TextDecoder(charset)
    } catch {
      // An unknown label: fall back to UTF-8, as browsers do.
    }
  }
  return new TextDecoder("utf-8")
}

export interface BodyScanner {
  /** Whether the text has been seen, up to and including this piece. */
  readonly push: (piece: Uint8Array) => boolean
  /** Whether the text is there, once the body has ended. */
  readonly end: () => boolean
}

/**
 * Looks for `text` in a body that arrives in pieces, decoded as the Content-Type says. Only the
 * end of the body so far that a match could start in (`text`'s length less one) is kept between
 * pieces.
 */
export const bodyScanner = (text: string, contentType: string | undefined): BodyScanner => {
  const decoder = decoderFor(contentType)
  // UTF-8 is searched as bytes, which allocates nothing per piece: a character's bytes never
  // match inside another character's, so a byte match is a text match; only the decoder's
  // replacement character and dropped BOM could tell them apart.
  return text !== "" && decoder.encoding === "utf-8" && !/[\uFEFF\uFFFD]/.test(text)
    ? byteScanner(Buffer.from(text))
    : textScanner(text, decoder)
}

const byteScanner = (needle: Buffer): BodyScanner => {
  const keep = needle.length - 1
  // The kept end of the body so far, then the start of the next piece: a match across them.
  const seam = Buffer.alloc(2 * keep)
  let kept = 0
  return {
    push: (bytes) => {
      const piece = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      const start = piece.copy(seam, kept, 0, keep)
      if (kept > 0 && seam.subarray(0, kept + start).includes(needle)) return true
      if (piece.includes(needle)) return true
      if (piece.length >= keep) {
        kept = piece.copy(seam, 0, piece.length - keep)
      } else {
        const total = kept + piece.length
        kept = Math.min(keep, total)
        seam.copyWithin(0, total - kept, total)
      }
      return false
    },
    end: () => false
  }
}

/** For other charsets: the decoder keeps a character split across pieces until it is whole. */
const textScanner = (text: string, decoder: ReturnType<typeof decoderFor>): BodyScanner => {
  const keep = text.length - 1
  let tail = ""
  const look = (decoded: string): boolean => {
    // The seam and the piece apart: joining them would copy the whole piece.
    if ((tail + decoded.slice(0, keep)).includes(text) || decoded.includes(text)) return true
    tail = decoded.length >= keep ? decoded.slice(decoded.length - keep) : (tail + decoded).slice(-keep)
    return false
  }
  return {
    push: (piece) => look(decoder.decode(piece, { stream: true })),
    end: () => look(decoder.decode())
  }
}
