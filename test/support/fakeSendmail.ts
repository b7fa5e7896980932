/**
 * A fake `sendmail`: an executable shell script in a temp dir that stores every message it gets
 * on stdin together with its argv, so a test can read what "sendmail" was given. It can be told to
 * exit non-zero with a line on stderr, or to take its time.
 *
 *   const sendmail = yield* FakeSendmail.make()
 *   ...run with `-s "${sendmail.command()}"`...
 *   const [call] = yield* sendmail.calls
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type ParsedMessage, parseMessage } from "./mailMessage.js"

export interface Call {
  /** Arguments after the program name. */
  readonly argv: ReadonlyArray<string>
  /** Everything written to stdin. */
  readonly stdin: string
  /** stdin read as a mail message. */
  readonly message: ParsedMessage
}

export interface Behaviour {
  /** Exit with this code (default 0). The message is recorded all the same. */
  readonly exitCode?: number
  /** Write this to stderr before exiting. */
  readonly stderr?: string
  /** Sleep this many seconds (fractions allowed) after reading stdin. */
  readonly sleepSeconds?: number
}

export interface FakeSendmail {
  /** Path of the executable script. */
  readonly path: string
  /** A command line for `-s`: the script, quoted for /bin/sh, then `args` (default `-t -i`). */
  readonly command: (args?: string) => string
  /** What the script has been given so far, in order. */
  readonly calls: Effect.Effect<ReadonlyArray<Call>>
  readonly setBehaviour: (behaviour: Behaviour) => void
}

// Each call writes <time>-<pid>.argv (NUL-separated) and then <time>-<pid>.msg, so a test never
// sees a message without its argv. Behaviour is read from files at each call.
const script = (dir: string) => `#!/bin/sh
dir=${quote(dir)}
id="$(date +%s%N)-$$"
printf '%s\\0' "$@" > "$dir/calls/$id.argv"
cat > "$dir/calls/$id.tmp"
mv "$dir/calls/$id.tmp" "$dir/calls/$id.msg"
if [ -f "$dir/sleep" ]; then
  # Stopped while sleeping, take the sleep down too rather than leave it behind.
  trap 'kill $! 2>/dev/null; exit 143' TERM
  sleep "$(cat "$dir/sleep")" &
  wait $!
fi
if [ -f "$dir/stderr" ]; then cat "$dir/stderr" >&2; fi
if [ -f "$dir/exitcode" ]; then exit "$(cat "$dir/exitcode")"; fi
exit 0
`

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`

/** Writes the script; `make` ties its temp dir to a scope. */
export const create = (): FakeSendmail & { readonly remove: () => void } => {
  const dir = mkdtempSync(join(tmpdir(), "superlance-sendmail-"))
  const path = join(dir, "sendmail")
  writeFileSync(path, script(dir))
  chmodSync(path, 0o755)
  const calls = join(dir, "calls")
  mkdirSync(calls)

  const setFile = (name: string, content: string | undefined) => {
    const file = join(dir, name)
    if (content === undefined) rmSync(file, { force: true })
    else writeFileSync(file, content)
  }

  return {
    path,
    command: (args = "-t -i") => `${quote(path)}${args === "" ? "" : ` ${args}`}`,
    calls: Effect.sync(() =>
      readdirSync(calls)
        .filter((name) => name.endsWith(".msg"))
        .sort(byTimeThenPid)
        .map((name) => {
          const base = name.slice(0, -".msg".length)
          const stdin = readFileSync(join(calls, name), "utf8")
          const argv = readFileSync(join(calls, `${base}.argv`), "utf8").split("\0").slice(0, -1)
          return { argv, stdin, message: parseMessage(stdin) }
        })
    ),
    setBehaviour: (behaviour) => {
      setFile("exitcode", behaviour.exitCode === undefined ? undefined : String(behaviour.exitCode))
      setFile("stderr", behaviour.stderr)
      setFile("sleep", behaviour.sleepSeconds === undefined ? undefined : String(behaviour.sleepSeconds))
    },
    remove: () => rmSync(dir, { recursive: true, force: true })
  }
}

const byTimeThenPid = (a: string, b: string) => {
  const [timeA = "", pidA = ""] = a.split(/[-.]/)
  const [timeB = "", pidB = ""] = b.split(/[-.]/)
  return timeA.length - timeB.length || timeA.localeCompare(timeB) || Number(pidA) - Number(pidB)
}

/** A fake sendmail for the scope's lifetime. */
export const make = (): Effect.Effect<FakeSendmail, never, Scope.Scope> =>
  Effect.acquireRelease(Effect.sync(create), (fake) => Effect.sync(fake.remove))
