/**
 * Where alerts go besides mail (`--webhook URL`, `--alertmanager URL`, both repeatable), where
 * their queue is kept (`--spool DIR`), and `--tail N`: options every plugin (or crashmail and the
 * batch plugins) shares.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { ConfigError, Fields } from "./fields.js"
import { HttpUrl, NonBlank, PositiveInt } from "./units.js"

export interface Receivers {
  readonly webhooks: ReadonlyArray<string>
  readonly alertmanagers: ReadonlyArray<string>
}

/** Absent when neither option is given, so configs without them read as before. */
export const decodeReceivers = (
  f: Fields<never, never, "webhook" | "alertmanager">
): Effect.Effect<Receivers | undefined, ConfigError> =>
  Effect.gen(function*() {
    const webhooks = yield* f.repeated("webhook", HttpUrl)
    const alertmanagers = yield* f.repeated("alertmanager", HttpUrl)
    return webhooks.length === 0 && alertmanagers.length === 0 ? undefined : { webhooks, alertmanagers }
  })

/** `--tail N`: how many log lines an alert carries; absent, none. */
export const decodeTail = (f: Fields<never, "tail", never>): Effect.Effect<number | undefined, ConfigError> =>
  Effect.map(f.optional("tail", PositiveInt), Option.getOrUndefined)

/** `--spool DIR`: the directory keeping the unsent queue across restarts; absent, memory only. */
export const decodeSpool = (f: Fields<never, "spool", never>): Effect.Effect<string | undefined, ConfigError> =>
  Effect.map(f.optional("spool", NonBlank), Option.getOrUndefined)
