/**
 * Which processes a plugin acts on: `-p name`, `-p group:name`, `-p group:*` (every process of
 * the group, supervisorctl's syntax), and never the listener itself.
 */
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { ProcessId } from "./Process.js"

/** `name`, `group:name` or `group:*`, as `-p` selects processes (SPEC §3: a namespec). */
export interface ProgramSpec {
  /** As written, for reports (`Restarting selected processes ['a', 'b']`). */
  readonly text: string
  readonly group?: string
  /** `*` with a group: every process of the group. */
  readonly name: string
}

export const ProgramSpec: Schema.Schema<ProgramSpec> = Schema.Struct({
  text: Schema.String,
  group: Schema.optionalWith(Schema.String, { exact: true }),
  name: Schema.String
})

/** A group or a process name: no blanks, and no `:` or `=`, which separate them from what follows. */
export const word = /^[^\s:=]+$/

const ALL = "*"

export const parseProgramSpec = (text: string): Option.Option<ProgramSpec> => {
  const parts = text.split(":")
  // A bare `*` is no process name: every process is `-a`.
  if (parts.length === 1 && word.test(text) && text !== ALL) return Option.some({ text, name: text })
  if (parts.length === 2 && word.test(parts[0]!) && word.test(parts[1]!) && parts[0] !== ALL) {
    return Option.some({ text, group: parts[0]!, name: parts[1]! })
  }
  return Option.none()
}

/** `GROUP:*`: what httpok's `--group GROUP` selects. */
export const wholeGroup = (group: string): ProgramSpec => ({ text: `${group}:${ALL}`, group, name: ALL })

/** Whether a spec selects a whole group (`group:*`) rather than one process. */
export const isWholeGroup = (spec: ProgramSpec): spec is ProgramSpec & { readonly group: string } =>
  spec.group !== undefined && spec.name === ALL

/** Does a `-p` spec select this process? By name in any group, by exact group:name, or by group:*. */
export const selects = (spec: ProgramSpec, process: ProcessId): boolean =>
  isWholeGroup(spec)
    ? spec.group === process.group
    : spec.name === process.name && (spec.group === undefined || spec.group === process.group)

export const selectedByAny = (specs: ReadonlyArray<ProgramSpec>, process: ProcessId): boolean =>
  specs.some((spec) => selects(spec, process))

/** The listener itself (supervisord tells it its name), which `-a` must never include. */
export const isSelf = (self: ProcessId | undefined, process: ProcessId): boolean =>
  self !== undefined && self.group === process.group && self.name === process.name
