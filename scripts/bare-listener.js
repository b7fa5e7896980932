// The yardstick for `npm run bench`: the least a Node event listener can be. It answers every
// event with OK, as supervisord's protocol asks (header line, then `len` characters of payload).
let buffer = ""
let need = -1
process.stdin.setEncoding("utf8")
process.stdin.on("data", (chunk) => {
  buffer += chunk
  for (;;) {
    if (need < 0) {
      const newline = buffer.indexOf("\n")
      if (newline < 0) return
      need = Number(/(?:^| )len:(\d+)/.exec(buffer.slice(0, newline))?.[1] ?? 0)
      buffer = buffer.slice(newline + 1)
    }
    if (buffer.length < need) return
    buffer = buffer.slice(need)
    need = -1
    process.stdout.write("RESULT 2\nOKREADY\n")
  }
})
process.stdout.write("READY\n")
