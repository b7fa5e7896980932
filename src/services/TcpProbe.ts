/**
 * httpok's TCP check (`tcp://HOST:PORT`): does a connection open within the time limit? The
 * connection is closed as soon as it opens; nothing is sent. A refused connection is retried
 * until the time is spent, as the HTTP probe does (a service being restarted refuses for a
 * moment), and a failure has the same reasons and messages as the HTTP probe's.
 */
import * as net from "node:net"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import {
  bounded,
  ProbeError,
  refusedSelf,
  type Scripted,
  type ScriptControl,
  script,
  selfConnected,
  socketError,
  socketHost
} from "./Probe.js"

export interface TcpRequest {
  /** `tcp://HOST:PORT`. */
  readonly url: string
  /** The whole attempt, retries of refused connections included. */
  readonly timeout: Duration.DurationInput
}

/** One connection attempt, no retry, no time limit of its own. */
export type TcpAttempt = (request: TcpRequest) => Effect.Effect<void, ProbeError>

export const nodeTcpAttempt: TcpAttempt = (request) =>
  Effect.suspend(() => {
    const url = URL.canParse(request.url) ? new URL(request.url) : undefined
    if (url === undefined || url.hostname === "" || url.port === "") {
      return Effect.fail(new ProbeError({ reason: "Other", url: request.url, message: "not tcp://HOST:PORT" }))
    }
    return Effect.async<void, ProbeError>((resume) => {
      const socket = net.connect({ host: socketHost(url), port: Number(url.port) })
      socket.once("connect", () => {
        const itself = selfConnected(socket)
        socket.destroy()
        resume(itself ? Effect.fail(socketError(request.url, url, refusedSelf())) : Effect.void)
      })
      socket.once("error", (error: NodeJS.ErrnoException) => resume(Effect.fail(socketError(request.url, url, error))))
      return Effect.sync(() => socket.destroy())
    })
  })

export interface TcpProbeService {
  /** Succeeds once a connection to the URL's host and port has opened (and been closed again). */
  readonly connect: (request: TcpRequest) => Effect.Effect<void, ProbeError>
}

/** A probe over `attempt` (node:net by default), with the retries and the time limit. */
export const make = (attempt: TcpAttempt = nodeTcpAttempt): TcpProbeService => ({
  connect: bounded(attempt, "connection")
})

/** The reply a test probe gives: the connection opens (`{}`), or fails, after an optional delay. */
export type ScriptedConnect = Scripted<object>

export class TcpProbe extends Context.Tag("superlance/TcpProbe")<TcpProbe, TcpProbeService>() {
  static readonly make = make

  static readonly layer: Layer.Layer<TcpProbe> = Layer.sync(TcpProbe, () => make())

  /**
   * A probe that answers from a script instead of the network, through the same retries and time
   * limit. Read and steer it through `TcpProbeTest`.
   */
  static readonly layerTest: Layer.Layer<TcpProbe | TcpProbeTest> = Layer.effectContext(
    Effect.gen(function*() {
      const { control, reply } = yield* script<TcpRequest, object>({})
      const attempt: TcpAttempt = (request) => Effect.asVoid(reply(request))
      return Context.make(TcpProbe, make(attempt)).pipe(Context.add(TcpProbeTest, control))
    })
  )
}

/** The handle on `TcpProbe.layerTest`; without a reply given, every connection opens. */
export class TcpProbeTest extends Context.Tag("superlance/TcpProbeTest")<
  TcpProbeTest,
  ScriptControl<TcpRequest, ScriptedConnect>
>() {}
