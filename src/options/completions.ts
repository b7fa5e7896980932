/**
 * Shell completion scripts (bash, zsh, fish), made from the option tables: `superlance` completes
 * its commands, and every command, under `superlance` and under its own installed name
 * (`httpok`, `crashmail`, …), completes its options. Pure text; `superlance --completions SHELL`
 * prints it.
 */
import type { OptionSpec, OptionTable } from "./OptionTable.js"

export const shells = ["bash", "zsh", "fish"] as const
export type Shell = (typeof shells)[number]

export const isShell = (name: string): name is Shell => (shells as ReadonlyArray<string>).includes(name)

export interface CompletedCommand {
  readonly name: string
  readonly description: string
  readonly table: OptionTable
  /** Installed as a command of its own name too (the listeners), so completed under that name. */
  readonly ownName: boolean
}

export interface Completions {
  /** `superlance`. */
  readonly root: string
  readonly rootOptions: OptionTable
  readonly commands: ReadonlyArray<CompletedCommand>
}

const options = (table: OptionTable): ReadonlyArray<readonly [string, OptionSpec]> =>
  Object.entries(table).filter(([, spec]) => spec.kind !== "positional")

/** Every way of writing the option: `-p`, `--program` and its aliases. */
const spellings = (key: string, spec: OptionSpec): ReadonlyArray<string> => [
  ...(spec.short === undefined ? [] : [`-${spec.short}`]),
  `--${key}`,
  ...(spec.aliases ?? []).map((alias) => `--${alias}`)
]

const words = (table: OptionTable): string => options(table).flatMap(([key, spec]) => spellings(key, spec)).join(" ")

/** A description's first sentence: what a completion menu has room for. */
const brief = (description: string): string => {
  const end = description.search(/\.(\s|$)/)
  return end === -1 ? description : description.slice(0, end)
}

const names = (c: Completions): ReadonlyArray<string> => [c.root, ...c.commands.filter((x) => x.ownName).map((x) => x.name)]

const fn = (name: string): string => `_superlance_${name.replace(/[^A-Za-z0-9]/g, "_")}`

const bash = (c: Completions): string => {
  // One case per option with a few values (`--completions bash`), whichever command has it.
  const choices = new Map<string, string>()
  for (const [key, spec] of [c.rootOptions, ...c.commands.map((x) => x.table)].flatMap(options)) {
    if (spec.choices === undefined || choices.has(key)) continue
    choices.set(key, `    ${spellings(key, spec).join("|")}) COMPREPLY=($(compgen -W "${spec.choices.join(" ")}" -- "$cur")); return ;;`)
  }
  return [
    `# ${c.root} completion for bash (${names(c).join(", ")}).`,
    `# Load it from ~/.bashrc: source <(${c.root} --completions bash)`,
    `# or for every user: ${c.root} --completions bash > /etc/bash_completion.d/${c.root}`,
    `_superlance_options() {`,
    `  case "$1" in`,
    ...c.commands.map((x) => `    ${x.name}) echo "${words(x.table)}" ;;`),
    `  esac`,
    `}`,
    `_superlance() {`,
    `  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} command=\${COMP_WORDS[0]##*/}`,
    `  COMPREPLY=()`,
    `  case "$prev" in`,
    ...choices.values(),
    `  esac`,
    `  if [[ $command == ${c.root} ]]; then`,
    `    if (( COMP_CWORD == 1 )); then`,
    `      COMPREPLY=($(compgen -W "${c.commands.map((x) => x.name).join(" ")} ${words(c.rootOptions)}" -- "$cur"))`,
    `      return`,
    `    fi`,
    `    command=\${COMP_WORDS[1]}`,
    `  fi`,
    `  [[ $cur == -* ]] && COMPREPLY=($(compgen -W "$(_superlance_options "$command")" -- "$cur"))`,
    `}`,
    // -o default: values (files, directories, commands) fall back to file names.
    `complete -o default -F _superlance ${names(c).join(" ")}`
  ].join("\n")
}

/** Inside `'…'` in zsh, and inside `[…]` or a `:message:` of an _arguments spec. */
const zshQuote = (text: string): string =>
  text.replace(/\\/g, "\\\\").replace(/[[\]:]/g, (ch) => `\\${ch}`).replace(/'/g, `'\\''`)

const zshSpec = (key: string, spec: OptionSpec): string => {
  const all = spellings(key, spec)
  const takesValue = spec.kind !== "flag"
  // -p+: the value may follow in the same word; --program=: after = or as the next word.
  const forms = all.map((s) => (takesValue ? (s.startsWith("--") ? `${s}=` : `${s}+`) : s))
  const repeat = spec.kind === "repeated" ? "*" : `(${all.join(" ")})`
  const action = spec.choices !== undefined
    ? `(${spec.choices.join(" ")})`
    : spec.metavar === "DIR" ? "_files -/" : spec.metavar === "CMD" ? "_files" : " "
  const value = takesValue ? `:${zshQuote(spec.metavar ?? "VALUE")}:${action}` : ""
  const body = `[${zshQuote(brief(spec.description))}]${value}`
  return forms.length === 1 ? `'${repeat}${forms[0]}${body}'` : `'${repeat}'{${forms.join(",")}}'${body}'`
}

const zsh = (c: Completions): string => {
  const perCommand = c.commands.flatMap((x) => {
    const positionals = Object.entries(x.table).filter(([, spec]) => spec.kind === "positional")
      .map(([key, spec]) => `':${zshQuote(spec.metavar ?? key.toUpperCase())}: '`)
    return [
      `${fn(x.name)}() {`,
      `  _arguments -s -S \\`,
      ...[...options(x.table).map(([key, spec]) => zshSpec(key, spec)), ...positionals].map((line) => `    ${line} \\`),
      `    && return 0`,
      `}`
    ]
  })
  return [
    `#compdef ${names(c).join(" ")}`,
    `# ${c.root} completion for zsh. Load it from ~/.zshrc (after compinit):`,
    `#   source <(${c.root} --completions zsh)`,
    `# or save it as _${c.root} in a directory of $fpath.`,
    ...perCommand,
    `_superlance() {`,
    `  local command=$service`,
    `  if [[ $service == ${c.root} ]]; then`,
    `    if (( CURRENT == 2 )); then`,
    `      if [[ $PREFIX == -* ]]; then`,
    `        compadd -- ${words(c.rootOptions)}`,
    `      else`,
    `        local -a commands=(${c.commands.map((x) => `'${zshQuote(x.name)}:${zshQuote(x.description)}'`).join(" ")})`,
    `        _describe -t commands '${c.root} command' commands`,
    `      fi`,
    `      return`,
    `    fi`,
    `    [[ $words[2] == --completions ]] && { compadd -- ${shells.join(" ")}; return }`,
    `    command=$words[2]`,
    `    shift words`,
    `    (( CURRENT-- ))`,
    `  fi`,
    `  case $command in`,
    ...c.commands.map((x) => `    (${x.name}) ${fn(x.name)} ;;`),
    `  esac`,
    `}`,
    // Autoloaded from $fpath this file is _superlance's body; sourced, it registers itself.
    `if [[ $funcstack[1] == _superlance ]]; then`,
    `  _superlance "$@"`,
    `else`,
    `  compdef _superlance ${names(c).join(" ")}`,
    `fi`
  ].join("\n")
}

/** Inside `'…'` in fish. */
const fishQuote = (text: string): string => `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`

const fishOption = (command: string, condition: string | undefined) => ([key, spec]: readonly [string, OptionSpec]) =>
  [
    `complete -c ${command}`,
    ...(condition === undefined ? [] : [`-n ${fishQuote(condition)}`]),
    ...(spec.short === undefined ? [] : [`-s ${spec.short}`]),
    `-l ${key}`,
    ...(spec.aliases ?? []).map((alias) => `-l ${alias}`),
    ...(spec.kind === "flag" ? [] : spec.choices === undefined ? ["-r"] : ["-x", `-a ${fishQuote(spec.choices.join(" "))}`]),
    `-d ${fishQuote(brief(spec.description))}`
  ].join(" ")

const fish = (c: Completions): string =>
  [
    `# ${c.root} completion for fish (${names(c).join(", ")}). Install it with`,
    `#   ${c.root} --completions fish > ~/.config/fish/conf.d/${c.root}.fish`,
    `# (conf.d, not completions/: there it would load for \`${c.root}\` only, not for the other names).`,
    ...c.commands.map((x) =>
      `complete -c ${c.root} -f -n __fish_use_subcommand -a ${x.name} -d ${fishQuote(brief(x.description))}`
    ),
    ...options(c.rootOptions).map(fishOption(c.root, "__fish_use_subcommand")),
    ...c.commands.flatMap((x) => [
      ...options(x.table).map(fishOption(c.root, `__fish_seen_subcommand_from ${x.name}`)),
      ...(x.ownName ? options(x.table).map(fishOption(x.name, undefined)) : [])
    ])
  ].join("\n")

export const script = (shell: Shell, completions: Completions): string =>
  ({ bash, zsh, fish })[shell](completions)
