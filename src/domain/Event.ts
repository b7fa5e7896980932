/**
 * The typed events a listener receives (SPEC §2 "Payloads"), as Schemas whose encoded side is
 * supervisord's `key:value` tokens (protocol/Payload.ts decodes a payload into one).
 */
import * as Schema from "effect/Schema"
import { ProcessStateName } from "./ProcessInfo.js"

const Int = Schema.compose(Schema.NumberFromString, Schema.Int)
const Pid = Schema.compose(Int, Schema.NonNegative)

// supervisord's state names, as its process info reports them too.
export { ProcessStateName } from "./ProcessInfo.js"

const processFields = {
  eventName: Schema.String,
  processName: Schema.propertySignature(Schema.String).pipe(Schema.fromKey("processname")),
  groupName: Schema.propertySignature(Schema.String).pipe(Schema.fromKey("groupname"))
}
/** What PROCESS_LOG_* and PROCESS_COMMUNICATION_* both carry: a process's output on one channel. */
const outputFields = {
  ...processFields,
  pid: Pid,
  channel: Schema.Literal("stdout", "stderr"),
  data: Schema.String
}

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

export const ProcessLog = Schema.TaggedStruct("ProcessLog", outputFields)
export type ProcessLog = typeof ProcessLog.Type

export const ProcessCommunication = Schema.TaggedStruct("ProcessCommunication", outputFields)
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
