/**
 * The transports a plugin's options configure, each named: mail, then every `--webhook`, then
 * every `--alertmanager`. The listeners send through them (one queue each) and `test-mail`
 * tries them one by one, so what test-mail checks is exactly what the listeners would use.
 */
import { type HostStamp, stampRoute } from "./hostname.js"
import type { Route } from "./Transport.js"
import * as Alertmanager from "./transports/Alertmanager.js"
import { describeMail, type MailConfig, mailTransport } from "./transports/mail.js"
import * as Webhook from "./transports/Webhook.js"

/** `--webhook URL`, `--alertmanager URL`: where alerts go besides (or instead of) mail. */
export interface Receivers {
  readonly webhooks: ReadonlyArray<string>
  readonly alertmanagers: ReadonlyArray<string>
}

/** `webhook` alone, `webhook1`, `webhook2`… among several: names of queues and spool files. */
const numbered = (kind: string, index: number, count: number) => (count === 1 ? kind : `${kind}${index + 1}`)

/** With `--hostname`, every route names the host in what it sends, and webhooks and Alertmanager use that name. */
export const routes = (
  mail: MailConfig | undefined,
  receivers: Receivers | undefined,
  host?: HostStamp | undefined
): ReadonlyArray<Route> => {
  const webhooks = receivers?.webhooks ?? []
  const alertmanagers = receivers?.alertmanagers ?? []
  const named = host === undefined ? {} : { host: host.name }
  return [
    ...(mail === undefined ? [] : [{ name: "mail", target: describeMail(mail), send: mailTransport(mail) }]),
    ...webhooks.map((url, i) => ({
      name: numbered("webhook", i, webhooks.length),
      target: `webhook ${Webhook.display({ url })}`,
      send: Webhook.make({ url }, named)
    })),
    ...alertmanagers.map((url, i) => ({
      name: numbered("alertmanager", i, alertmanagers.length),
      target: `Alertmanager ${Alertmanager.display({ url })}`,
      send: Alertmanager.make({ url }, named)
    }))
  ].map(stampRoute(host))
}
