/** `--log-format`, which every plugin takes: how the running listener writes its log lines. */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { Raw } from "../cli/OptionTable.js"
import { logging } from "../cli/tables.js"
import { LogFormat } from "../protocol/Logging.js"
import { type ConfigError, fields } from "./fields.js"

const LogFormatName: Schema.Schema<LogFormat, string> = Schema.compose(Schema.String, LogFormat).annotations({
  description: "text or json"
})

export const decodeLogFormat = (raw: Raw<typeof logging>): Effect.Effect<LogFormat, ConfigError> =>
  Effect.map(
    fields(logging, raw).optional("log-format", LogFormatName),
    Option.getOrElse((): LogFormat => "text")
  )
