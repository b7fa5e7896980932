import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { stamp, stampRoute } from "../../src/alerts/hostname.js"
import type { Alert, Transport } from "../../src/alerts/Transport.js"

const alert: Alert = {
  plugin: "crashmail",
  subject: "web crashed at 2026-05-01 10:00:00,123",
  body: "Process web in group app exited unexpectedly (pid 4242) from state RUNNING",
  processes: ["app:web"]
}

describe("--hostname", () => {
  it("names the host at the end of the body; the subject only with --hostname-in-subject", () => {
    expect(stamp({ name: "web-03", inSubject: false })(alert)).toEqual({
      ...alert,
      body: `${alert.body}\n\nHost: web-03`
    })
    expect(stamp({ name: "web-03", inSubject: true })(alert)).toEqual({
      ...alert,
      subject: `[web-03] ${alert.subject}`,
      body: `${alert.body}\n\nHost: web-03`
    })
  })

  it("an alert without a subject (crashsms) gets one naming the host, when asked", () => {
    const sms: Alert = { plugin: "crashsms", subject: "", body: "[app:web](1) exited unexpectedly" }
    expect(stamp({ name: "web-03", inSubject: true })(sms).subject).toBe("[web-03]")
    expect(stamp({ name: "web-03", inSubject: false })(sms).subject).toBe("")
  })

  it.effect("a stamped route sends stamped alerts; without the option the route is left as it is", () =>
    Effect.gen(function*() {
      const taken: Array<Alert> = []
      const send: Transport = (a) => Effect.sync(() => void taken.push(a))
      const route = { name: "mail", target: "mail", send }
      expect(stampRoute(undefined)(route)).toBe(route)
      yield* stampRoute({ name: "db-1", inSubject: true })(route).send(alert)
      expect(taken.map((a) => [a.subject, a.body.split("\n").at(-1)])).toEqual([[`[db-1] ${alert.subject}`, "Host: db-1"]])
    }))
})
