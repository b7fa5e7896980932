/**
 * The options of the six plugins (SPEC §5), each declared once. Short letters and long names are
 * the original's; the mail and queue options are ours (SPEC §4 "Mail, for every plugin").
 */
import type { OptionTable } from "./OptionTable.js"

/** Where alerts go besides (or instead of) mail: every plugin has these. */
export const receivers = {
  webhook: {
    kind: "repeated",
    metavar: "URL",
    description: "POST each alert as JSON to URL (Slack/Mattermost incoming webhooks work as they are). Repeatable."
  },
  alertmanager: {
    kind: "repeated",
    metavar: "URL",
    description: "Post each alert to the Prometheus Alertmanager at URL (API v2). Repeatable."
  }
} as const satisfies OptionTable

/** `--tail N`: crashmail and the batch plugins. */
const tail = {
  tail: {
    kind: "single",
    metavar: "N",
    description: "Add the last N lines of the process's stderr log (stdout log if stderr is empty) to the alert."
  }
} as const satisfies OptionTable

/** `--hostname`: every plugin. */
const host = {
  hostname: {
    kind: "single",
    metavar: "NAME",
    description: "Name this host in every alert (NAME, or auto for the system's host name)."
  },
  "hostname-in-subject": {
    kind: "flag",
    description: "Also start alert subjects with [NAME] (implies --hostname auto if not given)."
  }
} as const satisfies OptionTable

/** How a running listener writes its log lines (besides the built-in `--log-level`): every plugin. */
export const logging = {
  "log-format": {
    kind: "single",
    metavar: "FORMAT",
    description: "Log lines as text (time, level, message: the default) or json (one object per line)."
  }
} as const satisfies OptionTable

/** `--spool DIR`: every plugin queues its alerts, and can keep the queue on disk. */
const spool = {
  spool: {
    kind: "single",
    metavar: "DIR",
    description: "Keep unsent alerts in DIR too, so they survive a restart."
  }
} as const satisfies OptionTable

/** httpok and memmon: when a process is left alone. */
const restartSafety = {
  grace: {
    kind: "single",
    metavar: "DURATION",
    description: "Do not restart a process up for less than DURATION (like 30s, 2m)."
  },
  "max-restarts": {
    kind: "single",
    metavar: "N",
    description: "After N restarts of a process within --restart-window, stop restarting it and alert once."
  },
  "restart-window": {
    kind: "single",
    metavar: "DURATION",
    description: "The window of --max-restarts (like 10m, 1h)."
  }
} as const satisfies OptionTable

/** `--rate-limit`: crashmail and the batch plugins. */
const rateLimit = {
  "rate-limit": {
    kind: "single",
    metavar: "N/DURATION",
    description: "At most N alerts per process within DURATION (like 3/10m); further ones are counted."
  }
} as const satisfies OptionTable

/** Mail options of the sendmail-first plugins (crashmail, httpok, memmon), and the receivers. */
export const listenerMail = {
  email: {
    short: "m",
    kind: "single",
    metavar: "ADDR",
    description: "Mail reports to ADDR (comma-separated for several). Without it nothing is mailed."
  },
  sendmail_program: {
    short: "s",
    aliases: ["sendmail"],
    kind: "single",
    metavar: "CMD",
    description: "Command that reads the whole message on stdin (default: /usr/sbin/sendmail -t -i)."
  },
  smtpHost: {
    kind: "single",
    metavar: "HOST[:PORT]",
    description: "Send mail by SMTP through HOST instead of sendmail (needs --fromEmail)."
  },
  smtpPort: { kind: "single", metavar: "PORT", description: "SMTP port (default 25; 465 means implicit TLS)." },
  fromEmail: {
    kind: "single",
    metavar: "ADDR",
    description: "From address (required with --smtpHost; adds a From header for sendmail)."
  },
  userName: { kind: "single", metavar: "USER", description: "SMTP user name." },
  password: {
    kind: "single",
    metavar: "PASS",
    description: "SMTP password (better: env SUPERLANCE_SMTP_PASSWORD, which ps does not show)."
  },
  tls: { kind: "flag", description: "Use STARTTLS with the SMTP server." },
  ...receivers
} as const satisfies OptionTable

export const httpok = {
  program: {
    short: "p",
    kind: "repeated",
    metavar: "NAME",
    description: "Restart this RUNNING process (name or group:name) when the check fails. Repeatable."
  },
  any: { short: "a", kind: "flag", description: "Restart every RUNNING process when the check fails." },
  timeout: {
    short: "t",
    kind: "single",
    metavar: "SEC",
    description: "Give up on the request after SEC seconds (default 10)."
  },
  code: {
    short: "c",
    kind: "repeated",
    metavar: "STATUS",
    description: "An expected HTTP status (default 200). Repeatable."
  },
  body: { short: "b", kind: "single", metavar: "TEXT", description: "Text the response body must contain." },
  ...listenerMail,
  gcore: {
    short: "g",
    kind: "single",
    metavar: "CMD",
    description: "Program that dumps a core given a file name and a pid (default: /usr/bin/gcore -o)."
  },
  coredir: {
    short: "d",
    kind: "single",
    metavar: "DIR",
    description: "Dump a core of each process into DIR before restarting it."
  },
  eager: {
    short: "e",
    kind: "flag",
    exclusive: "eager",
    description: "Check the URL even when no watched process is RUNNING (the default)."
  },
  "not-eager": {
    short: "E",
    kind: "flag",
    exclusive: "eager",
    description: "Do not check the URL while no watched process is RUNNING."
  },
  name: { short: "n", kind: "single", metavar: "NAME", description: "Name this httpok in mail subjects." },
  "verify-tls": { kind: "flag", description: "Verify the URL's TLS certificate (not verified by default)." },
  failures: {
    kind: "single",
    metavar: "N",
    description: "Act only after N bad checks in a row (default 1)."
  },
  ...spool,
  ...restartSafety,
  ...host,
  ...logging,
  url: { kind: "positional", metavar: "URL", description: "The http or https URL to GET." }
} as const satisfies OptionTable

export const crashmail = {
  program: {
    short: "p",
    kind: "repeated",
    metavar: "NAME",
    description: "Report exits of this process (name or group:name). Repeatable."
  },
  any: { short: "a", kind: "flag", description: "Report exits of every process (overrides -p)." },
  optionalheader: {
    short: "o",
    kind: "single",
    metavar: "TEXT",
    description: "Prefix for the mail subject."
  },
  ...listenerMail,
  ...spool,
  ...tail,
  ...rateLimit,
  ...host,
  ...logging
} as const satisfies OptionTable

export const memmon = {
  cumulative: {
    short: "c",
    kind: "flag",
    description: "Count the memory of each process together with all its descendants."
  },
  program: {
    short: "p",
    kind: "repeated",
    metavar: "NAME=SIZE",
    description: "Restart process NAME (name or group:name) above SIZE (like 200MB). Repeatable."
  },
  group: {
    short: "g",
    aliases: ["groupname"],
    kind: "repeated",
    metavar: "GROUP=SIZE",
    description: "Restart any process of GROUP above SIZE. Repeatable."
  },
  any: { short: "a", kind: "single", metavar: "SIZE", description: "Restart any process above SIZE." },
  ...listenerMail,
  uptime: {
    short: "u",
    kind: "single",
    metavar: "SEC",
    description: "Mail only when the restarted process was up at most SEC (suffix s, m, h or d)."
  },
  name: { short: "n", kind: "single", metavar: "NAME", description: "Name this memmon in mail subjects." },
  failures: {
    kind: "single",
    metavar: "N",
    description: "Restart only after N ticks in a row over the limit (default 1)."
  },
  ...spool,
  ...restartSafety,
  ...host,
  ...logging
} as const satisfies OptionTable

const batch = (subject: string) =>
  ({
    toEmail: {
      short: "t",
      kind: "single",
      metavar: "ADDRS",
      description: "Comma-separated recipients (required unless --webhook or --alertmanager is given)."
    },
    fromEmail: { short: "f", kind: "single", metavar: "ADDR", description: "Sender address (required with --toEmail)." },
    interval: {
      short: "i",
      kind: "single",
      metavar: "MIN",
      description: "Batch interval in minutes (default 1.0)."
    },
    subject: { short: "s", kind: "single", metavar: "TEXT", description: subject },
    tickEvent: {
      short: "e",
      kind: "single",
      metavar: "TICK_N",
      description: "TICK event the listener is subscribed to (default TICK_60)."
    },
    smtpHost: {
      short: "H",
      kind: "single",
      metavar: "HOST[:PORT]",
      description: "SMTP server (default localhost:25)."
    },
    smtpPort: { kind: "single", metavar: "PORT", description: "SMTP port (default 25; 465 means implicit TLS)." },
    userName: { short: "u", kind: "single", metavar: "USER", description: "SMTP user name." },
    password: {
      short: "p",
      kind: "single",
      metavar: "PASS",
      description: "SMTP password (better: env SUPERLANCE_SMTP_PASSWORD, which ps does not show)."
    },
    tls: { kind: "flag", description: "Use STARTTLS with the SMTP server." },
    sendmail: {
      kind: "single",
      metavar: "CMD",
      description: "Send through this sendmail-like command instead of SMTP."
    },
    ...spool,
    "queue-limit": {
      kind: "single",
      metavar: "N",
      description: "Keep at most N unsent alerts (default 10000); older ones are dropped and counted."
    },
    ...receivers,
    ...tail,
    ...rateLimit,
    ...host,
    ...logging
  }) as const satisfies OptionTable

export const crashmailbatch = batch("Mail subject (default: Crash alert from supervisord).")
export const fatalmailbatch = batch("Mail subject (default: Fatal start alert from supervisord).")
export const crashsms = batch("Mail subject (default: none).")

export type BatchTable = ReturnType<typeof batch>

/** `superlance test-mail`: the transport options of crashmail, httpok and memmon. */
export const testMail = listenerMail

export const tables = { httpok, crashmail, memmon, crashmailbatch, fatalmailbatch, crashsms } as const

export type PluginName = keyof typeof tables
