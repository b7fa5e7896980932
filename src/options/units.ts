/**
 * The value syntaxes of command-line options, as Schemas from the option's text. Each carries a
 * `description` naming what was expected, which `describeExpected` reads to build messages like
 * `-t/--timeout: "abc" is not a number of seconds`.
 */
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import { parseProgramSpec, ProgramSpec, word } from "../domain/Selection.js"
import { formatPeriod } from "../domain/Time.js"

/** The `description` annotation of a unit: what a valid value looks like. */
export const describeExpected = (schema: Schema.Schema.AnyNoContext): string =>
  Option.getOrElse(AST.getDescriptionAnnotation(schema.ast), () => "valid")

/** A Schema from text that accepts what `parse` maps to `Some`. */
const fromText = <A>(
  to: Schema.Schema<A>,
  description: string,
  parse: (text: string) => Option.Option<A>,
  format: (value: A) => string
): Schema.Schema<A, string> =>
  Schema.transformOrFail(Schema.String, Schema.typeSchema(to), {
    strict: true,
    decode: (text, _, ast) =>
      Option.match(parse(text), {
        onNone: () => ParseResult.fail(new ParseResult.Type(ast, text, `${JSON.stringify(text)} is not ${description}`)),
        onSome: ParseResult.succeed
      }),
    encode: (value) => ParseResult.succeed(format(value))
  }).annotations({ description })

const scaled = (pattern: RegExp, multipliers: Readonly<Record<string, number>>) => (text: string) => {
  const match = pattern.exec(text)
  if (match === null) return Option.none()
  const n = Number(match[1]) * multipliers[(match[2] ?? "").toLowerCase()]!
  return Number.isSafeInteger(n) ? Option.some(n) : Option.none()
}

/** Bytes: an integer with an optional KB, MB or GB suffix (any case, powers of 1024), like the original's. */
export const Size: Schema.Schema<number, string> = fromText(
  Schema.Number,
  "a size like 200MB",
  scaled(/^\s*(\d+)\s*(kb|mb|gb)?\s*$/i, { "": 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }),
  String
)

/** memmon's `-u`: whole seconds with an optional s, m, h or d suffix. */
export const Uptime: Schema.Schema<Duration.Duration, string> = fromText(
  Schema.DurationFromSelf,
  "a number of seconds (suffix s, m, h or d allowed)",
  (text) =>
    Option.map(
      scaled(/^\s*(\d+)\s*([smhd])?\s*$/i, { "": 1, s: 1, m: 60, h: 3600, d: 86400 })(text),
      Duration.seconds
    ),
  (d) => String(Duration.toSeconds(d))
)

const positiveDecimal = (text: string): Option.Option<number> => {
  if (!/^\s*(\d+(\.\d*)?|\.\d+)\s*$/.test(text)) return Option.none()
  const n = Number(text)
  return n > 0 && Number.isFinite(n) ? Option.some(n) : Option.none()
}

/** httpok's `-t`: a positive number of seconds, fractions allowed. */
export const TimeoutSeconds: Schema.Schema<Duration.Duration, string> = fromText(
  Schema.DurationFromSelf,
  "a number of seconds",
  (text) => Option.map(positiveDecimal(text), (s) => Duration.millis(Math.round(s * 1000))),
  (d) => String(Duration.toSeconds(d))
)

/** The batch interval: a positive number of minutes, fractions allowed (optparse `float`). */
export const IntervalMinutes: Schema.Schema<Duration.Duration, string> = fromText(
  Schema.DurationFromSelf,
  "a number of minutes",
  (text) => Option.map(positiveDecimal(text), (m) => Duration.millis(Math.round(m * 60_000))),
  (d) => String(Duration.toMinutes(d))
)

const integerIn = (min: number, max: number) => (text: string): Option.Option<number> => {
  if (!/^\s*\d+\s*$/.test(text)) return Option.none()
  const n = Number(text)
  return n >= min && n <= max ? Option.some(n) : Option.none()
}

export const StatusCode: Schema.Schema<number, string> = fromText(
  Schema.Number,
  "an HTTP status code (100-599)",
  integerIn(100, 599),
  String
)

export const Port: Schema.Schema<number, string> = fromText(
  Schema.Number,
  "a port number (1-65535)",
  integerIn(1, 65535),
  String
)

export const PositiveInt: Schema.Schema<number, string> = fromText(
  Schema.Number,
  "a whole number of at least 1",
  integerIn(1, Number.MAX_SAFE_INTEGER),
  String
)

const periodSeconds = scaled(/^\s*(\d+)\s*([smhd])?\s*$/i, { "": 1, s: 1, m: 60, h: 3600, d: 86400 })

/** `--grace`, `--restart-window`: whole seconds, or with an s, m, h or d suffix; at least one second. */
export const Period: Schema.Schema<Duration.Duration, string> = fromText(
  Schema.DurationFromSelf,
  "a duration like 30s, 10m, 2h or 1d",
  (text) => Option.map(Option.filter(periodSeconds(text), (s) => s > 0), Duration.seconds),
  formatPeriod
)

/** At most `max` of something (restarts, alerts) within any `window`. */
export interface Quota {
  readonly max: number
  readonly window: Duration.Duration
}

/** `--rate-limit N/DURATION`, e.g. `3/10m`. */
export const RateLimit: Schema.Schema<Quota, string> = fromText(
  Schema.Struct({ max: Schema.Number, window: Schema.DurationFromSelf }),
  "N/DURATION like 3/10m",
  (text) => {
    const [count, period, ...more] = text.split("/")
    if (count === undefined || period === undefined || more.length > 0) return Option.none()
    return Option.zipWith(
      integerIn(1, Number.MAX_SAFE_INTEGER)(count),
      Schema.decodeOption(Period)(period),
      (max, window) => ({ max, window })
    )
  },
  (quota) => `${quota.max}/${formatPeriod(quota.window)}`
)

/** `--hostname`: a host name as alerts show it (`auto` is the caller's business). */
export const HostName: Schema.Schema<string, string> = fromText(
  Schema.String,
  "a host name (or auto)",
  (text) => (/^\S+$/.test(text) ? Option.some(text) : Option.none()),
  String
)

/** supervisord emits TICK_5, TICK_60 and TICK_3600; any `TICK_<n>` is accepted as the original did. */
export const TickEvent: Schema.Schema<`TICK_${number}`, string> = fromText(
  Schema.TemplateLiteral("TICK_", Schema.Number),
  "a TICK event name like TICK_60",
  (text) => (/^TICK_[1-9]\d*$/.test(text) ? Option.some(text as `TICK_${number}`) : Option.none()),
  String
)

/** An http or https URL, kept as written (it appears verbatim in subjects and reports). */
export const HttpUrl: Schema.Schema<string, string> = fromText(
  Schema.String,
  "an http or https URL",
  (text) =>
    URL.canParse(text) && ["http:", "https:"].includes(new URL(text).protocol) ? Option.some(text) : Option.none(),
  String
)

/** Any non-empty token without spaces or line breaks (`root` is a valid local target). */
export const EmailAddress: Schema.Schema<string, string> = fromText(
  Schema.String,
  "an e-mail address",
  (text) => (/^\S+$/.test(text) ? Option.some(text) : Option.none()),
  String
)

/** Comma-separated addresses; blanks around commas and empty entries are ignored. */
export const EmailList: Schema.Schema<ReadonlyArray<string>, string> = fromText(
  Schema.Array(Schema.String),
  "a comma-separated list of e-mail addresses",
  (text) => {
    const addresses = text.split(",").map((part) => part.trim()).filter((part) => part.length > 0)
    return addresses.length > 0 && addresses.every((a) => /^\S+$/.test(a)) ? Option.some(addresses) : Option.none()
  },
  (addresses) => addresses.join(",")
)

/** One line of text (it ends up in a mail header, where a line break would inject headers). */
export const SingleLine: Schema.Schema<string, string> = fromText(
  Schema.String,
  "a single line of text",
  (text) => (/[\r\n]/.test(text) ? Option.none() : Option.some(text)),
  String
)

/** A command line, a path: anything but blank. */
export const NonBlank: Schema.Schema<string, string> = fromText(
  Schema.String,
  "a non-empty value",
  (text) => (text.trim().length > 0 ? Option.some(text) : Option.none()),
  String
)

export const ProgramName: Schema.Schema<ProgramSpec, string> = fromText(
  ProgramSpec,
  "a program name, group:name or group:*",
  parseProgramSpec,
  (spec) => spec.text
)

const splitSize = <A>(text: string, parseName: (name: string) => Option.Option<A>) => {
  const eq = text.indexOf("=")
  if (eq === -1 || text.indexOf("=", eq + 1) !== -1) return Option.none()
  const size = Schema.decodeOption(Size)(text.slice(eq + 1))
  return Option.flatMap(parseName(text.slice(0, eq)), (a) => Option.map(size, (bytes) => [a, bytes] as const))
}

export interface ProgramLimit {
  readonly program: ProgramSpec
  readonly bytes: number
}

/** memmon's `-p NAME=SIZE`. */
export const ProgramLimit: Schema.Schema<ProgramLimit, string> = fromText(
  Schema.Struct({ program: ProgramSpec, bytes: Schema.Number }),
  "NAME=SIZE (size like 200MB)",
  (text) => Option.map(splitSize(text, parseProgramSpec), ([program, bytes]) => ({ program, bytes })),
  (limit) => `${limit.program.text}=${limit.bytes}`
)

export interface GroupLimit {
  readonly group: string
  readonly bytes: number
}

/** memmon's `-g GROUP=SIZE`. */
export const GroupLimit: Schema.Schema<GroupLimit, string> = fromText(
  Schema.Struct({ group: Schema.String, bytes: Schema.Number }),
  "GROUP=SIZE (size like 200MB)",
  (text) =>
    Option.map(
      splitSize(text, (name) => (word.test(name) ? Option.some(name) : Option.none())),
      ([group, bytes]) => ({ group, bytes })
    ),
  (limit) => `${limit.group}=${limit.bytes}`
)

export interface HostPort {
  readonly host: string
  readonly port?: number
}

/** `host`, `host:port`, `[v6]` or `[v6]:port`; a bare IPv6 address is a host without port. */
export const HostPort: Schema.Schema<HostPort, string> = fromText<HostPort>(
  Schema.Struct({ host: Schema.String, port: Schema.optionalWith(Schema.Number, { exact: true }) }),
  "HOST or HOST:PORT",
  (text) => {
    const withPort = (host: string, port: string | undefined): Option.Option<HostPort> =>
      port === undefined ? Option.some({ host }) : Option.map(Schema.decodeOption(Port)(port), (p) => ({ host, port: p }))
    const bracketed = /^\[([^\]\s]+)\](?::(.*))?$/.exec(text)
    if (bracketed !== null) return withPort(bracketed[1]!, bracketed[2])
    if (/^[^\s[\]]*:[^\s[\]]*:[^\s[\]]*$/.test(text)) return Option.some({ host: text })
    const plain = /^([^\s:[\]]+)(?::(.*))?$/.exec(text)
    return plain === null ? Option.none() : withPort(plain[1]!, plain[2])
  },
  (hp) => (hp.port === undefined ? hp.host : `${hp.host.includes(":") ? `[${hp.host}]` : hp.host}:${hp.port}`)
)
