/**
 * Time as alerts and messages write it: Python's logging asctime (`2025-11-05 09:05:03,042`, the
 * mail texts of crashmail, httpok and the batch plugins), Python's `time.asctime()` with the zone
 * abbreviation (`Wed Nov  5 09:05:03 2025 CET`, memmon's mails), and durations as operators
 * write them (`10m`, `2h`).
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"

const pad = (n: number, width = 2) => String(n).padStart(width, "0")

/** Local time as Python's logging asctime, `YYYY-MM-DD HH:MM:SS,mmm`: the original's mail texts use it. */
export const formatAsctime = (millis: number): string => {
  const d = new Date(millis)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${
    pad(d.getSeconds())
  },${pad(d.getMilliseconds(), 3)}`
}

/** The current time from Clock (so TestClock drives it), as asctime. */
export const asctime: Effect.Effect<string> = Effect.map(Clock.currentTimeMillis, formatAsctime)

/*
 * memmon's date: `%Z` is the C library's zone abbreviation (`CET`, `EST`, `-03`), which Intl does
 * not give outside a few locales (it says `GMT+1` for Europe/Berlin), so it is read where the C
 * library reads it: the POSIX rule in the footer of the zone file (`TZ` or /etc/localtime).
 */

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

/** Local time as Python's `time.asctime()`: `Wed Nov  5 09:05:03 2025` (day padded with a space). */
export const formatTimeAsctime = (millis: number): string => {
  const d = new Date(millis)
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, " ")} ${pad(d.getHours())}:${
    pad(d.getMinutes())
  }:${pad(d.getSeconds())} ${d.getFullYear()}`
}

const NAME = /^(?:<([^>]+)>|([A-Za-z]{3,}))/
const OFFSET = /^([+-]?)(\d{1,3})(?::(\d{1,2}))?(?::(\d{1,2}))?/

/** Seconds east of UTC from a POSIX offset (which counts west: `CET-1` is UTC+1). */
const eastSeconds = (sign: string, h: string, m: string | undefined, s: string | undefined) =>
  (sign === "-" ? 1 : -1) * (Number(h) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0))

/**
 * The abbreviation a POSIX TZ rule (`CET-1CEST,M3.5.0,M10.5.0/3`) gives at a moment whose UTC
 * offset is `offsetSeconds` (east positive): the daylight name when the offset is not standard
 * time's. Undefined when the rule cannot be read.
 */
export const abbreviationFromRule = (rule: string, offsetSeconds: number): string | undefined => {
  const std = NAME.exec(rule)
  if (std === null) return undefined
  let rest = rule.slice(std[0].length)
  const stdOffset = OFFSET.exec(rest)
  if (stdOffset === null) return undefined
  rest = rest.slice(stdOffset[0].length)
  const stdName = std[1] ?? std[2]!
  const dst = NAME.exec(rest)
  if (dst === null) return stdName
  return offsetSeconds === eastSeconds(stdOffset[1]!, stdOffset[2]!, stdOffset[3], stdOffset[4]) ? stdName : dst[1] ?? dst[2]!
}

/** The POSIX rule in a TZif file's footer (its last line), when the file has one. */
const footerRule = (path: string): string | undefined => {
  try {
    const text = fs.readFileSync(path).toString("latin1")
    if (!text.startsWith("TZif")) return undefined
    const lines = text.split("\n")
    const rule = lines[lines.length - 2]
    return rule === undefined || rule === "" ? undefined : rule
  } catch {
    return undefined
  }
}

/** The local zone's POSIX rule, as the C library finds it: TZ (a zone name, a path or a rule), else /etc/localtime. */
const localRule = (tz: string | undefined): string | undefined => {
  if (tz === undefined) return footerRule("/etc/localtime")
  if (tz === "") return "UTC0"
  const name = tz.replace(/^:/, "")
  const fromFile = footerRule(name.startsWith("/") ? name : `/usr/share/zoneinfo/${name}`)
  return fromFile ?? (OFFSET.test(name.slice(NAME.exec(name)?.[0].length ?? 0)) ? name : undefined)
}

let cachedRule: { readonly tz: string | undefined; readonly rule: string | undefined } | undefined

/** The local zone's abbreviation at `millis`, as Python's `time.strftime('%Z')` shows it. */
export const zoneAbbreviation = (millis: number): string => {
  const tz = process.env["TZ"]
  if (cachedRule === undefined || cachedRule.tz !== tz) cachedRule = { tz, rule: localRule(tz) }
  const offsetSeconds = -new Date(millis).getTimezoneOffset() * 60
  const fromRule = cachedRule.rule === undefined ? undefined : abbreviationFromRule(cachedRule.rule, offsetSeconds)
  if (fromRule !== undefined) return fromRule
  // No zone file to read (e.g. not a Unix system): Intl's short name, `UTC` or `GMT+1` style.
  const part = new Intl.DateTimeFormat("en-US", { timeZoneName: "short" })
    .formatToParts(new Date(millis))
    .find((p) => p.type === "timeZoneName")
  return part?.value ?? "UTC"
}

/** `Wed Nov  5 09:05:03 2025 CET`: what memmon's restart mail says. */
export const ctime = (millis: number): string => `${formatTimeAsctime(millis)} ${zoneAbbreviation(millis)}`

/** A duration in the largest unit that writes it whole, as operators write it: `10m`, `90s`, `2h`, `1d`. */
export const formatPeriod = (duration: Duration.Duration): string => {
  const s = Math.round(Duration.toSeconds(duration))
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60]] as const) {
    if (s >= size && s % size === 0) return `${s / size}${unit}`
  }
  return `${s}s`
}
