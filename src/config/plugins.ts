/** Each plugin's config decoder, keyed like `tables`, for the command tree. */
import type * as Effect from "effect/Effect"
import type { Raw } from "../cli/OptionTable.js"
import type { PluginName, tables } from "../cli/tables.js"
import { decodeBatch } from "./batch.js"
import { decodeCrashmail } from "./crashmail.js"
import type { ConfigError } from "./fields.js"
import { decodeHttpok } from "./httpok.js"
import { decodeMemmon } from "./memmon.js"

export const decoders = {
  httpok: decodeHttpok,
  crashmail: decodeCrashmail,
  memmon: decodeMemmon,
  crashmailbatch: (raw) => decodeBatch("crashmailbatch", raw),
  fatalmailbatch: (raw) => decodeBatch("fatalmailbatch", raw),
  crashsms: (raw) => decodeBatch("crashsms", raw)
} as const satisfies {
  readonly [P in PluginName]: (raw: Raw<(typeof tables)[P]>) => Effect.Effect<unknown, ConfigError>
}

export type PluginConfig<P extends PluginName> = Effect.Effect.Success<ReturnType<(typeof decoders)[P]>>
