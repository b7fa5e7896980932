/**
 * The one place every plugin sends an alert through. A plugin says what happened (an `Alert`);
 * the configured transports (mail, webhooks, Alertmanager) decide how it travels.
 * One attempt per alert: queueing and retrying build on top of this service.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import { type Alert, NotifyError, type NotifyErrorReason, oneLine, type Transport } from "./Alert.js"
import * as Sendmail from "./mail/Sendmail.js"
import * as Smtp from "./mail/Smtp.js"

export { type Alert, NotifyError, type NotifyErrorReason, type Transport } from "./Alert.js"

/** How mail travels: the sendmail command, or an SMTP server. */
export type MailConfig = Sendmail.SendmailConfig | Smtp.SmtpConfig

/** Transport for a mail configuration. */
export const mailTransport = (config: MailConfig): Transport =>
  config._tag === "Sendmail" ? Sendmail.make(config) : Smtp.make(config)

/**
 * Sends to every transport at once. When some fail, the first failure is reported (the others
 * are logged), so a caller that retries sends again to all of them.
 */
const fanOut = (transports: ReadonlyArray<Transport>): Transport => (alert) =>
  Effect.forEach(transports, (transport) => Effect.either(transport(alert)), { concurrency: "unbounded" }).pipe(
    Effect.flatMap((results) => {
      const failures = results.flatMap((result) => result._tag === "Left" ? [result.left] : [])
      const [first, ...others] = failures
      if (first === undefined) return Effect.void
      return Effect.forEach(others, (error) => Effect.logWarning(error.message), { discard: true }).pipe(
        Effect.zipRight(Effect.fail(first))
      )
    })
  )

/**
 * One configured transport, named. Queues retry each route on its own, so a receiver that is
 * down is retried without sending the alert again through the ones that took it.
 */
export interface Route {
  /** Short and stable, e.g. `mail`, `webhook2`: names the route's queue in logs and spool files. */
  readonly name: string
  /** Where alerts go, for people: `SMTP 127.0.0.1:25 to ops@example.com`. */
  readonly target: string
  readonly send: Transport
}

/** The name of the one route of a Notifier without transports: it only logs. */
export const NO_TRANSPORT = "none"

export class Notifier extends Context.Tag("superlance/Notifier")<Notifier, {
  /** One attempt through every configured transport. */
  readonly notify: (alert: Alert) => Effect.Effect<void, NotifyError>
  /** The transports one by one (never empty: without transports, one route that only logs). */
  readonly routes: ReadonlyArray<Route>
}>() {
  /** A notifier over these transports; with none, alerts are only logged at debug level. */
  static make(transports: ReadonlyArray<Transport>): Notifier["Type"] {
    return Notifier.fromRoutes(
      transports.map((send, i) => ({ name: `transport${i + 1}`, target: `transport ${i + 1}`, send }))
    )
  }

  static fromRoutes(routes: ReadonlyArray<Route>): Notifier["Type"] {
    const [only, ...more] = routes
    if (only === undefined) {
      const none: Transport = (alert) =>
        Effect.logDebug(`no alert transport configured; not sent: ${oneLine(alert.subject)}`)
      return { notify: none, routes: [{ name: NO_TRANSPORT, target: "nowhere", send: none }] }
    }
    return { notify: more.length === 0 ? only.send : fanOut(routes.map((route) => route.send)), routes }
  }

  static layer(transports: ReadonlyArray<Transport>): Layer.Layer<Notifier> {
    return Layer.succeed(Notifier, Notifier.make(transports))
  }

  static layerRoutes(routes: ReadonlyArray<Route>): Layer.Layer<Notifier> {
    return Layer.succeed(Notifier, Notifier.fromRoutes(routes))
  }

  /** Mail through sendmail or SMTP. */
  static layerMail(config: MailConfig): Layer.Layer<Notifier> {
    return Notifier.layerRoutes([{ name: "mail", target: "mail", send: mailTransport(config) }])
  }

  /** No transport configured: `notify` logs at debug level and succeeds. */
  static readonly layerNone: Layer.Layer<Notifier> = Layer.sync(Notifier, () => Notifier.make([]))

  /** Records alerts instead of sending them; read and steer it through `NotifierTest`. */
  static readonly layerTest: Layer.Layer<Notifier | NotifierTest> = Layer.effectContext(
    Effect.gen(function*() {
      const attempts = yield* Ref.make<ReadonlyArray<Alert>>([])
      const sent = yield* Ref.make<ReadonlyArray<Alert>>([])
      const failures = yield* Ref.make<ReadonlyArray<NotifyError>>([])
      const notify = (alert: Alert) =>
        Effect.gen(function*() {
          yield* Ref.update(attempts, (all) => [...all, alert])
          const failure = yield* Ref.modify(failures, ([next, ...rest]) => [next, rest] as const)
          if (failure !== undefined) return yield* failure
          yield* Ref.update(sent, (all) => [...all, alert])
        })
      const control: NotifierTest["Type"] = {
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
      return Context.make(Notifier, { notify, routes: [{ name: "test", target: "test", send: notify }] }).pipe(
        Context.add(NotifierTest, control)
      )
    })
  )

  /** Sends an alert through the Notifier in context. */
  static notify(alert: Alert): Effect.Effect<void, NotifyError, Notifier> {
    return Effect.flatMap(Notifier, (notifier) => notifier.notify(alert))
  }
}

/** The handle on `Notifier.layerTest`. */
export class NotifierTest extends Context.Tag("superlance/NotifierTest")<NotifierTest, {
  /** Alerts that were delivered, in order. */
  readonly sent: Effect.Effect<ReadonlyArray<Alert>>
  /** Every call to `notify`, failed ones included. */
  readonly attempts: Effect.Effect<ReadonlyArray<Alert>>
  /** The next `count` calls fail with this reason (default `Unreachable`); later calls succeed. */
  readonly failNext: (count: number, reason?: NotifyErrorReason) => Effect.Effect<void>
  readonly clear: Effect.Effect<void>
}>() {}
