// Bundles the CLI into dist/superlance.js (one self-contained file: a running listener never
// loads code from disk again, so replacing dist/ under it cannot break its next alert), the
// library entry into dist/index.js, and the CLI's startup snapshot. The package has no runtime
// dependencies: the library bundles all but the Effect packages, its peer dependencies, which
// an Effect program brings (one copy of effect for the program and the library).
import { build } from "esbuild"
import { rm } from "node:fs/promises"
import { buildSnapshot } from "./snapshot.js"

// Chunks of older builds go; the entry files are overwritten in place (never missing while a
// build runs).
await rm("dist/chunks", { recursive: true, force: true })

const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  logLevel: "warning",
  outdir: "dist",
  // CommonJS dependencies bundled into ESM (nodemailer) still call require() for Node built-ins.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" }
}

await build({ ...common, entryPoints: { superlance: "src/bin.ts" } })

await build({ ...common, entryPoints: { index: "src/index.ts" }, external: ["effect", "@effect/*"] })

// The same CLI as a V8 startup snapshot, which the launcher prefers (scripts/snapshot.js).
await buildSnapshot()
