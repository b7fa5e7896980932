/** An event as supervisord writes it: the header line (len in code points) and the payload. */
export const envelope = (eventName: string, payload: string, serial = 1): string =>
  `ver:3.0 server:supervisor serial:${serial} pool:listener poolserial:${serial} eventname:${eventName} len:${
    [...payload].length
  }\n${payload}`

export const processState = (
  state: string,
  fields: { name: string; group?: string; from?: string; expected?: 0 | 1; pid?: number; tries?: number }
): string =>
  envelope(
    `PROCESS_STATE_${state}`,
    [
      `processname:${fields.name}`,
      `groupname:${fields.group ?? fields.name}`,
      `from_state:${fields.from ?? "RUNNING"}`,
      ...(fields.expected === undefined ? [] : [`expected:${fields.expected}`]),
      ...(fields.pid === undefined ? [] : [`pid:${fields.pid}`]),
      ...(fields.tries === undefined ? [] : [`tries:${fields.tries}`])
    ].join(" ")
  )

export const tick = (period: 5 | 60 | 3600 = 5, when = 1_700_000_000): string =>
  envelope(`TICK_${period}`, `when:${when}`)
