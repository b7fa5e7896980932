import { describe, expect, it } from "vitest"
import { fullName, namespec, ofEvent, parseNamespec } from "../../src/domain/Process.js"

describe("process identity", () => {
  it("writes a process as group:name (alerts) and as supervisorctl does (namespec)", () => {
    expect(fullName({ group: "web", name: "web" })).toBe("web:web")
    expect(namespec({ group: "web", name: "web" })).toBe("web")
    expect(namespec({ group: "app", name: "web" })).toBe("app:web")
  })

  it("reads both forms back as supervisord does: a bare name is its own group", () => {
    expect(parseNamespec("web")).toEqual({ group: "web", name: "web" })
    expect(parseNamespec("app:web")).toEqual({ group: "app", name: "web" })
    expect(parseNamespec(fullName({ group: "app", name: "web" }))).toEqual({ group: "app", name: "web" })
  })

  it("names the process an event is about", () => {
    expect(ofEvent({ groupName: "app", processName: "web" })).toEqual({ group: "app", name: "web" })
  })
})
