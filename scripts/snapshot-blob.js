// Makes the V8 startup snapshot of the CLI from its CommonJS bundle (dist/snapshot/superlance.cjs,
// see scripts/snapshot.js): `npm run build` runs it in a clone, and the package's `postinstall`
// runs it where the package is installed, for the node that installs it. No dependencies: an
// installed package has neither esbuild nor the sources.
//
//   dist/snapshot/superlance.blob  the snapshot
//   dist/snapshot/node             link to the node binary that built it: a blob only loads in that
//                                  very binary, so the launcher falls back to the plain bundle when
//                                  the `node` it finds is another file (or newer than the blob)
//
// It never fails an install: without a snapshot the commands start from the plain bundle, slower.
// By hand: `node scripts/snapshot-blob.js` in the installed package.
import { spawnSync } from "node:child_process"
import { existsSync, readFileSync, realpathSync, renameSync, rmSync, symlinkSync } from "node:fs"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const dir = `${root}dist/snapshot`
const bundle = `${dir}/superlance.cjs`
const blob = `${dir}/superlance.blob`
const stamp = `${dir}/node`

/** The V8 flags the launcher starts node with (`v8_flags=` in bin/superlance.js): V8 refuses a blob built with others. */
export const launcherV8Flags = () => {
  const line = /^v8_flags='([^']*)'$/m.exec(readFileSync(`${root}bin/superlance.js`, "utf8"))
  return line === null ? [] : line[1].split(" ").filter((flag) => flag !== "")
}

/** Builds the snapshot; on failure removes it and says why on stderr (`quiet`: not even that). */
export const buildSnapshotBlob = ({ quiet = false } = {}) => {
  const building = `${blob}.${process.pid}`
  const failed = (why) => {
    rmSync(building, { force: true })
    rmSync(blob, { force: true })
    rmSync(stamp, { force: true })
    if (!quiet) process.stderr.write(`warning: the startup snapshot was not built (${why}); commands start from the plain bundle, slower\n`)
    return false
  }
  if (!existsSync(bundle)) return failed(`${bundle} is missing`)
  // src/snapshot.ts starts crashmail once to warm the snapshot: as a listener with nothing to read.
  const { NODE_OPTIONS: _, ...env } = process.env // the launcher never starts a snapshot under NODE_OPTIONS
  const run = spawnSync(process.execPath, [...launcherV8Flags(), "--snapshot-blob", building, "--build-snapshot", bundle], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...env, SUPERVISOR_SERVER_URL: "unix:///nonexistent/supervisor.sock" },
    encoding: "utf8"
  })
  const said = (run.stderr ?? "").split("\n").filter((line) => line !== "" && !/Error\.stackTraceLimit/.test(line))
  if (run.status !== 0 || said.length > 0) return failed(`${run.error?.message ?? `exit ${run.status}`}\n${said.join("\n")}`)
  try {
    // Replaced, never rewritten in place: a command starting meanwhile sees the old or the new one.
    renameSync(building, blob)
    symlinkSync(realpathSync(process.execPath), `${stamp}.${process.pid}`)
    renameSync(`${stamp}.${process.pid}`, stamp)
  } catch (error) {
    return failed(error.message)
  }
  return true
}

// As the package's postinstall, silently: npm would fail the install on an error, and the
// commands work without a snapshot. By hand (after a node upgrade), it says why when it fails.
// In a clone (sources present) `npm run build`, which `npm ci` runs after this, makes the snapshot
// from a fresh bundle.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const quiet = process.env.npm_lifecycle_event === "postinstall"
  if (existsSync(`${root}src`)) {
    if (!quiet) process.stderr.write("in a clone, `npm run build` makes the startup snapshot\n")
  } else {
    try {
      if (!buildSnapshotBlob({ quiet }) && !quiet) process.exitCode = 1
    } catch (error) {
      if (!quiet) throw error
    }
  }
}
