import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Logger, LogLevel, TestClock } from "effect"
import * as Logging from "../../src/protocol/Logging.js"

const at = Date.parse("2026-12-02T02:41:07.250Z")

/** The lines the logger writes for `program`, at `at` on the TestClock, every level shown. */
const capture = (program: Effect.Effect<void>, format: Logging.LogFormat = "text") =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    yield* TestClock.setTime(at)
    yield* program.pipe(
      Logger.withMinimumLogLevel(LogLevel.Debug),
      Effect.provide(Logging.captureLayer(lines, format))
    )
    return lines
  })

describe("Logging", () => {
  describe("text", () => {
    it.effect("one line: the UTC time to the second, the level, the message", () =>
      Effect.gen(function*() {
        const lines = yield* capture(Effect.all([
          Effect.logDebug("checking"),
          Effect.logInfo("RSS of web:app is 2202009600"),
          Effect.logWarning("retrying"),
          Effect.logError("mail lost"),
          Effect.logFatal("cannot go on")
        ]))
        expect(lines).toEqual([
          "2026-12-02T02:41:07Z DEBUG checking",
          "2026-12-02T02:41:07Z INFO RSS of web:app is 2202009600",
          "2026-12-02T02:41:07Z WARN retrying",
          "2026-12-02T02:41:07Z ERROR mail lost",
          "2026-12-02T02:41:07Z FATAL cannot go on"
        ])
      }))

    it.effect("folds a message of several lines into one, and a cause too", () =>
      Effect.gen(function*() {
        const lines = yield* capture(Effect.all([
          Effect.logInfo("error contacting http://localhost/:\n\n connection refused\n"),
          Effect.logError("sending failed", Cause.fail("451 try again\n451 later"))
        ]))
        expect(lines).toEqual([
          "2026-12-02T02:41:07Z INFO error contacting http://localhost/: | connection refused",
          expect.stringMatching(/^2026-12-02T02:41:07Z ERROR sending failed Error: 451 try again \| 451 later/)
        ])
        expect(lines.every((line) => !line.includes("\n"))).toBe(true)
      }))

    it.effect("appends annotations as key=value", () =>
      Effect.gen(function*() {
        const lines = yield* capture(Effect.logWarning("queue full").pipe(Effect.annotateLogs("route", "web")))
        expect(lines).toEqual(["2026-12-02T02:41:07Z WARN queue full route=web"])
      }))

    it.effect("starts with the section of superlance run the line comes from", () =>
      Effect.gen(function*() {
        const lines = yield* capture(
          Effect.logWarning("queue full").pipe(Effect.annotateLogs("route", "web"), Logging.inSection("httpok 2"))
        )
        expect(lines).toEqual(["2026-12-02T02:41:07Z WARN [httpok 2] queue full route=web"])
      }))

    it.effect("takes its time from the Clock", () =>
      Effect.gen(function*() {
        const lines = yield* capture(TestClock.adjust("1 hour").pipe(Effect.zipRight(Effect.logInfo("later"))))
        expect(lines).toEqual(["2026-12-02T03:41:07Z INFO later"])
      }))
  })

  describe("json", () => {
    it.effect("one object per line: time, level, message, the annotations and the cause", () =>
      Effect.gen(function*() {
        const lines = yield* capture(
          Effect.all([
            Effect.logInfo("unexpected exit of web:app"),
            Effect.logError("line one\nline two", Cause.fail("refused")).pipe(
              Effect.annotateLogs({ section: "web", attempt: 3, level: "not this one" })
            )
          ]),
          "json"
        )
        expect(lines).toHaveLength(2)
        expect(lines.map((line) => JSON.parse(line))).toEqual([
          { time: "2026-12-02T02:41:07Z", level: "INFO", message: "unexpected exit of web:app" },
          {
            time: "2026-12-02T02:41:07Z",
            level: "ERROR",
            message: "line one | line two",
            section: "web",
            attempt: 3,
            cause: expect.stringMatching(/^Error: refused/)
          }
        ])
      }))
  })
})
