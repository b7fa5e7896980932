/** The two ways a call to supervisord fails: it answered with a fault, or it could not be asked. */
import * as Data from "effect/Data"

/** supervisord's fault codes (supervisor/xmlrpc.py `Faults`). */
export const FaultCode = {
  UNKNOWN_METHOD: 1,
  INCORRECT_PARAMETERS: 2,
  BAD_ARGUMENTS: 3,
  SIGNATURE_UNSUPPORTED: 4,
  SHUTDOWN_STATE: 6,
  BAD_NAME: 10,
  BAD_SIGNAL: 11,
  NO_FILE: 20,
  NOT_EXECUTABLE: 21,
  FAILED: 30,
  ABNORMAL_TERMINATION: 40,
  SPAWN_ERROR: 50,
  ALREADY_STARTED: 60,
  NOT_RUNNING: 70,
  SUCCESS: 80,
  ALREADY_ADDED: 90,
  STILL_RUNNING: 91,
  CANT_REREAD: 92
} as const

export type FaultName = keyof typeof FaultCode | "UNKNOWN"

/** As supervisor's `getFaultDescription`: the name of a code, "UNKNOWN" for others. */
export const faultName = (code: number): FaultName => {
  for (const name in FaultCode) {
    if (FaultCode[name as keyof typeof FaultCode] === code) return name as keyof typeof FaultCode
  }
  return "UNKNOWN"
}

export class RpcFault extends Data.TaggedError("RpcFault")<{
  readonly faultCode: number
  readonly faultName: FaultName
  /** As sent; supervisord already prefixes the name, e.g. `BAD_NAME: foo`. */
  readonly faultString: string
}> {
  static fromFault(faultCode: number, faultString: string): RpcFault {
    return new RpcFault({ faultCode, faultName: faultName(faultCode), faultString })
  }

  /** The fault supervisord would send: `RpcFault.of("BAD_NAME", "foo")` has faultString `BAD_NAME: foo`. */
  static of(name: keyof typeof FaultCode, detail?: string): RpcFault {
    return new RpcFault({
      faultCode: FaultCode[name],
      faultName: name,
      faultString: detail === undefined ? name : `${name}: ${detail}`
    })
  }

  override get message(): string {
    return this.faultString.startsWith(this.faultName) ? this.faultString : `${this.faultName}: ${this.faultString}`
  }
}

export type TransportReason =
  /** unix socket path does not exist */
  | "SocketMissing"
  /** nothing listens (supervisord not running) */
  | "Refused"
  /** no permission to open the socket */
  | "PermissionDenied"
  /** any other network error (DNS, reset, ...) */
  | "ConnectionFailed"
  /** HTTP 401: wrong or missing credentials */
  | "Unauthorized"
  /** any other non-200 status */
  | "HttpStatus"
  /** not an XML-RPC answer, or not of the expected shape */
  | "BadResponse"
  | "Timeout"
  /** the server URL cannot be used */
  | "BadUrl"

export class RpcTransportError extends Data.TaggedError("RpcTransportError")<{
  readonly reason: TransportReason
  /** The server URL, without credentials. */
  readonly url: string
  /** The XML-RPC method being called, when there was one. */
  readonly method?: string
  readonly status?: number
  readonly detail?: string
  readonly cause?: unknown
}> {
  override get message(): string {
    const at = `supervisord at ${this.url}`
    const call = this.method === undefined ? "" : ` (${this.method})`
    const detail = this.detail === undefined ? "" : `: ${this.detail}`
    switch (this.reason) {
      case "SocketMissing":
        return `cannot reach ${at}: no such socket${call}`
      case "Refused":
        return `cannot reach ${at}: connection refused, is supervisord running?${call}`
      case "PermissionDenied":
        return `cannot reach ${at}: permission denied${call}`
      case "ConnectionFailed":
        return `cannot reach ${at}${detail}${call}`
      case "Unauthorized":
        return `${at} refused the credentials (HTTP 401)${call}; set SUPERVISOR_USERNAME and SUPERVISOR_PASSWORD`
      case "HttpStatus":
        return `${at} answered HTTP ${this.status ?? "?"}${call}${detail}`
      case "BadResponse":
        return `unexpected answer from ${at}${call}${detail}`
      case "Timeout":
        return `${at} did not answer in time${call}${detail}`
      case "BadUrl":
        return `cannot use supervisord URL ${this.url}${detail}`
    }
  }
}

export type SupervisorError = RpcFault | RpcTransportError
