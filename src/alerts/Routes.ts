/**
 * The transports a plugin's options configure, each named: mail, then every `--webhook`, then
 * every `--alertmanager`. The listeners send through them (one queue each, see Delivery.ts) and
 * `test-mail` tries them one by one, so what test-mail checks is exactly what the listeners use.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import type { Alert } from "../domain/Alert.js"
import { type HostStamp, stampRoute } from "./hostname.js"
import { NotifyError, type NotifyErrorReason, oneLine, type Route, type Transport } from "./Transport.js"
import * as Alertmanager from "./transports/Alertmanager.js"
import { describeMail, type MailConfig, mailTransport } from "./transports/mail.js"
import * as Webhook from "./transports/Webhook.js"

/** `--webhook URL`, `--alertmanager URL`: where alerts go besides (or instead of) mail. */
export interface Receivers {
  readonly webhooks: ReadonlyArray<string>
  readonly alertmanagers: ReadonlyArray<string>
}

/** `webhook` alone, `webhook1`, `webhook2`… among several: names of queues and spool files. */
const numbered = (kind: string, index: number, count: number) => (count === 1 ? kind : `${kind}${index + 1}`)

/** With `--hostname`, every route names the host in what it sends, and webhooks and Alertmanager use that name. */
export const routes = (
  mail: MailConfig | undefined,
  receivers: Receivers | undefined,
  host?: HostStamp | undefined
): ReadonlyArray<Route> => {
  const webhooks = receivers?.webhooks ?? []
  const alertmanagers = receivers?.alertmanagers ?? []
  const named = host === undefined ? {} : { host: host.name }
  return [
    ...(mail === undefined ? [] : [{ name: "mail", target: describeMail(mail), send: mailTransport(mail) }]),
    ...webhooks.map((url, i) => ({
      name: numbered("webhook", i, webhooks.length),
      target: `webhook ${Webhook.display({ url })}`,
      send: Webhook.make({ url }, named)
    })),
    ...alertmanagers.map((url, i) => ({
      name: numbered("alertmanager", i, alertmanagers.length),
      target: `Alertmanager ${Alertmanager.display({ url })}`,
      send: Alertmanager.make({ url }, named)
    }))
  ].map(stampRoute(host))
}

/** The name of the one route there is without transports: it only logs. */
export const NO_TRANSPORT = "none"

/** Without a transport, alerts are only logged (at debug level): a route that does just that. */
const nowhere: Route = {
  name: NO_TRANSPORT,
  target: "nowhere",
  send: (alert) => Effect.logDebug(`no alert transport configured; not sent: ${oneLine(alert.subject)}`)
}

/** The configured routes of a listener; never empty (without transports, one that only logs). */
export class Routes extends Context.Tag("superlance/Routes")<Routes, ReadonlyArray<Route>>() {
  static layer(routes: ReadonlyArray<Route>): Layer.Layer<Routes> {
    return Layer.succeed(Routes, routes.length === 0 ? [nowhere] : routes)
  }

  /** One route that records alerts instead of sending them; read and steer it through `RoutesTest`. */
  static readonly layerTest: Layer.Layer<Routes | RoutesTest> = Layer.effectContext(
    Effect.gen(function*() {
      const attempts = yield* Ref.make<ReadonlyArray<Alert>>([])
      const sent = yield* Ref.make<ReadonlyArray<Alert>>([])
      const failures = yield* Ref.make<ReadonlyArray<NotifyError>>([])
      const send: Transport = (alert) =>
        Effect.gen(function*() {
          yield* Ref.update(attempts, (all) => [...all, alert])
          const failure = yield* Ref.modify(failures, ([next, ...rest]) => [next, rest] as const)
          if (failure !== undefined) return yield* failure
          yield* Ref.update(sent, (all) => [...all, alert])
        })
      const control: RoutesTest["Type"] = {
        sent: Ref.get(sent),
        attempts: Ref.get(attempts),
        failNext: (count, reason = "Unreachable") =>
          Ref.update(failures, (queued) => [
            ...queued,
            ...Array.from({ length: count }, () =>
              new NotifyError({ reason, transport: "test", message: `test transport: ${reason}` }))
          ]),
        clear: Effect.all([Ref.set(attempts, []), Ref.set(sent, []), Ref.set(failures, [])], { discard: true })
      }
      return Context.make(Routes, [{ name: "test", target: "test", send }]).pipe(Context.add(RoutesTest, control))
    })
  )
}

/** The handle on `Routes.layerTest`. */
export class RoutesTest extends Context.Tag("superlance/RoutesTest")<RoutesTest, {
  /** Alerts that were delivered, in order. */
  readonly sent: Effect.Effect<ReadonlyArray<Alert>>
  /** Every attempt to send, failed ones included. */
  readonly attempts: Effect.Effect<ReadonlyArray<Alert>>
  /** The next `count` attempts fail with this reason (default `Unreachable`); later ones succeed. */
  readonly failNext: (count: number, reason?: NotifyErrorReason) => Effect.Effect<void>
  readonly clear: Effect.Effect<void>
}>() {}
