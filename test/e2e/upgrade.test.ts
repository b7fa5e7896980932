/**
 * A running listener never loads code from disk again: upgrading the package under
 * it (npm replaces dist/) must not break its next alert. Run from a copy of the built package,
 * so that deleting the copy's dist/ leaves the shared build alone.
 */
import { Effect } from "effect"
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs"
import { builtinModules } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { bundle, launcher } from "../support/cli.js"
import { processState } from "../support/envelope.js"
import { driveListener } from "../support/listener.js"
import * as Smtp from "../support/smtp.js"

const dir = mkdtempSync(join(tmpdir(), "upgrade-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** bin/ and dist/ copied as npm installs them, and the `crashmail` link `npm install -g` makes. */
const installCopy = (name: string) => {
  const pkg = join(dir, name)
  cpSync(dirname(launcher), join(pkg, "bin"), { recursive: true })
  cpSync(dirname(bundle), join(pkg, "dist"), { recursive: true, filter: (path) => !path.endsWith("/types") })
  const link = join(pkg, "crashmail")
  symlinkSync(join(pkg, "bin", "superlance.js"), link)
  return { dist: join(pkg, "dist"), crashmail: link }
}

const starts = [
  { how: "from the startup snapshot", env: {} },
  // V8 flags in NODE_OPTIONS make the launcher use the plain bundle (test/cli/launcher.test.ts).
  { how: "from the plain bundle", env: { NODE_OPTIONS: "--max-old-space-size=200" } }
]

describe("a listener whose package is deleted under it", () => {
  it.each(starts)("still mails the next crash over SMTP, started $how", async ({ how, env }) => {
    const smtp = await Smtp.start()
    const copy = installCopy(how.replace(/\W+/g, "-"))
    const listener = driveListener(
      ["-m", "ops@example.com", "--smtpHost", `127.0.0.1:${smtp.port}`, "--fromEmail", "sv@example.com"],
      { SUPERVISOR_SERVER_URL: "unix:///nonexistent.sock", SUPERVISOR_PROCESS_NAME: "crashmail", ...env },
      copy.crashmail
    )
    try {
      await listener.ready
      rmSync(copy.dist, { recursive: true })
      expect(await listener.send(processState("EXITED", { name: "cat", expected: 0, pid: 7 }))).toBe("RESULT 2\nOK")
      const [message] = await Effect.runPromise(smtp.waitForMessages(1, "10 seconds"))
      expect(message!.subject).toMatch(/^cat crashed at /)
      expect(message!.envelopeTo).toEqual(["ops@example.com"])
      expect(await listener.close()).toBe(0)
      expect(listener.stderr()).not.toMatch(/Cannot find module|ERR_MODULE_NOT_FOUND/)
    } finally {
      listener.child.kill("SIGKILL")
      await smtp.close()
    }
  }, 30_000)
})

describe("the CLI bundle (dist/superlance.js)", () => {
  it("is one file that imports only Node's own modules, and none of them lazily", () => {
    expect(existsSync(join(dirname(bundle), "chunks"))).toBe(false)
    const code = readFileSync(bundle, "utf8")
    const imported = [
      ...code.matchAll(/^import\s(?:.*\sfrom\s)?"([^"]+)"/gm),
      ...code.matchAll(/\brequire\("([^"]+)"\)/g)
    ].map((match) => match[1]!)
    expect(imported.length).toBeGreaterThan(0)
    expect(imported.filter((name) => !builtinModules.includes(name.replace(/^node:/, "")))).toEqual([])
    expect(code).not.toMatch(/\bimport\(/)
  })
})
