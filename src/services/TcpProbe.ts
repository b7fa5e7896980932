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
import * as Ref from "effect/Ref"
import { bounded, classify, describe, ProbeError, type ProbeFailureReason } from "./HttpProbe.js"

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
      const socket = net.connect({ host: url.hostname.replace(/^\[(.*)\]$/, "$1"), port: Number(url.port) })
      socket.once("connect", () => {
        socket.destroy()
        resume(Effect.void)
      })
      socket.once("error", (error: NodeJS.ErrnoException) => {
        const reason = classify(error)
        resume(Effect.fail(new ProbeError({ reason, url: request.url, message: describe(reason, url, error) })))
      })
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
export type ScriptedConnect =
  | { readonly delay?: Duration.DurationInput }
  | { readonly fail: ProbeFailureReason; readonly message?: string; readonly delay?: Duration.DurationInput }

export class TcpProbe extends Context.Tag("superlance/TcpProbe")<TcpProbe, TcpProbeService>() {
  static readonly make = make

  static readonly layer: Layer.Layer<TcpProbe> = Layer.sync(TcpProbe, () => make())

  /**
   * A probe that answers from a script instead of the network, through the same retries and time
   * limit. Read and steer it through `TcpProbeTest`.
   */
  static readonly layerTest: Layer.Layer<TcpProbe | TcpProbeTest> = Layer.effectContext(
    Effect.gen(function*() {
      const requests = yield* Ref.make<ReadonlyArray<TcpRequest>>([])
      const standing = yield* Ref.make<ScriptedConnect>({})
      const byUrl = yield* Ref.make<ReadonlyMap<string, ScriptedConnect>>(new Map())
      const attempt: TcpAttempt = (request) =>
        Effect.gen(function*() {
          yield* Ref.update(requests, (all) => [...all, request])
          const reply = (yield* Ref.get(byUrl)).get(request.url) ?? (yield* Ref.get(standing))
          if (reply.delay !== undefined) yield* Effect.sleep(reply.delay)
          if ("fail" in reply) {
            return yield* new ProbeError({
              reason: reply.fail,
              url: request.url,
              message: reply.message ?? `test probe: ${reply.fail}`
            })
          }
        })
      const control: TcpProbeTest["Type"] = {
        requests: Ref.get(requests),
        respond: (reply) => Ref.set(standing, reply),
        respondAt: (url, reply) => Ref.update(byUrl, (all) => new Map([...all, [url, reply]]))
      }
      return Context.make(TcpProbe, make(attempt)).pipe(Context.add(TcpProbeTest, control))
    })
  )
}

/** The handle on `TcpProbe.layerTest`. */
export class TcpProbeTest extends Context.Tag("superlance/TcpProbeTest")<TcpProbeTest, {
  /** Every attempt made, retries included, in order. */
  readonly requests: Effect.Effect<ReadonlyArray<TcpRequest>>
  /** The reply for every attempt (default: the connection opens). */
  readonly respond: (reply: ScriptedConnect) => Effect.Effect<void>
  /** The reply for every attempt at this URL (before `respond`'s). */
  readonly respondAt: (url: string, reply: ScriptedConnect) => Effect.Effect<void>
}>() {}
