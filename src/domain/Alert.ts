/**
 * What a plugin has to say: an `Alert`, apart from how it travels. A Schema, because queues keep
 * unsent alerts in spool files.
 */
import * as Schema from "effect/Schema"
import { Event } from "./Event.js"

export interface Alert {
  /** The plugin that raised it, e.g. `crashmail`. */
  readonly plugin: string
  readonly subject: string
  readonly body: string
  /** The processes concerned (`group:name`, see Process.fullName), for transports that label alerts. */
  readonly processes?: ReadonlyArray<string>
  /** The typed events that caused it, for transports that pass them on (webhooks). */
  readonly events?: ReadonlyArray<Event>
}

const AlertStruct = Schema.Struct({
  plugin: Schema.String,
  subject: Schema.String,
  body: Schema.String,
  processes: Schema.optionalWith(Schema.Array(Schema.String), { exact: true }),
  events: Schema.optionalWith(Schema.Array(Event), { exact: true })
})

export const AlertSchema: Schema.Schema<Alert, typeof AlertStruct.Encoded> = AlertStruct
