/**
 * A frame's payload as a typed event (SPEC §2 "Payloads"): the first line of `key:value` tokens
 * is decoded with the event's Schema; the free data after it is kept as text.
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { Event, Unknown } from "../domain/Event.js"
import { type Frame, parseTokens } from "./Framing.js"
import { formatParseError } from "./parseError.js"

/** A payload that does not parse: logged and acknowledged, the listener stays alive. */
export class PayloadError extends Data.TaggedError("PayloadError")<{
  readonly eventName: string
  readonly message: string
}> {}

/** The `_tag` and the fields an event name implies, or undefined for an unknown name. */
const classify = (eventName: string): Record<string, string> | undefined => {
  const [family, suffix] = splitName(eventName)
  switch (family) {
    case "TICK_":
      return /^\d+$/.test(suffix) ? { _tag: "Tick" } : undefined
    case "PROCESS_STATE_":
      return { _tag: "ProcessState", state: suffix }
    case "PROCESS_LOG_":
      return { _tag: "ProcessLog" }
    case "PROCESS_COMMUNICATION_":
      return { _tag: "ProcessCommunication", channel: suffix.toLowerCase() }
    case "REMOTE_COMMUNICATION":
      return { _tag: "RemoteCommunication" }
    case "PROCESS_GROUP_":
      return { _tag: "ProcessGroup", change: suffix }
    case "SUPERVISOR_STATE_CHANGE_":
      return { _tag: "SupervisorState", state: suffix }
    default:
      return undefined
  }
}

const families = [
  "TICK_",
  "PROCESS_STATE_",
  "PROCESS_LOG_",
  "PROCESS_COMMUNICATION_",
  "PROCESS_GROUP_",
  "SUPERVISOR_STATE_CHANGE_"
] as const

const splitName = (eventName: string): readonly [string, string] => {
  if (eventName === "REMOTE_COMMUNICATION") return [eventName, ""]
  const family = families.find((prefix) => eventName.startsWith(prefix) && eventName.length > prefix.length)
  return family === undefined ? ["", eventName] : [family, eventName.slice(family.length)]
}

const decodeKnown = Schema.decodeUnknownEither(Event, { onExcessProperty: "ignore" })

/** Decodes a frame's payload into a typed event; unknown event names become `Unknown`. */
export const decodeEvent = (frame: Frame): Either.Either<Event, PayloadError> => {
  const eventName = frame.header.eventname
  const implied = classify(eventName)
  if (implied === undefined) return Either.right(Unknown.make({ eventName, payload: frame.payload }))
  const newline = frame.payload.indexOf("\n")
  const tokenLine = newline === -1 ? frame.payload : frame.payload.slice(0, newline)
  const data = newline === -1 ? "" : frame.payload.slice(newline + 1)
  const input = { ...parseTokens(tokenLine), data, ...implied, eventName }
  return Either.mapLeft(decodeKnown(input), (error) =>
    new PayloadError({
      eventName,
      message: `cannot decode ${eventName} payload ${JSON.stringify(tokenLine.slice(0, 200))}: ${
        formatParseError(error)
      }`
    }))
}
