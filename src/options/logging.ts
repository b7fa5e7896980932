/** `--log-format`, which every plugin takes: how the running listener writes its log lines. */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { LogFormat } from "../protocol/Logging.js"
import { fields } from "./fields.js"
import type { UsageError } from "./UsageError.js"
import { inGroup, type Raw } from "./OptionTable.js"

/** How a running listener writes its log lines (besides the built-in `--log-level`): every plugin. */
export const logging = inGroup("other", {
  "log-format": {
    kind: "single",
    metavar: "FORMAT",
    choices: ["text", "json"],
    description: "Log lines as text (time, level, message: the default) or json (one object per line)."
  }
})

const LogFormatName: Schema.Schema<LogFormat, string> = Schema.compose(Schema.String, LogFormat).annotations({
  description: "text or json"
})

export const decodeLogFormat = (raw: Raw<typeof logging>): Effect.Effect<LogFormat, UsageError> =>
  Effect.map(
    fields(logging, raw).optional("log-format", LogFormatName),
    Option.getOrElse((): LogFormat => "text")
  )
