/**
 * The Alertmanager transport: alerts POSTed to Prometheus Alertmanager's API v2
 * (`<url>/api/v2/alerts`), so that fleets group, silence and route them there.
 *
 * One Alertmanager alert per process concerned, labelled `alertname`, `plugin`, `host`, `group`
 * and `process`, with the subject as `summary` and the body as `description`. Without `endsAt`:
 * what we report are events, so Alertmanager resolves them after its `resolve_timeout`, and a
 * repeat (same labels) while one is active refreshes it rather than adding another.
 */
import { hostname } from "node:os"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { parseNamespec } from "../../domain/Process.js"
import { type Alert, NotifyError, oneLine, type Transport } from "../Transport.js"
import { displayUrl, invalidUrl, postJson, type PostTarget } from "./HttpPost.js"

export interface AlertmanagerConfig {
  /** Alertmanager's base URL, e.g. `http://alertmanager:9093` (the API path is added). */
  readonly url: string
}

export interface AlertmanagerOptions {
  /** Bounds the whole request (default 10 s). */
  readonly timeout?: Duration.DurationInput
  /** The `host` label (default: this machine's name). */
  readonly host?: string
}

/** Alertmanager's `postableAlert`, as far as we fill it in. */
export interface PostableAlert {
  readonly labels: Readonly<Record<string, string>>
  readonly annotations: Readonly<Record<string, string>>
  readonly startsAt: string
  /** Only the heartbeat sets it: it resolves unless renewed. */
  readonly endsAt?: string
}

/** `alertname` by plugin: what happened, so routes can match on it; others use the plugin's name. */
export const alertNames: Readonly<Record<string, string>> = {
  crashmail: "ProcessCrashed",
  crashmailbatch: "ProcessCrashed",
  crashsms: "ProcessCrashed",
  fatalmailbatch: "ProcessFatal",
  httpok: "HttpCheckFailed",
  memmon: "MemoryLimitExceeded",
  "test-mail": "SuperlanceTest"
}

export const alertName = (plugin: string): string => alertNames[plugin] ?? plugin

/** `group:name` as labels; a bare name is its own group, as supervisord names it. */
const processLabels = (namespec: string): Readonly<Record<string, string>> => {
  const { group, name } = parseNamespec(namespec)
  return { group, process: name }
}

export const postableAlerts = (alert: Alert, host: string, now: Date): ReadonlyArray<PostableAlert> => {
  const common = { alertname: alertName(alert.plugin), plugin: alert.plugin, host }
  const annotations = {
    // crashsms sends no subject by default: its first line says it all.
    summary: alert.subject !== "" ? alert.subject : alert.body.split("\n", 1)[0] ?? "",
    description: alert.body
  }
  const startsAt = now.toISOString()
  const processes = [...new Set(alert.processes ?? [])]
  if (processes.length === 0) return [{ labels: common, annotations, startsAt }]
  return processes.map((namespec) => ({ labels: { ...common, ...processLabels(namespec) }, annotations, startsAt }))
}

/** The alerts endpoint under a base URL (one that parses); a URL that already names it is kept. */
export const endpoint = (base: string): URL => {
  const url = new URL(base)
  if (!/\/api\/v2\/alerts\/?$/.test(url.pathname)) url.pathname = `${url.pathname.replace(/\/+$/, "")}/api/v2/alerts`
  return url
}

const target = (config: AlertmanagerConfig): PostTarget => {
  const url = endpoint(config.url)
  return { url, display: displayUrl(url, true), transport: "alertmanager" }
}

/** The alerts endpoint as logs and test-mail show it. */
export const display = (config: AlertmanagerConfig): string =>
  URL.canParse(config.url) ? target(config).display : "(not a URL)"

/** A transport that posts each alert to the Alertmanager at the URL. */
export const make = (config: AlertmanagerConfig, options: AlertmanagerOptions = {}): Transport => {
  if (!URL.canParse(config.url)) return invalidUrl("alertmanager", config.url)
  const to = target(config)
  const host = options.host ?? hostname()
  return (alert) =>
    Clock.currentTimeMillis.pipe(
      Effect.flatMap((now) => postJson(to, postableAlerts(alert, host, new Date(now)), options.timeout)),
      Effect.zipRight(Effect.logDebug(`alert posted to Alertmanager ${to.display}`))
    )
}

/** The `alertname` of `--heartbeat`'s always-firing alert. */
export const HEARTBEAT_ALERT = "SuperlanceHeartbeat"

/**
 * `--heartbeat`'s alert, always firing while the listener runs (Prometheus' "Watchdog"
 * convention): it ends at `now + lasts` unless a later beat renews it, so a dead man's switch
 * route in Alertmanager hears when the beats stop.
 */
export const heartbeatAlert = (plugin: string, host: string, now: Date, lasts: Duration.DurationInput): PostableAlert => ({
  labels: { alertname: HEARTBEAT_ALERT, plugin, host },
  annotations: {
    summary: `superlance ${plugin} on ${host} is alive`,
    description:
      "Always firing while the listener runs (the Watchdog convention): route it to a dead man's switch, which alerts when it stops."
  },
  startsAt: now.toISOString(),
  endsAt: new Date(now.getTime() + Duration.toMillis(Duration.decode(lasts))).toISOString()
})

/** Posts alerts as they are (the heartbeat's) to the Alertmanager at the URL: one attempt, no queue. */
export const postAlerts = (
  config: AlertmanagerConfig,
  alerts: ReadonlyArray<PostableAlert>,
  timeout?: Duration.DurationInput
): Effect.Effect<void, NotifyError> =>
  URL.canParse(config.url)
    ? postJson(target(config), alerts, timeout)
    : Effect.fail(new NotifyError({ reason: "Invalid", transport: "alertmanager", message: `alertmanager: not a URL: ${oneLine(config.url, 100)}` }))
