/** httpok's typed configuration (SPEC §4 "httpok"), decoded from its raw options. */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { OptionTable, Raw } from "../../options/OptionTable.js"
import * as Either from "effect/Either"
import { type ProgramSpec, wholeGroup, word } from "../../domain/Selection.js"
import * as UrlTemplate from "../../domain/UrlTemplate.js"
import { fields } from "../../options/fields.js"
import { UsageError, usageError } from "../../options/UsageError.js"
import { logging } from "../../options/logging.js"
import type { AlertingConfig } from "../../options/alerting.js"
import { decodeHeartbeat, heartbeat } from "../../options/heartbeat.js"
import { decodeListenerMail, listenerMail } from "../../options/mail.js"
import { decodeReceivers, decodeSpool, spool } from "../../options/receivers.js"
import { decodeFailures, decodeGrace, decodeHost, decodeRestartLimit, host, restartSafety, type RestartSafetyConfig } from "../../options/safety.js"
import {
  NonBlank,
  ProgramName,
  SingleLine,
  StatusCode,
  TimeoutSeconds
} from "../../options/units.js"

export const httpokTable = {
  program: {
    original: true,
    short: "p",
    kind: "repeated",
    metavar: "NAME",
    description: "Restart this RUNNING process (name, group:name or group:*) when the check fails. Repeatable."
  },
  group: {
    kind: "repeated",
    metavar: "GROUP",
    description: "Restart every RUNNING process of GROUP when the check fails (as -p GROUP:*). Repeatable."
  },
  any: { original: true, short: "a", kind: "flag", description: "Restart every RUNNING process when the check fails." },
  timeout: {
    original: true,
    short: "t",
    kind: "single",
    metavar: "SEC",
    description: "Give up on the request after SEC seconds (default 10)."
  },
  code: {
    original: true,
    short: "c",
    kind: "repeated",
    metavar: "STATUS",
    description: "An expected HTTP status (default 200). Repeatable."
  },
  body: { original: true, short: "b", kind: "single", metavar: "TEXT", description: "Text the response body must contain." },
  ...listenerMail,
  gcore: {
    original: true,
    short: "g",
    kind: "single",
    metavar: "CMD",
    description: "Program that dumps a core given a file name and a pid (default: /usr/bin/gcore -o)."
  },
  coredir: {
    original: true,
    short: "d",
    kind: "single",
    metavar: "DIR",
    description: "Before restarting, dump each process's core into DIR."
  },
  eager: {
    original: true,
    short: "e",
    kind: "flag",
    exclusive: "eager",
    description: "Check even if no watched process is RUNNING (default)."
  },
  "not-eager": {
    original: true,
    short: "E",
    kind: "flag",
    exclusive: "eager",
    description: "Do not check while no watched process is RUNNING."
  },
  name: { original: true, short: "n", kind: "single", metavar: "NAME", description: "Name this httpok in mail subjects." },
  "verify-tls": { kind: "flag", description: "Verify the URL's TLS certificate (off by default)." },
  "port-base": {
    kind: "single",
    metavar: "N",
    description: "With {port} in the URL: each process's port is N plus the number ending its name."
  },
  failures: {
    group: "safety",
    kind: "single",
    metavar: "N",
    description: "Act only after N bad checks in a row (per process with a per-process URL; default 1)."
  },
  ...spool,
  ...restartSafety,
  ...host,
  ...heartbeat,
  ...logging,
  url: {
    kind: "positional",
    metavar: "URL",
    description:
      "The http(s) URL to GET, or tcp://HOST:PORT to connect to. With {name}, {group}, {num} or {port} in it, each selected process is checked at its own URL."
  }
} as const satisfies OptionTable


export interface HttpokConfig extends AlertingConfig, RestartSafetyConfig {
  /** An http(s) or `tcp://HOST:PORT` URL, perhaps with per-process placeholders (`UrlTemplate`). */
  readonly url: string
  /** `-p`, and `--group GROUP` as `GROUP:*`: processes to restart (and check, per process) when the check fails. */
  readonly programs: ReadonlyArray<ProgramSpec>
  /** `--port-base`: what `{port}` adds the process's number to. */
  readonly portBase?: number | undefined
  /** `-a`: restart every RUNNING process (overrides `programs`). */
  readonly any: boolean
  /** The whole attempt, retries of refused connections included. */
  readonly timeout: Duration.Duration
  /** Acceptable statuses. */
  readonly codes: ReadonlyArray<number>
  /** Text the body must contain. */
  readonly body?: string | undefined
  /** Check even when no watched process is RUNNING. */
  readonly eager: boolean
  /** Command run as `<gcore> <coredir>/<namespec> <pid>`. */
  readonly gcore: string
  readonly coredir?: string | undefined
  /** `-n`: shown in subjects as `httpok [<name>]`. */
  readonly name?: string | undefined
  readonly verifyTls: boolean
}

export const defaultTimeout = Duration.seconds(10)
export const defaultGcore = "/usr/bin/gcore -o"

/** `--group GROUP`: a group name, as in supervisord's `[group:GROUP]`. */
const GroupName: Schema.Schema<string, string> = Schema.String.pipe(
  Schema.filter((text) => word.test(text) && text !== "*")
).annotations({ description: "a group name" })

/** `--port-base N`: `{port}` is N plus the process's number, so N itself may be 0. */
const PortBase: Schema.Schema<number, string> = Schema.NumberFromString.pipe(
  Schema.int(),
  Schema.between(0, 65535)
).annotations({ description: "a port number (0-65535)" })

/** The URL against the options that go with it: placeholders, `{port}` and `--port-base`, TCP and `-c`/`-b`. */
const checkUrl = (
  url: string,
  given: { readonly portBase: number | undefined; readonly codes: boolean; readonly body: boolean; readonly selects: boolean }
): Effect.Effect<void, UsageError> =>
  Effect.gen(function*() {
    const template = yield* Either.mapLeft(
      UrlTemplate.validate(url, given.portBase),
      (problem) => new UsageError({ message: `URL: ${problem}` })
    )
    if (given.portBase !== undefined && !template.uses.has("port")) {
      return yield* usageError("--port-base: the URL has no {port}")
    }
    if (template.kind === "tcp" && given.codes) return yield* usageError("-c/--code: a tcp:// check has no status")
    if (template.kind === "tcp" && given.body) return yield* usageError("-b/--body: a tcp:// check reads no body")
    if (UrlTemplate.isPerProcess(template) && !given.selects) {
      return yield* usageError("URL: a URL with placeholders checks the selected processes: give -p, --group or -a")
    }
  })

const nonEmpty = (value: Option.Option<string>) => Option.getOrUndefined(Option.filter(value, (s) => s.length > 0))

export const decodeHttpok = (raw: Raw<typeof httpokTable>): Effect.Effect<HttpokConfig, UsageError> =>
  Effect.gen(function*() {
    const f = fields(httpokTable, raw)
    const programs = yield* f.repeated("program", ProgramName)
    const groups = yield* f.repeated("group", GroupName)
    const portBase = yield* f.optional("port-base", PortBase)
    const timeout = yield* f.optional("timeout", TimeoutSeconds)
    const codes = yield* f.repeated("code", StatusCode)
    const body = yield* f.optional("body", Schema.String)
    const mail = yield* decodeListenerMail(f)
    const receivers = yield* decodeReceivers(f)
    const gcore = yield* f.optional("gcore", NonBlank)
    const coredir = yield* f.optional("coredir", NonBlank)
    const name = yield* f.optional("name", SingleLine)
    const failures = yield* decodeFailures(f)
    const grace = yield* decodeGrace(f)
    const restartLimit = yield* decodeRestartLimit(f)
    const host = yield* decodeHost(f)
    const spool = yield* decodeSpool(f)
    const beat = yield* decodeHeartbeat(f, receivers, host)
    const url = yield* f.required("url", Schema.String, "missing URL")
    const selection = [...programs, ...groups.map(wholeGroup)]
    yield* checkUrl(url, {
      portBase: Option.getOrUndefined(portBase),
      codes: codes.length > 0,
      body: f.given("body"),
      selects: selection.length > 0 || f.flag("any")
    })
    return {
      url,
      programs: selection,
      ...(Option.isSome(portBase) ? { portBase: portBase.value } : {}),
      any: f.flag("any"),
      timeout: Option.getOrElse(timeout, () => defaultTimeout),
      codes: codes.length > 0 ? codes : [200],
      body: nonEmpty(body),
      // -e and -E override each other; argv normalisation keeps only the last one given.
      eager: f.flag("eager") || !f.flag("not-eager"),
      gcore: Option.getOrElse(gcore, () => defaultGcore),
      coredir: Option.getOrUndefined(coredir),
      name: nonEmpty(name),
      mail,
      receivers,
      verifyTls: f.flag("verify-tls"),
      failures,
      grace,
      restartLimit,
      host,
      spool,
      heartbeat: beat
    }
  })
