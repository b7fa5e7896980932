import type { BatchPlugin } from "./batch.js"

/** fatalmailbatch: processes that gave up starting (FATAL), batched into one mail per interval. */
export const fatalmailbatch: BatchPlugin = {
  name: "fatalmailbatch",
  line: (event, time) =>
    event.state === "FATAL"
      ? `${time} -- Process ${event.groupName}:${event.processName} failed to start too many times`
      : undefined
}
