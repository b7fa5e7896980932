import { describe, expect, it } from "vitest"
import * as Help from "../../src/options/help.js"
import type { OptionTable } from "../../src/options/OptionTable.js"
import { all as plugins } from "../../src/plugins/registry.js"
import { memmonTable } from "../../src/plugins/memmon/options.js"

const page = (name: string, table: OptionTable, layout: Help.Layout = Help.plain) =>
  Help.commandPage({
    name,
    command: name,
    purpose: "Does one thing.",
    table: { ...table, ...Help.logLevel, ...Help.builtins },
    sample: { section: name, args: "-x", events: "TICK_60" }
  }, layout)

const ESC = "\u001b"

describe("help pages from the option tables", () => {
  it("fit the width they are given, for every plugin, at 80 columns and at 50", () => {
    for (const plugin of plugins) {
      for (const width of [80, 50]) {
        const lines = page(plugin.name, plugin.options, { width, color: false }).split("\n")
        const over = lines.filter((line) => line.length > width && !line.startsWith("command="))
        expect(over, `${plugin.name} at ${width}`).toEqual([])
      }
    }
  })

  it("lists each option as '-p, --program NAME   text', its own first, then the shared groups", () => {
    const text = page("memmon", memmonTable)
    expect(text).toMatch(/^ {2}-a, --any SIZE +Restart any process above SIZE\.$/m)
    // A label too long for the column has the line to itself, its text below in the column.
    expect(text).toMatch(/^ {2}-p, --program NAME=SIZE\n {26}Restart process NAME/m)
    const headings = text.split("\n").filter((line) => /^\S.*:$/.test(line))
    expect(headings).toEqual([
      "memmon options:",
      "Mail:",
      "Other notifiers and delivery:",
      "Safety:",
      "Logging and other:",
      "In supervisord.conf:"
    ])
    // An alias is named in its option's text, not as another option.
    expect(text).toMatch(/-g, --group GROUP=SIZE +Restart any process of GROUP above SIZE\. Repeatable\.\s+Also --groupname\./)
  })

  it("shows a positional in the usage line, bare (required), and the sample section unindented", () => {
    const httpok = plugins.find((p) => p.name === "httpok")!
    const text = page("httpok", httpok.options)
    expect(text.split("\n")[2]).toBe("usage: httpok [OPTIONS] URL")
    expect(text).toMatch(/^ {2}URL +The http\(s\) URL to GET, or tcp:\/\/HOST:PORT/m)
    expect(text.endsWith("In supervisord.conf:\n[eventlistener:httpok]\ncommand=httpok -x\nevents=TICK_60")).toBe(true)
  })

  it("colours headings and option names only when asked to", () => {
    expect(page("memmon", memmonTable)).not.toContain(ESC)
    const coloured = page("memmon", memmonTable, { width: 80, color: true })
    expect(coloured).toContain(`${ESC}[1mMail:${ESC}[0m`)
    expect(coloured).toContain(`${ESC}[1m-p, --program NAME=SIZE${ESC}[0m`)
    // The escapes take no room: without them the page is the plain one.
    expect(coloured.replace(/\u001b\[[0-9;]*m/g, "")).toBe(page("memmon", memmonTable))
  })

  it("wraps between words, never inside one", () => {
    expect(Help.wrap("aaa bbb ccc", 7)).toEqual(["aaa bbb", "ccc"])
    expect(Help.wrap("a https://example.com/very/long b", 10)).toEqual(["a", "https://example.com/very/long", "b"])
  })
})
