// The six plugins as sections of one `superlance run` file, for the benchmarks (bench-run.js,
// bench-listener.js): the same work as the six single listeners of bench-listener.js, every mail
// to the local SMTP server `smtp` (host:port), httpok checking `url`, memmon sampling `web`.
import * as fs from "node:fs"
import * as path from "node:path"

/** Writes the file into `dir` and answers its path. */
export const writeRunConfig = (dir, { smtp, url }) => {
  const file = path.join(dir, "superlance.toml")
  fs.writeFileSync(
    file,
    `email = "ops@example.com"
toEmail = "ops@example.com"
fromEmail = "sv@example.com"
smtpHost = "${smtp}"
# The batch mailers send what they collected every 0.01 minutes (0.6 s).
interval = 0.01

[httpok]
url = "${url}"
program = ["web"]

[memmon]
program = ["web=1GB"]

[crashmail]

[crashmailbatch]

[fatalmailbatch]

[crashsms]
`
  )
  return file
}
