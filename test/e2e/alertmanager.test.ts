/**
 * Alertmanager end to end: a real Prometheus Alertmanager (Debian's `prometheus-alertmanager`,
 * installed by .ci/run) on a loopback port, fed by our transport and by the built CLI.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Alertmanager from "../../src/alerts/transports/Alertmanager.js"
import { alertmanager, binary } from "../support/alertmanager.js"
import { processState } from "../support/envelope.js"
import { driveListener } from "../support/listener.js"
import { freePort } from "../support/supervisord.js"

if (binary === undefined) {
  process.stderr.write(
    "test/e2e/alertmanager.test.ts: SKIPPED, prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager)\n"
  )
}

// crashmail without --tail never calls supervisord: any URL will do.
const listenerEnv = { SUPERVISOR_SERVER_URL: "unix:///nonexistent.sock", SUPERVISOR_PROCESS_NAME: "alerts" }

describe.skipIf(binary === undefined)("Alertmanager (real)", () => {
  it.scopedLive("takes our alerts: one per process, with the labels and annotations routes use", () =>
    Effect.gen(function*() {
      const am = yield* alertmanager()
      yield* Alertmanager.make({ url: am.url }, { host: "box1" })({
        plugin: "crashmailbatch",
        subject: "Crash alert from supervisord",
        body: "… -- Process app:web (pid 1) died unexpectedly\n… -- Process db:db (pid 2) died unexpectedly",
        processes: ["app:web", "db:db"]
      })
      const alerts = yield* am.waitForAlerts(2)
      const byProcess = new Map(alerts.map((alert) => [alert.labels["process"], alert]))
      expect(byProcess.get("web")?.labels).toEqual({
        alertname: "ProcessCrashed",
        plugin: "crashmailbatch",
        host: "box1",
        group: "app",
        process: "web"
      })
      expect(byProcess.get("db")?.labels["group"]).toBe("db")
      expect(byProcess.get("web")?.annotations).toEqual({
        summary: "Crash alert from supervisord",
        description: "… -- Process app:web (pid 1) died unexpectedly\n… -- Process db:db (pid 2) died unexpectedly"
      })
      expect(byProcess.get("web")?.status.state).toBe("active")
    }), 30_000)

  it.scopedLive("crashmail --alertmanager: an alert raised while Alertmanager is down arrives once it is up", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const listener = driveListener(["crashmail", "--alertmanager", `http://127.0.0.1:${port}`], listenerEnv)
      yield* Effect.promise(() => listener.ready)
      const result = yield* Effect.promise(() =>
        listener.send(processState("EXITED", { name: "web", group: "app", expected: 0, pid: 77 }))
      )
      expect(result).toBe("RESULT 2\nOK")
      const am = yield* alertmanager({ port })
      const [alert] = yield* am.waitForAlerts(1, 20_000)
      expect(alert?.labels).toMatchObject({ alertname: "ProcessCrashed", plugin: "crashmail", group: "app", process: "web" })
      expect(alert?.annotations["summary"]).toMatch(/^web crashed at \d{4}-\d\d-\d\d /)
      expect(alert?.annotations["description"]).toBe(
        "Process web in group app exited unexpectedly (pid 77) from state RUNNING"
      )
      expect(listener.stderr()).toContain("crashmail: could not send alert (alertmanager: cannot reach")
      expect(yield* Effect.promise(listener.close)).toBe(0)
    }), 40_000)

  it.scopedLive("fatalmailbatch with only --alertmanager needs no mail options", () =>
    Effect.gen(function*() {
      const am = yield* alertmanager()
      const listener = driveListener(["fatalmailbatch", "--alertmanager", am.url, "--interval", "0.01"], listenerEnv)
      yield* Effect.promise(() => listener.ready)
      yield* Effect.promise(() => listener.send(processState("FATAL", { name: "worker", group: "jobs", from: "BACKOFF" })))
      const [alert] = yield* am.waitForAlerts(1)
      expect(alert?.labels).toMatchObject({ alertname: "ProcessFatal", plugin: "fatalmailbatch", group: "jobs", process: "worker" })
      expect(alert?.annotations["summary"]).toBe("Fatal start alert from supervisord")
      expect(yield* Effect.promise(listener.close)).toBe(0)
    }), 30_000)
})
