/**
 * A real SMTP server (the `smtp-server` package) on a free loopback port, for tests.
 *
 * It records every message it accepts, can be told to refuse, drop or stall at any stage, can be
 * stopped and started again on the same port ("the relay goes away and comes back"), and
 * optionally offers STARTTLS or implicit TLS with a self-signed certificate and requires
 * AUTH PLAIN/LOGIN with a fixed user and password.
 *
 *   const smtp = yield* SmtpFixture.make({ tls: "starttls", auth: SmtpFixture.credentials })
 *   ...send...
 *   const [message] = yield* smtp.waitForMessages(1)
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { Socket } from "node:net"
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from "smtp-server"
import { type ParsedMessage, parseMessage } from "./mailMessage.js"
import { selfSignedCertificate } from "./tls.js"
import { waitForCount } from "./waitForCount.js"

export interface ReceivedMessage extends ParsedMessage {
  /** MAIL FROM of the envelope; "" for the null sender `<>`. */
  readonly envelopeFrom: string
  /** RCPT TO addresses of the envelope, in order. */
  readonly envelopeTo: ReadonlyArray<string>
  /** Whether the session was encrypted (STARTTLS or implicit TLS) when the message arrived. */
  readonly secure: boolean
  /** The user that logged in, when the session authenticated. */
  readonly user: string | undefined
}

/** Where in the SMTP dialogue a fault applies. `data` is the end of the message (after `.`). */
export type Stage = "connect" | "mail" | "rcpt" | "data"

export type Fault =
  /** Answer with this reply code (4xx or 5xx) and text. */
  | { readonly _tag: "Refuse"; readonly at: Stage; readonly code: number; readonly text?: string }
  /** Close the connection without a reply. */
  | { readonly _tag: "Drop"; readonly at: Stage }
  /** Never answer (until the server is stopped): for timeouts. */
  | { readonly _tag: "Stall"; readonly at: Stage }

export interface Credentials {
  readonly user: string
  readonly pass: string
}

export interface Options {
  /**
   * Offer STARTTLS, or speak TLS from the first byte (like port 465). Default: plain text only.
   * `legacy-starttls` offers STARTTLS with TLS 1.0 only, which Node's client refuses: an old relay.
   */
  readonly tls?: "starttls" | "implicit" | "legacy-starttls"
  /** Require AUTH PLAIN/LOGIN with these credentials. Default: no AUTH. */
  readonly auth?: Credentials
  /** Listen on this port instead of a free one. */
  readonly port?: number
}

export interface SmtpFixture {
  readonly host: "127.0.0.1"
  readonly port: number
  /** Messages accepted so far, in arrival order. */
  readonly messages: () => ReadonlyArray<ReceivedMessage>
  /** Connections accepted so far (including refused or dropped ones). */
  readonly connections: () => number
  /** Connections open right now. */
  readonly openConnections: () => number
  /** Failed logins so far. */
  readonly failedLogins: () => number
  /** Applies the fault to the next `times` matching stages (default: until `recover`). */
  readonly fail: (fault: Fault, times?: number) => void
  /** Back to accepting everything. */
  readonly recover: () => void
  /** Forgets the messages and counters. */
  readonly clear: () => void
  /** Stops listening and closes every open connection; messages are kept. */
  readonly stop: Effect.Effect<void>
  /** Listens again on the same port. */
  readonly start: Effect.Effect<void>
  /** All messages once at least `count` have arrived; fails after `timeout` (default 5 s). */
  readonly waitForMessages: (
    count: number,
    timeout?: Duration.DurationInput
  ) => Effect.Effect<ReadonlyArray<ReceivedMessage>, Error>
}

/** A fixed user and password for AUTH tests. */
export const credentials: Credentials = { user: "alerts", pass: "correct horse" }

const replyError = (code: number, text: string) => Object.assign(new Error(text), { responseCode: code })

/** The Promise-level server; `make` wraps it in a scope. */
export const start = async (options: Options = {}): Promise<SmtpFixture & { readonly close: () => Promise<void> }> => {
  const messages: Array<ReceivedMessage> = []
  const sockets = new Map<number, Socket>()
  const waiters = new Set<() => void>()
  let connections = 0
  let failedLogins = 0
  let fault: { readonly fault: Fault; remaining: number } | undefined
  let server: SMTPServer | undefined
  let port = options.port ?? 0

  /** Runs the callback unless a fault for this stage applies. */
  const at = (stage: Stage, session: SMTPServerSession, callback: (error?: Error | null) => void, go: () => void) => {
    if (fault === undefined || fault.fault.at !== stage) return go()
    const current = fault.fault
    if (--fault.remaining <= 0) fault = undefined
    switch (current._tag) {
      case "Refuse":
        return callback(replyError(current.code, current.text ?? "Refused by the test server"))
      case "Drop":
        return sockets.get(session.remotePort)?.destroy()
      case "Stall":
        return
    }
  }

  const tls = options.tls === undefined ? {} : selfSignedCertificate()
  const legacy = options.tls === "legacy-starttls"
    ? { minVersion: "TLSv1", maxVersion: "TLSv1", ciphers: "DEFAULT@SECLEVEL=0" } as const
    : {}
  const auth = options.auth
  const serverOptions: SMTPServerOptions = {
    ...tls,
    ...legacy,
    secure: options.tls === "implicit",
    // Disabled, not just hidden: smtp-server would otherwise upgrade with its built-in certificate.
    disabledCommands: [...(options.tls === "starttls" || options.tls === "legacy-starttls" ? [] : ["STARTTLS"]), ...(auth === undefined ? ["AUTH"] : [])],
    authMethods: ["PLAIN", "LOGIN"],
    authOptional: auth === undefined,
    // Lets a test log in over plain text too; real relays usually insist on TLS first.
    allowInsecureAuth: true,
    disableReverseLookup: true,
    logger: false,
    closeTimeout: 100,
    onConnect: (session, callback) => at("connect", session, callback, () => callback()),
    onAuth: (login, _session, callback) => {
      if (auth !== undefined && login.username === auth.user && login.password === auth.pass) {
        return callback(null, { user: login.username })
      }
      failedLogins++
      return callback(replyError(535, "5.7.8 Authentication credentials invalid"))
    },
    onMailFrom: (_address, session, callback) => at("mail", session, callback, () => callback()),
    onRcptTo: (_address, session, callback) => at("rcpt", session, callback, () => callback()),
    onData: (stream, session, callback) => {
      const chunks: Array<Buffer> = []
      stream.on("data", (chunk: Buffer) => chunks.push(chunk))
      stream.on("end", () =>
        at("data", session, callback, () => {
          const raw = Buffer.concat(chunks).toString("utf8")
          const mailFrom = session.envelope.mailFrom
          messages.push({
            ...parseMessage(raw),
            envelopeFrom: mailFrom === false ? "" : mailFrom.address,
            envelopeTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            secure: session.secure,
            user: typeof session.user === "string" ? session.user : undefined
          })
          callback()
          for (const wake of [...waiters]) wake()
        }))
    }
  }

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const next = new SMTPServer(serverOptions)
      next.server.on("connection", (socket: Socket) => {
        connections++
        const remotePort = socket.remotePort
        if (remotePort === undefined) return
        sockets.set(remotePort, socket)
        socket.on("close", () => sockets.delete(remotePort))
      })
      next.on("error", () => {}) // a client hanging up mid-dialogue is part of what tests do
      next.server.once("error", reject)
      next.listen(port, "127.0.0.1", () => {
        next.server.off("error", reject)
        const address = next.server.address()
        if (address !== null && typeof address === "object") port = address.port
        server = next
        resolve()
      })
    })

  const close = () =>
    new Promise<void>((resolve) => {
      const current = server
      server = undefined
      if (current === undefined) return resolve()
      current.close(() => resolve())
      for (const socket of sockets.values()) socket.destroy()
    })

  const waitForMessages = (count: number, timeout: Duration.DurationInput = "5 seconds") =>
    waitForCount(messages, waiters, count, timeout, "message(s) at the test SMTP server")

  await listen()
  return {
    host: "127.0.0.1",
    get port() {
      return port
    },
    messages: () => [...messages],
    connections: () => connections,
    openConnections: () => sockets.size,
    failedLogins: () => failedLogins,
    fail: (next, times = Infinity) => {
      fault = { fault: next, remaining: times }
    },
    recover: () => {
      fault = undefined
    },
    clear: () => {
      messages.length = 0
      connections = 0
      failedLogins = 0
    },
    stop: Effect.promise(close),
    start: Effect.promise(() => server === undefined ? listen() : Promise.resolve()),
    waitForMessages,
    close
  }
}

/** A test SMTP server for the scope's lifetime. */
export const make = (options: Options = {}): Effect.Effect<SmtpFixture, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => start(options)),
    (fixture) => Effect.promise(fixture.close)
  )
