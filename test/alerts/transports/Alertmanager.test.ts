import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import * as Alertmanager from "../../../src/alerts/transports/Alertmanager.js"
import type { Alert } from "../../../src/alerts/Transport.js"
import * as HttpFixture from "../../support/http.js"

const batch: Alert = {
  plugin: "crashmailbatch",
  subject: "Crash alert from supervisord",
  body: "2024-05-01 10:00:00,000 -- Process app:web (pid 1) died unexpectedly\n"
    + "2024-05-01 10:00:01,000 -- Process db:db (pid 2) died unexpectedly",
  processes: ["app:web", "db:db"]
}

describe("Alertmanager transport", () => {
  it.scoped("posts one alert per process to /api/v2/alerts, labelled for routing", () =>
    Effect.gen(function*() {
      const http = yield* HttpFixture.make()
      yield* TestClock.setTime(Date.parse("2024-05-01T10:00:02Z"))
      yield* Alertmanager.make({ url: http.url("/") }, { host: "box1" })(batch)
      const [request] = yield* http.waitForRequests(1)
      expect(request?.path).toBe("/api/v2/alerts")
      expect(request?.headers["content-type"]).toBe("application/json")
      const annotations = { summary: batch.subject, description: batch.body }
      const common = { alertname: "ProcessCrashed", plugin: "crashmailbatch", host: "box1" }
      expect(JSON.parse(request!.body)).toEqual([
        { labels: { ...common, group: "app", process: "web" }, annotations, startsAt: "2024-05-01T10:00:02.000Z" },
        { labels: { ...common, group: "db", process: "db" }, annotations, startsAt: "2024-05-01T10:00:02.000Z" }
      ])
    }))

  it("names alerts by what happened; an alert about no process has no group/process labels", () => {
    expect(["crashmail", "crashsms", "fatalmailbatch", "httpok", "memmon", "mine"].map(Alertmanager.alertName)).toEqual([
      "ProcessCrashed",
      "ProcessCrashed",
      "ProcessFatal",
      "HttpCheckFailed",
      "MemoryLimitExceeded",
      "mine"
    ])
    const [only, ...rest] = Alertmanager.postableAlerts(
      { plugin: "crashsms", subject: "", body: "[app:web](1) exited unexpectedly\nsecond line" },
      "box1",
      new Date(0)
    )
    expect(rest).toEqual([])
    expect(only?.labels).toEqual({ alertname: "ProcessCrashed", plugin: "crashsms", host: "box1" })
    // No subject: the first line summarises.
    expect(only?.annotations.summary).toBe("[app:web](1) exited unexpectedly")
  })

  it("finds the API under a base URL with or without a path", () => {
    expect(Alertmanager.endpoint("http://am:9093").href).toBe("http://am:9093/api/v2/alerts")
    expect(Alertmanager.endpoint("http://am:9093/").href).toBe("http://am:9093/api/v2/alerts")
    expect(Alertmanager.endpoint("https://proxy/alertmanager/").href).toBe("https://proxy/alertmanager/api/v2/alerts")
    expect(Alertmanager.endpoint("http://am:9093/api/v2/alerts").href).toBe("http://am:9093/api/v2/alerts")
  })

  it.scoped("a 400 (alerts it cannot take) is Rejected with Alertmanager's reason; a 5xx is Refused", () =>
    Effect.gen(function*() {
      const http = yield* HttpFixture.make()
      const send = Alertmanager.make({ url: http.url("/") })
      http.respondOnce({ status: 400, body: "{\"code\":400,\"message\":\"labels are empty\"}" })
      const bad = yield* Effect.flip(send(batch))
      expect(bad.reason).toBe("Rejected")
      expect(bad.message).toBe(
        `alertmanager http://127.0.0.1:${http.port}/api/v2/alerts answered 400 Bad Request: {"code":400,"message":"labels are empty"}`
      )
      http.respondOnce({ status: 502 })
      expect((yield* Effect.flip(send(batch))).reason).toBe("Refused")
    }))
})
