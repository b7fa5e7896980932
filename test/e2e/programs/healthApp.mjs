// A tiny service for httpok's end-to-end tests: `node healthApp.mjs PORT`. GET /health answers
// "ok"; after GET /hang it stops answering /health (the connection stays open, as a hung
// server's would) until the process is restarted.
import { createServer } from "node:http"

const port = Number(process.argv[2])
let hung = false

createServer((request, response) => {
  if (request.url === "/hang") {
    hung = true
    process.stdout.write(`hanging (pid ${process.pid})\n`)
    return response.end("hanging\n")
  }
  if (hung) return
  response.end(`ok (pid ${process.pid})\n`)
}).listen(port, "127.0.0.1", () => process.stdout.write(`listening on ${port} (pid ${process.pid})\n`))
