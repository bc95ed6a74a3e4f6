/**
 * Where the store reads the time. The core never does: time is an argument there. `SystemClock`
 * reads the machine's clock; `TestClock` is moved by hand, and its copies share one time, so a test
 * can hand a copy to the store and keep one to move.
 */
import type { DurationInput } from './Duration.js'
import { toMillis as durationMillis } from './Duration.js'
import type { InstantInput } from './Instant.js'
import { toMillis as instantMillis } from './Instant.js'
import { orThrow } from './internal/orThrow.js'

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
 * Milliseconds from an arbitrary origin that never go back (`performance.now()`): what timeouts
 * and deadlines measure, never an instant to record at.
 *
 * @internal
 */
export const MonotonicClock: Clock = { now: () => performance.now() }

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

  /**
   * A test clock showing `instant` (epoch ms, `Date` or `Temporal.Instant`); throws `InvalidInstant`.
   *
   * @example
   * import { TestClock } from 'tiny-counter'
   * import { Temporal } from '@js-temporal/polyfill'
   * assert.equal(TestClock.at(new Date(Date.UTC(2026, 0, 1))).now(), Date.UTC(2026, 0, 1))
   * assert.equal(TestClock.at(Temporal.Instant.from('2026-01-01T00:00:00Z')).now(), Date.UTC(2026, 0, 1))
   * assert.throws(() => TestClock.at(Number.NaN), { name: 'InvalidInstant' })
   */
  static at(instant: InstantInput): TestClock {
    return new TestClock({ ms: orThrow(instantMillis(instant)) })
  }

  /**
   * A test clock showing the machine's current time, from then on moved only by hand.
   *
   * @example
   * import { TestClock } from 'tiny-counter'
   * const before = Date.now()
   * const clock = TestClock.fromSystem()
   * const started = clock.now()
   * assert.ok(started >= before && started <= Date.now())
   * await new Promise((resolve) => setTimeout(resolve, 5))
   * assert.equal(clock.now(), started)
   */
  static fromSystem(): TestClock {
    return new TestClock({ ms: Date.now() })
  }

  readonly now = (): number => this.cell.ms

  /**
   * Another handle on the same time.
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * const clock = TestClock.at(Date.UTC(2026, 0, 1))
   * const store = EventStore.builder().withClock(clock.copy()).build()
   * clock.advance({ hours: 2 })
   * assert.equal(store.clock.now(), Date.UTC(2026, 0, 1, 2))
   */
  copy(): TestClock {
    return new TestClock(this.cell)
  }

  /**
   * Moves the time forward by a duration; throws `InvalidDuration` for a negative one.
   *
   * @example
   * import { TestClock } from 'tiny-counter'
   * const clock = TestClock.at(Date.UTC(2026, 0, 1))
   * assert.equal(clock.advance({ days: 1, hours: 6 }).advance(30_000).now(), Date.UTC(2026, 0, 2, 6, 0, 30))
   * assert.throws(() => clock.advance({ hours: -1 }), { name: 'InvalidDuration' })
   * assert.throws(() => clock.advance({ months: 1 }), { name: 'InvalidDuration' }) // no fixed length
   * assert.equal(clock.now(), Date.UTC(2026, 0, 2, 6, 0, 30))
   */
  advance(duration: DurationInput): this {
    this.cell.ms += orThrow(durationMillis(duration))
    return this
  }

  /**
   * Sets the time, forwards or backwards; throws `InvalidInstant`.
   *
   * @example
   * import { TestClock } from 'tiny-counter'
   * const clock = TestClock.at(Date.UTC(2026, 5, 1))
   * assert.equal(clock.set(Date.UTC(2025, 11, 31)).now(), Date.UTC(2025, 11, 31))
   * assert.throws(() => clock.set(new Date('not a date')), { name: 'InvalidInstant' })
   * assert.equal(clock.now(), Date.UTC(2025, 11, 31))
   */
  set(instant: InstantInput): this {
    this.cell.ms = orThrow(instantMillis(instant))
    return this
  }
}

