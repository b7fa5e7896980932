/**
 * `--hostname NAME` (`--hostname-in-subject`): every alert names the host it comes from, at the
 * end of its body and, when asked, in front of its subject. Without the option alerts are left
 * exactly as the original wrote them (operators' mail filters match them).
 */
import type { Alert } from "../domain/Alert.js"
import type { Route } from "./Transport.js"

export interface HostStamp {
  /** As given, or the system's host name for `--hostname auto`. */
  readonly name: string
  readonly inSubject: boolean
}

/** The alert as it goes out: body ending in `Host: NAME`, subject starting with `[NAME]` when asked. */
export const stamp = (host: HostStamp) => (alert: Alert): Alert => ({
  ...alert,
  // An alert without a subject (crashsms by default) gets one that is just the host.
  subject: !host.inSubject ? alert.subject : alert.subject === "" ? `[${host.name}]` : `[${host.name}] ${alert.subject}`,
  body: `${alert.body}\n\nHost: ${host.name}`
})

/**
 * A route that stamps what it sends. Stamped on the way out, not when queued, so the host line
 * stays last (after a queue's `… N more alerts were dropped`) and spool files keep plain alerts.
 */
export const stampRoute = (host: HostStamp | undefined) => (route: Route): Route =>
  host === undefined ? route : { ...route, send: (alert) => route.send(stamp(host)(alert)) }
