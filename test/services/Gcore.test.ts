import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Gcore, type GcoreRequest } from "../../src/services/Gcore.js"

/** One dump through the live service (a real child process). */
const dump = (request: GcoreRequest, options?: Parameters<typeof Gcore.make>[0]) =>
  Effect.flatMap(Gcore.make(options), (gcore) => gcore.dump(request)).pipe(Effect.provide(NodeContext.layer))

const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "superlance-gcore-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

describe("Gcore", () => {
  it.live("runs the command line with the core file and the pid, and answers its output", () =>
    Effect.gen(function*() {
      const output = yield* dump({ command: "printf '%s|%s'", corefile: "/cores/web app's", pid: 4242 })
      expect(output).toBe("/cores/web app's|4242")
    }))

  it.scopedLive("keeps stdout and stderr together, as a real gcore writes both", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const script = join(dir, "fake-gcore")
      writeFileSync(script, "#!/bin/sh\n[ \"$1\" = -o ] || exit 9\necho \"warning: no symbols\" >&2\necho \"Saved corefile $2.$3\"\ntouch \"$2.$3\"\n", { mode: 0o755 })
      const corefile = join(dir, "group:web")
      const output = yield* dump({ command: `${script} -o`, corefile, pid: 7 })
      expect(output).toContain("warning: no symbols")
      expect(output).toContain(`Saved corefile ${corefile}.7`)
      expect(existsSync(`${corefile}.7`)).toBe(true)
    }))

  it.live("a command that fails is a Failed error with its output", () =>
    Effect.gen(function*() {
      const result = yield* Effect.either(
        dump({ command: "echo 'ptrace: Operation not permitted.'; exit 1; :", corefile: "/tmp/x", pid: 1 })
      )
      expect(Either.isLeft(result) && result.left).toMatchObject({
        reason: "Failed",
        output: "ptrace: Operation not permitted.\n",
        message: "gcore command (echo 'ptrace: Operation not permitted.'; exit 1; :) exited with code 1: ptrace: Operation not permitted."
      })
    }))

  it.live("a command that does not exist is Unavailable", () =>
    Effect.gen(function*() {
      const result = yield* Effect.either(dump({ command: "/no/such/gcore -o", corefile: "/tmp/x", pid: 1 }))
      expect(Either.isLeft(result) && result.left.reason).toBe("Unavailable")
      expect(Either.isLeft(result) && result.left.message).toMatch(/^gcore command \(\/no\/such\/gcore -o\) exited with code 127: .*not found/)
    }))

  it.scopedLive("a command that hangs is stopped after the timeout, with what it started", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const marker = join(dir, "still-running")
      const result = yield* Effect.either(
        dump({
          command: `sh -c 'sleep 1; touch ${marker}' & wait; :`,
          corefile: "/tmp/x",
          pid: 1
        }, { timeout: "300 millis" })
      )
      expect(Either.isLeft(result) && result.left.reason).toBe("Timeout")
      yield* Effect.sleep("1500 millis")
      expect(existsSync(marker)).toBe(false)
    }))
})
