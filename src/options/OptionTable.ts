/**
 * One declarative table per plugin: every command-line option once, from which both the argv
 * normaliser (`argv.ts`) and the @effect/cli `Options`/`Args` are derived.
 *
 * A table's keys are the canonical long names (`program` is `--program`); the raw record that
 * @effect/cli hands back uses the same keys.
 */
import * as Args from "@effect/cli/Args"
import type * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Option from "effect/Option"
import type * as Types from "effect/Types"

export type OptionKind = "flag" | "single" | "repeated" | "positional"

/**
 * Where `--help` lists an option: under the plugin's own heading (no group), or with the options
 * of its kind that several plugins share. A shared table stamps its group with `inGroup`.
 */
export type OptionGroup = "mail" | "notify" | "safety" | "other"

export interface OptionSpec {
  readonly kind: OptionKind
  /** One letter, case-sensitive (`-e` and `-E` are different options). */
  readonly short?: string
  /** Further long names for the same option (memmon's `--groupname` for `--group`). */
  readonly aliases?: ReadonlyArray<string>
  /** Name of the value in help and usage, e.g. `SEC`. */
  readonly metavar?: string
  readonly description: string
  /** Options sharing an `exclusive` name override each other: the last one given counts. */
  readonly exclusive?: string
  /** The values it takes, when they are a few words: shell completion offers them. */
  readonly choices?: ReadonlyArray<string>
  /** Where `--help` lists it; absent: among the plugin's own options. */
  readonly group?: OptionGroup
  /**
   * One of the Python original's options (SPEC §5): a long-option prefix is resolved among these
   * first, so `httpok --g` stays the original's `--gcore` whatever options we add.
   */
  readonly original?: true
}

export interface OptionTable {
  readonly [long: string]: OptionSpec
}

/** What @effect/cli yields for one entry: flags are booleans, repeated lists, the rest optional. */
export type RawValue<S extends OptionSpec> = S["kind"] extends "flag" ? boolean
  : S["kind"] extends "repeated" ? ReadonlyArray<string>
  : Option.Option<string>

/** The @effect/cli value a table entry turns into. */
export type CliEntry<S extends OptionSpec> = S["kind"] extends "positional" ? Args.Args<Option.Option<string>>
  : Options.Options<RawValue<S>>

/** A table as @effect/cli's `Command.make` config: options and positionals, keyed like the table. */
export type CommandConfig<T extends OptionTable> = { readonly [K in keyof T]: CliEntry<T[K]> }

/**
 * The raw record of a table, as @effect/cli's command handler receives it: written as
 * @effect/cli's own type of that record, so a command built from any table hands its decoder
 * this type without a cast. For a concrete table it reads `{ program: ReadonlyArray<string>, … }`.
 */
export type Raw<T extends OptionTable> = Types.Simplify<Command.Command.ParseConfig<CommandConfig<T>>>

/** The keys of a table whose entries are of the given kind(s). */
export type KeysOfKind<T extends OptionTable, K extends OptionKind> =
  & { [P in keyof T]: T[P]["kind"] extends K ? P : never }[keyof T]
  & string

export type OptionKeys<T extends OptionTable> = {
  [K in keyof T]: T[K]["kind"] extends "positional" ? never : K
}[keyof T]

/** `-p/--program`, or `--tls` for long-only options, or `URL` for a positional: how errors name it. */
export const label = <T extends OptionTable>(table: T, key: keyof T & string): string => {
  const spec = table[key]!
  if (spec.kind === "positional") return spec.metavar ?? key.toUpperCase()
  return spec.short === undefined ? `--${key}` : `-${spec.short}/--${key}`
}

const entries = <T extends OptionTable>(table: T): ReadonlyArray<readonly [string, OptionSpec]> =>
  Object.entries(table)

const toOption = (key: string, spec: OptionSpec): Options.Options<unknown> => {
  const names = [...(spec.short === undefined ? [] : [spec.short]), ...(spec.aliases ?? [])]
  const named = <A>(o: Options.Options<A>): Options.Options<A> =>
    names.reduce((acc, name) => Options.withAlias(acc, name), Options.withDescription(o, spec.description))
  const text = () => {
    const o = named(Options.text(key))
    return spec.metavar === undefined ? o : Options.withPseudoName(o, spec.metavar)
  }
  switch (spec.kind) {
    case "flag":
      return named(Options.boolean(key))
    case "repeated":
      return Options.repeated(text())
    default:
      // Optional even when the plugin needs it: our Schema decode reports it in one line.
      return Options.optional(text())
  }
}

/** The @effect/cli options of a table (positionals excluded), in table order. */
export const toOptions = <T extends OptionTable>(
  table: T
): Options.Options<{ readonly [K in OptionKeys<T>]: RawValue<T[K]> }> => {
  const record: Record<string, Options.Options<unknown>> = {}
  for (const [key, spec] of entries(table)) {
    if (spec.kind !== "positional") record[key] = toOption(key, spec)
  }
  // Options.all over a computed record loses the per-key types that the table still has.
  return Options.all(record) as unknown as Options.Options<{ readonly [K in OptionKeys<T>]: RawValue<T[K]> }>
}

/** Optional even when the plugin needs it: our decode reports absence in one line. */
const toArg = (key: string, spec: OptionSpec): Args.Args<unknown> =>
  Args.text({ name: spec.metavar ?? key.toUpperCase() }).pipe(
    Args.withDescription(spec.description),
    Args.optional
  )

/**
 * A flat `Command.make` config whose handler receives `Raw<T>`:
 * `Command.make("httpok", toCommandConfig(httpokTable), decodeHttpok)`.
 */
export const toCommandConfig = <T extends OptionTable>(table: T): CommandConfig<T> => {
  const record: Record<string, Options.Options<unknown> | Args.Args<unknown>> = {}
  for (const [key, spec] of entries(table)) {
    record[key] = spec.kind === "positional" ? toArg(key, spec) : toOption(key, spec)
  }
  // Built key by key from the table; each entry is the CliEntry of its spec (toOption, toArg).
  return record as CommandConfig<T>
}

/** The same table with every entry listed under `group` in `--help`: how a shared table says what it is. */
export const inGroup = <const G extends OptionGroup, const T extends OptionTable>(
  group: G,
  table: T
): { readonly [K in keyof T]: T[K] & { readonly group: G } } => {
  const stamped: Record<string, OptionSpec> = {}
  for (const [key, spec] of entries(table)) stamped[key] = { ...spec, group }
  // Built key by key from `table`, each entry the same spec with `group` added.
  return stamped as { readonly [K in keyof T]: T[K] & { readonly group: G } }
}

/** A value as a config file gives it: a flag's boolean, a repeated option's list, another option's text. */
export type GivenValue = boolean | string | ReadonlyArray<string>

/**
 * The raw record @effect/cli would hand back had these values been given on the command line
 * (absent: false, none, []), so a config file decodes through the plugin's own decoder.
 */
export const rawOf = <T extends OptionTable>(table: T, values: ReadonlyMap<string, GivenValue>): Raw<T> => {
  const record: Record<string, unknown> = {}
  for (const [key, spec] of entries(table)) {
    const value = values.get(key)
    record[key] = spec.kind === "flag"
      ? value === true
      : spec.kind === "repeated"
      ? (Array.isArray(value) ? value : [])
      : typeof value === "string"
      ? Option.some(value)
      : Option.none()
  }
  // Built key by key from the table, each value of the shape its kind gets (RawValue).
  return record as Raw<T>
}
