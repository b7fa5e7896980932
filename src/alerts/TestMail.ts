/**
 * `superlance test-mail [transport options]`: one test message through each configured
 * transport, with one line per transport saying whether it went and, if not, why; so an
 * operator can check a listener's options by hand before supervisord runs it.
 */
import { hostname } from "node:os"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type { Alert } from "../domain/Alert.js"
import { asctime } from "../domain/Time.js"
import type { Route } from "./Transport.js"

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

/** Sends the test message through each route; the lines go through Effect's Console (the CLI's console module). */
export const testMail = (all: ReadonlyArray<Route>): Effect.Effect<void, TestMailFailed> =>
  Effect.gen(function*() {
    const alert = testMessage(hostname(), yield* asctime)
    let failed = 0
    for (const route of all) {
      const result = yield* Effect.either(route.send(alert))
      if (result._tag === "Right") {
        yield* Console.log(`OK ${route.target}: ${accepted(route.target)}`)
      } else {
        failed++
        yield* Console.error(`FAILED ${route.target}: ${result.left.message}`)
      }
    }
    if (failed > 0) return yield* new TestMailFailed({ failed, total: all.length })
  })
