/**
 * Where alerts go besides mail (`--webhook URL`, `--alertmanager URL`, both repeatable), where
 * their queue is kept (`--spool DIR`), and `--tail N`: options every plugin (or crashmail and the
 * batch plugins) shares.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Fields } from "./fields.js"
import type { UsageError } from "./UsageError.js"
import { HttpUrl, NonBlank, PositiveInt } from "./units.js"
import type { Receivers } from "../alerts/Routes.js"
import { inGroup } from "./OptionTable.js"

/** Where alerts go besides (or instead of) mail: every plugin has these. */
export const receivers = inGroup("notify", {
  webhook: {
    kind: "repeated",
    metavar: "URL",
    description: "POST each alert as JSON to URL (Slack/Mattermost incoming webhooks work as they are). Repeatable."
  },
  alertmanager: {
    kind: "repeated",
    metavar: "URL",
    description: "Post each alert to the Prometheus Alertmanager at URL (API v2). Repeatable."
  }
})

/** `--spool DIR`: every plugin queues its alerts, and can keep the queue on disk. */
export const spool = inGroup("notify", {
  spool: {
    kind: "single",
    metavar: "DIR",
    description: "Keep unsent alerts in DIR, so they survive a restart."
  }
})

/** `--tail N`: crashmail and the batch plugins. */
export const tail = inGroup("notify", {
  tail: {
    kind: "single",
    metavar: "N",
    description: "Add the last N lines of the process's stderr log (stdout log if stderr is empty) to the alert."
  }
})


export type { Receivers } from "../alerts/Routes.js"

/** Absent when neither option is given, so configs without them read as before. */
export const decodeReceivers = (
  f: Fields<never, never, "webhook" | "alertmanager">
): Effect.Effect<Receivers | undefined, UsageError> =>
  Effect.gen(function*() {
    const webhooks = yield* f.repeated("webhook", HttpUrl)
    const alertmanagers = yield* f.repeated("alertmanager", HttpUrl)
    return webhooks.length === 0 && alertmanagers.length === 0 ? undefined : { webhooks, alertmanagers }
  })

/** `--spool DIR`: the directory keeping the unsent queue across restarts; absent, memory only. */
export const decodeSpool = (f: Fields<never, "spool", never>): Effect.Effect<string | undefined, UsageError> =>
  Effect.map(f.optional("spool", NonBlank), Option.getOrUndefined)

/** `--tail N`: how many log lines an alert carries; absent, none. */
export const decodeTail = (f: Fields<never, "tail", never>): Effect.Effect<number | undefined, UsageError> =>
  Effect.map(f.optional("tail", PositiveInt), Option.getOrUndefined)
