/**
 * Where the store reads the time. The core never does: time is an argument there. `SystemClock`
 * reads the machine's clock; `TestClock` is moved by hand, and its copies share one time, so a test
 * can hand a copy to the store and keep one to move.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { DurationInput } from './Duration.js'
import { toMillis as durationMillis } from './Duration.js'
import type { InstantInput } from './Instant.js'
import { toMillis as instantMillis } from './Instant.js'

/** A source of the current time in epoch milliseconds. */
export interface Clock {
  readonly now: () => number
}

/**
 * The machine's clock (`Date.now()`).
 *
 * @example
 * import { SystemClock } from 'tiny-counter'
 * const before = Date.now()
 * assert.ok(SystemClock.now() >= before)
 */
export const SystemClock: Clock = { now: () => Date.now() }

/**
 * A clock that moves only when told to. Copies made with `copy()` share one time.
 *
 * @example
 * import { TestClock } from 'tiny-counter'
 * const clock = TestClock.at(Date.UTC(2026, 0, 1))
 * const shared = clock.copy()
 * clock.advance({ days: 1 })
 * assert.equal(shared.now(), Date.UTC(2026, 0, 2))
 * shared.set(new Date(Date.UTC(2030, 5, 1)))
 * assert.equal(clock.now(), Date.UTC(2030, 5, 1))
 */
export class TestClock implements Clock {
  private constructor(private readonly cell: { ms: number }) {}

  /** A test clock showing `instant` (epoch ms, `Date` or `Temporal.Instant`); throws `InvalidInstant`. */
  static at(instant: InstantInput): TestClock {
    return new TestClock({ ms: orThrow(instantMillis(instant)) })
  }

  /** A test clock showing the machine's current time, from then on moved only by hand. */
  static fromSystem(): TestClock {
    return new TestClock({ ms: Date.now() })
  }

  readonly now = (): number => this.cell.ms

  /** Another handle on the same time. */
  copy(): TestClock {
    return new TestClock(this.cell)
  }

  /** Moves the time forward by a duration; throws `InvalidDuration` for a negative one. */
  advance(duration: DurationInput): this {
    this.cell.ms += orThrow(durationMillis(duration))
    return this
  }

  /** Sets the time, forwards or backwards; throws `InvalidInstant`. */
  set(instant: InstantInput): this {
    this.cell.ms = orThrow(instantMillis(instant))
    return this
  }
}

const orThrow = <A>(result: E.Either<Error, A>): A => {
  if (E.isLeft(result)) throw result.left
  return result.right
}
