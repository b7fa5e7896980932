import { type BatchPlugin, unexpectedExit } from "./batch.js"

/** crashsms: unexpected exits, in lines short enough for SMS-by-e-mail gateways. */
export const crashsms: BatchPlugin = {
  name: "crashsms",
  line: (event, time) =>
    unexpectedExit(event)
      ? `[${event.groupName}:${event.processName}](${event.pid ?? "?"}) exited unexpectedly ${time}`
      : undefined
}
