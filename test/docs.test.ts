/**
 * The docs find: README.md stays short and links every page, and every relative link in it, in
 * ARCHITECTURE.md and in docs/*.md leads to a file that exists and, with `#anchor`, to a heading
 * of that file (GitHub's slugs).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { dirname, join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const root = fileURLToPath(new URL("../", import.meta.url))

const pages = [
  "README.md",
  "ARCHITECTURE.md",
  ...readdirSync(join(root, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`)
]

/** The text outside fenced code blocks and inline code, where a link is a link. */
const prose = (markdown: string): string =>
  markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "").replace(/`[^`\n]*`/g, "")

/** The anchors GitHub gives a page's headings: lower case, punctuation dropped, blanks to `-`, repeats numbered. */
const anchors = (markdown: string): Set<string> => {
  const seen = new Map<string, number>()
  const result = new Set<string>()
  const withoutFences = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "")
  for (const [, heading] of withoutFences.matchAll(/^#{1,6} +(.+?) *#* *$/gm)) {
    const text = heading!.replace(/\[([^\]]*)\]\([^)]*\)/g, "$1").replace(/[`*]/g, "")
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M} _-]/gu, "")
      .replace(/ /g, "-")
    const count = seen.get(slug) ?? 0
    seen.set(slug, count + 1)
    result.add(count === 0 ? slug : `${slug}-${count}`)
  }
  return result
}

/** Relative link targets in a page: `[text](target)`, web and mail addresses left out. */
const relativeLinks = (markdown: string): Array<string> =>
  [...prose(markdown).matchAll(/\]\(([^)\s]+)(?: "[^"]*")?\)/g)]
    .map(([, target]) => target!)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))

describe("docs", () => {
  it("README.md is at most 12 KB", () => {
    expect(statSync(join(root, "README.md")).size).toBeLessThanOrEqual(12 * 1024)
  })

  it("CI (.ci/run) runs the README's test command", () => {
    const readme = readFileSync(join(root, "README.md"), "utf8")
    const command = /```sh\n(apt-get update && apt-get install -y ([^&]+) && npm ci && npm test)\n```/.exec(readme)
    expect(command, "the test command in README.md").not.toBeNull()
    const ci = readFileSync(join(root, ".ci/run"), "utf8")
    const installed = [...ci.matchAll(/\|\| missing\+=\((\S+)\)/g)].map(([, name]) => name)
    expect(installed.sort()).toEqual(command![2]!.trim().split(/\s+/).sort())
    expect(ci).toMatch(/^npm ci\b.*\nnpm test$/m)
  })

  it("the README links every page in docs/", () => {
    const linked = new Set(relativeLinks(readFileSync(join(root, "README.md"), "utf8")).map((t) => t.split("#")[0]))
    const unlinked = pages.filter((page) => page !== "README.md" && !linked.has(page))
    expect(unlinked).toEqual([])
  })

  it.each(pages)("every relative link in %s resolves", (page) => {
    const markdown = readFileSync(join(root, page), "utf8")
    const broken: Array<string> = []
    for (const target of relativeLinks(markdown)) {
      const [path = "", anchor] = target.split("#")
      const file = path === "" ? join(root, page) : join(root, dirname(page), decodeURI(path))
      if (!existsSync(file)) {
        broken.push(`${target}: no file ${relative(root, file)}`)
      } else if (anchor !== undefined && file.endsWith(".md") && !anchors(readFileSync(file, "utf8")).has(anchor)) {
        broken.push(`${target}: no heading #${anchor} in ${relative(root, file)}`)
      }
    }
    expect(broken).toEqual([])
  })

  it("heading anchors follow GitHub's slugs", () => {
    const slugs = anchors("# `--tail N`: the crash log in the alert\n## Delivery: nothing lost, nothing sent twice\n## Options\n## Options\n")
    expect([...slugs]).toEqual(["--tail-n-the-crash-log-in-the-alert", "delivery-nothing-lost-nothing-sent-twice", "options", "options-1"])
  })
})
