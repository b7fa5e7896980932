/**
 * crashmailbatch, fatalmailbatch and crashsms as subcommands: the same options (but for help
 * texts) and the same listener; each only says which events it takes and how a line reads.
 */
import * as Effect from "effect/Effect"
import type { MailConfig } from "../../alerts/transports/mail.js"
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

/** The originals of the batch mailers sent Python's `MIMEText`: so do they (SPEC §4 "Mail"). */
const asMime = (mail: MailConfig | undefined): MailConfig | undefined => mail && { ...mail, form: "mime" }

const batch = (plugin: BatchPlugin, options: BatchTable, description: string, example: string) => {
  // Batches go out on their own clock (--interval), not on TICKs.
  const unit = (config: BatchConfig): Unit => ({
    events: plugin.events,
    routing: { ...config, mail: asMime(config.mail) },
    heartbeat: config.heartbeat,
    make: (start) =>
      Effect.flatMap(
        spoolFile(config.spool, start.name, start.env),
        (file) => batchListener(plugin, { ...config, spoolFile: file })
      ).pipe(withShared(start, tailLayer(config.tail)))
  })
  return Plugin.make({
    name: plugin.name,
    description,
    // PROCESS_STATE for what it reports, TICK_60 (its default --tickEvent) to send the batch.
    events: "PROCESS_STATE,TICK_60",
    example,
    options,
    ticks: false,
    decode: (raw) => decodeBatch(plugin.name, raw),
    unit
  })
}

export const crashmailbatchPlugin = batch(
  crashmailbatch,
  crashmailbatchTable,
  "Mail unexpected exits in batches.",
  "-t ops@example.com -f supervisor@example.com"
)
export const fatalmailbatchPlugin = batch(
  fatalmailbatch,
  fatalmailbatchTable,
  "Mail start failures (FATAL) in batches.",
  "-t ops@example.com -f supervisor@example.com"
)
export const crashsmsPlugin = batch(
  crashsms,
  crashsmsTable,
  "Batch unexpected exits into short mails for SMS gateways.",
  "-t 5551234567@sms.example.net -f sv@example.com"
)
