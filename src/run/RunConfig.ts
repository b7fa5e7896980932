/**
 * `superlance run CONFIG`'s file (SPEC §6): TOML, one table per plugin (`[crashmail]`), an array
 * of tables for a plugin run more than once (`[[httpok]]`). A section's keys are its plugin's
 * long option names as on its command line, plus `url` (httpok's URL) and `tick` (httpok,
 * memmon). Top-level keys are defaults for every section whose plugin has an option of that
 * name (a section's own key wins); the process-wide options are top-level only. Each section is
 * decoded by its plugin's own decoder, from the raw values its command line would have given.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as LogLevel from "effect/LogLevel"
import * as Schema from "effect/Schema"
import { parse, TomlDate, TomlError } from "smol-toml"
import { type GivenValue, label, type OptionSpec, type OptionTable, rawOf } from "../options/OptionTable.js"
import { isProcessWide } from "../options/processWide.js"
import { fields } from "../options/fields.js"
import { decodeHeartbeat, heartbeat, type HeartbeatConfig } from "../options/heartbeat.js"
import { decodeReceivers, receivers } from "../options/receivers.js"
import { decodeHost, host } from "../options/safety.js"
import { TickEvent } from "../options/units.js"
import type { Unit } from "../plugins/common/listen.js"
import type { Plugin } from "../plugins/common/Plugin.js"
import { all as allPlugins, isPluginName, plugins } from "../plugins/registry.js"
import { LogFormat } from "../protocol/Logging.js"

export interface Section {
  /** `httpok`, or `httpok 2` for the second of several: names it in log lines and its spool file. */
  readonly name: string
  readonly plugin: Plugin
  /** What the plugin's decoder made of it: the same as from the equivalent command line. */
  readonly config: unknown
  readonly unit: Unit
  /** The one TICK it acts on (`tick = "TICK_60"`); absent: every TICK (only for plugins that tick). */
  readonly tick: string | undefined
}

export interface RunConfig {
  readonly sections: ReadonlyArray<Section>
  /** `log-level`; absent: the command line's `--log-level`, else info. */
  readonly logLevel: LogLevel.LogLevel | undefined
  readonly logFormat: LogFormat
  /** `heartbeat URL`, with the top level's `alertmanager` and `hostname`. */
  readonly heartbeat: HeartbeatConfig | undefined
}

/** `superlance run`'s own command line. */
export const runTable = {
  check: {
    kind: "flag",
    description: "Only check CONFIG (no supervisord needed) and print the events= line its [eventlistener] needs."
  },
  config: { kind: "positional", metavar: "CONFIG", description: "The TOML file: one section per plugin (docs/run.md)." }
} as const satisfies OptionTable

/** Everything wrong with a file, one line per problem naming the section and the key. */
export class RunConfigError extends Data.TaggedError("RunConfigError")<{ readonly problems: ReadonlyArray<string> }> {
  override get message() {
    return this.problems.join("\n")
  }
}

/** The one key of a section that is not an option: which TICK a ticking plugin acts on. */
const TICK = "tick"

const logLevels: Readonly<Record<string, LogLevel.LogLevel>> = {
  all: LogLevel.All,
  trace: LogLevel.Trace,
  debug: LogLevel.Debug,
  info: LogLevel.Info,
  warning: LogLevel.Warning,
  error: LogLevel.Error,
  fatal: LogLevel.Fatal,
  none: LogLevel.None
}

type TomlTable = Record<string, unknown>

const isTable = (value: unknown): value is TomlTable =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof TomlDate)

const isTableArray = (value: unknown): value is ReadonlyArray<TomlTable> =>
  Array.isArray(value) && value.length > 0 && value.every(isTable)

const shown = (value: unknown): string => (value instanceof TomlDate ? value.toISOString() : JSON.stringify(value))

/** A TOML scalar as the text a command line would have given. */
const asText = (value: unknown): string | undefined =>
  typeof value === "string"
    ? value
    : (typeof value === "number" && Number.isFinite(value)) || typeof value === "bigint"
    ? String(value)
    : undefined

/** A TOML value in the raw form of the option's kind, or what is wrong with it. */
const given = (spec: OptionSpec, value: unknown): Either.Either<GivenValue, string> => {
  switch (spec.kind) {
    case "flag":
      return typeof value === "boolean" ? Either.right(value) : Either.left(`expects true or false, not ${shown(value)}`)
    case "repeated": {
      const items = Array.isArray(value) ? value : [value]
      const texts = items.map(asText)
      return texts.every((text): text is string => text !== undefined)
        ? Either.right(texts)
        : Either.left(`expects a string, a number or a list of them, not ${shown(value)}`)
    }
    default: {
      const text = asText(value)
      if (text !== undefined) return Either.right(text)
      return Either.left(
        Array.isArray(value) ? `expects one value, not a list` : `expects a string or a number, not ${shown(value)}`
      )
    }
  }
}

/** The names a section of this plugin takes, each to its table key (aliases such as `groupname` too). */
const namesOf = (plugin: Plugin): ReadonlyMap<string, string> => {
  const names = new Map<string, string>()
  for (const [key, spec] of Object.entries(plugin.options)) {
    if (isProcessWide(key)) continue
    names.set(key, key)
    for (const alias of spec.kind === "positional" ? [] : spec.aliases ?? []) if (alias.length > 1) names.set(alias, key)
  }
  if (plugin.ticks) names.set(TICK, TICK)
  return names
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/**
 * A decoder's message in the file's terms: options are named by their keys (`timeout`, not
 * `-t/--timeout`), as the file writes them.
 */
const inFileTerms = (table: OptionTable, message: string): string =>
  Object.keys(table)
    .flatMap((key) => [[label(table, key), key], [`--${key}`, key]] as const)
    .sort(([a], [b]) => b.length - a.length)
    .reduce(
      (text, [written, key]) => text.replace(new RegExp(`(?<![\\w-])${escapeRegExp(written)}(?![\\w-])`, "g"), key),
      message
    )

/** What one section says, before its plugin's decoder reads it. */
interface Draft {
  readonly name: string
  readonly plugin: Plugin
  readonly table: TomlTable
}

/** The sections of the file in its order; `httpok 1`, `httpok 2` where a plugin runs more than once. */
const drafts = (document: TomlTable, problems: Array<string>): ReadonlyArray<Draft> =>
  Object.entries(document).flatMap(([key, value]) => {
    if (!isPluginName(key)) return []
    const plugin = plugins[key]
    if (isTable(value)) return [{ name: key, plugin, table: value }]
    if (isTableArray(value)) {
      return value.map((table, i) => ({ name: value.length === 1 ? key : `${key} ${i + 1}`, plugin, table }))
    }
    problems.push(`${key}: a plugin's section is a table ([${key}]) or an array of tables ([[${key}]])`)
    return []
  })

/** Reads one process-wide key of the top level. */
const processSetting = <A>(
  document: TomlTable,
  key: string,
  problems: Array<string>,
  read: (text: string) => A | undefined,
  expected: string
): A | undefined => {
  const value = document[key]
  if (value === undefined) return undefined
  const setting = typeof value === "string" ? read(value) : undefined
  if (setting === undefined) problems.push(`top level: ${key}: expects ${expected}, not ${shown(value)}`)
  return setting
}

/** What the one heartbeat of the listener reads: `heartbeat`, and the top level's Alertmanagers and host name. */
const heartbeatTable = { ...heartbeat, ...receivers, ...host } as const satisfies OptionTable

/** `heartbeat URL` at the top level, decoded as a plugin's `--heartbeat` is, by its own decoders. */
const decodeHeartbeatAt = (document: TomlTable, problems: Array<string>) =>
  Effect.gen(function*() {
    if (document["heartbeat"] === undefined) return undefined
    const values = new Map<string, GivenValue>()
    for (const [key, spec] of Object.entries(heartbeatTable)) {
      const value = document[key]
      if (value === undefined) continue
      // A value that is no option's is reported where the sections read it.
      Either.match(given(spec, value), {
        onLeft: (problem) => key === "heartbeat" && problems.push(`top level: heartbeat: ${problem}`),
        onRight: (raw) => values.set(key, raw)
      })
    }
    const f = fields(heartbeatTable, rawOf(heartbeatTable, values))
    const config = yield* Effect.either(
      Effect.flatMap(Effect.zip(decodeReceivers(f), decodeHost(f)), ([to, stamp]) => decodeHeartbeat(f, to, stamp))
    )
    if (Either.isRight(config)) return config.right
    problems.push(`top level: ${inFileTerms(heartbeatTable, config.left.message)}`)
    return undefined
  })

/** Decodes a config file's text; every problem is reported, not only the first. */
export const decode = (text: string): Effect.Effect<RunConfig, RunConfigError> =>
  Effect.gen(function*() {
    const document = yield* Effect.try({
      try: (): TomlTable => parse(text),
      catch: (error) =>
        new RunConfigError({
          problems: [
            error instanceof TomlError
              ? `line ${error.line}, column ${error.column}: ${error.message.split("\n")[0]?.replace(/^Invalid TOML document: /, "")}`
              : String(error)
          ]
        })
    })
    const problems: Array<string> = []
    const names = allPlugins.map((p) => p.name).join(", ")

    // The top level: process-wide settings, defaults for the sections, and nothing else.
    const defaults = new Map<string, unknown>()
    for (const [key, value] of Object.entries(document)) {
      if (isPluginName(key) || isProcessWide(key)) continue
      if (isTable(value) || isTableArray(value)) problems.push(`[${key}]: not a plugin (${names})`)
      else defaults.set(key, value)
    }
    const logLevel = processSetting(document, "log-level", problems, (t) => logLevels[t], Object.keys(logLevels).join(", "))
    const logFormat = processSetting(
      document,
      "log-format",
      problems,
      (t) => Either.getOrUndefined(Schema.decodeUnknownEither(LogFormat)(t)),
      "text or json"
    )
    const heartbeat = yield* decodeHeartbeatAt(document, problems)

    const sections = drafts(document, problems)
    if (sections.length === 0 && problems.length === 0) {
      problems.push(`no plugin section: add one or more of [${allPlugins.map((p) => p.name).join("], [")}]`)
    }
    const usedDefaults = new Set<string>()
    const decoded: Array<Section> = []
    for (const draft of sections) {
      const where = `[${draft.name}]`
      const accepted = namesOf(draft.plugin)
      const values = new Map<string, GivenValue>()
      const before = problems.length
      const take = (written: string, key: string, value: unknown, from: string) => {
        if (values.has(key)) {
          problems.push(`${where} ${written}: given twice (as ${written} and as ${key})`)
          return
        }
        const spec: OptionSpec = key === TICK ? { kind: "single", description: "" } : draft.plugin.options[key]!
        Either.match(given(spec, value), {
          onLeft: (problem) => problems.push(`${where} ${written}${from}: ${problem}`),
          onRight: (raw) => values.set(key, raw)
        })
      }
      for (const [written, value] of Object.entries(draft.table)) {
        const key = accepted.get(written)
        if (isProcessWide(written)) problems.push(`${where} ${written}: only at the top level (one per process)`)
        else if (key === undefined) problems.push(`${where} ${written}: not an option of ${draft.plugin.name}`)
        else take(written, key, value, "")
      }
      for (const [written, value] of defaults) {
        const key = accepted.get(written)
        if (key === undefined) continue
        usedDefaults.add(written)
        if (!values.has(key)) take(written, key, value, " (from the top level)")
      }
      // A command line keeps the last of two options that override each other; a file cannot say which came last.
      const exclusive = new Map<string, string>()
      for (const [key, value] of values) {
        const group = draft.plugin.options[key]?.exclusive
        if (group === undefined || value !== true) continue
        const other = exclusive.get(group)
        if (other !== undefined) problems.push(`${where} ${other}, ${key}: exclude each other`)
        exclusive.set(group, key)
      }
      const tickText = values.get(TICK)
      const tick = typeof tickText === "string" ? Either.getOrUndefined(Schema.decodeEither(TickEvent)(tickText)) : undefined
      if (typeof tickText === "string" && tick === undefined) {
        problems.push(`${where} tick: ${JSON.stringify(tickText)} is not a TICK event name like TICK_60`)
      }
      if (problems.length > before) continue
      const config = yield* Effect.either(draft.plugin.decode(rawOf(draft.plugin.options, values)))
      if (Either.isLeft(config)) {
        problems.push(`${where} ${inFileTerms(draft.plugin.options, config.left.message)}`)
        continue
      }
      decoded.push({ name: draft.name, plugin: draft.plugin, config: config.right, unit: draft.plugin.unit(config.right), tick })
    }
    for (const key of defaults.keys()) {
      if (!usedDefaults.has(key)) problems.push(`top level: ${key}: no section's plugin has this option`)
    }
    if (problems.length > 0) return yield* new RunConfigError({ problems })
    return { sections: decoded, logLevel, logFormat: logFormat ?? "text", heartbeat }
  })

const tickPeriod = (tick: string) => Number(tick.slice("TICK_".length))

/**
 * The `events=` line of the `[eventlistener]` section: every state event a section acts on,
 * and the TICKs: each section's own, and TICK_60 when a section acts on any TICK (or the
 * heartbeat needs one) and none is named.
 */
export const eventsLine = (config: RunConfig): string => {
  const states = [...new Set(config.sections.flatMap((s) => s.unit.events))].sort()
  const ticks = new Set(config.sections.flatMap((s) => (s.plugin.ticks && s.tick !== undefined ? [s.tick] : [])))
  const anyTick = config.sections.some((s) => s.plugin.ticks && s.tick === undefined) || config.heartbeat !== undefined
  if (anyTick && ticks.size === 0) ticks.add("TICK_60")
  return `events=${[...states, ...[...ticks].sort((a, b) => tickPeriod(a) - tickPeriod(b))].join(",")}`
}
