// Reads a listener's stdout as supervisord does, for the benchmarks: `read(token)` resolves once
// stdout holds `token`, consuming everything up to and including it; it rejects when the
// listener has exited without writing it (`why()` says what it logged).
export const protocolReader = (child, why) => {
  let stdout = ""
  let waiting
  child.stdout.setEncoding("utf8").on("data", (chunk) => {
    stdout += chunk
    waiting?.()
  })
  return (token) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const i = stdout.indexOf(token)
        if (i !== -1) {
          stdout = stdout.slice(i + token.length)
          waiting = undefined
          resolve()
        } else if (child.exitCode !== null || child.signalCode !== null) {
          reject(new Error(`listener exited: ${why()}`))
        }
      }
      waiting = check
      check()
    })
}
