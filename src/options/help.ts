/**
 * `--help`, made from the option tables: the invoked name and one line of purpose, a usage line,
 * the options under a heading per group (the command's own first, then the groups the shared
 * tables stamp: mail, other notifiers, safety, logging), and a sample supervisord.conf section.
 * Pure: the caller says how wide to wrap and whether to colour (src/Console.ts knows the terminal).
 */
import { logLevels } from "./argv.js"
import type { OptionGroup, OptionSpec, OptionTable } from "./OptionTable.js"

export interface Layout {
  /** Columns to wrap at. */
  readonly width: number
  /** Bold headings and option names (a terminal that asked for colour). */
  readonly color: boolean
}

/** What help looks like when it is piped: 80 columns, no escapes. */
export const plain: Layout = { width: 80, color: false }

/** The `[eventlistener:…]` section a listener needs. */
export interface Sample {
  readonly section: string
  /** The command line after the command's name. */
  readonly args: string
  /** The `events=` value. */
  readonly events: string
}

export interface CommandHelp {
  /** As invoked, for the title and usage: `httpok`, or `superlance httpok`. */
  readonly name: string
  /** The command itself, heading its own options: `httpok`. */
  readonly command: string
  readonly purpose: string
  readonly table: OptionTable
  readonly sample?: Sample | undefined
}

/** One line of a two-column list: `-p, --program NAME` and its text. */
interface Row {
  readonly label: string
  readonly text: string
}

type Section =
  | { readonly _tag: "Rows"; readonly heading: string; readonly rows: ReadonlyArray<Row> }
  | { readonly _tag: "Verbatim"; readonly heading: string; readonly lines: ReadonlyArray<string> }

interface Page {
  readonly title: string
  readonly usage: string
  readonly sections: ReadonlyArray<Section>
}

/** Options every command reads besides its table's (see argv.ts). */
export const builtins = {
  help: { short: "h", kind: "flag", group: "other", description: "Show this help." }
} as const satisfies OptionTable

/** `--log-level`, which @effect/cli gives every listener. */
export const logLevel = {
  "log-level": {
    kind: "single",
    metavar: "LEVEL",
    choices: logLevels,
    group: "other",
    description: "Write log lines of LEVEL and above: debug, info (the default), warning, error or none."
  }
} as const satisfies OptionTable

const headings: Record<OptionGroup, string> = {
  mail: "Mail",
  notify: "Other notifiers and delivery",
  safety: "Safety",
  other: "Logging and other"
}

const groupOrder: ReadonlyArray<OptionGroup> = ["mail", "notify", "safety", "other"]

const optionRow = (key: string, spec: OptionSpec): Row => {
  const value = spec.kind === "flag" || spec.metavar === undefined ? "" : ` ${spec.metavar}`
  const names = spec.short === undefined ? `    --${key}` : `-${spec.short}, --${key}`
  const aliases = (spec.aliases ?? []).map((alias) => `--${alias}`)
  const also = aliases.length === 0 ? "" : ` Also ${aliases.join(", ")}.`
  return { label: spec.kind === "positional" ? (spec.metavar ?? key.toUpperCase()) : `${names}${value}`, text: `${spec.description}${also}` }
}

/** The options of a table under their headings, positionals first among the command's own. */
const optionSections = (command: string, table: OptionTable): ReadonlyArray<Section> => {
  const all = Object.entries(table)
  const own = [
    ...all.filter(([, spec]) => spec.group === undefined && spec.kind === "positional"),
    ...all.filter(([, spec]) => spec.group === undefined && spec.kind !== "positional")
  ]
  const sections: Array<Section> = [{ _tag: "Rows", heading: `${command} options`, rows: own.map(([k, s]) => optionRow(k, s)) }]
  for (const group of groupOrder) {
    const rows = all.filter(([, spec]) => spec.group === group).map(([k, s]) => optionRow(k, s))
    sections.push({ _tag: "Rows", heading: headings[group], rows })
  }
  return sections.filter((section) => section._tag !== "Rows" || section.rows.length > 0)
}

const sampleSection = (name: string, sample: Sample): Section => ({
  _tag: "Verbatim",
  heading: "In supervisord.conf",
  // Not indented: configparser reads an indented line as the continuation of the one before.
  lines: [`[eventlistener:${sample.section}]`, `command=${name} ${sample.args}`, `events=${sample.events}`]
})

/** A command's help page: a listener's, or test-mail's. */
export const commandPage = (help: CommandHelp, layout: Layout): string => {
  const positionals = Object.entries(help.table)
    .filter(([, spec]) => spec.kind === "positional")
    .map(([key, spec]) => ` ${spec.metavar ?? key.toUpperCase()}`)
  return render({
    title: `${help.name} - ${help.purpose}`,
    usage: `usage: ${help.name} [OPTIONS]${positionals.join("")}`,
    sections: [
      ...optionSections(help.command, help.table),
      ...(help.sample === undefined ? [] : [sampleSection(help.name, help.sample)])
    ]
  }, layout)
}

export interface RootHelp {
  readonly name: string
  readonly version: string
  readonly purpose: string
  /** The listeners, each also installed as a command of its own name. */
  readonly listeners: ReadonlyArray<{ readonly name: string; readonly purpose: string }>
  readonly others: ReadonlyArray<{ readonly name: string; readonly purpose: string }>
  readonly table: OptionTable
  readonly sample: Sample & { readonly command: string }
}

/** `superlance --help`: the commands, the top-level options, one sample section. */
export const rootPage = (help: RootHelp, layout: Layout): string =>
  render({
    title: `${help.name} ${help.version} - ${help.purpose}`,
    usage: `usage: ${help.name} COMMAND [OPTIONS]`,
    sections: [
      {
        _tag: "Rows",
        heading: "Listeners (each also installed under its own name: httpok -h)",
        rows: help.listeners.map(({ name, purpose }) => ({ label: name, text: purpose }))
      },
      { _tag: "Rows", heading: "Other commands", rows: help.others.map(({ name, purpose }) => ({ label: name, text: purpose })) },
      { _tag: "Rows", heading: "Options", rows: Object.entries(help.table).map(([k, s]) => optionRow(k, s)) },
      sampleSection(`${help.name} ${help.sample.command}`, help.sample)
    ]
  }, layout)

/** Greedy word wrap; a word longer than the width stands alone on its line, unbroken. */
export const wrap = (text: string, width: number): ReadonlyArray<string> => {
  const lines: Array<string> = []
  let line = ""
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    if (line === "") line = word
    else if (line.length + 1 + word.length <= width) line = `${line} ${word}`
    else {
      lines.push(line)
      line = word
    }
  }
  if (line !== "" || lines.length === 0) lines.push(line)
  return lines
}

/** The text column: after the longest label, but never so far right that the text gets cramped. */
const INDENT = 2
const GAP = 2
const MAX_COLUMN = 26

const bold = (layout: Layout) => (text: string): string => (layout.color ? `\u001b[1m${text}\u001b[0m` : text)

/** The text column of a page: one for all its lists, so they line up. */
const textColumn = (sections: ReadonlyArray<Section>, layout: Layout): number => {
  const labels = sections.flatMap((section) => (section._tag === "Rows" ? section.rows.map((row) => row.label.length) : []))
  return Math.min(INDENT + Math.max(0, ...labels) + GAP, MAX_COLUMN, Math.floor(layout.width / 3))
}

const rowLines = (rows: ReadonlyArray<Row>, column: number, layout: Layout): ReadonlyArray<string> => {
  const textWidth = Math.max(layout.width - column, 20)
  const pad = " ".repeat(column)
  return rows.flatMap(({ label, text }) => {
    const [first = "", ...rest] = wrap(text, textWidth)
    const head = " ".repeat(INDENT) + bold(layout)(label)
    const fits = INDENT + label.length + GAP <= column
    const opening = fits ? [head + " ".repeat(column - INDENT - label.length) + first] : [head, pad + first]
    return [...opening, ...rest.map((line) => pad + line)]
  })
}

const render = (page: Page, layout: Layout): string => {
  const column = textColumn(page.sections, layout)
  const lines = [
    ...wrap(page.title, layout.width),
    "",
    ...wrap(page.usage, layout.width)
  ]
  for (const section of page.sections) {
    lines.push("", bold(layout)(`${section.heading}:`))
    lines.push(...(section._tag === "Rows" ? rowLines(section.rows, column, layout) : section.lines))
  }
  return lines.map((line) => line.trimEnd()).join("\n")
}
