/** Where a plugin's alerts go and what goes with them: the same settings for every plugin. */
import type { HostStamp } from "../alerts/hostname.js"
import type { Receivers } from "../alerts/Routes.js"
import type { HeartbeatConfig } from "./heartbeat.js"
import type { MailConfig } from "./mail.js"

export interface AlertingConfig {
  /** Absent: nothing is mailed. */
  readonly mail?: MailConfig | undefined
  /** `--webhook`, `--alertmanager`. */
  readonly receivers?: Receivers | undefined
  /** `--hostname`, `--hostname-in-subject`. */
  readonly host?: HostStamp | undefined
  /** `--spool DIR`: the directory keeping unsent alerts across restarts. */
  readonly spool?: string | undefined
  /** `--heartbeat URL`: GET on TICKs, at most once a minute (with the Alertmanagers of `receivers`). */
  readonly heartbeat?: HeartbeatConfig | undefined
}
