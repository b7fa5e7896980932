/** Which processes a plugin acts on: `-p name` / `-p group:name`, and never the listener itself. */

/** A process as supervisord names it: its group and its name. */
export interface ProcessId {
  readonly group: string
  readonly name: string
}

/** `name` or `group:name`, as `-p` selects processes (SPEC §3: a namespec). */
export interface ProgramSpec {
  /** As written, for reports (`Restarting selected processes ['a', 'b']`). */
  readonly text: string
  readonly group?: string
  readonly name: string
}

/** Does a `-p` spec select this process? By name in any group, or by exact group:name. */
export const selects = (spec: ProgramSpec, process: ProcessId): boolean =>
  spec.name === process.name && (spec.group === undefined || spec.group === process.group)

export const selectedByAny = (specs: ReadonlyArray<ProgramSpec>, process: ProcessId): boolean =>
  specs.some((spec) => selects(spec, process))

/** The listener itself (supervisord tells it its name), which `-a` must never include. */
export const isSelf = (self: ProcessId | undefined, process: ProcessId): boolean =>
  self !== undefined && self.group === process.group && self.name === process.name

/** `group:name`, as alerts name a process. */
export { fullName } from "./ProcessInfo.js"
