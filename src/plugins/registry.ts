/** Each plugin's option table and config decoder, keyed by the plugin's name. */
import type * as Effect from "effect/Effect"
import type { Raw } from "../options/OptionTable.js"
import type { ConfigError } from "../options/fields.js"
import { crashmailbatchTable, crashsmsTable, decodeBatch, fatalmailbatchTable } from "./batch/options.js"
import { crashmailTable, decodeCrashmail } from "./crashmail/options.js"
import { decodeHttpok, httpokTable } from "./httpok/options.js"
import { decodeMemmon, memmonTable } from "./memmon/options.js"

export const tables = {
  httpok: httpokTable,
  crashmail: crashmailTable,
  memmon: memmonTable,
  crashmailbatch: crashmailbatchTable,
  fatalmailbatch: fatalmailbatchTable,
  crashsms: crashsmsTable
} as const

export type PluginName = keyof typeof tables

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
