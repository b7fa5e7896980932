import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import { normalize } from "../../src/options/argv.js"
import type { OptionTable } from "../../src/options/OptionTable.js"
import { crashmailTable as crashmail } from "../../src/plugins/crashmail/options.js"
import { crashmailbatchTable as crashmailbatch } from "../../src/plugins/batch/options.js"
import { httpokTable as httpok } from "../../src/plugins/httpok/options.js"
import { memmonTable as memmon } from "../../src/plugins/memmon/options.js"

const ok = (table: OptionTable, args: ReadonlyArray<string>) => {
  const result = normalize(table, args)
  if (Either.isLeft(result)) throw new Error(`expected success, got: ${result.left.message}`)
  return result.right
}

const error = (table: OptionTable, args: ReadonlyArray<string>) => {
  const result = normalize(table, args)
  if (Either.isRight(result)) throw new Error(`expected an error, got: ${JSON.stringify(result.right)}`)
  expect(result.left._tag).toBe("UsageError")
  return result.left.message
}

describe("normalize", () => {
  describe("long options", () => {
    it("splits --opt=value and keeps --opt value", () => {
      expect(ok(httpok, ["--timeout=5", "--body", "ok", "http://x/"])).toEqual([
        "--timeout=5",
        "--body=ok",
        "--",
        "http://x/"
      ])
    })

    it("splits --opt=value for repeated options into pairs", () => {
      expect(ok(httpok, ["--program=a", "--program", "b", "--code=200", "http://x/"])).toEqual([
        "--program",
        "a",
        "--program",
        "b",
        "--code",
        "200",
        "--",
        "http://x/"
      ])
    })

    it("keeps everything after the first = as the value", () => {
      expect(ok(memmon, ["--program=foo=200MB", "--name=a=b"])).toEqual(["--program", "foo=200MB", "--name=a=b"])
    })

    it("expands unambiguous prefixes to the canonical name", () => {
      expect(ok(crashmailbatch, ["--to=a@b", "--from", "x@y", "--int=2"])).toEqual([
        "--toEmail=a@b",
        "--fromEmail=x@y",
        "--interval=2"
      ])
    })

    it("prefers an exact name over longer names it is a prefix of", () => {
      // memmon: --sendmail is an alias of --sendmail_program, so it is exact, not a prefix.
      expect(ok(memmon, ["--sendmail", "mail -t"])).toEqual(["--sendmail_program=mail -t"])
      // --tls is exact although it is no prefix of anything else; --t is a prefix of several.
      expect(ok(crashmailbatch, ["--tls"])).toEqual(["--tls"])
    })

    it("treats a prefix shared only by names of one option as unambiguous", () => {
      expect(ok(memmon, ["--send=mail"])).toEqual(["--sendmail_program=mail"])
      expect(ok(memmon, ["--groupname", "web=1GB", "--gro=db=2GB"])).toEqual([
        "--group",
        "web=1GB",
        "--group",
        "db=2GB"
      ])
    })

    it("reads a prefix among the original's options first, as the original did", () => {
      // httpok's --g was the original's --gcore; our --grace (and --group) start with g too.
      expect(ok(httpok, ["--g", "gcore -o", "http://x/"])).toEqual(["--gcore=gcore -o", "--", "http://x/"])
      expect(ok(memmon, ["--g", "web=1GB"])).toEqual(["--group", "web=1GB"])
      expect(ok(crashmail, ["--s", "mail -t"])).toEqual(["--sendmail_program=mail -t"])
      // --help was the original's, --hostname and --heartbeat are ours.
      expect(ok(httpok, ["--he"])).toEqual(["--help"])
      expect(ok(crashmailbatch, ["--h"])).toEqual(["--help"])
      // A prefix naming none of the original's options is read among ours.
      expect(ok(httpok, ["--gra", "30s", "http://x/"])).toEqual(["--grace=30s", "--", "http://x/"])
      expect(ok(crashmail, ["--sp", "/tmp/q"])).toEqual(["--spool=/tmp/q"])
    })

    it("names the candidates of an ambiguous prefix", () => {
      // Ambiguous among the original's options, as optparse said: ours are not listed.
      expect(error(crashmailbatch, ["--t=x"])).toBe("ambiguous option: --t (could be --tickEvent, --tls, --toEmail)")
      expect(error(httpok, ["--log=json", "http://x/"])).toBe(
        "ambiguous option: --log (could be --log-format, --log-level)"
      )
      expect(error(httpok, ["--ver", "http://x/"])).toBe(
        "ambiguous option: --ver (could be --verify-tls, --version)"
      )
    })

    it("is case-sensitive", () => {
      expect(error(crashmailbatch, ["--toemail=x"])).toBe("no such option: --toemail")
    })

    it("rejects a value given to a flag", () => {
      expect(error(httpok, ["--any=yes", "http://x/"])).toBe("option --any does not take an argument")
    })
  })

  describe("short options", () => {
    it("maps short options to long names, values attached or separate", () => {
      expect(ok(httpok, ["-pfoo", "-p", "bar", "-t5", "-m", "root", "http://x/"])).toEqual([
        "--program",
        "foo",
        "--program",
        "bar",
        "--timeout=5",
        "--email=root",
        "--",
        "http://x/"
      ])
    })

    it("unclusters flags", () => {
      expect(ok(httpok, ["-ae", "http://x/"])).toEqual(["--any", "--eager", "--", "http://x/"])
    })

    it("takes the rest of a cluster as the value of the first option that needs one", () => {
      expect(ok(httpok, ["-apfoo", "http://x/"])).toEqual(["--any", "--program", "foo", "--", "http://x/"])
      expect(ok(memmon, ["-cpfoo=1MB"])).toEqual(["--cumulative", "--program", "foo=1MB"])
      expect(ok(httpok, ["-at", "7", "http://x/"])).toEqual(["--any", "--timeout=7", "--", "http://x/"])
    })

    it("is case-sensitive: -e and -E are different options", () => {
      expect(ok(httpok, ["-E", "u"])).toEqual(["--not-eager", "--", "u"])
      expect(ok(httpok, ["-e", "u"])).toEqual(["--eager", "--", "u"])
      expect(ok(crashmailbatch, ["-H", "mail"])).toEqual(["--smtpHost=mail"])
    })

    it("names an unknown option itself", () => {
      expect(error(httpok, ["-x", "http://x/"])).toBe("no such option: -x")
      expect(error(httpok, ["-ax", "http://x/"])).toBe("no such option: -x")
      expect(error(crashmail, ["--bogus"])).toBe("no such option: --bogus")
    })
  })

  describe("values that look like options", () => {
    it("takes the next argument as the value whatever it looks like (getopt)", () => {
      expect(ok(crashmail, ["-o", "-x"])).toEqual(["--optionalheader=-x"])
      expect(ok(crashmail, ["-o", "--any"])).toEqual(["--optionalheader=--any"])
      expect(ok(crashmail, ["-p", "-a"])).toEqual(["--program", "-a"])
      expect(ok(crashmail, ["-m", "-h"])).toEqual(["--email=-h"])
    })

    it("passes values as separate tokens where --opt=value would not survive @effect/cli", () => {
      expect(ok(crashmail, ["-o", ""])).toEqual(["--optionalheader", ""])
      expect(ok(crashmail, ["-o", " padded "])).toEqual(["--optionalheader", " padded "])
      expect(ok(crashmail, ["-o", "two\nlines"])).toEqual(["--optionalheader", "two\nlines"])
    })

    it("rejects a repeated value @effect/cli would take for an option", () => {
      expect(error(httpok, ["-p", "--code", "u"])).toBe(
        "option -p: the value \"--code\" would be read as the option --code"
      )
    })

    it("rejects an empty value of a repeated option (@effect/cli would drop it silently)", () => {
      expect(error(httpok, ["-p", "", "u"])).toBe("option -p requires a non-empty argument")
    })
  })

  describe("missing values", () => {
    it("reports a value option at the end", () => {
      expect(error(httpok, ["http://x/", "-t"])).toBe("option -t requires an argument")
      expect(error(httpok, ["http://x/", "--timeout"])).toBe("option --timeout requires an argument")
      expect(error(httpok, ["http://x/", "--time"])).toBe("option --timeout requires an argument")
      expect(error(crashmail, ["-ap"])).toBe("option -p requires an argument")
    })
  })

  describe("help and version", () => {
    it("turns -h/--help anywhere into just --help", () => {
      expect(ok(httpok, ["-p", "foo", "http://x/", "-h"])).toEqual(["--help"])
      expect(ok(memmon, ["-ch"])).toEqual(["--help"])
      expect(ok(crashmail, ["--hel"])).toEqual(["--help"])
    })

    it("lets help win over errors elsewhere on the line", () => {
      expect(ok(httpok, ["--bogus", "--help"])).toEqual(["--help"])
    })

    it("does not take a value for -h", () => {
      expect(ok(crashmail, ["-o", "-h"])).toEqual(["--optionalheader=-h"])
    })

    it("turns --version anywhere into just --version; help wins over it", () => {
      expect(ok(memmon, ["-c", "--version"])).toEqual(["--version"])
      expect(ok(memmon, ["--version", "-h"])).toEqual(["--help"])
    })
  })

  describe("positionals and --", () => {
    it("accepts the URL before, between and after options", () => {
      const expected = ["--program", "foo", "--any", "--", "http://x/"]
      expect(ok(httpok, ["http://x/", "-p", "foo", "-a"])).toEqual(expected)
      expect(ok(httpok, ["-p", "foo", "http://x/", "-a"])).toEqual(expected)
    })

    it("ends options at --", () => {
      expect(ok(httpok, ["-a", "--", "-weird"])).toEqual(["--any", "--", "-weird"])
    })

    it("treats a lone - as a positional", () => {
      expect(ok(httpok, ["-"])).toEqual(["--", "-"])
    })

    it("reports arguments beyond the positionals", () => {
      expect(error(httpok, ["http://x/", "http://y/"])).toBe("unexpected argument: http://y/")
      expect(error(memmon, ["-a", "1MB", "stray"])).toBe("unexpected argument: stray")
    })
  })

  describe("repeats", () => {
    it("keeps the last value of a single option", () => {
      expect(ok(httpok, ["-t", "5", "-t", "6", "u"])).toEqual(["--timeout=6", "--", "u"])
    })

    it("emits a flag once", () => {
      expect(ok(httpok, ["-a", "-a", "u"])).toEqual(["--any", "--", "u"])
    })

    it("keeps only the last of -e/-E", () => {
      expect(ok(httpok, ["-e", "-E", "u"])).toEqual(["--not-eager", "--", "u"])
      expect(ok(httpok, ["-E", "-e", "u"])).toEqual(["--eager", "--", "u"])
      expect(ok(httpok, ["-Ee", "--not-eager", "u"])).toEqual(["--not-eager", "--", "u"])
    })
  })

  describe("--log-level", () => {
    it("passes it through first, wherever it was", () => {
      expect(ok(crashmail, ["-a", "--log-level", "debug"])).toEqual(["--log-level", "debug", "--any"])
      expect(ok(crashmail, ["-a", "--log-level=info"])).toEqual(["--log-level", "info", "--any"])
    })

    it("rejects an unknown level", () => {
      expect(error(crashmail, ["--log-level", "loud"])).toBe(
        "option --log-level: \"loud\" is not one of all, trace, debug, info, warning, error, fatal, none"
      )
    })
  })
})
