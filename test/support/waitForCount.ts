import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"

/**
 * Waits until a fixture has recorded `count` items (requests, messages), woken by the fixture
 * calling each function in `waiters` when it records one; fails after `timeout`.
 */
export const waitForCount = <A>(
  items: ReadonlyArray<A>,
  waiters: Set<() => void>,
  count: number,
  timeout: Duration.DurationInput,
  what: string
): Effect.Effect<ReadonlyArray<A>, Error> =>
  Effect.async<ReadonlyArray<A>, Error>((resume) => {
    const check = () => {
      if (items.length < count) return
      waiters.delete(check)
      clearTimeout(timer)
      resume(Effect.succeed([...items]))
    }
    const timer = setTimeout(() => {
      waiters.delete(check)
      resume(Effect.fail(
        new Error(`expected ${count} ${what} within ${Duration.format(timeout)}, got ${items.length}`)
      ))
    }, Duration.toMillis(timeout))
    waiters.add(check)
    check()
    return Effect.sync(() => {
      waiters.delete(check)
      clearTimeout(timer)
    })
  })
