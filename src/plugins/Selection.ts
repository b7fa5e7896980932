/** Which processes a plugin acts on. (`-p` matching itself is `selects` in config/units.) */
import { type ProgramSpec, selects } from "../config/units.js"

export interface ProcessId {
  readonly group: string
  readonly name: string
}

export const selectedByAny = (specs: ReadonlyArray<ProgramSpec>, process: ProcessId): boolean =>
  specs.some((spec) => selects(spec, process))

/** The listener itself (supervisord tells it its name), which `-a` must never include. */
export const isSelf = (self: ProcessId | undefined, process: ProcessId): boolean =>
  self !== undefined && self.group === process.group && self.name === process.name

/** `group:name`, as alerts name a process. */
export { fullName } from "../supervisor/ProcessInfo.js"
