/**
 * crashmailbatch, fatalmailbatch and crashsms as subcommands: the same options (but for help
 * texts) and the same listener; each only says which events it takes and how a line reads.
 */
import * as Effect from "effect/Effect"
import { spoolFile, tailLayer, type Unit, withShared } from "../common/listen.js"
import * as Plugin from "../common/Plugin.js"
import { type BatchPlugin, batchListener } from "./batch.js"
import { crashmailbatch } from "./crashmailbatch.js"
import { crashsms } from "./crashsms.js"
import { fatalmailbatch } from "./fatalmailbatch.js"
import {
  type BatchConfig,
  type BatchTable,
  crashmailbatchTable,
  crashsmsTable,
  decodeBatch,
  fatalmailbatchTable
} from "./options.js"

const batch = (plugin: BatchPlugin, options: BatchTable, description: string) => {
  // Batches go out on their own clock (--interval), not on TICKs.
  const unit = (config: BatchConfig): Unit => ({
    events: plugin.events,
    routing: config,
    make: (start) =>
      Effect.flatMap(
        spoolFile(config.spool, start.name, start.env),
        (file) => batchListener(plugin, { ...config, spoolFile: file })
      ).pipe(withShared(start, tailLayer(config.tail)))
  })
  return Plugin.make({ name: plugin.name, description, options, ticks: false, decode: (raw) => decodeBatch(plugin.name, raw), unit })
}

export const crashmailbatchPlugin = batch(crashmailbatch, crashmailbatchTable, "Mail unexpected exits in batches.")
export const fatalmailbatchPlugin = batch(
  fatalmailbatch,
  fatalmailbatchTable,
  "Mail processes that failed to start (FATAL) in batches."
)
export const crashsmsPlugin = batch(
  crashsms,
  crashsmsTable,
  "Text unexpected exits to an SMS-by-e-mail gateway, in batches."
)
