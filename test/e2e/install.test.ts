/**
 * The package as a user installs it: `npm pack` of the build, then
 * `npm install -g --prefix` of the tarball, with no registry involved. Its postinstall makes the
 * startup snapshot for the node that installs it; without it the commands start from the plain
 * bundle, as they do when the snapshot cannot be made.
 */
import { execFileSync, spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { builtinModules } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { processState } from "../support/envelope.js"
import * as FakeSendmail from "../support/fakeSendmail.js"
import { driveListener } from "../support/listener.js"

const root = fileURLToPath(new URL("../../", import.meta.url))
const dir = mkdtempSync(join(tmpdir(), "install-"))
const sendmail = FakeSendmail.create()
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
  sendmail.remove()
})

const tarball = join(
  dir,
  execFileSync("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", dir], { cwd: root, encoding: "utf8" }).trim()
)

/** Installs the tarball into a fresh prefix; answers the prefix and the installed package's dir. */
const install = (name: string, ...flags: ReadonlyArray<string>) => {
  const prefix = join(dir, name)
  const run = spawnSync("npm", ["install", "-g", "--no-audit", "--no-fund", ...flags, "--prefix", prefix, tarball], { encoding: "utf8" })
  expect(run.status, run.stderr).toBe(0)
  return { prefix, pkg: join(prefix, "lib", "node_modules", "superlance") }
}

/** Starts the installed `crashmail`, mails one crash, and answers its command line. */
const crashmail = async (prefix: string) => {
  const listener = driveListener(["-m", "ops@example.com", "-s", sendmail.command()], {
    SUPERVISOR_SERVER_URL: "unix:///nonexistent.sock"
  }, join(prefix, "bin", "crashmail"))
  await listener.ready
  const cmdline = readFileSync(`/proc/${listener.child.pid}/cmdline`, "utf8").split("\0").join(" ")
  expect(await listener.send(processState("EXITED", { name: "web", expected: 0, pid: 7 }))).toBe("RESULT 2\nOK")
  expect(await listener.close()).toBe(0)
  expect(listener.stderr()).toMatch(/unexpected exit of web:web, sending alert via mail/)
  return cmdline
}

/** The packages a bundle imports (its bare specifiers, by package name), Node's built-ins aside. */
const importedPackages = (file: string): ReadonlyArray<string> => {
  const code = readFileSync(join(root, file), "utf8")
  // Static imports, import(), and the require() of CommonJS code bundled into ESM.
  const specifiers = [...code.matchAll(/(?:^import [^;]*?from |^import |\bimport\(|\b(?:__)?require\()["']([^"']+)["']/gm)].map((m) => m[1]!)
  const names = specifiers
    .filter((specifier) => !specifier.startsWith("node:") && !specifier.startsWith(".") && !builtinModules.includes(specifier))
    .map((specifier) => specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/"))
  return [...new Set(names)].sort()
}

describe("the bundles", () => {
  it("the commands need no package; the library only its Effect peers", () => {
    const { peerDependencies } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"))
    expect(importedPackages("dist/superlance.js")).toEqual([])
    expect(importedPackages("dist/index.js")).toEqual(Object.keys(peerDependencies).sort())
  })
})

describe("npm install -g of the packed tarball", () => {
  it("installs one package, no dependency and no native addon, whose commands start from a snapshot made at install", async () => {
    const { prefix, pkg } = install("with-scripts")
    expect(readdirSync(join(prefix, "lib", "node_modules"))).toEqual(["superlance"])
    expect(existsSync(join(pkg, "node_modules"))).toBe(false)
    expect(readdirSync(pkg, { recursive: true }).filter((file) => String(file).endsWith(".node"))).toEqual([])
    expect(JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")).dependencies).toBeUndefined()

    expect(await crashmail(prefix)).toContain(`--snapshot-blob ${pkg}/bin/../dist/snapshot/superlance.blob `)
    const calls = await Effect.runPromise(sendmail.calls)
    expect(calls.at(-1)?.message.subject).toMatch(/^web crashed at /)
  }, 60_000)

  it("without its install script, the commands start from the plain bundle", async () => {
    const { prefix, pkg } = install("without-scripts", "--ignore-scripts")
    expect(existsSync(join(pkg, "dist", "snapshot", "superlance.blob"))).toBe(false)
    expect(await crashmail(prefix)).not.toContain("--snapshot-blob")
  }, 60_000)

  it("a snapshot that cannot be made fails nothing: the install script succeeds silently, the commands run", async () => {
    const { prefix, pkg } = install("broken-snapshot", "--ignore-scripts")
    rmSync(join(pkg, "dist", "snapshot", "superlance.cjs"))
    const rebuild = spawnSync("npm", ["rebuild", "-g", "--foreground-scripts", "--prefix", prefix, "superlance"], {
      encoding: "utf8"
    })
    expect(rebuild.status).toBe(0)
    expect(rebuild.stderr).not.toMatch(/snapshot was not built|Error/)
    // Run by hand, it says why.
    const byHand = spawnSync(process.execPath, ["scripts/snapshot-blob.js"], { cwd: pkg, encoding: "utf8" })
    expect(byHand.status).toBe(1)
    expect(byHand.stderr).toMatch(/^warning: the startup snapshot was not built \(\S+superlance\.cjs is missing\); commands start from the plain bundle, slower\n$/)
    expect(existsSync(join(pkg, "dist", "snapshot", "superlance.blob"))).toBe(false)
    expect(await crashmail(prefix)).not.toContain("--snapshot-blob")
  }, 60_000)
})
