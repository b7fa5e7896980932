import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { hostname } from "node:os"
import { routes } from "../../src/alerts/Routes.js"
import type { Alert } from "../../src/alerts/Transport.js"
import * as HttpFixture from "../support/http.js"

const alert: Alert = { plugin: "httpok", subject: "httpok: http://x/: bad status returned", body: "status contacting http://x/: 500" }

describe("routes with --hostname", () => {
  it.scoped("webhooks get the given host name in the host field and in the text; without it, as before", () =>
    Effect.gen(function*() {
      const http = yield* HttpFixture.make()
      const receivers = { webhooks: [http.url("/hook")], alertmanagers: [] }
      const [stamped] = routes(undefined, receivers, { name: "web-03", inSubject: true })
      yield* stamped!.send(alert)
      const [plain] = routes(undefined, receivers)
      yield* plain!.send(alert)
      const [first, second] = (yield* http.waitForRequests(2)).map((request) => JSON.parse(request.body))
      expect(first).toMatchObject({
        host: "web-03",
        subject: `[web-03] ${alert.subject}`,
        body: `${alert.body}\n\nHost: web-03`,
        text: `[web-03] ${alert.subject}\n${alert.body}\n\nHost: web-03`
      })
      expect(second).toMatchObject({ subject: alert.subject, body: alert.body })
      expect(second.host).toBe(hostname())
    }))
})
