/**
 * The demo's SMTP server: accepts every message and hands its recipients, subject and text to a
 * callback, so the terminal shows each alert as it arrives.
 *
 * A few lines on node:net rather than an SMTP server package: the demo needs only what
 * nodemailer says to a plain-text relay (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), and the
 * CLI bundle stays free of a server it only needs here.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { createServer, type Socket } from "node:net"

export interface ReceivedMail {
  readonly to: ReadonlyArray<string>
  readonly subject: string
  readonly text: string
}

/** Enough MIME for what nodemailer writes here: 7bit or quoted-printable single-part text. */
const readMessage = (raw: string): { subject: string; text: string } => {
  const split = raw.search(/\r?\n\r?\n/)
  const head = raw.slice(0, split).replace(/\r?\n[ \t]+/g, " ")
  const body = raw.slice(split).trim()
  const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, "im").exec(head)?.[1] ?? ""
  const quotedPrintable = /quoted-printable/i.test(header("Content-Transfer-Encoding"))
  const text = quotedPrintable
    ? Buffer.from(
      body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
      "latin1"
    ).toString("utf8")
    : body
  return { subject: header("Subject"), text }
}

/** One client's dialogue: commands line by line, then the message until a lone ".". */
const serve = (socket: Socket, onMail: (mail: ReceivedMail) => void) => {
  let to: Array<string> = []
  let data: Array<string> | undefined
  let pending = ""
  const reply = (line: string) => socket.write(`${line}\r\n`)

  const command = (line: string) => {
    const verb = line.slice(0, 4).toUpperCase()
    if (verb === "EHLO" || verb === "HELO") return reply("250 superlance-demo")
    if (verb === "MAIL") {
      to = []
      return reply("250 OK")
    }
    if (verb === "RCPT") {
      to.push(/<([^>]*)>/.exec(line)?.[1] ?? line.slice(8).trim())
      return reply("250 OK")
    }
    if (verb === "DATA") {
      if (to.length === 0) return reply("503 RCPT first")
      data = []
      return reply("354 end with <CRLF>.<CRLF>")
    }
    if (verb === "RSET") {
      to = []
      return reply("250 OK")
    }
    if (verb === "NOOP") return reply("250 OK")
    if (verb === "QUIT") {
      reply("221 bye")
      return socket.end()
    }
    return reply("502 not implemented")
  }

  const messageLine = (lines: Array<string>, line: string) => {
    if (line === ".") {
      data = undefined
      onMail({ to, ...readMessage(lines.join("\n")) }) // local line endings, for the terminal
      to = []
      reply("250 OK: queued")
    } else {
      lines.push(line.startsWith(".") ? line.slice(1) : line) // dot-unstuffing
    }
  }

  socket.setEncoding("utf8")
  socket.on("error", () => {}) // a client hanging up is its business
  socket.on("data", (chunk: string) => {
    pending += chunk
    for (let end = pending.indexOf("\r\n"); end >= 0; end = pending.indexOf("\r\n")) {
      const line = pending.slice(0, end)
      pending = pending.slice(end + 2)
      if (data === undefined) command(line)
      else messageLine(data, line)
    }
  })
  reply("220 superlance-demo ESMTP")
}

export const make = (onMail: (mail: ReceivedMail) => void): Effect.Effect<{ readonly port: number }, Error, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ readonly port: number; readonly close: () => Promise<void> }, Error>((resume) => {
      const sockets = new Set<Socket>()
      const server = createServer((socket) => {
        sockets.add(socket)
        socket.on("close", () => sockets.delete(socket))
        serve(socket, onMail)
      })
      const close = () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve())
          for (const socket of sockets) socket.destroy()
        })
      server.once("error", (error) => resume(Effect.fail(new Error(`cannot start the demo's mail server: ${error.message}`))))
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        resume(Effect.succeed({ port: typeof address === "object" && address !== null ? address.port : 0, close }))
      })
    }),
    (sink) => Effect.promise(sink.close)
  ).pipe(Effect.map(({ port }) => ({ port })))
