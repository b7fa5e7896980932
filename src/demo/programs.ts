/** The demo's example programs, written into its temp dir as small Node scripts. */

/** Exits with an error every few seconds: crashmail and crashmailbatch report it. */
export const crasher = `
setTimeout(() => {
  console.error("crasher: something went wrong, exiting with status 3")
  process.exit(3)
}, 10_000)
`

/** Answers HTTP for a while, then stops answering: httpok restarts it. */
export const web = `
const http = require("node:http")
const healthyFor = Number(process.env.HEALTHY_SECONDS) * 1000
const started = Date.now()
http.createServer((req, res) => {
  if (Date.now() - started < healthyFor) return res.end("ok\\n")
  // Hung: accept the connection, never answer.
}).listen(Number(process.env.PORT), "127.0.0.1")
`

/** Grows by a few MB a second: memmon restarts it. */
export const hog = `
const kept = []
setInterval(() => kept.push(Buffer.alloc(4 * 1024 * 1024, 1)), 1000)
`
