import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import * as Logging from "../../src/protocol/Logging.js"
import { formatTail, lastLines, LogTail, TailResult } from "../../src/services/LogTail.js"
import { RpcFault, RpcTransportError } from "../../src/supervisor/SupervisorError.js"
import { SupervisorTest } from "../../src/supervisor/SupervisorTest.js"

const withTail = (lines: number) =>
  Layer.provideMerge(
    LogTail.layer({ lines }),
    SupervisorTest.layer([{ name: "web", group: "app" }, { name: "quiet" }])
  ).pipe(Layer.provideMerge(Logging.captureLayer([])))

const read = (namespec: string) => Effect.map(LogTail.read(namespec), Option.getOrThrow)

describe("LogTail", () => {
  it.effect("the last N lines of the stderr log", () =>
    Effect.gen(function*() {
      const supervisor = yield* SupervisorTest
      yield* supervisor.appendLog("app:web", "stderr", "one\ntwo\nthree\nfour\n")
      yield* supervisor.appendLog("app:web", "stdout", "ignored while stderr has text\n")
      const result = yield* read("app:web")
      expect(result).toEqual(TailResult.Lines({ channel: "stderr", lines: ["three", "four"], cut: false }))
      expect(formatTail(result)).toBe("Last 2 lines of its stderr log:\nthree\nfour")
      expect(formatTail(result, "    ")).toBe("    Last 2 lines of its stderr log:\n    three\n    four")
      // Read from the start of the log with a bounded window, as supervisord's tail wants.
      expect(yield* supervisor.callsOf("tailProcessStderrLog")).toEqual([["app:web", 0, 4096]])
    }).pipe(Effect.provide(withTail(2))))

  it.effect("falls back to the stdout log when stderr is empty (redirect_stderr=true)", () =>
    Effect.gen(function*() {
      const supervisor = yield* SupervisorTest
      yield* supervisor.appendLog("app:web", "stdout", "Traceback (most recent call last):\r\nValueError: boom\r\n")
      const result = yield* read("app:web")
      expect(result).toEqual(
        TailResult.Lines({ channel: "stdout", lines: ["Traceback (most recent call last):", "ValueError: boom"], cut: false })
      )
      expect(formatTail(result)).toContain("of its stdout log:")
    }).pipe(Effect.provide(withTail(5))))

  it.effect("says so when both logs are empty", () =>
    Effect.gen(function*() {
      const result = yield* read("quiet")
      expect(result).toEqual(TailResult.Empty())
      expect(formatTail(result)).toBe("(nothing in its stderr and stdout logs)")
    }).pipe(Effect.provide(withTail(5))))

  it.effect("a log longer than the window: the partial first line is marked", () =>
    Effect.gen(function*() {
      const supervisor = yield* SupervisorTest
      const long = "x".repeat(5000)
      yield* supervisor.appendLog("app:web", "stderr", `${long}\nlast words\n`)
      const result = yield* read("app:web")
      if (result._tag !== "Lines") return expect.fail(`expected lines, got ${result._tag}`)
      expect(result.cut).toBe(true)
      expect(result.lines[1]).toBe("last words")
      // Very long lines are shortened, not dropped.
      expect(result.lines[0]!.length).toBeLessThanOrEqual(500)
      expect(formatTail(result).split("\n")[1]).toMatch(/^…x+…$/)
    }).pipe(Effect.provide(withTail(5))))

  it.effect("shrinks the window when supervisord cannot decode it (a UTF-8 character cut in half)", () =>
    Effect.gen(function*() {
      const supervisor = yield* SupervisorTest
      yield* supervisor.appendLog("app:web", "stderr", "héllo\n")
      const http500 = new RpcTransportError({ reason: "HttpStatus", url: "unix:///x", status: 500, detail: "" })
      yield* supervisor.setFault("tailProcessStderrLog", http500, { times: 2 })
      const result = yield* read("app:web")
      expect(result).toEqual(TailResult.Lines({ channel: "stderr", lines: ["héllo"], cut: false }))
      expect((yield* supervisor.callsOf("tailProcessStderrLog")).map((args) => args[2])).toEqual([4096, 4095, 4094])
    }).pipe(Effect.provide(withTail(5))))

  it.effect("a failure is reported in the alert, never fails it", () =>
    Effect.gen(function*() {
      const result = yield* read("app:nosuch")
      expect(result._tag).toBe("Failed")
      expect(formatTail(result)).toBe("(cannot read the log of app:nosuch: BAD_NAME: app:nosuch)")
      const supervisor = yield* SupervisorTest
      yield* supervisor.setFault("tailProcessStderrLog", RpcFault.of("FAILED", "disk on fire"))
      expect(formatTail(yield* read("app:web"))).toContain("disk on fire")
    }).pipe(Effect.provide(withTail(5))))

  it.effect("layerNone reads nothing and needs no supervisord", () =>
    Effect.gen(function*() {
      expect(yield* LogTail.read("app:web")).toEqual(Option.none())
    }).pipe(Effect.provide(LogTail.layerNone)))

  it("lastLines keeps the last N, without the final newline", () => {
    expect(lastLines("a\nb\nc\n", 2, false)).toEqual({ lines: ["b", "c"], cut: false })
    expect(lastLines("a\nb\n\n\n", 5, false)).toEqual({ lines: ["a", "b"], cut: false })
    expect(lastLines("tail of a line\nwhole\n", 5, true)).toEqual({ lines: ["tail of a line", "whole"], cut: true })
    expect(lastLines("dropped\nkept\n", 1, true)).toEqual({ lines: ["kept"], cut: false })
  })
})
