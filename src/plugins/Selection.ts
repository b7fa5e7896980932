/** Which processes a plugin's `-p` names pick out. */

export interface ProcessId {
  readonly group: string
  readonly name: string
}

/** `-p web` names every process called web; `-p web:web_01` names one process of one group. */
export const namedBy = (spec: string, process: ProcessId): boolean =>
  spec.includes(":") ? spec === `${process.group}:${process.name}` : spec === process.name

export const namedByAny = (specs: ReadonlyArray<string>, process: ProcessId): boolean =>
  specs.some((spec) => namedBy(spec, process))

/** The listener itself (supervisord tells it its name), which `-a` must never include. */
export const isSelf = (self: ProcessId | undefined, process: ProcessId): boolean =>
  self !== undefined && self.group === process.group && self.name === process.name

/** `group:name`, as alerts name a process. */
export const fullName = (process: ProcessId): string => `${process.group}:${process.name}`
