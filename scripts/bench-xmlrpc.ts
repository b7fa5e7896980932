/**
 * Decoding speed of a getAllProcessInfo answer for 100 processes, laid out as supervisord
 * (Python's xmlrpclib) writes it: ~125 KB. Not part of the test run.
 *
 *   npx vite-node scripts/bench-xmlrpc.ts [processes] [iterations]
 */
import { SaxesParser } from "saxes"
import { decodeMethodResponse } from "../src/supervisor/XmlRpc.js"
import { pythonStyleProcessList } from "../test/support/pythonStyle.js"

const measure = (label: string, iterations: number, run: () => void) => {
  for (let i = 0; i < 200; i++) run() // warm-up
  const times: Array<number> = []
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint()
    run()
    times.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  times.sort((a, b) => a - b)
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(3)
  process.stdout.write(`${label}: median ${at(0.5)} ms, p90 ${at(0.9)} ms, p99 ${at(0.99)} ms\n`)
}

const main = () => {
  const count = Number(process.argv[2] ?? 100)
  const iterations = Number(process.argv[3] ?? 2000)
  const xml = pythonStyleProcessList(count)
  process.stdout.write(`getAllProcessInfo answer for ${count} processes, ${(xml.length / 1024).toFixed(1)} KB\n`)
  // The floor: saxes alone, with no handlers.
  measure("saxes alone           ", iterations, () => new SaxesParser({ position: false }).write(xml).close())
  // The floor for any decoder on saxes: the same with empty handlers for the events it needs.
  measure("saxes + no-op handlers", iterations, () => {
    const parser = new SaxesParser({ position: false })
    parser.on("text", () => {})
    parser.on("opentag", () => {})
    parser.on("closetag", () => {})
    parser.write(xml).close()
  })
  measure("decodeMethodResponse ", iterations, () => decodeMethodResponse(xml))
}

main()
