/**
 * Resident memory (RSS) of processes, as memmon samples it once per tick. On Linux it is read
 * from /proc without starting any process: `/proc/<pid>/status` for the pids asked about, and
 * for the cumulative view one scan of every process's `stat` file to find the descendants.
 * Elsewhere one `ps -axo pid=,ppid=,rss=` per sample serves both views.
 */
import * as NodeCommandExecutor from "@effect/platform-node/NodeCommandExecutor"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as PlatformCommand from "@effect/platform/Command"
import * as CommandExecutor from "@effect/platform/CommandExecutor"
import * as fs from "node:fs"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"

/** One row of a process table; `rss` in bytes. */
export interface ProcessEntry {
  readonly pid: number
  readonly ppid: number
  readonly rss: number
}

export interface SampleOptions {
  /** Count each process together with all its descendants (memmon `-c`). */
  readonly cumulative?: boolean | undefined
}

export class ProcessMemoryError extends Data.TaggedError("ProcessMemoryError")<{
  /** `ProcUnreadable`: /proc could not be listed; `PsFailed`: ps did not run or said nothing usable. */
  readonly reason: "ProcUnreadable" | "PsFailed"
  readonly detail: string
}> {
  override get message(): string {
    return this.reason === "ProcUnreadable"
      ? `cannot read the process table in /proc: ${this.detail}`
      : `cannot read the process table with ps: ${this.detail}`
  }
}

export interface ProcessMemoryService {
  /**
   * RSS in bytes of each of `pids`, with `cumulative` summed over the process and all its
   * descendants. A process that is gone (or vanishes while being read) is left out of the map.
   */
  readonly sample: (
    pids: ReadonlyArray<number>,
    options?: SampleOptions
  ) => Effect.Effect<ReadonlyMap<number, number>, ProcessMemoryError>
}

// ---------------------------------------------------------------------------
// Process trees

/** `pid` and all its descendants, from a parent → children map. */
export const subtree = (children: ReadonlyMap<number, ReadonlyArray<number>>, pid: number): Array<number> => {
  const seen = new Set<number>([pid])
  const stack = [pid]
  while (stack.length > 0) {
    for (const child of children.get(stack.pop()!) ?? []) {
      // A table read while processes come and go could in theory show a loop; never follow one.
      if (!seen.has(child)) {
        seen.add(child)
        stack.push(child)
      }
    }
  }
  return [...seen]
}

const childrenMap = (rows: Iterable<{ readonly pid: number; readonly ppid: number }>) => {
  const children = new Map<number, Array<number>>()
  for (const { pid, ppid } of rows) {
    const siblings = children.get(ppid)
    if (siblings === undefined) children.set(ppid, [pid])
    else siblings.push(pid)
  }
  return children
}

/** The sample from a complete process table (what `ps` prints, or a test's script). */
export const measure = (
  table: Iterable<ProcessEntry>,
  pids: ReadonlyArray<number>,
  options: SampleOptions = {}
): Map<number, number> => {
  const byPid = new Map<number, ProcessEntry>()
  for (const entry of table) byPid.set(entry.pid, entry)
  const children = options.cumulative === true ? childrenMap(byPid.values()) : undefined
  const result = new Map<number, number>()
  for (const pid of pids) {
    if (!byPid.has(pid)) continue
    const members = children === undefined ? [pid] : subtree(children, pid)
    result.set(pid, members.reduce((sum, member) => sum + (byPid.get(member)?.rss ?? 0), 0))
  }
  return result
}

// ---------------------------------------------------------------------------
// Linux: /proc

/** /proc files are small and read whole in one call; one buffer serves every read. */
const buffer = Buffer.allocUnsafe(8192)

/** A /proc file's text, or undefined when the process is gone (or hidden from us). */
const readProcFile = (path: string): string | undefined => {
  let fd: number | undefined
  try {
    fd = fs.openSync(path, "r")
    const n = fs.readSync(fd, buffer, 0, buffer.length, 0)
    return buffer.toString("latin1", 0, n)
  } catch {
    return undefined
  } finally {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd)
      } catch {
        // nothing to do: the descriptor is gone either way
      }
    }
  }
}

const VM_RSS = /^VmRSS:\s*(\d+)\s*kB/m

/** RSS in bytes from `/proc/<pid>/status`; a zombie or a kernel thread has no VmRSS line: 0. */
const readRss = (root: string, pid: number): number | undefined => {
  const status = readProcFile(`${root}/${pid}/status`)
  if (status === undefined) return undefined
  const match = VM_RSS.exec(status)
  return match === null ? 0 : Number(match[1]) * 1024
}

/** The parent pid from `/proc/<pid>/stat`; the command name (field 2) may contain spaces and parens. */
const readPpid = (root: string, pid: number): number | undefined => {
  const stat = readProcFile(`${root}/${pid}/stat`)
  if (stat === undefined) return undefined
  const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1])
  return Number.isInteger(ppid) ? ppid : undefined
}

/** Every process's parent, from one scan of the process table. */
const scanParents = (root: string): Effect.Effect<Array<{ pid: number; ppid: number }>, ProcessMemoryError> =>
  Effect.try({
    try: () => fs.readdirSync(root),
    catch: (error) => new ProcessMemoryError({ reason: "ProcUnreadable", detail: String(error) })
  }).pipe(Effect.map((entries) => {
    const rows: Array<{ pid: number; ppid: number }> = []
    for (const entry of entries) {
      if (!/^\d+$/.test(entry)) continue
      const pid = Number(entry)
      const ppid = readPpid(root, pid)
      if (ppid !== undefined) rows.push({ pid, ppid })
    }
    return rows
  }))

/** Samples from a /proc file system at `root` (a directory laid out like /proc, in tests). */
export const makeProc = (root = "/proc"): ProcessMemoryService => ({
  sample: (pids, options = {}) => {
    if (options.cumulative !== true) {
      return Effect.sync(() => {
        const result = new Map<number, number>()
        for (const pid of pids) {
          const rss = readRss(root, pid)
          if (rss !== undefined) result.set(pid, rss)
        }
        return result
      })
    }
    return Effect.map(scanParents(root), (rows) => {
      const children = childrenMap(rows)
      const listed = new Set(rows.map((row) => row.pid))
      const rssOf = new Map<number, number | undefined>()
      const result = new Map<number, number>()
      for (const pid of pids) {
        if (!listed.has(pid)) continue
        let total = 0
        let gone = false
        for (const member of subtree(children, pid)) {
          if (!rssOf.has(member)) rssOf.set(member, readRss(root, member))
          const rss = rssOf.get(member)
          // A descendant that exited since the scan no longer uses memory; the process itself must still be there.
          if (rss === undefined && member === pid) gone = true
          total += rss ?? 0
        }
        if (!gone) result.set(pid, total)
      }
      return result
    })
  }
})

// ---------------------------------------------------------------------------
// Elsewhere: ps

/** Parses `ps -axo pid=,ppid=,rss=` (rss in KiB). */
export const parsePs = (output: string): Array<ProcessEntry> => {
  const entries: Array<ProcessEntry> = []
  for (const line of output.split("\n")) {
    const match = /^\s*(\d+)\s+(\d+)\s+(\d+)\s*$/.exec(line)
    if (match !== null) entries.push({ pid: Number(match[1]), ppid: Number(match[2]), rss: Number(match[3]) * 1024 })
  }
  return entries
}

/** The process table from one run of `command` (rss in KiB, as `ps -axo pid=,ppid=,rss=` writes it). */
const psTable = (command: string) =>
  Effect.scoped(Effect.gen(function*() {
    const child = yield* PlatformCommand.start(
      PlatformCommand.make(command, "-axo", "pid=,ppid=,rss=").pipe(PlatformCommand.env({ LC_ALL: "C" }))
    )
    const [stdout, stderr, code] = yield* Effect.all([
      Stream.mkString(Stream.decodeText(child.stdout)),
      Stream.mkString(Stream.decodeText(child.stderr)),
      child.exitCode
    ], { concurrency: 3 })
    return { stdout, stderr, code: Number(code) }
  })).pipe(
    Effect.mapError((error) => new ProcessMemoryError({ reason: "PsFailed", detail: error.message })),
    Effect.flatMap(({ code, stderr, stdout }) => {
      const entries = parsePs(stdout)
      if (entries.length > 0) return Effect.succeed(entries)
      const said = stderr.trim().split("\n")[0] ?? ""
      const detail = code !== 0 ? (said === "" ? `it exited with code ${code}` : said) : "it listed no processes"
      return Effect.fail(new ProcessMemoryError({ reason: "PsFailed", detail }))
    })
  )

/** Samples with one `ps` per call; `command` is the ps program (a path, in tests). */
export const makePs = (
  command = "ps"
): Effect.Effect<ProcessMemoryService, never, CommandExecutor.CommandExecutor> =>
  Effect.map(CommandExecutor.CommandExecutor, (executor) => ({
    sample: (pids, options) =>
      psTable(command).pipe(
        Effect.provideService(CommandExecutor.CommandExecutor, executor),
        Effect.map((entries) => measure(entries, pids, options))
      )
  }))

// ---------------------------------------------------------------------------
// Service and layers

export interface ProcessMemoryTestService {
  /** Replaces the scripted process table. */
  readonly setTable: (table: ReadonlyArray<TestEntry>) => Effect.Effect<void>
  /** Changes one process's RSS (bytes), adding it (child of pid 1) when it is not in the table. */
  readonly setRss: (pid: number, rss: number) => Effect.Effect<void>
  /** Makes every sample fail with this error until cleared with `undefined`. */
  readonly setFailure: (error: ProcessMemoryError | undefined) => Effect.Effect<void>
  /** Every call to `sample` so far. */
  readonly samples: Effect.Effect<ReadonlyArray<{ readonly pids: ReadonlyArray<number>; readonly cumulative: boolean }>>
}

/** A row of the scripted table; `ppid` defaults to 1. */
export type TestEntry = Omit<ProcessEntry, "ppid"> & { readonly ppid?: number }

export class ProcessMemoryTest extends Context.Tag("superlance/ProcessMemoryTest")<
  ProcessMemoryTest,
  ProcessMemoryTestService
>() {}

const makeTest = (initial: ReadonlyArray<TestEntry>) =>
  Effect.sync(() => {
    const complete = (entry: TestEntry): ProcessEntry => ({ ppid: 1, ...entry })
    let table = initial.map(complete)
    let failure: ProcessMemoryError | undefined
    const samples: Array<{ pids: ReadonlyArray<number>; cumulative: boolean }> = []
    const service: ProcessMemoryService = {
      sample: (pids, options = {}) =>
        Effect.suspend(() => {
          samples.push({ pids: [...pids], cumulative: options.cumulative === true })
          return failure === undefined ? Effect.succeed(measure(table, pids, options)) : Effect.fail(failure)
        })
    }
    const control: ProcessMemoryTestService = {
      setTable: (next) => Effect.sync(() => void (table = next.map(complete))),
      setRss: (pid, rss) =>
        Effect.sync(() => {
          const found = table.some((entry) => entry.pid === pid)
          table = found
            ? table.map((entry) => (entry.pid === pid ? { ...entry, rss } : entry))
            : [...table, { pid, ppid: 1, rss }]
        }),
      setFailure: (error) => Effect.sync(() => void (failure = error)),
      samples: Effect.sync(() => [...samples])
    }
    return Context.make(ProcessMemory, service).pipe(Context.add(ProcessMemoryTest, control))
  })

const hasProc = (): boolean => fs.existsSync("/proc/self/status")

/** ps runs as a child process of this one. */
const nodeCommands = Layer.provide(NodeCommandExecutor.layer, NodeFileSystem.layer)

export class ProcessMemory extends Context.Tag("superlance/ProcessMemory")<ProcessMemory, ProcessMemoryService>() {
  /** /proc where there is one (Linux), ps elsewhere. */
  static readonly make: Effect.Effect<ProcessMemoryService, never, CommandExecutor.CommandExecutor> = Effect.suspend(
    () => (hasProc() ? Effect.succeed(makeProc()) : makePs())
  )
  static readonly layer: Layer.Layer<ProcessMemory> = Layer.effect(ProcessMemory, ProcessMemory.make).pipe(
    Layer.provide(nodeCommands)
  )
  static readonly layerProc = (root?: string): Layer.Layer<ProcessMemory> => Layer.succeed(ProcessMemory, makeProc(root))
  static readonly layerPs = (command?: string): Layer.Layer<ProcessMemory> =>
    Layer.effect(ProcessMemory, makePs(command)).pipe(Layer.provide(nodeCommands))
  /** A scripted process table; provides `ProcessMemory` and `ProcessMemoryTest`. */
  static readonly layerTest = (table: ReadonlyArray<TestEntry> = []): Layer.Layer<ProcessMemory | ProcessMemoryTest> =>
    Layer.effectContext(makeTest(table))
}
