/**
 * A self-signed certificate for `localhost` / 127.0.0.1, made with openssl the first time a test
 * asks for one (no private key is kept in the repository). Shared by the SMTP and HTTP fixtures.
 */
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

export interface KeyPair {
  readonly key: string
  readonly cert: string
}

let cached: KeyPair | undefined

export const selfSignedCertificate = (): KeyPair => {
  if (cached !== undefined) return cached
  const dir = mkdtempSync(join(tmpdir(), "superlance-cert-"))
  try {
    const key = join(dir, "key.pem")
    const cert = join(dir, "cert.pem")
    try {
      // An EC key takes milliseconds where RSA 2048 takes a noticeable fraction of a second.
      execFileSync("openssl", [
        "req", "-x509", "-nodes", "-days", "2",
        "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-subj", "/CN=localhost",
        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        "-keyout", key, "-out", cert
      ], { stdio: ["ignore", "ignore", "pipe"] })
    } catch (error) {
      throw new Error(`the TLS fixtures need openssl on PATH to make a test certificate: ${String(error)}`)
    }
    cached = { key: readFileSync(key, "utf8"), cert: readFileSync(cert, "utf8") }
    return cached
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
