/**
 * A process as supervisord names it: a group and a name, written two ways. Branded, so a name
 * in one form is never taken for the other: `FullName` is always `group:name` (what alerts and
 * the original's mails say), `Namespec` is how supervisorctl writes it (`name` alone when group
 * and name are equal). supervisord's XML-RPC accepts both.
 */
import * as Brand from "effect/Brand"

export interface ProcessId {
  readonly group: string
  readonly name: string
}

/** `group:name`, always. */
export type FullName = string & Brand.Brand<"FullName">
export const FullName = Brand.nominal<FullName>()

/** `name` when group and name are equal, else `group:name`, as supervisorctl shows it. */
export type Namespec = string & Brand.Brand<"Namespec">
export const Namespec = Brand.nominal<Namespec>()

export const fullName = (process: ProcessId): FullName => FullName(`${process.group}:${process.name}`)

export const namespec = (process: ProcessId): Namespec =>
  Namespec(process.group === process.name ? process.name : `${process.group}:${process.name}`)

/** Reads either form as supervisord does: `name` alone means group `name`, process `name`. */
export const parseNamespec = (spec: string): ProcessId => {
  const i = spec.indexOf(":")
  return i === -1 ? { group: spec, name: spec } : { group: spec.slice(0, i), name: spec.slice(i + 1) }
}

/** The process an event is about (its `groupname` and `processname` tokens). */
export const ofEvent = (event: { readonly groupName: string; readonly processName: string }): ProcessId => ({
  group: event.groupName,
  name: event.processName
})
