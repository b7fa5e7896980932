/**
 * `--grace DURATION` (httpok, memmon): a process up for less than the grace period is left alone,
 * so a program still starting is not restarted for being slow to answer or to settle.
 */
import * as Duration from "effect/Duration"
import { formatPeriod } from "../../domain/Time.js"

export interface Grace {
  readonly seconds: number
  /** How the option reads, for reports: `--grace 30s`. */
  readonly option: string
}

/** Without a grace period every process may be restarted, as in the original. */
export const make = (grace: Duration.Duration | undefined): Grace | undefined =>
  grace === undefined ? undefined : { seconds: Duration.toSeconds(grace), option: `--grace ${formatPeriod(grace)}` }

/**
 * Why the grace period spares a process, for reports (`up only 5s (--grace 30s)`), or undefined
 * when it may be restarted. supervisord's own clock on both sides: the uptime supervisorctl shows.
 */
export const spares = (
  grace: Grace | undefined,
  process: { readonly now: number; readonly start: number }
): string | undefined => {
  const uptime = process.now - process.start
  return grace !== undefined && uptime < grace.seconds ? `up only ${uptime}s (${grace.option})` : undefined
}
