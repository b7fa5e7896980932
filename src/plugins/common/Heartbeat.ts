/**
 * `--heartbeat URL`: who watches the watcher. If supervisord, the host or the listener dies, no
 * alert can come; so on a TICK (at most once a minute of the Clock) the listener GETs URL, the
 * dead man's switch of healthchecks.io, Cronitor and Uptime Kuma push monitors, which alert when
 * the pings stop. Beating on supervisord's TICKs rather than a timer of our own also catches a
 * supervisord that hangs. With `--alertmanager`, each beat also posts an always-firing
 * `SuperlanceHeartbeat` alert there (the Prometheus Watchdog convention).
 *
 * One per process, around the listener's handler (not inside a plugin): a beat runs in the
 * background, so it never holds a tick's acknowledgement; a failed one is a WARN, never queued
 * nor retried (the next minute's beat is the retry).
 */
import { hostname } from "node:os"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Alertmanager from "../../alerts/transports/Alertmanager.js"
import type { Event, Tick } from "../../domain/Event.js"
import type { HeartbeatConfig } from "../../options/heartbeat.js"
import type { Handler } from "../../protocol/Listener.js"
import { HttpProbe } from "../../services/HttpProbe.js"

export type { HeartbeatConfig } from "../../options/heartbeat.js"

/** Each ping and each Alertmanager post gives up after this long. */
export const BEAT_TIMEOUT = Duration.seconds(10)

/** At most one beat per minute of the Clock, whatever the TICK (TICK_5 beats once a minute). */
const MINUTE = 60_000

/** The SuperlanceHeartbeat alert outlives a few missed beats, then resolves. */
const MISSED_BEATS = 3

export const USER_AGENT = "superlance-heartbeat"

/** The URL as logs show it: its path is often the secret (healthchecks.io's UUID). */
const display = (url: string): string => (URL.canParse(url) ? `${new URL(url).origin}/…` : url)

/** `TICK_3600` → an hour: how long until the next beat at the latest (never under a minute). */
const beatInterval = (tick: Tick): Duration.Duration => {
  const seconds = Number(/^TICK_(\d+)$/.exec(tick.eventName)?.[1] ?? 60)
  return Duration.seconds(Math.max(60, seconds))
}

export class Heartbeat extends Context.Tag("superlance/Heartbeat")<Heartbeat, {
  /** Called on every TICK; returns at once (the beat, if one is due, runs in the background). */
  readonly tick: (tick: Tick) => Effect.Effect<void>
}>() {
  static readonly layer = (plugin: string, config: HeartbeatConfig): Layer.Layer<Heartbeat, never, HttpProbe> =>
    Layer.scoped(Heartbeat, make(plugin, config))
}

/** The heartbeat of one listener; beats still in flight are cut short when the scope closes. */
export const make = (
  plugin: string,
  config: HeartbeatConfig
): Effect.Effect<Heartbeat["Type"], never, HttpProbe | Scope.Scope> =>
  Effect.gen(function*() {
    const probe = yield* HttpProbe
    const scope = yield* Effect.scope
    const host = config.host ?? hostname()
    const where = display(config.url)
    let lastMinute: number | undefined
    let inFlight = false

    // Verified, unlike httpok's checks: the URL's token is the secret that keeps the switch honest.
    const ping = probe.get({ url: config.url, timeout: BEAT_TIMEOUT, userAgent: USER_AGENT, verifyTls: true }).pipe(
      Effect.flatMap((response) =>
        response.status >= 200 && response.status < 300
          ? Effect.logDebug(`heartbeat sent to ${where}`)
          : Effect.logWarning(`heartbeat: ${where} answered ${response.status} ${response.reason}`.trimEnd())
      ),
      Effect.catchAll((error) => Effect.logWarning(`heartbeat: GET ${where} failed: ${error.message}`))
    )

    const post = (url: string, alert: Alertmanager.PostableAlert) =>
      Alertmanager.postAlerts({ url }, [alert], BEAT_TIMEOUT).pipe(
        Effect.catchAll((error) => Effect.logWarning(`heartbeat not posted to Alertmanager: ${error.message}`))
      )

    const beat = (tick: Tick) =>
      Effect.gen(function*() {
        const now = new Date(yield* Clock.currentTimeMillis)
        const alert = Alertmanager.heartbeatAlert(
          plugin,
          host,
          now,
          Duration.times(beatInterval(tick), MISSED_BEATS)
        )
        yield* Effect.all([ping, ...config.alertmanagers.map((url) => post(url, alert))], {
          concurrency: "unbounded",
          discard: true
        })
      }).pipe(Effect.ensuring(Effect.sync(() => (inFlight = false))))

    return {
      tick: (tick) =>
        Effect.gen(function*() {
          const minute = Math.floor((yield* Clock.currentTimeMillis) / MINUTE)
          if (minute === lastMinute) return
          if (inFlight) return yield* Effect.logDebug("heartbeat skipped: the previous one is still under way")
          lastMinute = minute
          inFlight = true
          yield* Effect.forkIn(beat(tick), scope)
        })
    }
  })

/**
 * The listener's handler with the heartbeat in front: a TICK beats, then goes on to the
 * plugin's handler if the plugin takes it (`accepts`); other events go straight through.
 */
export const beating = <E, R>(
  heartbeat: Heartbeat["Type"],
  handler: Handler<E, R>,
  accepts?: ((eventName: string) => boolean) | undefined
): Handler<E, R> =>
(event: Event) =>
  event._tag !== "Tick"
    ? handler(event)
    : Effect.zipRight(
      heartbeat.tick(event),
      accepts === undefined || accepts(event.eventName) ? handler(event) : Effect.void
    )

/**
 * What the listener must take with a heartbeat: every TICK too, even when the plugin ignores
 * them (crashmail), since the heartbeat needs to see them.
 */
export const withTicks = (
  accepts: ((eventName: string) => boolean) | undefined
): ((eventName: string) => boolean) | undefined =>
  accepts === undefined ? undefined : (eventName) => eventName.startsWith("TICK_") || accepts(eventName)
