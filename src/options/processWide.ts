/**
 * Options of the listener process rather than of one plugin. On a plugin's command line they
 * are simply its options; in `superlance run`'s config file they are top-level keys only (one
 * per process), never a section's. This list is the one place that says which they are.
 */
export const processWide: ReadonlyArray<string> = ["log-level", "log-format", "heartbeat"]

export const isProcessWide = (key: string): boolean => processWide.includes(key)
