import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import {
  decodeMethodResponse,
  encodeFault,
  encodeMethodCall,
  encodeMethodResponse,
  type XmlRpcValue
} from "../../src/supervisor/XmlRpc.js"
import { pythonStyleProcessList } from "../support/pythonStyle.js"

const decoded = (xml: string) => {
  const result = decodeMethodResponse(xml)
  if (Either.isLeft(result)) throw new Error(`expected success, got ${result.left.message}`)
  return result.right
}
const value = (xml: string) => {
  const response = decoded(xml)
  if (response._tag !== "Success") throw new Error(`expected a value, got fault ${response.faultString}`)
  return response.value
}
const error = (xml: string) => {
  const result = decodeMethodResponse(xml)
  if (Either.isRight(result)) throw new Error(`expected an error, got ${JSON.stringify(result.right)}`)
  return result.left
}
const response = (inner: string) => `<?xml version="1.0"?><methodResponse><params><param>${inner}</param></params></methodResponse>`

describe("encodeMethodCall", () => {
  it("writes each type as supervisord reads it", () => {
    expect(encodeMethodCall("supervisor.stopProcess", ["web:app", true])).toBe(
      "<?xml version=\"1.0\"?>\n<methodCall><methodName>supervisor.stopProcess</methodName><params>" +
        "<param><value><string>web:app</string></value></param>" +
        "<param><value><boolean>1</boolean></value></param>" +
        "</params></methodCall>\n"
    )
    expect(encodeMethodCall("m", [])).toContain("<methodName>m</methodName><params></params>")
    expect(encodeMethodCall("m", [0, -7, 1.5, false, null, [], {}])).toContain(
      "<value><int>0</int></value></param><param><value><int>-7</int></value></param>" +
        "<param><value><double>1.5</double></value></param><param><value><boolean>0</boolean></value></param>" +
        "<param><value><nil/></value></param><param><value><array><data></data></array></value></param>" +
        "<param><value><struct></struct></value></param>"
    )
  })

  it("writes integers beyond 32 bits as doubles", () => {
    expect(encodeMethodCall("m", [2 ** 31])).toContain("<double>2147483648</double>")
    expect(encodeMethodCall("m", [2 ** 31 - 1])).toContain("<int>2147483647</int>")
  })

  it("escapes &, < and > in strings and member names", () => {
    const xml = encodeMethodCall("a&b", ["<tag> & </tag>", { "x<y": "1>0" }])
    expect(xml).toContain("<methodName>a&amp;b</methodName>")
    expect(xml).toContain("<string>&lt;tag&gt; &amp; &lt;/tag&gt;</string>")
    expect(xml).toContain("<name>x&lt;y</name><value><string>1&gt;0</string>")
  })
})

describe("decodeMethodResponse", () => {
  it("round-trips nested arrays and structs", () => {
    const v: XmlRpcValue = {
      name: "café ☕ 😀",
      empty: "",
      count: -42,
      ratio: 0.25,
      ok: true,
      off: false,
      none: null,
      list: [1, "two", [3, { four: 4 }], [], {}],
      nested: { deeper: { deepest: ["a & b < c > d"] } },
      "odd <name> & more": "x"
    }
    expect(value(encodeMethodResponse(v))).toEqual(v)
    expect(value(encodeMethodResponse([]))).toEqual([])
    expect(value(encodeMethodResponse("\r\n\t x \r"))).toBe("\r\n\t x \r")
  })

  it("keeps whitespace inside strings, typed or untyped", () => {
    expect(value(response("<value><string>  two  spaces\n and a line </string></value>"))).toBe("  two  spaces\n and a line ")
    expect(value(response("<value>  untyped  </value>"))).toBe("  untyped  ")
    expect(value(response("<value></value>"))).toBe("")
    expect(value(response("<value><string></string></value>"))).toBe("")
    // whitespace around a typed element is layout, not content
    expect(value(response("<value>\n  <string>x</string>\n</value>"))).toBe("x")
    expect(value(response("<value>\n<int> 7 </int>\n</value>"))).toBe(7)
  })

  it("reads every XML-RPC type", () => {
    expect(value(response("<value><i4>12</i4></value>"))).toBe(12)
    expect(value(response("<value><i8>-9007199254740991</i8></value>"))).toBe(-9007199254740991)
    expect(value(response("<value><int>+3</int></value>"))).toBe(3)
    expect(value(response("<value><double>-1.5e3</double></value>"))).toBe(-1500)
    expect(value(response("<value><boolean>1</boolean></value>"))).toBe(true)
    expect(value(response("<value><nil/></value>"))).toBe(null)
    expect(value(response("<value><base64>aGVsbG8=</base64></value>"))).toBe("aGVsbG8=")
    expect(value(response("<value><dateTime.iso8601>20260101T10:00:00</dateTime.iso8601></value>"))).toBe(
      "20260101T10:00:00"
    )
    expect(value(response("<value><string><![CDATA[<raw> & ]]>&#233;&amp;&#x1F600;</string></value>"))).toBe(
      "<raw> & é&😀"
    )
  })

  it("reads supervisord's layout of a getAllProcessInfo answer", () => {
    const infos = value(pythonStyleProcessList(100)) as ReadonlyArray<Record<string, XmlRpcValue>>
    expect(infos).toHaveLength(100)
    expect(infos[7]).toEqual({
      name: "web_07",
      group: "web",
      start: 1700000000,
      stop: 0,
      now: 1700000100,
      state: 20,
      statename: "RUNNING",
      spawnerr: "",
      exitstatus: 0,
      logfile: "/var/log/supervisor/web_07-stdout---supervisor-abc123.log",
      stdout_logfile: "/var/log/supervisor/web_07-stdout---supervisor-abc123.log",
      stderr_logfile: "/var/log/supervisor/web_07-stderr---supervisor-def456.log",
      pid: 12007,
      description: "pid 12007, uptime 0:01:40"
    })
  })

  it("reads a fault", () => {
    expect(decoded(encodeFault(10, "BAD_NAME: foo"))).toEqual({ _tag: "Fault", faultCode: 10, faultString: "BAD_NAME: foo" })
    // as Python's xmlrpclib writes it
    expect(
      decoded(
        "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n" +
          "<value><int>70</int></value>\n</member>\n<member>\n<name>faultString</name>\n" +
          "<value><string>NOT_RUNNING</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n"
      )
    ).toEqual({ _tag: "Fault", faultCode: 70, faultString: "NOT_RUNNING" })
  })

  it("lets through control characters that supervisord sends unescaped in log text", () => {
    expect(value(response("<value><string>\u001b[31mred\u001b[0m\u0007</string></value>"))).toBe(
      "\u001b[31mred\u001b[0m\u0007"
    )
  })

  it("keeps a member called __proto__ as data", () => {
    const v = value(response(
      "<value><struct><member><name>__proto__</name><value><struct><member><name>polluted</name>" +
        "<value>yes</value></member></struct></value></member></struct></value>"
    )) as Record<string, unknown>
    expect(Object.keys(v)).toEqual(["__proto__"])
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype)
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined()
  })

  it("rejects malformed documents with a typed error", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["", "root element"],
      ["<methodResponse><params><param><value><string>cut off", "unclosed"],
      ["<html><body>502 Bad Gateway</body></html>", "root element is <html>"],
      [response("<value><int>seven</int></value>"), "<int> holds \"seven\""],
      [response("<value><boolean>2</boolean></value>"), "<boolean>"],
      [response("<value><double></double></value>"), "<double>"],
      [response("<value><float>1</float></value>"), "unknown element <float>"],
      [response("<value><string>a</string><int>1</int></value>"), "misplaced <int>"],
      [response("<value><struct><member><value>1</value></member></struct></value>"), "without a <name>"],
      ["<methodResponse><params></params></methodResponse>", "expected one value, found 0"],
      [response("<value>1</value></param><param><value>2</value>"), "expected one value, found 2"],
      ["<methodResponse><fault><value><string>oops</string></value></fault></methodResponse>", "<fault> without"],
      ["<methodResponse><params><param><value>a &bogus; b</value></param></params></methodResponse>", "undefined entity"]
    ]
    for (const [xml, expected] of cases) {
      const e = error(xml)
      expect(e._tag).toBe("XmlRpcDecodeError")
      expect(e.message).toMatch(/^malformed XML-RPC response: /)
      expect(e.message).toContain(expected)
    }
  })
})
