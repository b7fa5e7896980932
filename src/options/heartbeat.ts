/**
 * `--heartbeat URL`, which every plugin takes: who watches the watcher. The listener GETs URL on
 * TICKs (at most once a minute), and an outside dead man's switch alerts when the pings stop.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { HostStamp } from "../alerts/hostname.js"
import type { Receivers } from "../alerts/Routes.js"
import type { Fields } from "./fields.js"
import { inGroup } from "./OptionTable.js"
import { HttpUrl } from "./units.js"
import type { UsageError } from "./UsageError.js"

export const heartbeat = inGroup("notify", {
  heartbeat: {
    kind: "single",
    metavar: "URL",
    description: "GET URL on TICKs, at most once a minute: a dead man's switch (see docs/alerts.md)."
  }
})

export interface HeartbeatConfig {
  /** Where each beat GETs. */
  readonly url: string
  /** `--alertmanager` URLs: each beat also posts the `SuperlanceHeartbeat` alert there. */
  readonly alertmanagers: ReadonlyArray<string>
  /** The alert's `host` label (`--hostname`); absent: this machine's name. */
  readonly host?: string | undefined
}

/** Absent without `--heartbeat`; the Alertmanagers and host name come from the plugin's own options. */
export const decodeHeartbeat = (
  f: Fields<never, "heartbeat", never>,
  receivers: Receivers | undefined,
  host: HostStamp | undefined
): Effect.Effect<HeartbeatConfig | undefined, UsageError> =>
  Effect.map(f.optional("heartbeat", HttpUrl), (url) =>
    Option.isNone(url)
      ? undefined
      : { url: url.value, alertmanagers: receivers?.alertmanagers ?? [], host: host?.name })
