/**
 * The webhook transport: each alert POSTed as one JSON object. Its `text` field (subject, then
 * body) is what Slack- and Mattermost-style incoming webhooks show, so such a URL works as it
 * is; the other fields are for receivers that route or store alerts.
 */
import { hostname } from "node:os"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { Event } from "../../domain/Event.js"
import type { Alert, Transport } from "../Transport.js"
import { displayUrl, invalidUrl, postJson, type PostTarget } from "./HttpPost.js"

export interface WebhookConfig {
  /** An http or https URL; user and password in it are sent as basic auth. */
  readonly url: string
}

export interface WebhookOptions {
  /** Bounds the whole request (default 10 s). */
  readonly timeout?: Duration.DurationInput
  /** Shown as `host` (default: this machine's name). */
  readonly host?: string
}

/** What a receiver gets. */
export interface WebhookPayload {
  readonly plugin: string
  readonly host: string
  readonly subject: string
  readonly body: string
  /** `group:name` of each process concerned (empty when none is). */
  readonly processes: ReadonlyArray<string>
  /** The supervisord events that caused the alert, decoded (empty when not known). */
  readonly events: ReadonlyArray<Event>
  /** Subject and body in one, for chat webhooks. */
  readonly text: string
}

export const payload = (alert: Alert, host: string): WebhookPayload => ({
  plugin: alert.plugin,
  host,
  subject: alert.subject,
  body: alert.body,
  processes: alert.processes ?? [],
  events: alert.events ?? [],
  text: alert.subject === "" ? alert.body : `${alert.subject}\n${alert.body}`
})

/** Webhook URLs often carry their secret in the path (Slack's do): logs show only its start. */
const target = (url: URL): PostTarget => ({ url, display: displayUrl(url, false), transport: "webhook" })

/** The URL as logs and test-mail show it. */
export const display = (config: WebhookConfig): string =>
  URL.canParse(config.url) ? target(new URL(config.url)).display : "(not a URL)"

/** A transport that POSTs each alert to the URL. */
export const make = (config: WebhookConfig, options: WebhookOptions = {}): Transport => {
  if (!URL.canParse(config.url)) return invalidUrl("webhook", config.url)
  const to = target(new URL(config.url))
  const host = options.host ?? hostname()
  return (alert) =>
    postJson(to, payload(alert, host), options.timeout).pipe(
      Effect.zipRight(Effect.logDebug(`alert posted to webhook ${to.display}`))
    )
}
