import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { request as httpRequest } from "node:http"
import { request as httpsRequest } from "node:https"
import * as HttpFixture from "./http.js"

interface Answer {
  readonly status: number
  readonly body: string
  readonly headers: Record<string, string | Array<string> | undefined>
}

/** A plain node request, so the fixture is checked without the code under test. */
const get = (url: string, headers: Record<string, string> = {}) =>
  Effect.async<Answer, Error>((resume) => {
    const request = (url.startsWith("https:") ? httpsRequest : httpRequest)(
      url,
      { headers, rejectUnauthorized: false, agent: false },
      (response) => {
        const chunks: Array<Buffer> = []
        response.on("data", (chunk: Buffer) => chunks.push(chunk))
        response.on("end", () =>
          resume(Effect.succeed({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString("utf8"),
            headers: response.headers
          })))
      }
    )
    request.on("error", (error) => resume(Effect.fail(error)))
    request.end()
  })

describe("HTTP fixture", () => {
  it.scopedLive("answers 200 with an empty body until told otherwise, and records requests", () =>
    Effect.gen(function*() {
      const http = yield* HttpFixture.make()
      const answer = yield* get(http.url("/health?x=1"), { "User-Agent": "httpok" })
      expect([answer.status, answer.body]).toEqual([200, ""])
      const [request] = yield* http.waitForRequests(1)
      expect(request!.method).toBe("GET")
      expect(request!.path).toBe("/health?x=1")
      expect(request!.headers["user-agent"]).toBe("httpok")
    }))

  it.scopedLive("scripted replies are used once, in order, then the standing reply", () =>
    Effect.gen(function*() {
      const http = yield* HttpFixture.make()
      http.respond({ status: 503, body: "maintenance" })
      http.respondOnce({ status: 200, body: "first" })
      http.respondOnce({ status: 404, body: "second", headers: { "x-test": "yes" } })
      const first = yield* get(http.url())
      const second = yield* get(http.url())
      const third = yield* get(http.url())
      expect([first.status, first.body]).toEqual([200, "first"])
      expect([second.status, second.body, second.headers["x-test"]]).toEqual([404, "second", "yes"])
      expect([third.status, third.body]).toEqual([503, "maintenance"])
    }))

  it.scopedLive("delays a reply, or drops the connection", () =>
    Effect.gen(function*() {
      const http = yield* HttpFixture.make()
      http.respondOnce({ delay: "300 millis", body: "late" })
      const started = Date.now()
      expect((yield* get(http.url())).body).toBe("late")
      expect(Date.now() - started).toBeGreaterThanOrEqual(290)
      http.respondOnce({ drop: true })
      const error = yield* Effect.flip(get(http.url()))
      expect(error.message).toMatch(/socket hang up|ECONNRESET/)
    }))

  it.scopedLive("refuses connections while stopped and answers again on the same port", () =>
    Effect.gen(function*() {
      const http = yield* HttpFixture.make()
      const port = http.port
      yield* http.stop
      const error = yield* Effect.flip(get(http.url()))
      expect(error.message).toContain("ECONNREFUSED")
      yield* http.start
      expect(http.port).toBe(port)
      expect((yield* get(http.url())).status).toBe(200)
    }))

  it.scopedLive("serves HTTPS with a self-signed certificate", () =>
    Effect.gen(function*() {
      const http = yield* HttpFixture.make({ tls: true })
      http.respond({ body: "secure ok" })
      expect(http.url()).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/)
      expect((yield* get(http.url())).body).toBe("secure ok")
    }))
})
