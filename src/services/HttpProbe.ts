/**
 * httpok's health check: one GET of a URL, bounded in time, with a typed outcome.
 *
 * Over node:net / node:tls directly rather than @effect/platform's HttpClient (or node:http): a
 * probe needs what a client would hide (a fresh connection per check, the raw error codes that
 * say refused / DNS / TLS / reset), and it never holds the body: the body is read to its end
 * and discarded, or scanned for the `find` text, in one reused buffer, so a huge or endless
 * health page costs no memory.
 */
import * as net from "node:net"
import * as tls from "node:tls"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { bounded, ProbeError, type Scripted, type ScriptControl, script, socketError, socketHost } from "./Probe.js"

// The probe's error and the backoff of refused connections, shared with TcpProbe (see Probe.ts).
export { ProbeError, type ProbeFailureReason, refusedBackoff } from "./Probe.js"

export interface ProbeRequest {
  /** An http or https URL. */
  readonly url: string
  /** The whole attempt, retries of refused connections and reading the body included. */
  readonly timeout: Duration.DurationInput
  /** Verify the server's certificate (off by default, as the original). */
  readonly verifyTls?: boolean | undefined
  /** Text to look for in the body (httpok's `-b`); reading stops as soon as it is found. */
  readonly find?: string | undefined
}

export interface ProbeResponse {
  readonly status: number
  /** The reason phrase as the server sent it, e.g. `Internal Server Error`. */
  readonly reason: string
  /**
   * Whether the body contains the request's `find` text, decoded with the charset the server
   * named (UTF-8 when it named none); absent when the request has no `find`.
   */
  readonly found?: boolean
}

/** One GET, no retry, no time limit of its own. */
export type Attempt = (request: ProbeRequest) => Effect.Effect<ProbeResponse, ProbeError>

export const USER_AGENT = "httpok"

// ---------------------------------------------------------------------------
// An HTTP/1.1 response, read from bytes as they arrive

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


// ---------------------------------------------------------------------------
// One attempt over node:net / node:tls

const decodedOr = (text: string): string => {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/** The request, as node:http would send it for this URL with `agent: false`. */
const requestHead = (url: URL): string => {
  const credentials = url.username !== "" || url.password !== ""
    ? `Authorization: Basic ${
      Buffer.from(`${decodedOr(url.username)}:${decodedOr(url.password)}`).toString("base64")
    }\r\n`
    : ""
  return `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUser-Agent: ${USER_AGENT}\r\n${credentials}Connection: close\r\n\r\n`
}

/** Bytes read at a time, into one buffer per attempt. */
const READ_SIZE = 64 * 1024

const connect = (url: URL, request: ProbeRequest, onread: net.OnReadOpts): net.Socket => {
  const host = socketHost(url)
  const secure = url.protocol === "https:"
  const port = url.port === "" ? (secure ? 443 : 80) : Number(url.port)
  if (!secure) return net.connect({ host, port, onread })
  const options: tls.ConnectionOptions & net.ConnectOpts = {
    host,
    port,
    rejectUnauthorized: request.verifyTls === true,
    onread,
    ...(net.isIP(host) === 0 ? { servername: host } : {})
  }
  return tls.connect(options)
}

/**
 * A GET over a connection of its own (never a kept-alive one that could hide a hung server).
 * Over node:net / node:tls rather than node:http, which allocates a buffer for every read and
 * copies every piece of the body: at loopback speed that garbage outruns the collector by
 * ~60 MB. Here every read lands in one buffer (`onread`) and is used before the next.
 */
export const nodeAttempt: Attempt = (request) =>
  Effect.suspend(() => {
    if (!URL.canParse(request.url)) {
      return Effect.fail(new ProbeError({ reason: "Other", url: request.url, message: "not a valid URL" }))
    }
    const url = new URL(request.url)
    const find = request.find
    return Effect.async<ProbeResponse, ProbeError>((resume) => {
      let settled = false
      const settle = (result: Effect.Effect<ProbeResponse, ProbeError>) => {
        if (settled) return
        settled = true
        resume(result)
        socket.destroy()
      }
      const fail = (error: NodeJS.ErrnoException) => settle(Effect.fail(socketError(request.url, url, error)))
      let head: ResponseHead | undefined
      let scanner: BodyScanner | undefined
      let found = false
      const answer = (response: ResponseHead) =>
        settle(Effect.succeed({
          status: response.status,
          reason: response.reason,
          ...(find === undefined ? {} : { found })
        }))
      const reader = new ResponseReader(
        (response) => {
          head = response
          if (find !== undefined) scanner = bodyScanner(find, response.headers.get("content-type"))
        },
        (piece) => {
          if (scanner !== undefined && !found) found = scanner.push(piece)
        }
      )
      const complete = () => {
        if (head === undefined) return
        if (scanner !== undefined && !found) found = scanner.end()
        answer(head)
      }
      const socket = connect(url, request, {
        buffer: Buffer.allocUnsafe(READ_SIZE),
        callback: (size, buffer) => {
          const state = reader.push(Buffer.from(buffer.buffer, buffer.byteOffset, size))
          if (typeof state === "object") {
            const message = `${url.host} did not answer in HTTP: ${state.problem}`
            settle(Effect.fail(new ProbeError({ reason: "Protocol", url: request.url, message })))
          } else if (state === "done") {
            complete()
          } else if (found && head !== undefined) {
            // The rest of the body cannot change the verdict.
            answer(head)
          }
          return !settled
        }
      })
      socket.on("error", fail)
      socket.on("close", () => {
        if (reader.end()) complete()
        else fail(Object.assign(new Error("connection closed mid-response"), { code: "ECONNRESET" }))
      })
      socket.write(requestHead(url))
      return Effect.sync(() => {
        settled = true
        socket.destroy()
      })
    })
  })

// ---------------------------------------------------------------------------
// The service

export interface HttpProbeService {
  /** GETs the URL with `User-Agent: httpok`, without following redirects. */
  readonly get: (request: ProbeRequest) => Effect.Effect<ProbeResponse, ProbeError>
}

/** A probe over `attempt` (node:net / node:tls by default), with the retries and the time limit. */
export const make = (attempt: Attempt = nodeAttempt): HttpProbeService => ({
  get: bounded(attempt, "complete response")
})

/** What a test probe answers: status default 200, reason default OK. */
export interface ScriptedResponse extends Partial<Pick<ProbeResponse, "status" | "reason">> {
  /** Searched for the request's `find` text. */
  readonly body?: string
}

/** The reply a test probe gives: a response, or a failure. */
export type ScriptedReply = Scripted<ScriptedResponse>

export class HttpProbe extends Context.Tag("superlance/HttpProbe")<HttpProbe, HttpProbeService>() {
  static readonly make = make

  static readonly layer: Layer.Layer<HttpProbe> = Layer.sync(HttpProbe, () => make())

  /**
   * A probe that answers from a script instead of the network, through the same retries and time
   * limit (so a `delay` longer than the timeout is a Timeout on the TestClock). Read and steer it
   * through `HttpProbeTest`.
   */
  static readonly layerTest: Layer.Layer<HttpProbe | HttpProbeTest> = Layer.effectContext(
    Effect.gen(function*() {
      const { control, reply } = yield* script<ProbeRequest, ScriptedResponse>({})
      const attempt: Attempt = (request) =>
        Effect.map(reply(request), ({ body = "", reason = "OK", status = 200 }) =>
          request.find === undefined ? { status, reason } : { status, reason, found: body.includes(request.find) })
      return Context.make(HttpProbe, make(attempt)).pipe(Context.add(HttpProbeTest, control))
    })
  )
}

/** The handle on `HttpProbe.layerTest`; without a reply given, every attempt answers 200 OK, empty body. */
export class HttpProbeTest extends Context.Tag("superlance/HttpProbeTest")<
  HttpProbeTest,
  ScriptControl<ProbeRequest, ScriptedReply>
>() {}
