/**
 * Turns the getopt/optparse command lines the original accepted into the one form @effect/cli
 * 0.77 parses reliably (see STYLE.md "Pitfalls"): every option by its canonical long name, values
 * split off, flags unclustered, `--help`/`--version` alone, built-in `--log-level` first and
 * positionals after `--`.
 */
import * as Either from "effect/Either"
import type { OptionSpec, OptionTable } from "./OptionTable.js"
import { UsageError } from "./UsageError.js"


/** The values @effect/cli's built-in `--log-level` accepts. */
export const logLevels = ["all", "trace", "debug", "info", "warning", "error", "fatal", "none"] as const

type Target =
  | { readonly _tag: "Option"; readonly key: string; readonly spec: OptionSpec }
  | { readonly _tag: "Help" }
  | { readonly _tag: "Version" }
  | { readonly _tag: "LogLevel" }

const help: Target = { _tag: "Help" }
const version: Target = { _tag: "Version" }
const logLevel: Target = { _tag: "LogLevel" }

const needsValue = (target: Target): boolean =>
  target._tag === "LogLevel" || (target._tag === "Option" && target.spec.kind !== "flag")

interface Names {
  readonly long: ReadonlyMap<string, Target>
  readonly short: ReadonlyMap<string, Target>
}

const namesOf = (table: OptionTable): Names => {
  const long = new Map<string, Target>([["help", help], ["version", version], ["log-level", logLevel]])
  const short = new Map<string, Target>([["h", help]])
  for (const [key, spec] of Object.entries(table)) {
    if (spec.kind === "positional") continue
    const target: Target = { _tag: "Option", key, spec }
    long.set(key, target)
    for (const alias of spec.aliases ?? []) long.set(alias, target)
    if (spec.short !== undefined) short.set(spec.short, target)
  }
  return { long, short }
}

/** The Python original's own options (its getopt/optparse always had `--help`). */
const isOriginal = (target: Target): boolean =>
  target._tag === "Help" || (target._tag === "Option" && target.spec.original === true)

/**
 * getopt's rule: an exact name wins, else a prefix naming exactly one option. A prefix is read
 * among the original's options first, so the abbreviations its users wrote (`httpok --g` for
 * `--gcore`) keep their meaning whatever options we add; only a prefix naming none of those is
 * read among ours.
 */
const resolveLong = (names: Names, name: string): Either.Either<readonly [string, Target], UsageError> => {
  const exact = names.long.get(name)
  if (exact !== undefined) return Either.right([name, exact])
  const all = [...names.long].filter(([long]) => long.startsWith(name))
  const originals = all.filter(([, target]) => isOriginal(target))
  const candidates = originals.length > 0 ? originals : all
  const targets = new Set(candidates.map(([, target]) => target))
  if (targets.size === 1) return Either.right(candidates[0]!)
  if (targets.size === 0) return Either.left(new UsageError({ message: `no such option: --${name}` }))
  const listed = candidates.map(([long]) => `--${long}`).sort().join(", ")
  return Either.left(new UsageError({ message: `ambiguous option: --${name} (could be ${listed})` }))
}

/**
 * @effect/cli takes `--opt=value` for single options only when the value survives its
 * `trim()` and its `/=(.+)$/` (no line breaks), and an `--opt value` pair can be mistaken for a
 * repeated option by its scan of the whole line when the value looks like that option: so prefer
 * `=`, and fall back to two tokens where `=` would not survive.
 */
const survivesEquals = (value: string): boolean => value.length > 0 && value.trim() === value && /^.+$/.test(value)

/**
 * Normalises a plugin's argv (without the program name). `-h/--help` anywhere yields just
 * `["--help"]`, `--version` just `["--version"]`; otherwise the first problem is a `UsageError`
 * whose message names the offending option as written.
 */
export const normalize = (
  table: OptionTable,
  args: ReadonlyArray<string>
): Either.Either<ReadonlyArray<string>, UsageError> => {
  const names = namesOf(table)
  const positionalCount = Object.values(table).filter((spec) => spec.kind === "positional").length
  const repeatedTokens = new Map(
    Object.entries(table)
      .filter(([, spec]) => spec.kind === "repeated")
      .map(([key]) => [`--${key}`.toLowerCase(), `--${key}`])
  )

  let wantsHelp = false
  let wantsVersion = false
  let problem: UsageError | undefined
  let level: string | undefined
  // Insertion order is the order options were first given; a Map keeps it.
  const given = new Map<string, { readonly spec: OptionSpec; values: Array<string> }>()
  const positionals: Array<string> = []

  const fail = (message: string) => {
    problem ??= new UsageError({ message })
  }

  const accept = (target: Target, written: string, value: string | undefined): void => {
    switch (target._tag) {
      case "Help":
        wantsHelp = true
        return
      case "Version":
        wantsVersion = true
        return
      case "LogLevel":
        if (value !== undefined && (logLevels as ReadonlyArray<string>).includes(value)) level = value
        else fail(`option --log-level: ${JSON.stringify(value)} is not one of ${logLevels.join(", ")}`)
        return
      case "Option": {
        const { key, spec } = target
        if (spec.kind === "repeated") {
          const clash = value === undefined ? undefined : repeatedTokens.get(value.trim().toLowerCase())
          if (value === undefined || value.trim() === "") {
            return fail(`option ${written} requires a non-empty argument`)
          }
          if (clash !== undefined) {
            return fail(`option ${written}: the value ${JSON.stringify(value)} would be read as the option ${clash}`)
          }
          const entry = given.get(key)
          if (entry === undefined) given.set(key, { spec, values: [value] })
          else entry.values.push(value)
          return
        }
        // Flags and single options: the last one given counts, also across an exclusive group.
        if (spec.exclusive !== undefined) {
          for (const [other, entry] of given) {
            if (other !== key && entry.spec.exclusive === spec.exclusive) given.delete(other)
          }
        }
        given.delete(key)
        given.set(key, { spec, values: value === undefined ? [] : [value] })
        return
      }
    }
  }

  let i = 0
  const next = (): string | undefined => {
    i += 1
    return args[i]
  }

  for (; i < args.length; i++) {
    const arg = args[i]!
    if (arg === "--") {
      positionals.push(...args.slice(i + 1))
      break
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=")
      const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq)
      const inline = eq === -1 ? undefined : arg.slice(eq + 1)
      const resolved = resolveLong(names, name)
      if (Either.isLeft(resolved)) {
        fail(resolved.left.message)
        continue
      }
      const [long, target] = resolved.right
      const written = `--${long}`
      if (!needsValue(target)) {
        if (inline !== undefined) fail(`option ${written} does not take an argument`)
        else accept(target, written, undefined)
        continue
      }
      const value = inline ?? next()
      if (value === undefined) fail(`option ${written} requires an argument`)
      else accept(target, written, value)
      continue
    }
    if (arg.startsWith("-") && arg.length > 1) {
      // A cluster: flags, optionally ending in one option whose value is the rest or the next arg.
      for (let j = 1; j < arg.length; j++) {
        const letter = arg[j]!
        const written = `-${letter}`
        const target = names.short.get(letter)
        if (target === undefined) {
          fail(`no such option: ${written}`)
          break
        }
        if (!needsValue(target)) {
          accept(target, written, undefined)
          continue
        }
        const value = j + 1 < arg.length ? arg.slice(j + 1) : next()
        if (value === undefined) fail(`option ${written} requires an argument`)
        else accept(target, written, value)
        break
      }
      continue
    }
    positionals.push(arg)
  }

  if (wantsHelp) return Either.right(["--help"])
  if (wantsVersion) return Either.right(["--version"])
  if (problem !== undefined) return Either.left(problem)
  if (positionals.length > positionalCount) {
    return Either.left(new UsageError({ message: `unexpected argument: ${positionals[positionalCount]}` }))
  }

  const out: Array<string> = level === undefined ? [] : ["--log-level", level]
  for (const [key, { spec, values }] of given) {
    const token = `--${key}`
    if (spec.kind === "flag") out.push(token)
    else if (spec.kind === "repeated") for (const value of values) out.push(token, value)
    else {
      const value = values[0]!
      if (survivesEquals(value)) out.push(`${token}=${value}`)
      else out.push(token, value)
    }
  }
  if (positionals.length > 0) out.push("--", ...positionals)
  return Either.right(out)
}
