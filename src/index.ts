/**
 * superlance as a library, for Effect programs that write their own supervisord listeners: the
 * event-listener protocol (framing, typed events, the READY/RESULT loop, stdin/stdout, logging),
 * supervisord's XML-RPC, the services with their layers, and alert delivery (routes, transports,
 * queues). The plugins themselves are the `superlance` command's, not exported.
 */
export * as Event from "./domain/Event.js"
export * as Process from "./domain/Process.js"
export * as ProcessInfo from "./domain/ProcessInfo.js"
export * as Framing from "./protocol/Framing.js"
export * as Listener from "./protocol/Listener.js"
export * as ListenerIO from "./protocol/ListenerIO.js"
export * as Logging from "./protocol/Logging.js"
export * as Supervisor from "./supervisor/Supervisor.js"
export * as HttpProbe from "./services/HttpProbe.js"
export * as TcpProbe from "./services/TcpProbe.js"
export * as ProcessMemory from "./services/ProcessMemory.js"
export * as LogTail from "./services/LogTail.js"
export * as Routes from "./alerts/Routes.js"
export * as Delivery from "./alerts/Delivery.js"
export * as Outbox from "./alerts/Outbox.js"
export * as Webhook from "./alerts/transports/Webhook.js"
export * as Alertmanager from "./alerts/transports/Alertmanager.js"
