// The V8 startup snapshot of the CLI (see src/snapshot.ts): a CommonJS bundle run once by
// `node --build-snapshot`, whose heap the launcher (bin/superlance.js) then starts from.
//
//   dist/snapshot/superlance.cjs   the bundle the snapshot is built from
//   dist/snapshot/superlance.blob  the snapshot
//   dist/snapshot/node             link to the node binary that built it: a blob only loads in that
//                                  very binary, so the launcher falls back to the plain bundle when
//                                  the `node` it finds is another file (or newer than the blob)
import { spawnSync } from "node:child_process"
import { mkdirSync, realpathSync, renameSync, rmSync, symlinkSync } from "node:fs"
import { builtinModules } from "node:module"
import { join } from "node:path"
import { build } from "esbuild"

const dir = "dist/snapshot"

// Built-in modules that Node's snapshot builder loads without a warning (checked on Node 20 by
// requiring each one in `node --build-snapshot`). The others (http, child_process, readline, tty,
// worker_threads, …) must not be loaded while the snapshot is built: node:http even throws there.
const snapshotSafe = new Set([
  "assert", "assert/strict", "buffer", "console", "constants", "crypto", "diagnostics_channel", "dns",
  "events", "fs", "fs/promises", "net", "os", "path", "path/posix", "path/win32", "process", "punycode",
  "querystring", "stream", "stream/promises", "string_decoder", "timers", "timers/promises", "url",
  "util", "util/types", "v8", "zlib"
])

/**
 * Imports of the other built-ins (and every `import()` of a built-in) become a stand-in that
 * loads the real module on first use, at run time. The stand-in lists the module's export names (read here, from the same node), so
 * esbuild's ESM interop can copy them without loading anything.
 */
const lazyBuiltins = {
  name: "lazy-builtins",
  setup(b) {
    b.onResolve({ filter: /^(node:)?[a-z_][a-z0-9_/]*$/ }, ({ kind, path }) => {
      const name = path.replace(/^node:/, "")
      if (!builtinModules.includes(name)) return undefined
      // import() stays import() for a module left external, and a snapshot has no module loader.
      if (snapshotSafe.has(name) && kind !== "dynamic-import") return undefined
      return { path: name, namespace: "lazy-builtin" }
    })
    b.onLoad({ filter: /.*/, namespace: "lazy-builtin" }, async ({ path }) => {
      const real = await import(`node:${path}`)
      const keys = Object.keys(real.default ?? real)
      return {
        contents: `module.exports = require("lazy-builtin:runtime")(${JSON.stringify(path)}, ${JSON.stringify(keys)})`,
        loader: "js"
      }
    })
    b.onResolve({ filter: /^lazy-builtin:runtime$/ }, () => ({ path: "runtime", namespace: "lazy-builtin-runtime" }))
    b.onLoad({ filter: /.*/, namespace: "lazy-builtin-runtime" }, () => ({
      loader: "js",
      contents: `
const { startupSnapshot } = require("node:v8")
module.exports = (name, keys) => {
  let real
  const load = () => {
    if (real !== undefined) return real
    if (startupSnapshot.isBuildingSnapshot()) throw new Error("node:" + name + " is used while the startup snapshot is built: load it lazily")
    return (real = require("node:" + name))
  }
  const names = new Set(keys)
  // A function target, so that modules exporting a function or class can be called or extended.
  return new Proxy(function lazyBuiltin() {}, {
    get: (_, key) => (key === "__esModule" ? undefined : load()[key]),
    has: (_, key) => key in load(),
    ownKeys: () => [...keys, "prototype"],
    getOwnPropertyDescriptor: (target, key) =>
      key === "prototype" ? Reflect.getOwnPropertyDescriptor(target, key)
        : names.has(key) ? { configurable: true, enumerable: true, writable: true, value: undefined } : undefined,
    apply: (_, self, args) => Reflect.apply(load(), self, args),
    construct: (_, args, newTarget) => Reflect.construct(load(), args, newTarget)
  })
}`
    }))
  }
}

/** Builds the snapshot; on failure removes it, so the commands start from the plain bundle. */
export const buildSnapshot = async () => {
  mkdirSync(dir, { recursive: true })
  const bundle = join(dir, "superlance.cjs")
  await build({
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    logLevel: "warning",
    entryPoints: ["src/snapshot.ts"],
    outfile: bundle,
    // Smaller source text in the heap; names are kept for stack traces.
    minifyWhitespace: true,
    minifySyntax: true,
    plugins: [lazyBuiltins]
  })
  const blob = join(dir, "superlance.blob")
  const stamp = join(dir, "node")
  const building = `${blob}.${process.pid}`
  // src/snapshot.ts starts crashmail once to warm the snapshot: as a listener with nothing to read.
  const run = spawnSync(process.execPath, ["--snapshot-blob", building, "--build-snapshot", bundle], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, SUPERVISOR_SERVER_URL: "unix:///nonexistent/supervisor.sock" },
    encoding: "utf8"
  })
  const said = run.stderr.split("\n").filter((line) => line !== "" && !/Error\.stackTraceLimit/.test(line))
  if (run.status !== 0 || said.length > 0) {
    rmSync(building, { force: true })
    rmSync(blob, { force: true })
    rmSync(stamp, { force: true })
    process.stderr.write(
      `warning: the startup snapshot was not built (${run.error?.message ?? `exit ${run.status}`}); commands start from the plain bundle, slower\n${said.join("\n")}\n`
    )
    return false
  }
  // Replaced, never rewritten in place: a command starting meanwhile sees the old or the new one.
  renameSync(building, blob)
  symlinkSync(realpathSync(process.execPath), `${stamp}.${process.pid}`)
  renameSync(`${stamp}.${process.pid}`, stamp)
  return true
}
