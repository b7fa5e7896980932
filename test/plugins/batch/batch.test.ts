import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Layer, TestClock } from "effect"
import { formatAsctime } from "../../../src/domain/Time.js"
import { type BatchSettings, batchListener, type BatchPlugin } from "../../../src/plugins/batch/batch.js"
import { crashmailbatch } from "../../../src/plugins/batch/crashmailbatch.js"
import { crashsms } from "../../../src/plugins/batch/crashsms.js"
import { fatalmailbatch } from "../../../src/plugins/batch/fatalmailbatch.js"
import * as Logging from "../../../src/protocol/Logging.js"
import { LogTail } from "../../../src/services/LogTail.js"
import * as Delivery from "../../../src/alerts/Delivery.js"
import { Routes, RoutesTest } from "../../../src/alerts/Routes.js"
import { processState } from "../../support/envelope.js"
import { drive, events } from "../../support/events.js"


const layer = Layer.mergeAll(
  Delivery.layer.pipe(Layer.provideMerge(Layer.mergeAll(Routes.layerTest, NodeFileSystem.layer))),
  Logging.captureLayer([]),
  LogTail.layerNone
)
const config: BatchSettings = { interval: Duration.minutes(1), subject: "Crash alert from supervisord", queueLimit: 10_000 }

const feed = (plugin: BatchPlugin, batch: BatchSettings, envelopes: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const handle = yield* batchListener(plugin, batch)
    yield* drive(handle, ...envelopes)
  })

const exited = (name: string, expected: 0 | 1, pid: number, group = name) =>
  processState("EXITED", { name, group, expected, pid })

describe("batch plugins", () => {
  it.scoped("crashmailbatch: two crashes make exactly one mail after the interval, none before", () =>
    Effect.gen(function*() {
      const notifier = yield* RoutesTest
      yield* feed(crashmailbatch, config, [exited("cat", 0, 11, "pets"), exited("ok", 1, 12), exited("dog", 0, 13, "pets")])
      yield* TestClock.adjust("59 seconds")
      expect(yield* notifier.sent).toEqual([])
      yield* TestClock.adjust("1 second")
      const at = formatAsctime(0)
      expect(yield* notifier.sent).toMatchObject([{
        plugin: "crashmailbatch",
        subject: "Crash alert from supervisord",
        body: `${at} -- Process pets:cat (pid 11) died unexpectedly\n${at} -- Process pets:dog (pid 13) died unexpectedly`,
        processes: ["pets:cat", "pets:dog"]
      }])
    }).pipe(Effect.provide(layer)))

  it.scoped("fatalmailbatch: collects FATAL events only", () =>
    Effect.gen(function*() {
      const notifier = yield* RoutesTest
      yield* feed(fatalmailbatch, { ...config, subject: "Fatal start alert from supervisord" }, [
        processState("FATAL", { name: "web", from: "BACKOFF" }),
        exited("cat", 0, 11)
      ])
      yield* TestClock.adjust("1 minute")
      const sent = yield* notifier.sent
      expect(sent.map((alert) => [alert.subject, alert.body])).toEqual([[
        "Fatal start alert from supervisord",
        `${formatAsctime(0)} -- Process web:web failed to start too many times`
      ]])
    }).pipe(Effect.provide(layer)))

  it.scoped("crashsms: SMS-shaped lines, no subject by default, on its own interval", () =>
    Effect.gen(function*() {
      const notifier = yield* RoutesTest
      yield* feed(crashsms, { ...config, subject: "", interval: Duration.minutes(5) }, [exited("cat", 0, 42, "pets")])
      yield* TestClock.adjust("4 minutes")
      expect(yield* notifier.sent).toEqual([])
      yield* TestClock.adjust("1 minute")
      const sent = yield* notifier.sent
      expect(sent.map((alert) => [alert.subject, alert.body])).toEqual([[
        "",
        `[pets:cat](42) exited unexpectedly ${formatAsctime(0)}`
      ]])
    }).pipe(Effect.provide(layer)))

  it.scoped("keeps the batch while the mail server refuses, and later crashes join it", () =>
    Effect.gen(function*() {
      const notifier = yield* RoutesTest
      yield* notifier.failNext(2, "Refused")
      const handle = yield* batchListener(crashmailbatch, config)
      for (const event of yield* events(exited("a", 0, 1))) yield* handle(event)
      yield* TestClock.adjust("1 minute") // refused
      for (const event of yield* events(exited("b", 0, 2))) yield* handle(event)
      yield* TestClock.adjust("1 second") // refused again
      yield* TestClock.adjust("2 seconds") // accepted
      const sent = yield* notifier.sent
      expect(sent).toHaveLength(1)
      expect(sent[0]!.body.split("\n").map((line) => line.replace(/^.* -- /, ""))).toEqual([
        "Process a:a (pid 1) died unexpectedly",
        "Process b:b (pid 2) died unexpectedly"
      ])
      expect(yield* notifier.attempts).toHaveLength(3)
    }).pipe(Effect.provide(layer)))

  it.scoped("--rate-limit 2/10m: past 2 lines per process, its further lines become one line per batch", () =>
    Effect.gen(function*() {
      const notifier = yield* RoutesTest
      const limited = { ...config, rateLimit: { max: 2, window: Duration.minutes(10) } }
      const handle = yield* batchListener(crashmailbatch, limited)
      const crash = (name: string, pid: number) => events(exited(name, 0, pid, "pets"))
      for (const envelope of [...(yield* crash("cat", 1)), ...(yield* crash("cat", 2)), ...(yield* crash("cat", 3))]) {
        yield* handle(envelope)
      }
      for (const envelope of [...(yield* crash("dog", 4)), ...(yield* crash("cat", 5)), ...(yield* crash("cat", 6))]) {
        yield* handle(envelope)
      }
      yield* TestClock.adjust("1 minute")
      const at = formatAsctime(0)
      expect((yield* notifier.sent).map((alert) => alert.body)).toEqual([[
        `${at} -- Process pets:cat (pid 1) died unexpectedly`,
        `${at} -- Process pets:cat (pid 2) died unexpectedly`,
        "… 3 more from pets:cat suppressed",
        `${at} -- Process pets:dog (pid 4) died unexpectedly`
      ].join("\n")])
      // Still within the window: the next batch has only the count.
      for (const envelope of yield* crash("cat", 7)) yield* handle(envelope)
      yield* TestClock.adjust("1 minute")
      const [, second] = yield* notifier.sent
      expect(second).toMatchObject({ body: "… 1 more from pets:cat suppressed", processes: ["pets:cat"], events: [] })
    }).pipe(Effect.provide(layer)))
})
