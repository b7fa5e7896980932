/** Which processes a plugin acts on: `-p name` / `-p group:name`, and never the listener itself. */
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { ProcessId } from "./Process.js"

/** `name` or `group:name`, as `-p` selects processes (SPEC §3: a namespec). */
export interface ProgramSpec {
  /** As written, for reports (`Restarting selected processes ['a', 'b']`). */
  readonly text: string
  readonly group?: string
  readonly name: string
}

export const ProgramSpec: Schema.Schema<ProgramSpec> = Schema.Struct({
  text: Schema.String,
  group: Schema.optionalWith(Schema.String, { exact: true }),
  name: Schema.String
})

/** A group or a process name: no blanks, and no `:` or `=`, which separate them from what follows. */
export const word = /^[^\s:=]+$/

export const parseProgramSpec = (text: string): Option.Option<ProgramSpec> => {
  const parts = text.split(":")
  if (parts.length === 1 && word.test(text)) return Option.some({ text, name: text })
  if (parts.length === 2 && word.test(parts[0]!) && word.test(parts[1]!)) {
    return Option.some({ text, group: parts[0]!, name: parts[1]! })
  }
  return Option.none()
}

/** Does a `-p` spec select this process? By name in any group, or by exact group:name. */
export const selects = (spec: ProgramSpec, process: ProcessId): boolean =>
  spec.name === process.name && (spec.group === undefined || spec.group === process.group)

export const selectedByAny = (specs: ReadonlyArray<ProgramSpec>, process: ProcessId): boolean =>
  specs.some((spec) => selects(spec, process))

/** The listener itself (supervisord tells it its name), which `-a` must never include. */
export const isSelf = (self: ProcessId | undefined, process: ProcessId): boolean =>
  self !== undefined && self.group === process.group && self.name === process.name
