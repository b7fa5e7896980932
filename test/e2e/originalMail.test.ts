/**
 * Our mail against the Python original's (SPEC §4 "Mail, for every plugin"): for
 * every case of test/support/original-mail/cases.json the built CLI gets the same events as the
 * original did when scripts/original-mail/generate.py recorded its mail, against the same kind
 * of counterparts (a real supervisord, a fake sendmail, a real SMTP server, an HTTP server), and
 * what it sends must equal the recorded message: the headers and their order, To, Subject, From,
 * the MIME headers as written, the SMTP envelope, and the body as it is on the wire (no
 * quoted-printable, no folding). Before comparing, values that differ from run to run are
 * replaced on both sides (`normalise`), and the original is brought to what we promise where we
 * differ on purpose (`keptDifferences`, the list docs/migrating.md gives under "Differences from
 * the original's mail").
 */
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { afterEach, describe, expect, it } from "vitest"
import { envelope } from "../support/envelope.js"
import * as FakeSendmail from "../support/fakeSendmail.js"
import * as HttpFixture from "../support/http.js"
import { driveListener } from "../support/listener.js"
import { decodeEncodedWords, parseMessage } from "../support/mailMessage.js"
import * as Smtp from "../support/smtp.js"
import { freePort, startSupervisord, waitUntil } from "../support/supervisord.js"

const fixtures = fileURLToPath(new URL("../support/original-mail/", import.meta.url))

interface Case {
  readonly name: string
  readonly description: string
  readonly plugin: string
  readonly transport: "sendmail" | "smtp"
  readonly args: ReadonlyArray<string>
  readonly events: ReadonlyArray<{ readonly event: string; readonly fields?: Readonly<Record<string, string | number>> }>
  readonly programs?: Readonly<Record<string, { readonly command: string; readonly autostart?: boolean }>>
  readonly groups?: Readonly<Record<string, ReadonlyArray<string>>>
  readonly http?: { readonly status: number }
}

interface Recorded {
  /** The URLs put into the arguments (`{url}`, `{refused}`): they appear in httpok's mail. */
  readonly values: Readonly<Record<string, string>>
  readonly envelope?: { readonly from: string; readonly to: ReadonlyArray<string> }
}

const spec = JSON.parse(readFileSync(`${fixtures}cases.json`, "utf8")) as {
  readonly env: Readonly<Record<string, string>>
  readonly cases: ReadonlyArray<Case>
}
const manifest = JSON.parse(readFileSync(`${fixtures}manifest.json`, "utf8")) as {
  readonly cases: Readonly<Record<string, Recorded>>
}

// ---------------------------------------------------------------------------------------------
// Reading a message as it is on the wire

interface Mail {
  /** Unfolded; the value is what follows `Name: ` (one blank after the colon taken off, no more). */
  readonly headers: ReadonlyArray<{ readonly name: string; readonly value: string }>
  /** As sent, line endings as `\n`. */
  readonly body: string
  /** Transfer encoding and charset undone. */
  readonly text: string
}

const readMail = (raw: string): Mail => {
  const lf = raw.replace(/\r\n/g, "\n")
  const split = lf.indexOf("\n\n")
  const head = split < 0 ? lf : lf.slice(0, split)
  const headers: Array<{ name: string; value: string }> = []
  for (const line of head.split("\n")) {
    const last = headers.at(-1)
    if (/^[ \t]/.test(line) && last !== undefined) last.value += line
    else if (line.includes(":")) {
      const colon = line.indexOf(":")
      headers.push({ name: line.slice(0, colon).toLowerCase(), value: line.slice(colon + 1).replace(/^ /, "") })
    }
  }
  return { headers, body: split < 0 ? "" : lf.slice(split + 2), text: parseMessage(raw).text }
}

const header = (mail: Mail, name: string) => mail.headers.find((h) => h.name === name)?.value

// ---------------------------------------------------------------------------------------------
// What is compared

/** Replaces what differs from run to run, the same way on both sides. */
const normalise = (text: string, urls: ReadonlyArray<string>): string =>
  urls.reduce((acc, url) => acc.split(url).join("<URL>"), text)
    // The batch lines' and crashmail's subject time (asctime), and memmon's (ctime).
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}/g, "<asctime>")
    .replace(/\b[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}\b/g, "<ctime>")
    .replace(/\(\d+ bytes RSS\)/g, "(<rss> bytes RSS)")
    // Why a connection failed is worded by the runtime (the original says "getaddrinfo returns an
    // empty list" for a refused one); the report's shape around it is compared.
    .replace(/^(error contacting <URL>:\n\n ).*$/m, "$1<error>")

interface View {
  /** Header names besides Date and Message-ID, in order. */
  readonly headers: ReadonlyArray<string>
  readonly dateAndMessageId: boolean
  readonly to: string | undefined
  readonly from: string | undefined
  /** Encoded-words decoded. */
  readonly subject: string | undefined
  readonly mimeVersion: string | undefined
  readonly contentType: string | undefined
  readonly transferEncoding: string | undefined
  /** On the wire; decoded only where the original sends base64 (see keptDifferences). */
  readonly body: string
  readonly envelope: { readonly from: string; readonly to: ReadonlyArray<string> } | undefined
}

const view = (
  mail: Mail,
  urls: ReadonlyArray<string>,
  smtpEnvelope: View["envelope"],
  decoded: boolean
): View => {
  const subject = header(mail, "subject")
  return {
    headers: mail.headers.map((h) => h.name).filter((name) => !addedHeaders.includes(name)),
    dateAndMessageId: addedHeaders.every((name) => header(mail, name) !== undefined),
    to: header(mail, "to"),
    from: header(mail, "from"),
    subject: subject === undefined ? undefined : normalise(decodeEncodedWords(subject), urls),
    mimeVersion: header(mail, "mime-version"),
    contentType: header(mail, "content-type"),
    transferEncoding: header(mail, "content-transfer-encoding")?.toLowerCase(),
    // One line break at the end is the transport's (SMTP's DATA always ends with one).
    body: normalise(decoded ? mail.text : mail.body, urls).replace(/\n$/, ""),
    envelope: smtpEnvelope
  }
}

/** The headers we add to every message; the original's batch mailers set them too (other values). */
const addedHeaders = ["date", "message-id"]

const hasOption = (args: ReadonlyArray<string>, short: string, long: string) =>
  args.some((arg) => arg === short || arg === long || arg.startsWith(`${long}=`))

/**
 * Where we differ from the original on purpose, applied to the original's view: the
 * list under "Differences from the original's mail" in docs/migrating.md is the same.
 */
const keptDifferences = (c: Case, original: View): View => {
  let subject = original.subject
  // crashmail's subject starts with a blank in the original (`Subject:  web crashed at …`).
  if (c.plugin === "crashmail") subject = subject?.replace(/^ +/, "")
  // memmon without -n: the original names the last -p/-g in the subject (`memmon [hog]: …`).
  if (c.plugin === "memmon" && !hasOption(c.args, "-n", "--name")) subject = subject?.replace(/^memmon \[[^\]]*\]:/, "memmon:")
  // Non-ASCII text: the original sends it base64-encoded, we send it 8bit in the same charset.
  const transferEncoding = original.transferEncoding === "base64" ? "8bit" : original.transferEncoding
  // Date and Message-ID: on every message of ours, through sendmail too.
  return { ...original, subject, transferEncoding, dateAndMessageId: true }
}

// ---------------------------------------------------------------------------------------------
// Running our plugin for a case

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)

const payload = (event: Case["events"][number]) =>
  event.fields === undefined
    ? `when:${Math.floor(Date.now() / 1000)}`
    : Object.entries(event.fields).map(([key, value]) => `${key}:${value}`).join(" ")

/** Our batch window runs on a clock, not on TICKs: a long one, sent when stdin ends. */
const withLongInterval = (args: ReadonlyArray<string>) =>
  args.map((arg, i) => (i > 0 && ["-i", "--interval"].includes(args[i - 1]!) ? "10" : arg))

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** Runs our plugin on the case's events; answers the message it sent, its URLs and SMTP envelope. */
const ours = async (c: Case) => {
  const sendmail = FakeSendmail.create()
  cleanups.push(() => sendmail.remove())
  const smtp = await Smtp.start()
  cleanups.push(() => smtp.close())
  const http = await HttpFixture.start()
  cleanups.push(() => http.close())
  if (c.http !== undefined) http.respond({ status: c.http.status })
  const programs = Object.entries(c.programs ?? {})
  const groupOf = (name: string) =>
    Object.entries(c.groups ?? {}).find(([, members]) => members.includes(name))?.[0] ?? name
  const supervisor = await startSupervisord({
    programs: Object.fromEntries(programs.map(([name, p]) => [name, { ...p, startsecs: 0 }])),
    ...(c.groups === undefined ? {} : { groups: c.groups }),
    waitRunning: programs.filter(([, p]) => p.autostart !== false).map(([name]) => `${groupOf(name)}:${name}`)
  })
  cleanups.push(() => supervisor.stop())
  const values: Record<string, string> = {
    sendmail: sendmail.command(),
    smtp: `127.0.0.1:${smtp.port}`,
    url: http.url("/health"),
    refused: `http://127.0.0.1:${await run(freePort)}/health`
  }
  const filled = c.args.map((arg) => arg.replace(/\{(\w+)\}/g, (_, key: string) => values[key]!))
  const args = c.transport === "smtp" ? withLongInterval(filled) : filled
  const listener = driveListener([c.plugin, ...args], { ...supervisor.listenerEnv(c.plugin), ...spec.env })
  cleanups.push(async () => void (await listener.kill("SIGKILL")))
  await listener.ready
  for (const [i, event] of c.events.entries()) {
    expect(await listener.send(envelope(event.event, payload(event), i + 1))).toBe("RESULT 2\nOK")
  }
  const urls = [values["url"]!, values["refused"]!]
  if (c.transport === "sendmail") {
    await run(waitUntil(Effect.map(sendmail.calls, (calls) => calls.length > 0), { timeout: 15_000, message: "a mail" }))
    expect(await listener.close()).toBe(0)
    const calls = await run(sendmail.calls)
    expect(calls, "one mail").toHaveLength(1)
    return { raw: calls[0]!.stdin, urls, envelope: undefined }
  }
  expect(await listener.close()).toBe(0)
  const messages = await run(smtp.waitForMessages(1, "15 seconds"))
  expect(messages, "one mail").toHaveLength(1)
  const message = messages[0]!
  return { raw: message.raw, urls, envelope: { from: message.envelopeFrom, to: message.envelopeTo } }
}

describe("mail as the Python original sends it (fixtures from scripts/original-mail/generate.py)", () => {
  for (const c of spec.cases) {
    it(`${c.name}: ${c.description}`, async () => {
      const recorded = manifest.cases[c.name]!
      const original = readMail(readFileSync(`${fixtures}${c.name}.eml`, "utf8"))
      const base64 = header(original, "content-transfer-encoding")?.toLowerCase() === "base64"
      const expected = keptDifferences(c, view(original, Object.values(recorded.values), recorded.envelope, base64))

      const sent = await ours(c)
      expect(view(readMail(sent.raw), sent.urls, sent.envelope, base64), c.name).toEqual(expected)
    }, 60_000)
  }
})
