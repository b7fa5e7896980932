import * as Either from "effect/Either"
import { describe, expect, it } from "vitest"
import * as UrlTemplate from "../../src/domain/UrlTemplate.js"

const web = (name: string) => ({ group: "web", name })

describe("UrlTemplate", () => {
  it("{num} is the digits ending the name as written", () => {
    expect(UrlTemplate.processNumber("web_05")).toBe("05")
    expect(UrlTemplate.processNumber("web12")).toBe("12")
    expect(UrlTemplate.processNumber("web")).toBeUndefined()
    expect(UrlTemplate.processNumber("web_1a")).toBeUndefined()
  })

  it("fills in a process's values: 80{num} reaches port 8005 for web_05; {port} adds the number to --port-base", () => {
    const num = UrlTemplate.make("http://127.0.0.1:80{num}/health")
    expect(UrlTemplate.expand(num, web("web_05"))).toEqual(Either.right("http://127.0.0.1:8005/health"))
    const port = UrlTemplate.make("tcp://{group}.local:{port}")
    expect(port.kind).toBe("tcp")
    expect(UrlTemplate.expand(port, web("web_05"), 9000)).toEqual(Either.right("tcp://web.local:9005"))
    const name = UrlTemplate.make("https://lb/{name}/ok")
    expect(UrlTemplate.expand(name, web("web_x"))).toEqual(Either.right("https://lb/web_x/ok"))
  })

  it("a name without a number, or a port past 65535, is a problem for that process", () => {
    const port = UrlTemplate.make("http://h:{port}/")
    expect(UrlTemplate.expand(port, web("web"), 8000)).toEqual(Either.left("its name ends in no number for {port}"))
    expect(UrlTemplate.expand(port, web("web_99999"), 8000)).toEqual(Either.left("{port} would be 8000 + 99999, past 65535"))
    expect(UrlTemplate.expand(UrlTemplate.make("http://h:80{num}/"), web("web_123"))).toEqual(
      Either.left("its URL http://h:80123/ is not a URL")
    )
  })

  it("without placeholders it is the original's one URL", () => {
    const one = UrlTemplate.make("http://h/health")
    expect(UrlTemplate.isPerProcess(one)).toBe(false)
    expect(UrlTemplate.expand(one, web("anything"))).toEqual(Either.right("http://h/health"))
  })

  it("validates with sample values: http://h:80{num}/ is a URL only once filled in", () => {
    expect(Either.isRight(UrlTemplate.validate("http://h:80{num}/", undefined))).toBe(true)
    expect(UrlTemplate.validate("http://h:{port}/", undefined)).toEqual(Either.left("{port} needs --port-base"))
    expect(UrlTemplate.validate("http://h/{nmu}", undefined)).toEqual(
      Either.left("unknown placeholder {nmu} in \"http://h/{nmu}\" (known: {name}, {group}, {num}, {port})")
    )
    expect(UrlTemplate.validate("ftp://h/", undefined)).toEqual(
      Either.left("\"ftp://h/\" is not an http, https or tcp://HOST:PORT URL")
    )
  })
})
