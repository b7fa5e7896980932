/**
 * When V8 may optimise. The launcher (bin/superlance.js) starts node with a high
 * `--interrupt-budget`: starting a listener runs Effect's runtime hot for a few milliseconds, and
 * with V8's default budget TurboFan would compile it then, pulling some 5 MiB of compiler into
 * memory that a mostly idle listener never needs again. Once the listener is up, the default
 * budget is back, so a listener kept busy by events is optimised as usual.
 */
import * as Effect from "effect/Effect"
import { setFlagsFromString, startupSnapshot } from "node:v8"

/** V8's own `--interrupt-budget` (`node --v8-options`, Node 20). */
const DEFAULT_INTERRUPT_BUDGET = 67_584

/**
 * From now on, V8 optimises hot functions as it would by default. Not while the startup snapshot
 * is built (a listener starts once then): V8 would stamp the snapshot with the changed flags and
 * refuse it under the launcher's.
 */
export const optimiseAsUsual: Effect.Effect<void> = Effect.sync(() => {
  if (!startupSnapshot.isBuildingSnapshot()) setFlagsFromString(`--interrupt-budget=${DEFAULT_INTERRUPT_BUDGET}`)
})
