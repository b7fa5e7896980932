/**
 * crashmail and the batch plugins with `--tail` and with several transports: the tail is read
 * when the event arrives, and each transport has its own queue (one that is down is retried
 * alone; the others get every alert exactly once).
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Layer, TestClock } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Delivery from "../../src/alerts/Delivery.js"
import { formatAsctime } from "../../src/domain/Time.js"
import { type BatchSettings, batchListener } from "../../src/plugins/batch/batch.js"
import { crashmail } from "../../src/plugins/crashmail/crashmail.js"
import { crashmailbatch } from "../../src/plugins/batch/crashmailbatch.js"
import * as Logging from "../../src/protocol/Logging.js"
import { type Alert, NotifyError, type Route, type Transport } from "../../src/alerts/Transport.js"
import { LogTail } from "../../src/services/LogTail.js"
import { Routes } from "../../src/alerts/Routes.js"
import { SupervisorTest } from "../../src/supervisor/SupervisorTest.js"
import { processState } from "../support/envelope.js"
import { events } from "../support/events.js"
import { readSpool } from "../support/spool.js"

const crash = (name: string, pid: number, group = name) => processState("EXITED", { name, group, expected: 0, pid })

/** A transport that records what it took, and refuses while `down` says so. */
const recorder = () => {
  const taken: Array<Alert> = []
  let attempts = 0
  let down = false
  const send: Transport = (alert) =>
    Effect.suspend(() => {
      attempts++
      if (down) return Effect.fail(new NotifyError({ reason: "Unreachable", transport: "test", message: "down" }))
      taken.push(alert)
      return Effect.void
    })
  return {
    send,
    taken,
    attempts: () => attempts,
    setDown: (value: boolean) => {
      down = value
    }
  }
}

/** Delivery through these routes, spool files on the real file system. */
const delivering = (routes: ReadonlyArray<Route>) =>
  Delivery.layer.pipe(Layer.provide(Layer.merge(Routes.layer(routes), NodeFileSystem.layer)))

const tailing = (lines: number) =>
  Layer.provideMerge(LogTail.layer({ lines }), SupervisorTest.layer([{ name: "web", group: "app" }, { name: "db" }]))

const settings: BatchSettings = { interval: Duration.minutes(1), subject: "Crash alert from supervisord", queueLimit: 100 }

describe("alerts with --tail and several transports", () => {
  it.scoped("crashmail --tail: the body ends with the log's last lines, read when the event arrives", () =>
    Effect.gen(function*() {
      const mail = recorder()
      const supervisor = yield* SupervisorTest
      yield* supervisor.appendLog("app:web", "stderr", "Traceback (most recent call last):\nKeyError: 'user'\n")
      const [event] = yield* events(crash("web", 42, "app"))
      yield* Effect.gen(function*() {
        const handle = yield* crashmail({ programs: [], any: true })
        yield* handle(event!)
        // Written after the event: not in this alert.
        yield* supervisor.appendLog("app:web", "stderr", "later noise\n")
        yield* TestClock.adjust("10 millis")
      }).pipe(
        Effect.provide(Delivery.layer.pipe(
          Layer.provide(Routes.layer([{ name: "mail", target: "mail", send: mail.send }]))
        ))
      )
      expect(mail.taken.map((alert) => alert.body)).toEqual([
        "Process web in group app exited unexpectedly (pid 42) from state RUNNING\n\n"
        + "Last 2 lines of its stderr log:\nTraceback (most recent call last):\nKeyError: 'user'"
      ])
      expect(mail.taken[0]?.events).toEqual([event])
    }).pipe(Effect.provide(Layer.mergeAll(tailing(3), NodeFileSystem.layer, Logging.captureLayer([])))))

  it.scoped("crashmailbatch: the receiver that is down gets the lines later; mail gets them once, on time", () =>
    Effect.gen(function*() {
      const mail = recorder()
      const hook = recorder()
      hook.setDown(true)
      const layer = Layer.mergeAll(
        delivering([
          { name: "mail", target: "mail", send: mail.send },
          { name: "webhook", target: "webhook", send: hook.send }
        ]),
        NodeFileSystem.layer,
        LogTail.layerNone,
        Logging.captureLayer([])
      )
      yield* Effect.gen(function*() {
        const handle = yield* batchListener(crashmailbatch, settings)
        for (const event of yield* events(crash("a", 1))) yield* handle(event)
        yield* TestClock.adjust("1 minute")
        for (const event of yield* events(crash("b", 2))) yield* handle(event)
        yield* TestClock.adjust("1 minute")
        const at = formatAsctime(0)
        const line = (name: string, pid: number, time = at) => `${time} -- Process ${name}:${name} (pid ${pid}) died unexpectedly`
        expect(mail.taken.map((alert) => alert.body)).toEqual([line("a", 1), line("b", 2, formatAsctime(60_000))])
        expect(hook.taken).toEqual([])
        expect(hook.attempts()).toBeGreaterThan(2)
        hook.setDown(false)
        yield* TestClock.adjust("1 minute")
        // Both lines in one post, once; mail got nothing more.
        expect(hook.taken.map((alert) => alert.body)).toEqual([`${line("a", 1)}\n${line("b", 2, formatAsctime(60_000))}`])
        expect(hook.taken[0]?.processes).toEqual(["a:a", "b:b"])
        expect(mail.taken).toHaveLength(2)
      }).pipe(Effect.provide(layer))
    }))

  it.scoped("crashmailbatch --tail: each line is followed by its tail, indented", () =>
    Effect.gen(function*() {
      const mail = recorder()
      const supervisor = yield* SupervisorTest
      yield* supervisor.appendLog("db:db", "stdout", "listening\npanic: out of disk\n")
      yield* Effect.gen(function*() {
        const handle = yield* batchListener(crashmailbatch, settings)
        for (const event of yield* events(crash("db", 7))) yield* handle(event)
        yield* TestClock.adjust("1 minute")
      }).pipe(Effect.provide(delivering([{ name: "mail", target: "mail", send: mail.send }])))
      expect(mail.taken[0]?.body).toBe(
        `${formatAsctime(0)} -- Process db:db (pid 7) died unexpectedly\n`
        + "    Last 2 lines of its stdout log:\n    listening\n    panic: out of disk"
      )
    }).pipe(
      Effect.provide(Layer.mergeAll(tailing(5), NodeFileSystem.layer, Logging.captureLayer([])))
    ))

  it.scoped("a spool file from before (bare lines) is still read and sent; new entries keep their event", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "spool-"))
      const spoolFile = join(dir, "crashmailbatch-x.json")
      writeFileSync(spoolFile, JSON.stringify({ entries: ["old line from the last run"], dropped: 0 }))
      const mail = recorder()
      mail.setDown(true)
      yield* Effect.gen(function*() {
        const handle = yield* batchListener(crashmailbatch, { ...settings, spoolFile })
        for (const event of yield* events(crash("web", 3, "app"))) yield* handle(event)
        const stored = readSpool(spoolFile)
        // Read, and written back in the current form.
        expect(stored.entries[0]).toEqual({ line: "old line from the last run" })
        expect(stored.entries[1]).toMatchObject({ event: { processname: "web", groupname: "app", pid: "3" } })
        mail.setDown(false)
        yield* TestClock.adjust("1 minute")
      }).pipe(Effect.provide(delivering([{ name: "mail", target: "mail", send: mail.send }])))
      expect(mail.taken[0]?.body.split("\n")).toEqual([
        "old line from the last run",
        `${formatAsctime(0)} -- Process app:web (pid 3) died unexpectedly`
      ])
      expect(mail.taken[0]?.processes).toEqual(["app:web"])
    }).pipe(Effect.provide(Layer.mergeAll(NodeFileSystem.layer, LogTail.layerNone, Logging.captureLayer([])))))

  it.scoped("with several transports each queue has its own spool file", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "spool-"))
      const spoolFile = join(dir, "crashmailbatch-x.json")
      const mail = recorder()
      const hook = recorder()
      hook.setDown(true)
      // Stopped before the files are read: TestClock.adjust returns once the delivery fiber waits
      // on a spool write, and closing the scope waits for the delivery under way and its writes.
      yield* Effect.scoped(Effect.gen(function*() {
        const handle = yield* batchListener(crashmailbatch, { ...settings, spoolFile })
        for (const event of yield* events(crash("web", 3, "app"))) yield* handle(event)
        yield* TestClock.adjust("1 minute")
      })).pipe(Effect.provide(delivering([
        { name: "mail", target: "mail", send: mail.send },
        { name: "webhook", target: "webhook", send: hook.send }
      ])))
      expect(mail.taken).toHaveLength(1)
      const stored = (file: string) => readSpool(join(dir, file))
      expect(stored("crashmailbatch-x-mail.json").entries).toEqual([])
      expect(stored("crashmailbatch-x-webhook.json").entries).toHaveLength(1)
    }).pipe(Effect.provide(Layer.mergeAll(NodeFileSystem.layer, LogTail.layerNone, Logging.captureLayer([])))))
})
