/**
 * What the command line needs of a plugin: its name and description, its option table, how the
 * parsed options decode into its config, and `listen(config)`, which runs it as supervisord's
 * listener with its own layers. The registry (plugins/registry.ts) lists them; `superlance`'s
 * command tree and the tests walk that one list.
 */
import type * as Effect from "effect/Effect"
import type { UsageError } from "../../options/UsageError.js"
import type { heartbeat } from "../../options/heartbeat.js"
import type { logging } from "../../options/logging.js"
import type { OptionTable, Raw } from "../../options/OptionTable.js"

/**
 * Every plugin's table has the logging options (`--log-format`), which the command line reads,
 * and `--heartbeat`, which `serve` runs around the plugin's handler.
 */
export type PluginTable = OptionTable & typeof logging & typeof heartbeat

/** How a listener stops for good: every failure says what happened in one line. */
export interface ListenError {
  readonly _tag: string
  readonly message: string
}

export interface Plugin<T extends PluginTable = PluginTable, C = unknown, E extends ListenError = ListenError> {
  readonly name: string
  /** One line for `superlance --help`. */
  readonly description: string
  /** The `events=` line of its `[eventlistener:…]` section, as `--help`'s sample shows it. */
  readonly events: string
  /** The arguments of a typical command line, for that sample. */
  readonly example: string
  readonly options: T
  // Methods rather than function properties: their parameters are checked where a plugin is
  // made (`make`), and a registry of plugins with different tables is a list of `Plugin`s.
  decode(raw: Raw<T>): Effect.Effect<C, UsageError>
  listen(config: C): Effect.Effect<void, E>
}

/** A plugin, checked: `decode` reads exactly its table, `listen` takes what `decode` makes. */
export const make = <T extends PluginTable, C, E extends ListenError>(plugin: Plugin<T, C, E>): Plugin<T, C, E> => plugin
