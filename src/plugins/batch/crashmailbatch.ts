import { type BatchPlugin, unexpectedExit } from "./batch.js"

/** crashmailbatch: unexpected exits, batched into one mail per interval. */
export const crashmailbatch: BatchPlugin = {
  name: "crashmailbatch",
  line: (event, time) =>
    unexpectedExit(event)
      ? `${time} -- Process ${event.groupName}:${event.processName} (pid ${event.pid ?? "?"}) died unexpectedly`
      : undefined
}
