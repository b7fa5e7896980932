// The V8 startup snapshot of the CLI (see src/snapshot.ts): a CommonJS bundle,
// dist/snapshot/superlance.cjs, run once by `node --build-snapshot` (scripts/snapshot-blob.js),
// whose heap the launcher (bin/superlance.js) then starts from. The package ships the bundle and
// makes the snapshot where it is installed (postinstall), since a snapshot fits one node binary.
import { mkdirSync } from "node:fs"
import { builtinModules } from "node:module"
import { join } from "node:path"
import { build } from "esbuild"
import { buildSnapshotBlob } from "./snapshot-blob.js"

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

/** Bundles the snapshot's entry, then makes the snapshot (scripts/snapshot-blob.js); false when that failed. */
export const buildSnapshot = async () => {
  mkdirSync(dir, { recursive: true })
  await build({
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    logLevel: "warning",
    entryPoints: ["src/snapshot.ts"],
    outfile: join(dir, "superlance.cjs"),
    // Smaller source text in the heap and in the snapshot, which node keeps in memory (0.9 MiB
    // less RSS with short local names; users never see a stack trace).
    minifyWhitespace: true,
    minifySyntax: true,
    minifyIdentifiers: true,
    plugins: [lazyBuiltins]
  })
  return buildSnapshotBlob()
}
