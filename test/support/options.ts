/** Command line → normalise → @effect/cli → plugin config, as the binary does it. */
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { OptionTable, Raw } from "../../src/options/OptionTable.js"
import type { UsageError } from "../../src/options/UsageError.js"
import type { ListenError, Plugin, PluginTable } from "../../src/plugins/common/Plugin.js"
import { parseRaw } from "./cliParse.js"

/** The environment seen by the decoders (effect's ConfigProvider), instead of process.env. */
export const withEnv = (env: Readonly<Record<string, string>>) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

export const pipeline = <T extends OptionTable, C>(
  name: string,
  table: T,
  decode: (raw: Raw<T>) => Effect.Effect<C, UsageError>
) =>
(argv: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}) =>
  parseRaw(name, table, argv).pipe(
    Effect.flatMap(Option.match({ onNone: () => Effect.dieMessage("help was shown"), onSome: decode })),
    withEnv(env)
  )

/** The same path through a plugin of the registry: its name, its table, its decoder. */
export const throughPlugin = <T extends PluginTable, C, E extends ListenError>(plugin: Plugin<T, C, E>) =>
  pipeline(plugin.name, plugin.options, (raw) => plugin.decode(raw))

/** The one-line message a failing command line gets. */
export const message = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.map(
    Effect.flip(self),
    (e) =>
      typeof e === "object" && e !== null && "message" in e && typeof e.message === "string"
        ? e.message
        : `not one of our errors: ${JSON.stringify(e)}`
  )
