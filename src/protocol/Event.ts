/**
 * The typed events a listener receives (SPEC §2 "Payloads"). Each payload's first line of
 * `key:value` tokens is decoded with Schema; the free data after it is kept as text.
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { formatParseError } from "../internal/parseError.js"
import { ProcessStateName } from "../supervisor/ProcessInfo.js"
import { type Frame, parseTokens } from "./Framing.js"

/** A payload that does not parse: logged and acknowledged, the listener stays alive. */
export class PayloadError extends Data.TaggedError("PayloadError")<{
  readonly eventName: string
  readonly message: string
}> {}

const Int = Schema.compose(Schema.NumberFromString, Schema.Int)
const Pid = Schema.compose(Int, Schema.NonNegative)

// supervisord's state names, as its process info reports them too.
export { ProcessStateName } from "../supervisor/ProcessInfo.js"

const processFields = {
  eventName: Schema.String,
  processName: Schema.propertySignature(Schema.String).pipe(Schema.fromKey("processname")),
  groupName: Schema.propertySignature(Schema.String).pipe(Schema.fromKey("groupname"))
}
const Channel = Schema.Literal("stdout", "stderr")

export const Tick = Schema.TaggedStruct("Tick", { eventName: Schema.String, when: Int })
export type Tick = typeof Tick.Type

export const ProcessState = Schema.TaggedStruct("ProcessState", {
  ...processFields,
  state: ProcessStateName,
  fromState: Schema.propertySignature(ProcessStateName).pipe(Schema.fromKey("from_state")),
  /** EXITED only: whether the exit code was one of the program's `exitcodes`. */
  expected: Schema.optional(Schema.transform(Schema.Literal("0", "1"), Schema.Boolean, {
    strict: true,
    decode: (digit) => digit === "1",
    encode: (expected) => (expected ? "1" : "0")
  })),
  pid: Schema.optional(Pid),
  tries: Schema.optional(Int)
})
export type ProcessState = typeof ProcessState.Type

export const ProcessLog = Schema.TaggedStruct("ProcessLog", {
  ...processFields,
  pid: Pid,
  channel: Channel,
  data: Schema.String
})
export type ProcessLog = typeof ProcessLog.Type

export const ProcessCommunication = Schema.TaggedStruct("ProcessCommunication", {
  ...processFields,
  pid: Pid,
  channel: Channel,
  data: Schema.String
})
export type ProcessCommunication = typeof ProcessCommunication.Type

export const RemoteCommunication = Schema.TaggedStruct("RemoteCommunication", {
  eventName: Schema.String,
  type: Schema.String,
  data: Schema.String
})
export type RemoteCommunication = typeof RemoteCommunication.Type

export const ProcessGroup = Schema.TaggedStruct("ProcessGroup", {
  eventName: Schema.String,
  change: Schema.Literal("ADDED", "REMOVED"),
  groupName: Schema.propertySignature(Schema.String).pipe(Schema.fromKey("groupname"))
})
export type ProcessGroup = typeof ProcessGroup.Type

export const SupervisorState = Schema.TaggedStruct("SupervisorState", {
  eventName: Schema.String,
  state: Schema.Literal("RUNNING", "STOPPING")
})
export type SupervisorState = typeof SupervisorState.Type

/** Any other event name: acknowledged and otherwise ignored, never an error. */
export const Unknown = Schema.TaggedStruct("Unknown", { eventName: Schema.String, payload: Schema.String })
export type Unknown = typeof Unknown.Type

export const Event = Schema.Union(
  Tick,
  ProcessState,
  ProcessLog,
  ProcessCommunication,
  RemoteCommunication,
  ProcessGroup,
  SupervisorState,
  Unknown
)
export type Event = typeof Event.Type

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
