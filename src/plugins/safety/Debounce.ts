/**
 * `--failures N` (httpok, memmon): act only after N bad observations in a row, so one slow answer
 * or one spike does not restart anything. Counted per key (a process, or httpok's one URL), for
 * one instance of it (a pid): a restarted process starts over.
 */

export interface Debounce<K> {
  /** N, the bad observations in a row that make a problem worth acting on (1: at the first). */
  readonly required: number
  /** How the option reads, for reports: `--failures 3`. */
  readonly option: string
  /** One more bad observation of `key`: how many in a row now. */
  readonly bad: (key: K, instance?: number) => number
  /** How many bad observations in a row `key` has now. */
  readonly count: (key: K) => number
  /** `key` is fine (or was acted on): it starts over. */
  readonly reset: (key: K) => void
  /** Forgets every key but these (a process no longer watched starts over when it is back). */
  readonly keep: (keys: ReadonlySet<K>) => void
}

/** Without `--failures`, 1: act at the first bad observation, as the original. */
export const make = <K>(failures: number | undefined): Debounce<K> => {
  const required = failures ?? 1
  const streaks = new Map<K, { readonly instance: number | undefined; readonly count: number }>()
  return {
    required,
    option: `--failures ${required}`,
    bad: (key, instance) => {
      const before = streaks.get(key)
      const count = before !== undefined && before.instance === instance ? before.count + 1 : 1
      streaks.set(key, { instance, count })
      return count
    },
    count: (key) => streaks.get(key)?.count ?? 0,
    reset: (key) => void streaks.delete(key),
    keep: (keys) => {
      for (const key of [...streaks.keys()]) if (!keys.has(key)) streaks.delete(key)
    }
  }
}
