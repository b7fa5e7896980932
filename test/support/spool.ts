/**
 * Reads a spool file (`--spool`) as the next listener would: what is still queued, oldest first
 * (entries as stored, i.e. encoded), and how many alerts were dropped unmentioned. Written apart
 * from src/alerts/Spool.ts so that the tests check the format on disk, not the code against itself.
 */
import { readFileSync } from "node:fs"

export interface Spooled {
  readonly entries: ReadonlyArray<unknown>
  readonly dropped: number
  /** Lines in the file (the header included): bounded by compaction. */
  readonly lines: number
}

export const readSpool = (file: string): Spooled => {
  const lines = readFileSync(file, "utf8").split("\n").filter((line) => line !== "")
  let entries: Array<unknown> = []
  let dropped = 0
  for (const line of lines) {
    const record = JSON.parse(line) as Record<string, unknown>
    if ("entry" in record) entries.push(record.entry)
    else if ("spool" in record) dropped = record.dropped as number
    else if ("drop" in record) {
      entries = entries.slice(record.drop as number)
      dropped += record.drop as number
    } else if ("sent" in record) {
      entries = entries.slice(record.sent as number)
      dropped -= (record.mentioned as number | undefined) ?? 0
    } else throw new Error(`unknown spool line in ${file}: ${line}`)
  }
  return { entries, dropped, lines: lines.length }
}
