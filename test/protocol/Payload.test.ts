import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { decodeEvent } from "../../src/protocol/Payload.js"
import type { Frame } from "../../src/protocol/Framing.js"

const frame = (eventname: string, payload: string): Frame => ({
  header: { ver: "3.0", server: "supervisor", serial: 1, pool: "l", poolserial: 1, eventname, len: [...payload].length },
  payload
})
const decode = (eventname: string, payload: string) => decodeEvent(frame(eventname, payload))

describe("decodeEvent", () => {
  it("decodes a TICK with its time", () => {
    expect(decode("TICK_60", "when:1700000060")).toEqual(
      Either.right({ _tag: "Tick", eventName: "TICK_60", when: 1700000060 })
    )
  })

  it("decodes an unexpected EXITED with pid and from_state", () => {
    const event = decode("PROCESS_STATE_EXITED", "processname:cat groupname:pets from_state:RUNNING expected:0 pid:2766")
    expect(event).toEqual(Either.right({
      _tag: "ProcessState",
      eventName: "PROCESS_STATE_EXITED",
      state: "EXITED",
      processName: "cat",
      groupName: "pets",
      fromState: "RUNNING",
      expected: false,
      pid: 2766
    }))
  })

  it("decodes BACKOFF tries and FATAL with nothing more", () => {
    expect(decode("PROCESS_STATE_BACKOFF", "processname:a groupname:a from_state:STARTING tries:3")).toMatchObject(
      Either.right({ state: "BACKOFF", tries: 3 })
    )
    const fatal = decode("PROCESS_STATE_FATAL", "processname:a groupname:g from_state:BACKOFF")
    expect(fatal).toMatchObject(Either.right({ state: "FATAL", groupName: "g" }))
    expect(Either.getOrThrow(fatal)).not.toHaveProperty("pid")
  })

  it("keeps log data after the token line, newlines and astral characters included", () => {
    const event = decode("PROCESS_LOG_STDERR", "processname:web groupname:web pid:12 channel:stderr\nline 1\nline 2 😀\n")
    expect(event).toEqual(Either.right({
      _tag: "ProcessLog",
      eventName: "PROCESS_LOG_STDERR",
      processName: "web",
      groupName: "web",
      pid: 12,
      channel: "stderr",
      data: "line 1\nline 2 😀\n"
    }))
  })

  it("decodes communication, group and supervisor state events", () => {
    expect(decode("PROCESS_COMMUNICATION_STDOUT", "processname:a groupname:a pid:5\n<data>")).toMatchObject(
      Either.right({ _tag: "ProcessCommunication", channel: "stdout", data: "<data>" })
    )
    expect(decode("REMOTE_COMMUNICATION", "type:deploy\nhello")).toMatchObject(
      Either.right({ _tag: "RemoteCommunication", type: "deploy", data: "hello" })
    )
    expect(decode("PROCESS_GROUP_ADDED", "groupname:web\n")).toMatchObject(
      Either.right({ _tag: "ProcessGroup", change: "ADDED", groupName: "web" })
    )
    expect(decode("SUPERVISOR_STATE_CHANGE_STOPPING", "")).toEqual(
      Either.right({ _tag: "SupervisorState", eventName: "SUPERVISOR_STATE_CHANGE_STOPPING", state: "STOPPING" })
    )
  })

  it("turns an unknown event name into Unknown, not an error", () => {
    expect(decode("SOMETHING_NEW", "a:b")).toEqual(
      Either.right({ _tag: "Unknown", eventName: "SOMETHING_NEW", payload: "a:b" })
    )
  })

  it("reports a payload that parses badly with the event name and the field", () => {
    const event = decode("PROCESS_STATE_EXITED", "processname:cat groupname:cat from_state:RUNNING expected:0 pid:abc")
    expect(Either.isLeft(event)).toBe(true)
    const message = Either.isLeft(event) ? event.left.message : ""
    expect(message).toContain("PROCESS_STATE_EXITED")
    expect(message).toContain("pid")
  })
})
