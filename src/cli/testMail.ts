/**
 * `superlance test-mail [transport options]`: one test message through each configured
 * transport, with one line per transport saying whether it went and, if not, why; so an
 * operator can check a listener's options by hand before supervisord runs it.
 */
import { hostname } from "node:os"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { asctime } from "../alerts/asctime.js"
import type { TestMailConfig } from "../config/testMail.js"
import type { Alert } from "../services/Alert.js"
import { print, printError } from "./Console.js"
import { routes } from "./routes.js"

export class TestMailFailed extends Data.TaggedError("TestMailFailed")<{
  readonly failed: number
  readonly total: number
}> {
  override get message() {
    return this.total === 1 ? "the test message was not sent" : `${this.failed} of ${this.total} transports failed`
  }
}

/** What success means: sendmail only says it took the message, the others that they got it. */
const accepted = (target: string): string =>
  target.startsWith("mail by sendmail")
    ? "handed to sendmail (if nothing arrives, look in the mail system's log)"
    : "accepted"

export const testMessage = (host: string, time: string): Alert => ({
  plugin: "test-mail",
  subject: `superlance test message from ${host}`,
  body: [
    `This is a test message sent by 'superlance test-mail' on ${host} at ${time}.`,
    "Alerts from superlance's listeners with the same options travel the same way."
  ].join("\n")
})

export const testMail = (config: TestMailConfig): Effect.Effect<void, TestMailFailed> =>
  Effect.gen(function*() {
    const alert = testMessage(hostname(), yield* asctime)
    const all = routes(config.mail, config.receivers)
    let failed = 0
    for (const route of all) {
      const result = yield* Effect.either(route.send(alert))
      if (result._tag === "Right") {
        yield* print(`OK ${route.target}: ${accepted(route.target)}`)
      } else {
        failed++
        yield* printError(`FAILED ${route.target}: ${result.left.message}`)
      }
    }
    if (failed > 0) return yield* new TestMailFailed({ failed, total: all.length })
  })
