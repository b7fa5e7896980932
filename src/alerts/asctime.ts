import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"

const pad = (n: number, width = 2) => String(n).padStart(width, "0")

/** Local time as Python's logging asctime, `YYYY-MM-DD HH:MM:SS,mmm`: the original's mail texts use it. */
export const formatAsctime = (millis: number): string => {
  const d = new Date(millis)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${
    pad(d.getSeconds())
  },${pad(d.getMilliseconds(), 3)}`
}

/** The current time from Clock (so TestClock drives it), as asctime. */
export const asctime: Effect.Effect<string> = Effect.map(Clock.currentTimeMillis, formatAsctime)
