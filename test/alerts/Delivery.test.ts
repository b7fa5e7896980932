/**
 * One message per alert (crashmail, httpok, memmon) against a real SMTP server: a defect in the
 * transport is heard (an ERROR with its cause) and does not lose the alert.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer } from "effect"
import * as Delivery from "../../src/alerts/Delivery.js"
import { Routes } from "../../src/alerts/Routes.js"
import type { Transport } from "../../src/alerts/Transport.js"
import * as Smtp from "../../src/alerts/transports/Smtp.js"
import { crashmail } from "../../src/plugins/crashmail/crashmail.js"
import { decodeEvent } from "../../src/protocol/Payload.js"
import { LogTail } from "../../src/services/LogTail.js"
import { type Logged, recordLogs } from "../support/logLines.js"
import * as SmtpFixture from "../support/smtp.js"

const payload = "processname:cat groupname:pets from_state:RUNNING expected:0 pid:4242"
const crash = Either.getOrThrow(decodeEvent({
  header: {
    ver: "3.0",
    server: "supervisor",
    serial: 1,
    pool: "l",
    poolserial: 1,
    eventname: "PROCESS_STATE_EXITED",
    len: payload.length
  },
  payload
}))

describe("Alerts through the real SMTP transport", () => {
  it.scopedLive("a transport that dies once (a defect): an ERROR with its cause, then the crash mail arrives", () =>
    Effect.gen(function*() {
      const smtp = yield* SmtpFixture.make()
      const real = Smtp.make({
        _tag: "Smtp",
        host: smtp.host,
        port: smtp.port,
        secure: "none",
        from: "sv@example.com",
        to: ["ops@example.com"]
      })
      let calls = 0
      const dyingOnce: Transport = (alert) =>
        Effect.suspend(() => (++calls === 1 ? Effect.die(new Error("transport bug: cannot read 'host'")) : real(alert)))
      const logs: Array<Logged> = []
      const services = Delivery.layer.pipe(
        Layer.provideMerge(Routes.layer([{ name: "mail", target: "mail", send: dyingOnce }])),
        Layer.provideMerge(Layer.merge(NodeFileSystem.layer, LogTail.layerNone))
      )

      const [message] = yield* Effect.gen(function*() {
        const handle = yield* crashmail({ programs: [], any: true })
        yield* handle(crash)
        return yield* smtp.waitForMessages(1, "10 seconds")
      }).pipe(Effect.provide(services), Effect.provide(recordLogs(logs)))

      expect(message?.subject).toMatch(/^cat crashed at /)
      expect(message?.text).toContain("Process cat in group pets exited unexpectedly (pid 4242) from state RUNNING")
      const errors = logs.filter((line) => line.level === "ERROR")
      expect(errors).toHaveLength(1)
      expect(errors[0]?.message).toContain("crashmail: sending failed on a defect")
      expect(errors[0]?.cause).toContain("transport bug: cannot read 'host'")
      expect(calls).toBe(2)
    }))
})
