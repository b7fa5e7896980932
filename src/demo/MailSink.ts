/**
 * The demo's SMTP server: accepts every message and hands its subject and text to a callback,
 * so the terminal shows each alert as it arrives.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { AddressInfo } from "node:net"

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

export const make = (onMail: (mail: ReceivedMail) => void): Effect.Effect<{ readonly port: number }, Error, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const { SMTPServer } = await import("smtp-server")
        const server = new SMTPServer({
          authOptional: true,
          disabledCommands: ["STARTTLS"],
          logger: false,
          onData(stream, session, callback) {
            const chunks: Array<Buffer> = []
            stream.on("data", (chunk: Buffer) => chunks.push(chunk))
            stream.on("end", () => {
              const to = session.envelope.rcptTo.map((rcpt) => rcpt.address)
              onMail({ to, ...readMessage(Buffer.concat(chunks).toString("utf8")) })
              callback()
            })
          }
        })
        await new Promise<void>((resolve, reject) => {
          server.once("error", reject)
          server.listen(0, "127.0.0.1", () => resolve())
        })
        return server
      },
      catch: (error) => new Error(`cannot start the demo's mail server: ${String(error)}`)
    }),
    (server) => Effect.promise(() => new Promise<void>((resolve) => server.close(() => resolve())))
  ).pipe(Effect.map((server) => ({ port: (server.server.address() as AddressInfo).port })))
