// The package as a user installs it, for the benchmarks: `npm pack` of the current build, then
// `npm install -g --prefix DIR` of the tarball (which runs its postinstall: the startup snapshot
// for this node). Run `npm run build` first.
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))

/** Paths under `dir`, relative to it, that match `pattern`. */
const find = (dir, pattern) => fs.readdirSync(dir, { recursive: true }).filter((name) => pattern.test(`/${name}`))

export const installPackage = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "superlance-installed-"))
  const npm = (...args) => execFileSync("npm", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
  const tarball = path.join(dir, npm("pack", "--ignore-scripts", "--silent", "--pack-destination", dir).trim())
  const prefix = path.join(dir, "prefix")
  npm("install", "-g", "--no-audit", "--no-fund", "--prefix", prefix, tarball)
  const modules = path.join(prefix, "lib", "node_modules")
  return {
    prefix,
    /** The command `name` as npm linked it into the prefix's bin. */
    bin: (name) => path.join(prefix, "bin", name),
    /** `du -sk` of the prefix. */
    sizeKiB: Number(execFileSync("du", ["-sk", prefix], { encoding: "utf8" }).split("\t")[0]),
    /** Installed packages: superlance and whatever it pulled in. */
    packages: find(modules, /^(\/.+\/node_modules)?\/(@[^/]+\/)?[^/@]+\/package\.json$/).length,
    nativeAddons: find(modules, /\.node$/).length,
    snapshot: fs.existsSync(path.join(modules, "superlance", "dist", "snapshot", "superlance.blob")),
    remove: () => fs.rmSync(dir, { recursive: true, force: true })
  }
}
