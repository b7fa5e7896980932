/**
 * supervisord's XML-RPC interface as a service. The transport is node:http (already loaded by
 * Node, so it costs the CLI no start-up time), over a UNIX socket or TCP, with a keep-alive
 * agent so that a listener calling on every tick reuses one connection.
 */
import * as http from "node:http"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { ProcessInfo } from "../domain/ProcessInfo.js"
import { RpcFault, RpcTransportError, type SupervisorError } from "./SupervisorError.js"
import { decodeMethodResponse, encodeMethodCall, type XmlRpcValue } from "./XmlRpc.js"

export { RpcFault, RpcTransportError, type SupervisorError } from "./SupervisorError.js"

export interface SupervisorState {
  readonly statecode: number
  readonly statename: string
}

/** `[data, newOffset, overflow]`, as supervisord returns a log tail. */
export type LogTail = readonly [string, number, boolean]

export interface SupervisorService {
  readonly getAllProcessInfo: Effect.Effect<ReadonlyArray<ProcessInfo>, SupervisorError>
  readonly getProcessInfo: (namespec: string) => Effect.Effect<ProcessInfo, SupervisorError>
  /** `wait` (default true): answer once the process has stopped. */
  readonly stopProcess: (namespec: string, wait?: boolean) => Effect.Effect<boolean, SupervisorError>
  /** `wait` (default true): answer once the process is RUNNING (or has failed to start). */
  readonly startProcess: (namespec: string, wait?: boolean) => Effect.Effect<boolean, SupervisorError>
  readonly signalProcess: (namespec: string, signal: string) => Effect.Effect<boolean, SupervisorError>
  readonly getState: Effect.Effect<SupervisorState, SupervisorError>
  /** `offset` and `length` count bytes. */
  readonly tailProcessStderrLog: (namespec: string, offset: number, length: number) => Effect.Effect<LogTail, SupervisorError>
  readonly tailProcessStdoutLog: (namespec: string, offset: number, length: number) => Effect.Effect<LogTail, SupervisorError>
}

export interface SupervisorConfig {
  /** `unix:///path/to/supervisor.sock` or `http://host:port[/path]` (path defaults to `/RPC2`). */
  readonly url: string
  readonly username?: string | undefined
  readonly password?: string | Redacted.Redacted<string> | undefined
  /** Per call; default 60 s. A waiting stop/start takes up to the program's stopwaitsecs/startsecs. */
  readonly timeout?: Duration.DurationInput | undefined
}

const DEFAULT_TIMEOUT = Duration.seconds(60)

// ---------------------------------------------------------------------------
// Where to send requests

interface Target {
  /** The URL as shown in messages, without credentials. */
  readonly display: string
  readonly request: http.RequestOptions
  readonly headers: http.OutgoingHttpHeaders
}

const badUrl = (url: string, detail: string) => new RpcTransportError({ reason: "BadUrl", url, detail })

/** As supervisor's own client: `unix://` followed by the socket path, or an http URL. */
export const parseServerUrl = (url: string): Either.Either<Target, RpcTransportError> => {
  if (url.startsWith("unix://")) {
    const socketPath = url.slice("unix://".length)
    if (socketPath === "") return Either.left(badUrl(url, ": no socket path"))
    return Either.right({ display: url, request: { socketPath, path: "/RPC2" }, headers: { Host: "localhost" } })
  }
  if (!URL.canParse(url)) return Either.left(badUrl(url, ": not a URL"))
  const parsed = new URL(url)
  if (parsed.protocol !== "http:") {
    return Either.left(badUrl(url, ": only unix:// and http:// URLs are supported"))
  }
  parsed.username = ""
  parsed.password = ""
  const path = parsed.pathname === "" || parsed.pathname === "/" ? "/RPC2" : parsed.pathname + parsed.search
  return Either.right({
    display: parsed.href,
    request: { host: parsed.hostname.replace(/^\[|\]$/g, ""), port: Number(parsed.port || 80), path },
    headers: {}
  })
}

// ---------------------------------------------------------------------------
// One request

const networkReason = (err: NodeJS.ErrnoException, unix: boolean): RpcTransportError["reason"] => {
  switch (err.code) {
    case "ENOENT":
      return unix ? "SocketMissing" : "ConnectionFailed"
    case "ECONNREFUSED":
      return "Refused"
    case "EACCES":
    case "EPERM":
      return "PermissionDenied"
    default:
      return "ConnectionFailed"
  }
}

/** A kept-alive socket the server closed meanwhile: safe to resend once, nothing was processed. */
const isStaleSocket = (req: http.ClientRequest, err: NodeJS.ErrnoException): boolean =>
  req.reusedSocket && (err.code === "ECONNRESET" || err.code === "EPIPE")

const post = (
  target: Target,
  agent: http.Agent,
  authorization: string | undefined,
  method: string,
  body: Buffer
): Effect.Effect<string, RpcTransportError> =>
  Effect.async<string, RpcTransportError>((resume) => {
    const unix = target.request.socketPath !== undefined
    let settled = false
    const settle = (result: Effect.Effect<string, RpcTransportError>) => {
      if (settled) return
      settled = true
      resume(result)
    }
    const fail = (fields: Omit<ConstructorParameters<typeof RpcTransportError>[0], "url" | "method">) =>
      settle(Effect.fail(new RpcTransportError({ url: target.display, method, ...fields })))

    const send = (isRetry: boolean): http.ClientRequest => {
      const headers: http.OutgoingHttpHeaders = {
        ...target.headers,
        "Content-Type": "text/xml",
        "Content-Length": body.length
      }
      if (authorization !== undefined) headers["Authorization"] = authorization
      const req = http.request({ ...target.request, method: "POST", agent, headers })
      req.on("response", (res) => {
        const status = res.statusCode ?? 0
        if (status !== 200) {
          res.resume()
          return fail(
            status === 401
              ? { reason: "Unauthorized", status }
              : { reason: "HttpStatus", status, detail: res.statusMessage ?? "" }
          )
        }
        const chunks: Array<Buffer> = []
        res.on("data", (chunk: Buffer) => chunks.push(chunk))
        res.on("end", () => settle(Effect.succeed(Buffer.concat(chunks).toString("utf8"))))
        res.on("error", (cause) => fail({ reason: "ConnectionFailed", detail: cause.message, cause }))
        res.on("close", () => {
          if (!res.complete) fail({ reason: "ConnectionFailed", detail: "the connection closed mid-answer" })
        })
      })
      req.on("error", (err: NodeJS.ErrnoException) => {
        if (!isRetry && !settled && isStaleSocket(req, err)) {
          current = send(true)
          return
        }
        fail({ reason: networkReason(err, unix), detail: err.message, cause: err })
      })
      req.end(body)
      return req
    }
    let current = send(false)
    return Effect.sync(() => {
      settled = true
      current.destroy()
    })
  })

const firstIssue = (error: ParseResult.ParseError): string => {
  const issue = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
  if (issue === undefined) return error.message
  return issue.path.length === 0 ? issue.message : `${issue.path.join(".")}: ${issue.message}`
}

// ---------------------------------------------------------------------------
// The service

/** Builds a client; the keep-alive connection is closed when the scope closes. */
export const make = (config: SupervisorConfig): Effect.Effect<SupervisorService, RpcTransportError, Scope.Scope> =>
  Effect.gen(function*() {
    const target = yield* parseServerUrl(config.url)
    const timeout = config.timeout === undefined ? DEFAULT_TIMEOUT : Duration.decode(config.timeout)
    const password = config.password === undefined
      ? ""
      : Redacted.isRedacted(config.password)
      ? Redacted.value(config.password)
      : config.password
    const authorization = config.username === undefined || config.username === ""
      ? undefined
      : `Basic ${Buffer.from(`${config.username}:${password}`).toString("base64")}`
    const agent = yield* Effect.acquireRelease(
      Effect.sync(() => new http.Agent({ keepAlive: true })),
      (agent) => Effect.sync(() => agent.destroy())
    )

    const call = <A, I>(
      method: string,
      params: ReadonlyArray<XmlRpcValue>,
      schema: Schema.Schema<A, I>
    ): Effect.Effect<A, SupervisorError> => {
      const transportError = (fields: { reason: RpcTransportError["reason"]; detail: string }) =>
        new RpcTransportError({ url: target.display, method, ...fields })
      const decodeResult = Schema.decodeUnknownEither(schema)
      return Effect.suspend(() =>
        post(target, agent, authorization, method, Buffer.from(encodeMethodCall(method, params), "utf8"))
      ).pipe(
        Effect.timeoutFail({
          duration: timeout,
          onTimeout: () => transportError({ reason: "Timeout", detail: `no answer within ${Duration.format(timeout)}` })
        }),
        Effect.flatMap((xml): Effect.Effect<A, SupervisorError> => {
          const response = decodeMethodResponse(xml)
          if (Either.isLeft(response)) {
            return Effect.fail(transportError({ reason: "BadResponse", detail: response.left.message }))
          }
          if (response.right._tag === "Fault") {
            return Effect.fail(RpcFault.fromFault(response.right.faultCode, response.right.faultString))
          }
          const decoded = decodeResult(response.right.value)
          return Either.isRight(decoded)
            ? Effect.succeed(decoded.right)
            : Effect.fail(transportError({ reason: "BadResponse", detail: firstIssue(decoded.left) }))
        })
      )
    }

    const ProcessInfos = Schema.Array(ProcessInfo)
    const State = Schema.Struct({ statecode: Schema.Int, statename: Schema.String })
    const Tail = Schema.Tuple(Schema.String, Schema.Int, Schema.Boolean)

    return {
      getAllProcessInfo: call("supervisor.getAllProcessInfo", [], ProcessInfos),
      getProcessInfo: (namespec) => call("supervisor.getProcessInfo", [namespec], ProcessInfo),
      stopProcess: (namespec, wait = true) => call("supervisor.stopProcess", [namespec, wait], Schema.Boolean),
      startProcess: (namespec, wait = true) => call("supervisor.startProcess", [namespec, wait], Schema.Boolean),
      signalProcess: (namespec, signal) => call("supervisor.signalProcess", [namespec, signal], Schema.Boolean),
      getState: call("supervisor.getState", [], State),
      tailProcessStderrLog: (namespec, offset, length) =>
        call("supervisor.tailProcessStderrLog", [namespec, offset, length], Tail),
      tailProcessStdoutLog: (namespec, offset, length) =>
        call("supervisor.tailProcessStdoutLog", [namespec, offset, length], Tail)
    } satisfies SupervisorService
  })

/** The environment supervisord gives a listener, plus the credentials operators add with `environment=`. */
const envConfig = Config.all({
  url: Config.string("SUPERVISOR_SERVER_URL"),
  username: Config.option(Config.string("SUPERVISOR_USERNAME")),
  password: Config.option(Config.redacted("SUPERVISOR_PASSWORD"))
})

export class Supervisor extends Context.Tag("superlance/Supervisor")<Supervisor, SupervisorService>() {
  static readonly make = make

  static readonly layer = (config: SupervisorConfig): Layer.Layer<Supervisor, RpcTransportError> =>
    Layer.scoped(Supervisor, make(config))

  /** From SUPERVISOR_SERVER_URL, SUPERVISOR_USERNAME, SUPERVISOR_PASSWORD; a missing or unusable URL is a ConfigError. */
  static readonly layerFromEnv: Layer.Layer<Supervisor, ConfigError.ConfigError> = Layer.scoped(
    Supervisor,
    Effect.gen(function*() {
      const env = yield* envConfig
      return yield* make({
        url: env.url,
        username: Option.getOrUndefined(env.username),
        password: Option.getOrUndefined(env.password)
      }).pipe(
        Effect.catchTag("RpcTransportError", (error) =>
          Effect.fail(ConfigError.InvalidData(["SUPERVISOR_SERVER_URL"], error.message)))
      )
    })
  )
}
