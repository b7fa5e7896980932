import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer } from "effect"
import * as Delivery from "../../../src/alerts/Delivery.js"
import { decodeEvent } from "../../../src/protocol/Payload.js"
import * as Logging from "../../../src/protocol/Logging.js"
import type { Alert, NotifyError, Transport } from "../../../src/alerts/Transport.js"
import { Routes } from "../../../src/alerts/Routes.js"
import * as Webhook from "../../../src/alerts/transports/Webhook.js"
import * as HttpFixture from "../../support/http.js"
import { untimed } from "../../support/logLines.js"

const event = Either.getOrThrow(decodeEvent({
  header: { ver: "3.0", server: "supervisor", serial: 1, pool: "l", poolserial: 1, eventname: "PROCESS_STATE_EXITED", len: 0 },
  payload: "processname:web groupname:app from_state:RUNNING expected:0 pid:4242"
}))

const alert: Alert = {
  plugin: "crashmail",
  subject: "web crashed at 2024-05-01 10:00:00,000",
  body: "Process web in group app exited unexpectedly (pid 4242) from state RUNNING",
  processes: ["app:web"],
  events: [event]
}

const failure = (effect: Effect.Effect<void, NotifyError>) => Effect.flip(effect)

describe("Webhook transport", () => {
  it.scoped("POSTs the alert as JSON, with a text field chat webhooks show", () =>
    Effect.gen(function*() {
      const http = yield* HttpFixture.make()
      yield* Webhook.make({ url: http.url("/hooks/T000/B000/secret?x=1") }, { host: "box1" })(alert)
      const [request] = yield* http.waitForRequests(1)
      expect(request?.method).toBe("POST")
      expect(request?.path).toBe("/hooks/T000/B000/secret?x=1")
      expect(request?.headers["content-type"]).toBe("application/json")
      expect(JSON.parse(request!.body)).toEqual({
        plugin: "crashmail",
        host: "box1",
        subject: alert.subject,
        body: alert.body,
        processes: ["app:web"],
        events: [{
          _tag: "ProcessState",
          eventName: "PROCESS_STATE_EXITED",
          processName: "web",
          groupName: "app",
          state: "EXITED",
          fromState: "RUNNING",
          expected: false,
          pid: 4242
        }],
        text: `${alert.subject}\n${alert.body}`
      })
    }))

  it.scoped("without a subject (crashsms) the text is the body alone; user:password in the URL is basic auth", () =>
    Effect.gen(function*() {
      const http = yield* HttpFixture.make()
      const url = http.url("/in").replace("http://", "http://bot:s%3Acret@")
      yield* Webhook.make({ url })({ plugin: "crashsms", subject: "", body: "[app:web](1) exited unexpectedly" })
      const [request] = yield* http.waitForRequests(1)
      const sent = JSON.parse(request!.body) as Webhook.WebhookPayload
      expect(sent.text).toBe("[app:web](1) exited unexpectedly")
      expect(sent.events).toEqual([])
      expect(request?.headers.authorization).toBe(`Basic ${Buffer.from("bot:s:cret").toString("base64")}`)
    }))

  it.scoped("answers other than 2xx are NotifyErrors that say why, without the URL's secret path", () =>
    Effect.gen(function*() {
      const http = yield* HttpFixture.make()
      const send = Webhook.make({ url: http.url("/services/T000/B000/XXXXsecret") })

      http.respondOnce({ status: 503, body: "maintenance\nback soon" })
      const unavailable = yield* failure(send(alert))
      expect(unavailable.reason).toBe("Refused")
      expect(unavailable.transport).toBe("webhook")
      expect(unavailable.message).toBe(
        `webhook http://127.0.0.1:${http.port}/services/… answered 503 Service Unavailable: maintenance back soon`
      )

      http.respondOnce({ status: 404, body: "no_service" })
      expect((yield* failure(send(alert))).reason).toBe("Rejected")
      http.respondOnce({ status: 403, body: "invalid_token" })
      expect((yield* failure(send(alert))).reason).toBe("AuthFailed")
      http.respondOnce({ status: 429 })
      expect((yield* failure(send(alert))).reason).toBe("Refused")
      http.respondOnce({ status: 302, headers: { location: "https://elsewhere.example/" } })
      const moved = yield* failure(send(alert))
      expect(moved.reason).toBe("Rejected")
      expect(moved.message).toContain("redirects to https://elsewhere.example/")

      http.respondOnce({ status: 204 })
      yield* send(alert)
      for (const error of [unavailable, moved]) expect(error.message).not.toContain("secret")
    }))

  it.scopedLive("a receiver that is down is Unreachable; one that does not answer is a Timeout", () =>
    Effect.gen(function*() {
      const http = yield* HttpFixture.make()
      http.respond({ delay: "5 seconds" })
      const slow = yield* failure(Webhook.make({ url: http.url("/") }, { timeout: "200 millis" })(alert))
      expect(slow.reason).toBe("Timeout")
      expect(slow.message).toBe(`webhook http://127.0.0.1:${http.port} did not answer within 200ms`)

      yield* http.stop
      const down = yield* failure(Webhook.make({ url: http.url("/") })(alert))
      expect(down.reason).toBe("Unreachable")
      expect(down.message).toMatch(/^webhook: cannot reach http:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/)

      const https = yield* HttpFixture.make({ tls: true })
      // Unlike httpok's probe, a webhook's certificate is verified: alerts carry what happened.
      expect((yield* failure(Webhook.make({ url: https.url("/") })(alert))).reason).toBe("TlsFailed")
    }))

  it.scopedLive("through Alerts: nothing is lost while the receiver is down, and mail is not sent twice meanwhile", () =>
    Effect.gen(function*() {
      const http = yield* HttpFixture.make()
      yield* http.stop
      const mailed: Array<string> = []
      const mail: Transport = (sent) => Effect.sync(() => void mailed.push(sent.subject))
      const logs: Array<string> = []
      const layer = Delivery.layer.pipe(
        Layer.provideMerge(Layer.mergeAll(
          Routes.layer([
            { name: "mail", target: "mail", send: mail },
            { name: "webhook", target: "webhook", send: Webhook.make({ url: http.url("/hook") }) }
          ]),
          NodeFileSystem.layer
        )),
        Layer.provideMerge(Logging.captureLayer(logs))
      )
      yield* Effect.gen(function*() {
        const alerts = yield* Delivery.alerts({ name: "crashmail" })
        yield* alerts.send(alert)
        // First attempt, and the first retry a second later, both find the receiver down.
        yield* Effect.sleep("1500 millis")
        expect(untimed(logs).some((line) => line.startsWith("WARN crashmail (webhook): could not send alert (webhook: cannot reach")))
          .toBe(true)
        yield* http.start
        const [delivered] = yield* http.waitForRequests(1, "10 seconds")
        expect(JSON.parse(delivered!.body)).toMatchObject({ subject: alert.subject, processes: ["app:web"] })
        expect(mailed).toEqual([alert.subject])
      }).pipe(Effect.provide(layer), Effect.scoped)
    }), 20_000)
})
