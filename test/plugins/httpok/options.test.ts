import * as Command from "@effect/cli/Command"
import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { normalize } from "../../../src/options/argv.js"
import { toCommandConfig } from "../../../src/options/OptionTable.js"
import { httpokTable as httpok } from "../../../src/plugins/httpok/options.js"
import { decodeHttpok, type HttpokConfig } from "../../../src/plugins/httpok/options.js"
import { MailConfig } from "../../../src/options/mail.js"
import { cliLayer } from "../../support/cliParse.js"
import { message, pipeline, withEnv } from "../../support/options.js"

const decode = pipeline("httpok", httpok, decodeHttpok)

describe("httpok config", () => {
  it.effect("the documented line: httpok -p foo -m root -t 5 http://localhost:8080/", () =>
    Effect.gen(function*() {
      const config = yield* decode(["-p", "foo", "-m", "root", "-t", "5", "http://localhost:8080/"])
      expect(config.url).toBe("http://localhost:8080/")
      expect(config.programs).toEqual([{ text: "foo", name: "foo" }])
      expect(Duration.toSeconds(config.timeout)).toBe(5)
      expect(config.mail).toEqual(MailConfig.Sendmail({ command: "/usr/sbin/sendmail -t -i", to: ["root"] }))
    }))

  it.effect("the documented line: httpok -p program1 -p group1:program2 http://localhost:8080/tasty", () =>
    Effect.gen(function*() {
      const config = yield* decode(["-p", "program1", "-p", "group1:program2", "http://localhost:8080/tasty"])
      expect(config.programs).toEqual([
        { text: "program1", name: "program1" },
        { text: "group1:program2", group: "group1", name: "program2" }
      ])
      expect(config.mail).toBeUndefined()
    }))

  it.effect("defaults", () =>
    Effect.gen(function*() {
      const config = yield* decode(["http://x/"])
      expect(config).toEqual({
        url: "http://x/",
        programs: [],
        any: false,
        timeout: Duration.seconds(10),
        codes: [200],
        body: undefined,
        eager: true,
        gcore: "/usr/bin/gcore -o",
        coredir: undefined,
        name: undefined,
        mail: undefined,
        verifyTls: false,
        failures: 1
      } satisfies HttpokConfig)
    }))

  it.effect("every option", () =>
    Effect.gen(function*() {
      const config = yield* decode([
        "-a",
        "-t0.5",
        "-c",
        "200",
        "-c",
        "302",
        "-b",
        "OK",
        "-g",
        "/opt/gcore",
        "-d",
        "/var/cores",
        "-n",
        "prod",
        "--verify-tls",
        "https://x/"
      ])
      expect(config.any).toBe(true)
      expect(Duration.toMillis(config.timeout)).toBe(500)
      expect(config.codes).toEqual([200, 302])
      expect(config.body).toBe("OK")
      expect(config.gcore).toBe("/opt/gcore")
      expect(config.coredir).toBe("/var/cores")
      expect(config.name).toBe("prod")
      expect(config.verifyTls).toBe(true)
    }))

  it.effect("eager by default; -E turns it off, the last of -e/-E wins", () =>
    Effect.gen(function*() {
      expect((yield* decode(["-E", "http://x/"])).eager).toBe(false)
      expect((yield* decode(["-e", "http://x/"])).eager).toBe(true)
      expect((yield* decode(["-E", "-e", "http://x/"])).eager).toBe(true)
      expect((yield* decode(["-e", "-E", "http://x/"])).eager).toBe(false)
    }))

  it.effect("one-line errors naming the option", () =>
    Effect.gen(function*() {
      expect(yield* message(decode([]))).toBe("missing URL")
      expect(yield* message(decode(["-p", "foo"]))).toBe("missing URL")
      expect(yield* message(decode(["ftp://x/"]))).toBe(
        "URL: \"ftp://x/\" is not an http, https or tcp://HOST:PORT URL"
      )
      expect(yield* message(decode(["-t", "abc", "http://x/"]))).toBe(
        "-t/--timeout: \"abc\" is not a number of seconds"
      )
      expect(yield* message(decode(["-c", "999", "http://x/"]))).toBe(
        "-c/--code: \"999\" is not an HTTP status code (100-599)"
      )
      expect(yield* message(decode(["-p", "a:b:c", "http://x/"]))).toBe(
        "-p/--program: \"a:b:c\" is not a program name, group:name or group:*"
      )
      expect(yield* message(decode(["-n", "a\nb", "http://x/"]))).toBe(
        "-n/--name: \"a\\nb\" is not a single line of text"
      )
      expect(yield* message(decode(["-x", "http://x/"]))).toBe("no such option: -x")
    }))

  it.effect("-p GROUP:* and --group GROUP select whole groups", () =>
    Effect.gen(function*() {
      const config = yield* decode(["-p", "web:*", "--group", "api", "-p", "db", "http://x/"])
      expect(config.programs).toEqual([
        { text: "web:*", group: "web", name: "*" },
        { text: "db", name: "db" },
        { text: "api:*", group: "api", name: "*" }
      ])
      expect(yield* message(decode(["--group", "a:b", "http://x/"]))).toBe("--group: \"a:b\" is not a group name")
    }))

  it.effect("a URL per process: placeholders, --port-base", () =>
    Effect.gen(function*() {
      const perNum = yield* decode(["-p", "web:*", "http://127.0.0.1:80{num}/health"])
      expect(perNum.url).toBe("http://127.0.0.1:80{num}/health")
      expect(perNum.portBase).toBeUndefined()
      const perPort = yield* decode(["--group", "web", "--port-base", "8000", "http://{group}.local:{port}/{name}"])
      expect(perPort.portBase).toBe(8000)
      const tcp = yield* decode(["-a", "tcp://127.0.0.1:{port}", "--port-base", "9000"])
      expect(tcp.url).toBe("tcp://127.0.0.1:{port}")
    }))

  it.effect("a URL per process: one-line errors", () =>
    Effect.gen(function*() {
      expect(yield* message(decode(["-p", "web:*", "http://h:80{nmu}/"]))).toBe(
        "URL: unknown placeholder {nmu} in \"http://h:80{nmu}/\" (known: {name}, {group}, {num}, {port})"
      )
      expect(yield* message(decode(["-p", "web:*", "http://h:{port}/"]))).toBe("URL: {port} needs --port-base")
      expect(yield* message(decode(["-p", "web:*", "--port-base", "80", "http://h/"]))).toBe(
        "--port-base: the URL has no {port}"
      )
      expect(yield* message(decode(["-p", "web:*", "--port-base", "x", "http://h:{port}/"]))).toBe(
        "--port-base: \"x\" is not a port number (0-65535)"
      )
      expect(yield* message(decode(["-p", "web:*", "http://h:9{num}9999/"]))).toBe(
        "URL: \"http://h:9{num}9999/\" is not a URL (with a process's values: http://h:9019999/)"
      )
      expect(yield* message(decode(["http://h:80{num}/"]))).toBe(
        "URL: a URL with placeholders checks the selected processes: give -p, --group or -a"
      )
    }))

  it.effect("tcp://HOST:PORT: no -c, no -b, a host and a port", () =>
    Effect.gen(function*() {
      expect((yield* decode(["-p", "db", "tcp://127.0.0.1:5432"])).url).toBe("tcp://127.0.0.1:5432")
      expect(yield* message(decode(["-c", "200", "tcp://127.0.0.1:5432"]))).toBe("-c/--code: a tcp:// check has no status")
      expect(yield* message(decode(["-b", "ok", "tcp://127.0.0.1:5432"]))).toBe("-b/--body: a tcp:// check reads no body")
      expect(yield* message(decode(["tcp://127.0.0.1"]))).toBe(
        "URL: \"tcp://127.0.0.1\" is not tcp://HOST:PORT (host and port are required)"
      )
      expect(yield* message(decode(["tcp://127.0.0.1:80/x"]))).toBe(
        "URL: \"tcp://127.0.0.1:80/x\" is not tcp://HOST:PORT (a TCP check has no path)"
      )
    }))

  it.effect("the handler of Command.make(toCommandConfig(httpok)) takes decodeHttpok without casts", () =>
    Effect.gen(function*() {
      let url = ""
      const command = Command.make("httpok", toCommandConfig(httpok), (raw) =>
        Effect.map(decodeHttpok(raw), (config) => {
          url = config.url
        }))
      const args = yield* normalize(httpok, ["-a", "http://typed/"])
      yield* Command.run(command, { name: "httpok", version: "0" })(["node", "httpok", ...args])
      expect(url).toBe("http://typed/")
    }).pipe(Effect.provide(cliLayer), withEnv({})))
})
