/**
 * httpok's URL, which may name each process's own endpoint (SPEC §6 "A URL per process"):
 * `{name}` the process name, `{group}` its group, `{num}` the digits ending the name as written
 * (`web_05` → `05`, so `http://127.0.0.1:80{num}/` reaches port 8005), `{port}` = `--port-base`
 * plus the value of `{num}`. An `http`, `https` or `tcp://HOST:PORT` URL.
 */
import * as Either from "effect/Either"
import type { ProcessId } from "./Process.js"

export type Placeholder = "name" | "group" | "num" | "port"

const KNOWN: ReadonlyArray<Placeholder> = ["name", "group", "num", "port"]

const isKnown = (word: string | undefined): word is Placeholder => KNOWN.some((p) => p === word)

/** `{word}`: anything in braces is meant as a placeholder (braces have no other use in a URL). */
const PLACEHOLDER = /\{([^{}]*)\}/g

export interface UrlTemplate {
  /** As written: it names the check in subjects and logs. */
  readonly text: string
  /** `tcp://HOST:PORT`: a connection that opens is a pass; otherwise an HTTP GET. */
  readonly kind: "http" | "tcp"
  /** The placeholders it uses; none: one URL for every process (the original's httpok). */
  readonly uses: ReadonlySet<Placeholder>
}

/** The template a URL is, without judging it (the options' decoder does, with `validate`). */
export const make = (text: string): UrlTemplate => ({
  text,
  kind: /^tcp:/i.test(text) ? "tcp" : "http",
  uses: new Set([...text.matchAll(PLACEHOLDER)].flatMap(([, word]) => (isKnown(word) ? [word] : [])))
})

export const isPerProcess = (template: UrlTemplate): boolean => template.uses.size > 0

/** The digits that end a process name, as written: `web_05` → `05`; none → undefined. */
export const processNumber = (name: string): string | undefined => /(\d+)$/.exec(name)?.[1]

const substitute = (text: string, values: Readonly<Record<Placeholder, string>>): string =>
  text.replace(PLACEHOLDER, (whole, word: string) => (isKnown(word) ? values[word] : whole))

/** Why a concrete URL is not one httpok can check, or undefined when it is. */
const urlProblem = (url: string): string | undefined => {
  if (!URL.canParse(url)) return "not a URL"
  const parsed = new URL(url)
  if (parsed.protocol === "http:" || parsed.protocol === "https:") return undefined
  if (parsed.protocol !== "tcp:") return "not an http, https or tcp://HOST:PORT URL"
  if (parsed.hostname === "" || parsed.port === "") return "not tcp://HOST:PORT (host and port are required)"
  if (!/^\/?$/.test(parsed.pathname) || parsed.search !== "") return "not tcp://HOST:PORT (a TCP check has no path)"
  return undefined
}

/**
 * The URL for one process, or why there is none: a name that ends in no number for `{num}` or
 * `{port}`, a port out of range, a URL that does not parse once filled in.
 */
export const expand = (template: UrlTemplate, process: ProcessId, portBase?: number): Either.Either<string, string> => {
  const num = processNumber(process.name)
  if (num === undefined && (template.uses.has("num") || template.uses.has("port"))) {
    return Either.left(`its name ends in no number for ${template.uses.has("num") ? "{num}" : "{port}"}`)
  }
  const port = portBase === undefined || num === undefined ? undefined : portBase + Number(num)
  if (template.uses.has("port") && (port === undefined || port > 65535)) {
    return Either.left(`{port} would be ${portBase ?? "?"} + ${num}, past 65535`)
  }
  const url = substitute(template.text, {
    name: process.name,
    group: process.group,
    num: num ?? "",
    port: String(port ?? "")
  })
  const problem = urlProblem(url)
  return problem === undefined ? Either.right(url) : Either.left(`its URL ${url} is ${problem}`)
}

/** Values that stand in for a process when a template is validated. */
const SAMPLE: ProcessId = { group: "web", name: "web_01" }

/**
 * Checks a URL as given on the command line: only known placeholders, `{port}` exactly when
 * there is a `--port-base`, and a URL httpok can check once a sample process fills it in
 * (`http://h:80{num}/` is not a URL until then). Answers why not, for a one-line usage error.
 */
export const validate = (text: string, portBase: number | undefined): Either.Either<UrlTemplate, string> => {
  const unknown = [...text.matchAll(PLACEHOLDER)].map(([whole, word]) => ({ whole, word })).find(({ word }) =>
    !isKnown(word)
  )
  if (unknown !== undefined) {
    return Either.left(`unknown placeholder ${unknown.whole} in ${JSON.stringify(text)} (known: {name}, {group}, {num}, {port})`)
  }
  const template = make(text)
  if (template.uses.has("port") && portBase === undefined) return Either.left("{port} needs --port-base")
  const url = substitute(text, { name: SAMPLE.name, group: SAMPLE.group, num: "01", port: String((portBase ?? 8000) + 1) })
  const problem = urlProblem(url)
  if (problem !== undefined) {
    return Either.left(
      isPerProcess(template)
        ? `${JSON.stringify(text)} is ${problem} (with a process's values: ${url})`
        : `${JSON.stringify(text)} is ${problem}`
    )
  }
  return Either.right(template)
}
