import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, TestClock } from "effect"
import * as Delivery from "../../../src/alerts/Delivery.js"
import { crashmailAccepts } from "../../../src/plugins/crashmail/crashmail.js"
import { crashmail } from "../../../src/plugins/crashmail/crashmail.js"
import { decodeEvent } from "../../../src/protocol/Payload.js"
import * as Logging from "../../../src/protocol/Logging.js"
import { LogTail } from "../../../src/services/LogTail.js"
import { Routes, RoutesTest } from "../../../src/alerts/Routes.js"

const layer = Delivery.layer.pipe(
  Layer.provideMerge(Layer.mergeAll(Routes.layerTest, NodeFileSystem.layer)),
  Layer.provideMerge(Logging.captureLayer([])),
  Layer.provideMerge(LogTail.layerNone)
)

const event = (eventname: string, payload: string) =>
  Either.getOrThrow(decodeEvent({
    header: { ver: "3.0", server: "supervisor", serial: 1, pool: "l", poolserial: 1, eventname, len: [...payload].length },
    payload
  }))

const crash = "processname:cat groupname:pets from_state:RUNNING expected:0 pid:4242"
// Every kind of event supervisord sends, each as alarming as it can be.
const samples = [
  event("TICK_5", "when:1700000000"),
  event("TICK_60", "when:1700000000"),
  event("TICK_3600", "when:1700000000"),
  ...["STOPPED", "STARTING", "RUNNING", "BACKOFF", "STOPPING", "EXITED", "FATAL", "UNKNOWN"].map((state) =>
    event(`PROCESS_STATE_${state}`, state === "FATAL" || state === "BACKOFF" ? `${crash} tries:3` : crash)
  ),
  event("PROCESS_LOG_STDERR", "processname:cat groupname:pets pid:4242 channel:stderr\nTraceback"),
  event("PROCESS_COMMUNICATION_STDOUT", "processname:cat groupname:pets pid:4242\ndata"),
  event("PROCESS_GROUP_REMOVED", "groupname:pets"),
  event("SUPERVISOR_STATE_CHANGE_STOPPING", ""),
  event("REMOTE_COMMUNICATION", "type:x\ndata"),
  event("EVENT_NOT_YET_INVENTED", "whatever")
]

describe("crashmail's subscription (crashmailAccepts)", () => {
  it.scoped("covers every event its plugin acts on: the others are acknowledged without running it", () =>
    Effect.gen(function*() {
      const handle = yield* crashmail({ programs: [], any: true })
      const sent = Effect.flatMap(RoutesTest, (test) => test.sent)
      for (const sample of samples.filter((e) => !crashmailAccepts(e.eventName))) yield* handle(sample)
      yield* TestClock.adjust("1 second")
      expect(yield* sent).toEqual([])
      // The same handler does mail the crash it subscribes to.
      for (const sample of samples.filter((e) => crashmailAccepts(e.eventName))) yield* handle(sample)
      yield* TestClock.adjust("1 second")
      expect((yield* sent).map((alert) => alert.processes)).toEqual([["pets:cat"]])
    }).pipe(Effect.provide(layer)))
})
