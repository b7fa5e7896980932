// One instance of a numprocs web program for httpok's group tests:
//
//   node instanceApp.mjs BASE NUM CONTROL_DIR
//
// listens on 127.0.0.1:(BASE + NUM) and answers GET /health with 200 "ok". Touching
// CONTROL_DIR/NUM.500 makes this instance answer 500 from then on; touching CONTROL_DIR/NUM.close
// makes it stop listening (the process stays up). Either file is removed when seen, so the
// instance supervisord starts in its place is healthy again.
import { existsSync, rmSync } from "node:fs"
import { createServer } from "node:http"
import { join } from "node:path"

const [base, num, dir] = process.argv.slice(2)
const port = Number(base) + Number(num)
let status = 200

const server = createServer((request, response) => {
  response.writeHead(status, { "content-type": "text/plain" })
  response.end(`${status === 200 ? "ok" : "sick"} (instance ${num}, pid ${process.pid})\n`)
})
server.listen(port, "127.0.0.1", () => process.stdout.write(`instance ${num} listening on ${port} (pid ${process.pid})\n`))

const taken = (what) => {
  const file = join(dir, `${num}.${what}`)
  if (!existsSync(file)) return false
  rmSync(file, { force: true })
  return true
}

setInterval(() => {
  if (taken("500")) {
    status = 500
    process.stdout.write(`instance ${num} answers 500 from now on\n`)
  }
  if (taken("close")) {
    server.close()
    process.stdout.write(`instance ${num} stopped listening\n`)
  }
}, 100)
