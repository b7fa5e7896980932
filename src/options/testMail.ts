/** `superlance test-mail`'s configuration: the transport options of crashmail, httpok and memmon. */
import * as Effect from "effect/Effect"
import type { Raw } from "./OptionTable.js"
import { listenerMail } from "./mail.js"
import { fields } from "./fields.js"
import { type UsageError, usageError } from "./UsageError.js"
import { decodeListenerMail, type MailConfig } from "./mail.js"

/** `superlance test-mail`: the transport options of crashmail, httpok and memmon. */
export const testMailTable = listenerMail
import { decodeReceivers, type Receivers } from "./receivers.js"

export interface TestMailConfig {
  readonly mail?: MailConfig | undefined
  readonly receivers?: Receivers | undefined
}

export const decodeTestMail = (raw: Raw<typeof testMailTable>): Effect.Effect<TestMailConfig, UsageError> =>
  Effect.gen(function*() {
    const f = fields(testMailTable, raw)
    const mail = yield* decodeListenerMail(f)
    const receivers = yield* decodeReceivers(f)
    if (mail === undefined && receivers === undefined) {
      return yield* usageError(
        `nothing to test: give ${f.label("email")} ADDR (with ${f.label("sendmail_program")} CMD or --smtpHost HOST), --webhook URL or --alertmanager URL`
      )
    }
    return { mail, receivers }
  })
