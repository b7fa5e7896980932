import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as MailSink from "../../src/demo/MailSink.js"
import * as Smtp from "../../src/alerts/transports/Smtp.js"

describe("the demo's mail sink", () => {
  it.scopedLive("receives what the SMTP transport sends, lines starting with a dot and accents included", () =>
    Effect.gen(function*() {
      const received: Array<MailSink.ReceivedMail> = []
      const sink = yield* MailSink.make((mail) => received.push(mail))
      const send = Smtp.make({
        _tag: "Smtp",
        host: "127.0.0.1",
        port: sink.port,
        secure: "none",
        from: "superlance@demo.local",
        to: ["ops@demo.local", "dev@demo.local"]
      })
      // Plain ASCII goes as 7bit, so the lines starting with a dot reach the wire dot-stuffed.
      yield* send({ plugin: "crashmail", subject: "web crashed", body: "first line\n.\n.one dot\n..two dots" })
      yield* send({ plugin: "crashmail", subject: "second", body: "naïve café" })
      expect(received).toEqual([
        { to: ["ops@demo.local", "dev@demo.local"], subject: "web crashed", text: "first line\n.\n.one dot\n..two dots" },
        { to: ["ops@demo.local", "dev@demo.local"], subject: "second", text: "naïve café" }
      ])
    }))
})
