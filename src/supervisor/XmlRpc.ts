/**
 * The XML-RPC wire format, as spoken by supervisord: encode a `methodCall`, decode a
 * `methodResponse`. Pure functions; the transport lives in `Supervisor.ts`.
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import { SaxesParser } from "saxes"

/** A decoded XML-RPC value. base64 and dateTime.iso8601 stay strings; nil is null. */
export type XmlRpcValue = string | number | boolean | null | XmlRpcArray | XmlRpcStruct
export interface XmlRpcArray extends ReadonlyArray<XmlRpcValue> {}
export interface XmlRpcStruct {
  readonly [member: string]: XmlRpcValue
}

export type MethodResponse =
  | { readonly _tag: "Success"; readonly value: XmlRpcValue }
  | { readonly _tag: "Fault"; readonly faultCode: number; readonly faultString: string }

export class XmlRpcDecodeError extends Data.TaggedError("XmlRpcDecodeError")<{
  readonly detail: string
}> {
  override get message(): string {
    return `malformed XML-RPC response: ${this.detail}`
  }
}

// ---------------------------------------------------------------------------
// Encoding

const escapeText = (s: string): string =>
  // \r is written as a reference: a raw one would come back as \n (XML end-of-line handling).
  /[&<>\r]/.test(s)
    ? s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\r/g, "&#13;")
    : s

const INT32_MIN = -2147483648
const INT32_MAX = 2147483647

/** Integers that fit XML-RPC's 32-bit `<int>` are ints; every other number is a `<double>`. */
export const encodeValue = (value: XmlRpcValue): string => {
  switch (typeof value) {
    case "string":
      return `<value><string>${escapeText(value)}</string></value>`
    case "boolean":
      return `<value><boolean>${value ? 1 : 0}</boolean></value>`
    case "number":
      return Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX
        ? `<value><int>${value}</int></value>`
        : `<value><double>${value}</double></value>`
    default: {
      if (value === null) return "<value><nil/></value>"
      if (isArray(value)) return `<value><array><data>${value.map(encodeValue).join("")}</data></array></value>`
      let members = ""
      for (const key of Object.keys(value)) {
        members += `<member><name>${escapeText(key)}</name>${encodeValue(value[key]!)}</member>`
      }
      return `<value><struct>${members}</struct></value>`
    }
  }
}

const isArray = (value: XmlRpcArray | XmlRpcStruct): value is XmlRpcArray => Array.isArray(value)

const encodeParams = (params: ReadonlyArray<XmlRpcValue>): string =>
  `<params>${params.map((p) => `<param>${encodeValue(p)}</param>`).join("")}</params>`

export const encodeMethodCall = (method: string, params: ReadonlyArray<XmlRpcValue>): string =>
  `<?xml version="1.0"?>\n<methodCall><methodName>${escapeText(method)}</methodName>${
    encodeParams(params)
  }</methodCall>\n`

/** Server side of the format; used by tests and fakes. */
export const encodeMethodResponse = (value: XmlRpcValue): string =>
  `<?xml version="1.0"?>\n<methodResponse>${encodeParams([value])}</methodResponse>\n`

export const encodeFault = (faultCode: number, faultString: string): string =>
  `<?xml version="1.0"?>\n<methodResponse><fault>${
    encodeValue({ faultCode, faultString })
  }</fault></methodResponse>\n`

// ---------------------------------------------------------------------------
// Decoding: saxes events drive a stack with one level per open <value>, kept in parallel
// arrays that are reused within a document (fewer allocations on a 100-process answer).

const INTEGER = /^[+-]?\d+$/

const setMember = (members: Record<string, XmlRpcValue>, name: string, value: XmlRpcValue): void => {
  // A member called __proto__ must be data, not a prototype change.
  if (name === "__proto__") {
    Object.defineProperty(members, name, { value, enumerable: true, writable: true, configurable: true })
  } else {
    members[name] = value
  }
}

const decodeScalar = (type: string, text: string): XmlRpcValue | XmlRpcDecodeError => {
  switch (type) {
    case "string":
      return text
    case "int":
    case "i4":
    case "i8": {
      const t = text.trim()
      return INTEGER.test(t) ? Number(t) : new XmlRpcDecodeError({ detail: `<${type}> holds ${JSON.stringify(text)}` })
    }
    case "boolean": {
      const t = text.trim()
      if (t === "1") return true
      if (t === "0") return false
      return new XmlRpcDecodeError({ detail: `<boolean> holds ${JSON.stringify(text)}` })
    }
    case "double": {
      const t = text.trim()
      const n = Number(t)
      return t === "" || Number.isNaN(n)
        ? new XmlRpcDecodeError({ detail: `<double> holds ${JSON.stringify(text)}` })
        : n
    }
    case "nil":
      return null
    default:
      // base64 and dateTime.iso8601, kept as text
      return text.trim()
  }
}

/** What a <value> turned out to hold. */
const UNTYPED = 0
const SCALAR = 1
const ARRAY = 2
const STRUCT = 3

/**
 * Decodes a `methodResponse` document. Control characters that XML 1.0 forbids are let through:
 * supervisord (Python's xmlrpclib) writes log text unescaped, so a log tail may carry them.
 */
export const decodeMethodResponse = (xml: string): Either.Either<MethodResponse, XmlRpcDecodeError> => {
  const parser = new SaxesParser()
  // One entry per open <value>; `depth` is the number of open ones.
  const kinds: Array<number> = []
  const values: Array<XmlRpcValue> = []
  const items: Array<Array<XmlRpcValue>> = []
  const members: Array<Record<string, XmlRpcValue>> = []
  const memberNames: Array<string | undefined> = []
  let depth = 0
  const results: Array<XmlRpcValue> = []
  let text = ""
  let collecting = false
  let root: string | undefined
  let isFault = false
  let failure: XmlRpcDecodeError | undefined

  const fail = (detail: string): void => {
    if (failure === undefined) failure = new XmlRpcDecodeError({ detail })
  }
  const misplaced = (name: string): void => fail(`misplaced <${name}>`)

  parser.on("error", (err) => {
    if (!err.message.includes("disallowed character.")) fail(err.message)
  })
  parser.on("text", (t) => {
    if (collecting) text = text === "" ? t : text + t
  })
  parser.on("cdata", (t) => {
    if (collecting) text += t
  })
  parser.on("opentag", (tag) => {
    if (failure !== undefined) return
    const name = tag.name
    if (root === undefined) {
      if (name !== "methodResponse") return fail(`root element is <${name}>, not <methodResponse>`)
      root = name
      return
    }
    const top = depth - 1
    switch (name) {
      case "value":
        if (depth > 0 && kinds[top] !== ARRAY && kinds[top] !== STRUCT) return misplaced(name)
        kinds[depth] = UNTYPED
        memberNames[depth] = undefined
        depth++
        text = ""
        collecting = true
        return
      case "member":
        if (depth === 0 || kinds[top] !== STRUCT) return misplaced(name)
        memberNames[top] = undefined
        return
      case "name":
        if (depth === 0 || kinds[top] !== STRUCT) return misplaced(name)
        text = ""
        collecting = true
        return
      case "data":
        if (depth === 0 || kinds[top] !== ARRAY) return misplaced(name)
        return
      case "array":
        if (depth === 0 || kinds[top] !== UNTYPED) return misplaced(name)
        kinds[top] = ARRAY
        items[top] = []
        collecting = false
        return
      case "struct":
        if (depth === 0 || kinds[top] !== UNTYPED) return misplaced(name)
        kinds[top] = STRUCT
        members[top] = {}
        collecting = false
        return
      case "params":
      case "param":
        if (depth > 0) return misplaced(name)
        return
      case "fault":
        if (depth > 0) return misplaced(name)
        isFault = true
        return
      case "methodResponse":
        return misplaced(name)
      case "string":
      case "int":
      case "i4":
      case "i8":
      case "boolean":
      case "double":
      case "nil":
      case "base64":
      case "dateTime.iso8601":
        if (depth === 0 || kinds[top] !== UNTYPED) return misplaced(name)
        kinds[top] = SCALAR
        text = ""
        collecting = true
        return
      default:
        return fail(`unknown element <${name}>`)
    }
  })
  parser.on("closetag", (tag) => {
    if (failure !== undefined) return
    const name = tag.name
    const top = depth - 1
    switch (name) {
      case "value": {
        const kind = kinds[top]
        const value = kind === UNTYPED
          ? text
          : kind === SCALAR
          ? values[top]!
          : kind === ARRAY
          ? items[top]!
          : members[top]!
        collecting = false
        depth--
        if (depth === 0) {
          results.push(value)
        } else if (kinds[top - 1] === ARRAY) {
          items[top - 1]!.push(value)
        } else {
          const memberName = memberNames[top - 1]
          if (memberName === undefined) return fail("struct <member> without a <name>")
          setMember(members[top - 1]!, memberName, value)
          memberNames[top - 1] = undefined
        }
        return
      }
      case "name":
        memberNames[top] = text
        collecting = false
        return
      case "member":
      case "data":
      case "array":
      case "struct":
      case "params":
      case "param":
      case "fault":
      case "methodResponse":
        return
      default: {
        const decoded = decodeScalar(name, text)
        collecting = false
        if (decoded instanceof XmlRpcDecodeError) {
          failure ??= decoded
          return
        }
        values[top] = decoded
      }
    }
  })

  parser.write(xml).close()

  if (failure !== undefined) return Either.left(failure)
  if (root === undefined) return Either.left(new XmlRpcDecodeError({ detail: "no <methodResponse> element" }))
  if (results.length !== 1) {
    return Either.left(new XmlRpcDecodeError({ detail: `expected one value, found ${results.length}` }))
  }
  const value = results[0]!
  if (!isFault) return Either.right({ _tag: "Success", value })
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const { faultCode, faultString } = value as XmlRpcStruct
    if (typeof faultCode === "number" && typeof faultString === "string") {
      return Either.right({ _tag: "Fault", faultCode, faultString })
    }
  }
  return Either.left(new XmlRpcDecodeError({ detail: "<fault> without an int faultCode and a string faultString" }))
}
