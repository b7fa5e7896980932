/**
 * Reading a table's raw @effect/cli values through the unit Schemas, each failure one line
 * naming the option: `-t/--timeout: "abc" is not a number of seconds`.
 */
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import { label, type KeysOfKind, type OptionTable } from "./OptionTable.js"
import { describeExpected } from "./units.js"
import { UsageError, usageError } from "./UsageError.js"

/**
 * Typed readers for one table's raw values, by key kind. Parameterised by key sets (not the
 * table) so a reader of a larger table serves code written for a part of it (the mail options).
 */
export interface Fields<Flag extends string, Single extends string, Repeated extends string> {
  readonly label: (key: Flag | Single | Repeated) => string
  readonly flag: (key: Flag) => boolean
  /** Whether a single option or positional was given at all (even with an empty value). */
  readonly given: (key: Single) => boolean
  readonly optional: <A>(key: Single, schema: Schema.Schema<A, string>) => Either.Either<Option.Option<A>, UsageError>
  /** Absent: `message`, by default `<label> is required`. */
  readonly required: <A>(key: Single, schema: Schema.Schema<A, string>, message?: string) => Either.Either<A, UsageError>
  readonly repeated: <A>(key: Repeated, schema: Schema.Schema<A, string>) => Either.Either<ReadonlyArray<A>, UsageError>
}

export type FieldsOf<T extends OptionTable> = Fields<
  KeysOfKind<T, "flag">,
  KeysOfKind<T, "single" | "positional">,
  KeysOfKind<T, "repeated">
>

/** `raw` is the table's `Raw<T>`: one value per key, read by the reader its kind gets. */
export const fields = <T extends OptionTable>(table: T, raw: { readonly [K in keyof T]: unknown }): FieldsOf<T> => {
  // Raw<T>[K] is a conditional type TS cannot narrow by the key's kind: the key types say which
  // reader a key gets, and each reader checks the value's shape.
  const values = new Map<string, unknown>(Object.entries(raw))
  const text = (key: string): Option.Option<string> => {
    const value = values.get(key)
    return Option.isOption(value) ? Option.filter(value, Predicate.isString) : Option.none()
  }
  const list = (key: string): ReadonlyArray<string> => {
    const value = values.get(key)
    return Array.isArray(value) ? value.filter(Predicate.isString) : []
  }
  const decode = <A>(key: string, schema: Schema.Schema<A, string>, value: string) =>
    Either.mapLeft(
      Schema.decodeEither(schema)(value),
      () => new UsageError({ message: `${label(table, key)}: ${JSON.stringify(value)} is not ${describeExpected(schema)}` })
    )
  const optional = <A>(key: string, schema: Schema.Schema<A, string>) =>
    Option.match(text(key), {
      onNone: () => Either.right(Option.none<A>()),
      onSome: (value) => Either.map(decode(key, schema, value), Option.some)
    })
  return {
    label: (key) => label(table, key),
    flag: (key) => values.get(key) === true,
    given: (key) => Option.isSome(text(key)),
    optional,
    required: (key, schema, message) =>
      Either.flatMap(optional(key, schema), (value) =>
        Option.match(value, {
          onNone: () => usageError(message ?? `${label(table, key)} is required`),
          onSome: Either.right
        })),
    repeated: (key, schema) => Either.all(list(key).map((value) => decode(key, schema, value)))
  }
}
