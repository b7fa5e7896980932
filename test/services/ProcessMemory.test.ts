import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import {
  measure,
  parsePs,
  ProcessMemory,
  ProcessMemoryTest,
  subtree
} from "../../src/services/ProcessMemory.js"

const hogScript = fileURLToPath(new URL("../e2e/programs/hog.mjs", import.meta.url))

/** Starts the hog (in its own process group) and answers its pids once its memory is in use. */
const hog = (mb: number, children = 0) =>
  Effect.acquireRelease(
    Effect.async<{ child: ChildProcess; pids: ReadonlyArray<number> }, Error>((resume) => {
      const child = spawn(process.execPath, [hogScript, String(mb), String(children)], {
        stdio: ["ignore", "pipe", "inherit"],
        detached: true
      })
      child.stdout!.setEncoding("utf8").once("data", (line: string) =>
        resume(Effect.succeed({ child, pids: line.trim().split(" ").slice(1).map(Number) })))
      child.once("error", (error) => resume(Effect.fail(error)))
    }),
    ({ child }) =>
      Effect.sync(() => {
        try {
          process.kill(-child.pid!, "SIGKILL")
        } catch {
          // already gone
        }
      })
  )

/** What `ps -o rss=` says, in bytes. */
const psRss = (pid: number) => Number(execFileSync("ps", ["-o", "rss=", "-p", String(pid)], { encoding: "utf8" }).trim()) * 1024

const within10Percent = (actual: number, expected: number) => {
  expect(actual).toBeGreaterThan(expected * 0.9)
  expect(actual).toBeLessThan(expected * 1.1)
}

const sample = (pids: ReadonlyArray<number>, cumulative = false) =>
  Effect.flatMap(ProcessMemory, (memory) => memory.sample(pids, { cumulative }))

const MB = 1024 * 1024

describe("ProcessMemory on this machine's /proc", () => {
  it.scoped("reads a process's RSS within 10 % of ps", () =>
    Effect.gen(function*() {
      const { pids: [pid] } = yield* hog(40)
      const rss = (yield* sample([pid!])).get(pid!)
      expect(rss).toBeGreaterThan(40 * MB)
      within10Percent(rss!, psRss(pid!))
    }).pipe(Effect.provide(ProcessMemory.layerProc())))

  it.scoped("cumulative: the process and all its descendants, from one sample", () =>
    Effect.gen(function*() {
      const { pids } = yield* hog(20, 2)
      const [parent] = pids
      const alone = (yield* sample([parent!])).get(parent!)!
      const total = (yield* sample([parent!], true)).get(parent!)!
      const byPs = pids.reduce((sum, pid) => sum + psRss(pid), 0)
      within10Percent(total, byPs)
      expect(total).toBeGreaterThan(alone + 2 * 20 * MB)
    }).pipe(Effect.provide(ProcessMemory.layerProc())))

  it.scoped("leaves out a process that is gone", () =>
    Effect.gen(function*() {
      const gone = Number(execFileSync("sh", ["-c", "echo $$"], { encoding: "utf8" }).trim())
      const result = yield* sample([gone, process.pid])
      expect([...result.keys()]).toEqual([process.pid])
      expect([...(yield* sample([gone, process.pid], true)).keys()]).toEqual([process.pid])
    }).pipe(Effect.provide(ProcessMemory.layerProc())))

  it.scoped("the default layer is /proc here, and agrees with ps", () =>
    Effect.gen(function*() {
      const { pids: [pid] } = yield* hog(30)
      const viaProc = (yield* sample([pid!])).get(pid!)!
      const viaPs = (yield* Effect.provide(sample([pid!]), ProcessMemory.layerPs())).get(pid!)!
      within10Percent(viaProc, viaPs)
    }).pipe(Effect.provide(ProcessMemory.layer)))
})

describe("ProcessMemory on a /proc laid out by the test", () => {
  /** A directory shaped like /proc: pid → [ppid, VmRSS kB | undefined (no status file)]. */
  const fakeProc = (processes: Record<number, readonly [number, number | undefined, string?]>) =>
    Effect.acquireRelease(
      Effect.sync(() => {
        const root = mkdtempSync(join(tmpdir(), "fake-proc-"))
        for (const [pid, [ppid, kb, comm = "prog"]] of Object.entries(processes)) {
          mkdirSync(join(root, pid))
          writeFileSync(join(root, pid, "stat"), `${pid} (${comm}) S ${ppid} ${pid} ${pid} 0 -1 4194560 0 0\n`)
          if (kb !== undefined) {
            writeFileSync(join(root, pid, "status"), `Name:\t${comm}\nState:\tS (sleeping)\nVmRSS:\t  ${kb} kB\nThreads:\t1\n`)
          }
        }
        writeFileSync(join(root, "meminfo"), "MemTotal: 1 kB\n")
        mkdirSync(join(root, "self"))
        return root
      }),
      (root) => Effect.sync(() => rmSync(root, { recursive: true, force: true }))
    )

  it.scoped("sums the descendants, skips quietly those that vanished mid-scan, and reads odd command names", () =>
    Effect.gen(function*() {
      const root = yield* fakeProc({
        100: [1, 1000],
        101: [100, 200, "a (weird) name"],
        102: [101, 30],
        103: [100, undefined], // listed in the scan, gone before its status was read
        104: [1, undefined], // asked about, gone
        105: [1, 7]
      })
      const memory = ProcessMemory.layerProc(root)
      const plain = yield* Effect.provide(sample([100, 101, 104, 999]), memory)
      expect([...plain]).toEqual([[100, 1000 * 1024], [101, 200 * 1024]])
      const cumulative = yield* Effect.provide(sample([100, 101, 104, 105, 999], true), memory)
      expect([...cumulative]).toEqual([[100, 1230 * 1024], [101, 230 * 1024], [105, 7 * 1024]])
    }))

  it.scoped("a process without VmRSS (a zombie) counts as 0", () =>
    Effect.gen(function*() {
      const root = yield* fakeProc({ 100: [1, 5] })
      writeFileSync(join(root, "100", "status"), "Name:\tzombie\nState:\tZ (zombie)\n")
      expect([...(yield* Effect.provide(sample([100]), ProcessMemory.layerProc(root)))]).toEqual([[100, 0]])
    }))

  it.effect("a /proc that cannot be listed fails the cumulative sample with a readable error", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.provide(sample([1], true), ProcessMemory.layerProc("/nonexistent/proc")))
      expect(error.reason).toBe("ProcUnreadable")
      expect(error.message).toMatch(/^cannot read the process table in \/proc: .*ENOENT/)
    }))
})

describe("ProcessMemory through ps", () => {
  it("parses ps -axo pid=,ppid=,rss= (KiB)", () => {
    expect(parsePs("    1     0 11792\n  204     1     0\ngarbage\n 9 204 4\n")).toEqual([
      { pid: 1, ppid: 0, rss: 11792 * 1024 },
      { pid: 204, ppid: 1, rss: 0 },
      { pid: 9, ppid: 204, rss: 4096 }
    ])
  })

  it.effect("a ps that cannot run is a readable error", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.provide(sample([1]), ProcessMemory.layerPs("/nonexistent/ps")))
      expect(error.reason).toBe("PsFailed")
      expect(error.message).toMatch(/^cannot read the process table with ps: .*ENOENT/)
    }))

  it.scoped("one ps serves the cumulative view", () =>
    Effect.gen(function*() {
      const { pids } = yield* hog(10, 1)
      const total = (yield* Effect.provide(sample([pids[0]!], true), ProcessMemory.layerPs())).get(pids[0]!)!
      within10Percent(total, psRss(pids[0]!) + psRss(pids[1]!))
    }))
})

describe("process tables", () => {
  const table = [
    { pid: 1, ppid: 0, rss: 1 },
    { pid: 2, ppid: 1, rss: 10 },
    { pid: 3, ppid: 2, rss: 100 },
    { pid: 4, ppid: 1, rss: 1000 }
  ]

  it("measure: alone or with all descendants; unknown pids left out", () => {
    expect([...measure(table, [2, 9])]).toEqual([[2, 10]])
    expect([...measure(table, [2, 1, 9], { cumulative: true })]).toEqual([[2, 110], [1, 1111]])
  })

  it("subtree never loops, even on a table that shows a cycle", () => {
    const children = new Map([[1, [2]], [2, [1, 3]]])
    expect(subtree(children, 1).sort()).toEqual([1, 2, 3])
  })

  it.effect("the test layer serves its script and records each sample", () =>
    Effect.gen(function*() {
      const control = yield* ProcessMemoryTest
      yield* control.setRss(3, 5)
      expect([...(yield* sample([1], true))]).toEqual([[1, 1016]])
      expect(yield* control.samples).toEqual([{ pids: [1], cumulative: true }])
    }).pipe(Effect.provide(ProcessMemory.layerTest(table))))
})
