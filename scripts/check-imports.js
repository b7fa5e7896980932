// The architecture's one rule, checked: imports between the folders of src/ go one way.
// Each folder may import only the folders listed for it below (ARCHITECTURE.md draws them), so
// the folder-level import graph has no cycle; inside src/plugins/, a plugin (a folder) never
// imports another plugin, only the helpers beside them (common/, safety/).
//
//   node scripts/check-imports.js            exits 1 and names each import that breaks the rule
//   node scripts/check-imports.js --graph    also prints the folder graph as it is
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const src = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "src")

/** From the bottom up; `.` is the entry at src/ itself (bin, start, Cli, Console, index). */
const allowed = {
  domain: [],
  protocol: ["domain"],
  supervisor: ["domain"],
  services: ["domain", "supervisor"],
  alerts: ["domain"],
  options: ["domain", "protocol", "alerts"],
  plugins: ["domain", "protocol", "supervisor", "services", "alerts", "options"],
  demo: ["domain", "supervisor"],
  ".": ["domain", "protocol", "supervisor", "services", "alerts", "options", "plugins", "demo"]
}
/** Folders of src/plugins/ that every plugin may use; every other folder there is one plugin. */
const pluginHelpers = new Set(["common", "safety"])

const files = (dir) =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    return entry.isDirectory() ? files(full) : entry.name.endsWith(".ts") ? [full] : []
  })

/** `domain`, `plugins`, … or `.` for a file directly in src/. */
const folderOf = (file) => {
  const parts = path.relative(src, file).split(path.sep)
  return parts.length === 1 ? "." : parts[0]
}

/** `httpok` for src/plugins/httpok/…; undefined for files directly in src/plugins/ (the registry). */
const pluginOf = (file) => {
  const parts = path.relative(src, file).split(path.sep)
  return parts[0] === "plugins" && parts.length > 2 ? parts[1] : undefined
}

const specifiers = (text) =>
  [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^"'`;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)]
    .map((m) => m[1] ?? m[2])

const problems = []
const edges = new Map()
for (const file of files(src)) {
  const from = folderOf(file)
  for (const spec of specifiers(fs.readFileSync(file, "utf8"))) {
    if (!spec.startsWith(".")) continue
    const target = path.resolve(path.dirname(file), spec).replace(/\.js$/, ".ts")
    if (!target.startsWith(src + path.sep)) continue // package.json: data, not code
    const to = folderOf(target)
    const where = `${path.relative(src, file)} imports ${spec}`
    if (from !== to) {
      edges.set(`${from} -> ${to}`, (edges.get(`${from} -> ${to}`) ?? 0) + 1)
      if (!allowed[from]?.includes(to)) problems.push(`${where}: ${from}/ may not import ${to}/`)
    }
    // Inside src/plugins/: a plugin or a helper uses only itself and the helpers; the registry
    // (files directly in src/plugins/) is the one place that knows every plugin.
    const [plugin, used] = [pluginOf(file), pluginOf(target)]
    if (from === "plugins" && to === "plugins" && plugin !== undefined && used !== plugin && !pluginHelpers.has(used)) {
      problems.push(`${where}: plugins/${plugin}/ may not import ${used === undefined ? "the registry" : `plugins/${used}/`}`)
    }
  }
}

// The table itself must not allow a cycle.
const visit = (node, trail) => {
  if (trail.includes(node)) return problems.push(`the allowed imports form a cycle: ${[...trail, node].join(" -> ")}`)
  for (const next of allowed[node] ?? []) visit(next, [...trail, node])
}
for (const node of Object.keys(allowed)) visit(node, [])

if (process.argv.includes("--graph")) {
  for (const [edge, count] of [...edges].sort()) process.stdout.write(`${edge} (${count})\n`)
}
if (problems.length > 0) {
  process.stderr.write(`${problems.join("\n")}\n`)
  process.exit(1)
}
