/**
 * The query builders of the store: `store.query(e).lastDays(7).sum()` and friends. A builder only
 * names what to read; the clock is read, and the counters looked up, when the answer is asked for.
 * Answers follow the pure `Query` module: `none` when the event is unknown or the unit untracked.
 */
import * as O from '../internal/option.js'
import type { Counter } from '../Counter.js'
import { merge } from '../Counter.js'
import * as Query from '../Query.js'
import type { TimeUnit } from '../TimeUnit.js'
import { isTimeUnit } from '../TimeUnit.js'
import * as Window from '../Window.js'
import { UnknownUnit } from '../errors.js'

/** What a query reads from: the store's counters and its clock. */
export interface Source {
  readonly counterOf: (event: string) => Counter | undefined
  readonly now: () => number
  /** `Query.sum` of one event's counter now (`none` when unknown), which the store may remember. */
  readonly sumOf: (event: string, window: Window.Window) => O.Option<number>
}

/**
 * Chooses a window; shared by the single-event, multi-event, ratio and delta builders.
 *
 * @example
 * import { EventStore, TestClock, WindowChooser } from 'tiny-counter'
 * import * as O from 'fp-ts/lib/Option.js'
 * const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 0, 10, 12))).timeZone('UTC').build()
 * store.recordCount('visits', 4)
 * store.recordCount('purchases', 1)
 * assert.ok(store.queryRatio('purchases', 'visits') instanceof WindowChooser)
 * assert.deepEqual(store.query('visits').lastDays(7).sum(), O.some(4))
 * assert.deepEqual(store.queryRatio('purchases', 'visits').lastDays(7), O.some(0.25))
 * assert.equal(store.queryDelta('visits', 'purchases').lastDays(7).sum(), 3)
 */
export abstract class WindowChooser<R> {
  protected abstract over(window: Window.Window): R
  /**
   * The last `n` seconds (bucket 0 is the current second).
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const clock = TestClock.at(Date.UTC(2026, 0, 10, 12))
   * const store = EventStore.builder().forRateLimiting().withClock(clock).timeZone('UTC').build()
   * store.recordAgo('login_attempt', { seconds: 30 })
   * assert.deepEqual(store.query('login_attempt').lastSeconds(30).sum(), O.some(0))
   * assert.deepEqual(store.query('login_attempt').lastSeconds(31).sum(), O.some(1))
   */
  lastSeconds(n: number): R {
    return this.over(Window.last(n, 'seconds'))
  }
  /**
   * The last `n` minutes (bucket 0 is the current minute).
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 0, 10, 12, 0, 30))).timeZone('UTC').build()
   * store.recordAgo('api_call', { seconds: 45 }) // 11:59:45, in the previous minute
   * assert.deepEqual(store.query('api_call').lastMinutes(1).sum(), O.some(0))
   * assert.deepEqual(store.query('api_call').lastMinutes(2).sum(), O.some(1))
   */
  lastMinutes(n: number): R {
    return this.over(Window.last(n, 'minutes'))
  }
  /**
   * The last `n` hours (bucket 0 is the current hour).
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 0, 10, 12, 10))).timeZone('UTC').build()
   * store.recordAgo('error', { minutes: 20 }) // 11:50
   * store.record('error')
   * assert.deepEqual(store.query('error').lastHours(1).sum(), O.some(1))
   * assert.deepEqual(store.query('error').lastHours(24).sum(), O.some(2))
   */
  lastHours(n: number): R {
    return this.over(Window.last(n, 'hours'))
  }
  /**
   * The last `n` days: today so far and the `n - 1` days before.
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 0, 10, 12))).timeZone('UTC').build()
   * store.recordAt('app_launch', Date.UTC(2026, 0, 4, 9)) // six days ago
   * store.recordAt('app_launch', Date.UTC(2026, 0, 3, 9)) // seven days ago
   * assert.deepEqual(store.query('app_launch').lastDays(7).sum(), O.some(1))
   * assert.deepEqual(store.query('app_launch').lastDays(8).sum(), O.some(2))
   */
  lastDays(n: number): R {
    return this.over(Window.last(n, 'days'))
  }
  /**
   * The last `n` weeks: this week so far (from Monday) and the `n - 1` weeks before.
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const wednesday = Date.UTC(2026, 0, 7, 12)
   * const store = EventStore.builder().forAnalytics().withClock(TestClock.at(wednesday)).timeZone('UTC').build()
   * store.recordAt('review', Date.UTC(2026, 0, 5, 0, 30)) // Monday
   * store.recordAt('review', Date.UTC(2026, 0, 4, 23, 30)) // Sunday: last week
   * assert.deepEqual(store.query('review').lastWeeks(1).sum(), O.some(1))
   * assert.deepEqual(store.query('review').lastWeeks(2).sum(), O.some(2))
   */
  lastWeeks(n: number): R {
    return this.over(Window.last(n, 'weeks'))
  }
  /**
   * The last `n` months: this month so far and the `n - 1` months before.
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 2, 1, 8))).timeZone('UTC').build()
   * store.recordAt('invoice', Date.UTC(2026, 1, 28, 23))
   * store.record('invoice')
   * assert.deepEqual(store.query('invoice').lastMonths(1).sum(), O.some(1)) // March so far
   * assert.deepEqual(store.query('invoice').lastMonths(2).sum(), O.some(2))
   */
  lastMonths(n: number): R {
    return this.over(Window.last(n, 'months'))
  }
  /**
   * The last `n` years: this year so far and the `n - 1` years before.
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const store = EventStore.builder().forAnalytics().withClock(TestClock.at(Date.UTC(2026, 0, 1, 1))).timeZone('UTC').build()
   * store.recordAt('renewal', Date.UTC(2025, 11, 31, 23))
   * assert.deepEqual(store.query('renewal').lastYears(1).sum(), O.some(0)) // 2026 so far
   * assert.deepEqual(store.query('renewal').lastYears(2).sum(), O.some(1))
   */
  lastYears(n: number): R {
    return this.over(Window.last(n, 'years'))
  }
  /**
   * The last `n` buckets of any unit.
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 0, 10, 12))).timeZone('UTC').build()
   * store.recordAgo('sync', { hours: 3 })
   * assert.deepEqual(store.query('sync').last(4, 'hours').sum(), store.query('sync').lastHours(4).sum())
   * assert.deepEqual(store.query('sync').last(4, 'hours').sum(), O.some(1))
   * assert.deepEqual(store.query('sync').last(4, 'weeks').sum(), O.none) // weeks are not tracked
   */
  last(n: number, unit: TimeUnit): R {
    return this.over(Window.last(n, unit))
  }
  /**
   * Every bucket of the unit that reaches furthest back.
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 6, 15, 12))).timeZone('UTC').build()
   * store.recordAt('purchase', Date.UTC(2026, 1, 10)) // five months ago: only months reach it
   * store.record('purchase')
   * assert.deepEqual(store.query('purchase').ever().sum(), O.some(2))
   * assert.deepEqual(store.query('purchase').lastDays(32).sum(), O.some(1))
   */
  ever(): R {
    return this.over(Window.ever)
  }
  /**
   * Day buckets `from <= i < to`: `days(0, 7)` this week of days, `days(7, 14)` the one before.
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 0, 15, 12))).timeZone('UTC').build()
   * store.recordCountAt('workout', 3, Date.UTC(2026, 0, 13)) // 2 days ago
   * store.recordCountAt('workout', 5, Date.UTC(2026, 0, 5)) // 10 days ago
   * assert.deepEqual(store.query('workout').days(0, 7).sum(), O.some(3))
   * assert.deepEqual(store.query('workout').days(7, 14).sum(), O.some(5))
   */
  days(from: number, to: number): R {
    return this.over(Window.days(from, to))
  }
  /**
   * Day buckets from `from` on: `daysFrom(14).take(7)`.
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 0, 20, 12))).timeZone('UTC').build()
   * store.recordAt('workout', Date.UTC(2026, 0, 5)) // 15 days ago
   * store.record('workout')
   * assert.deepEqual(store.query('workout').daysFrom(14).take(7).sum(), O.some(1))
   * assert.deepEqual(store.query('workout').daysFrom(14).take(2).buckets(), O.some([[14, 0], [15, 1]]))
   */
  daysFrom(from: number): { readonly take: (count: number) => R } {
    return { take: (count) => this.over(Window.days(from, from + count)) }
  }
}

/**
 * The aggregations of one window over one counter (or none).
 *
 * @example
 * import { EventStore, RangeQuery, TestClock } from 'tiny-counter'
 * import * as O from 'fp-ts/lib/Option.js'
 * const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 0, 10, 12))).timeZone('UTC').build()
 * store.recordCount('app_launch', 6)
 * const week: RangeQuery = store.query('app_launch').lastDays(7)
 * assert.deepEqual([week.sum(), week.average(), week.countNonzero()], [O.some(6), O.some(6 / 7), O.some(1)])
 * assert.deepEqual(store.query('unknown').lastDays(7).sum(), O.none)
 */
export class RangeQuery {
  constructor(
    private readonly source: Source,
    /** How to find the counter: an event's name, or a function of the source. */
    private readonly read: string | ((source: Source) => Counter | undefined),
    private readonly window: Window.Window
  ) {}
  private counter(): Counter | undefined {
    const read = this.read
    return typeof read === 'string' ? this.source.counterOf(read) : read(this.source)
  }
  /**
   * The number of events in the window.
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 0, 10, 12))).timeZone('UTC').build()
   * store.recordCount('api_call', 5)
   * store.recordAgo('api_call', { days: 1 })
   * assert.deepEqual(store.query('api_call').lastDays(1).sum(), O.some(5))
   * assert.deepEqual(store.query('api_call').lastDays(2).sum(), O.some(6))
   */
  sum(): O.Option<number> {
    // One event's sum goes to the store, which may remember it; this method stays small, so that
    // V8 inlines the whole `store.query(e).lastDays(7).sum()` chain and drops the builder objects.
    const read = this.read
    return typeof read === 'string' ? this.source.sumOf(read, this.window) : this.sumOfRead(read)
  }
  private sumOfRead(read: (source: Source) => Counter | undefined): O.Option<number> {
    const counter = read(this.source)
    return counter === undefined ? O.none : Query.sum(counter, this.window, this.source.now())
  }
  /**
   * Events per bucket, zeros included.
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 0, 28, 12))).timeZone('UTC').build()
   * store.recordCount('app_launch', 14)
   * assert.deepEqual(store.query('app_launch').lastDays(28).average(), O.some(0.5))
   * assert.deepEqual(store.query('app_launch').lastDays(0).average(), O.none) // no bucket
   */
  average(): O.Option<number> {
    const counter = this.counter()
    return counter === undefined ? O.none : Query.average(counter, this.window, this.source.now())
  }
  /**
   * Events per non-zero bucket; `none` when every bucket is zero.
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 0, 28, 12))).timeZone('UTC').build()
   * store.recordCount('app_launch', 4)
   * store.recordCountAgo('app_launch', 2, { days: 2 })
   * assert.deepEqual(store.query('app_launch').lastDays(28).averageNonzero(), O.some(3))
   * assert.deepEqual(store.query('app_launch').days(7, 14).averageNonzero(), O.none)
   */
  averageNonzero(): O.Option<number> {
    const counter = this.counter()
    return counter === undefined ? O.none : Query.averageNonzero(counter, this.window, this.source.now())
  }
  /**
   * The number of buckets with at least one event.
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 0, 28, 12))).timeZone('UTC').build()
   * for (const daysAgo of [0, 1, 5, 5, 9]) store.recordAgo('active', { days: daysAgo })
   * assert.deepEqual(store.query('active').lastDays(28).countNonzero(), O.some(4)) // active on 4 of 28 days
   * assert.deepEqual(store.query('active').lastDays(28).sum(), O.some(5))
   */
  countNonzero(): O.Option<number> {
    const counter = this.counter()
    return counter === undefined ? O.none : Query.countNonzero(counter, this.window, this.source.now())
  }
  /**
   * `[index, count]` for every bucket of the window, index 0 (the current period) first.
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 0, 10, 12))).timeZone('UTC').build()
   * store.recordCountAgo('download', 3, { days: 1 })
   * store.record('download')
   * assert.deepEqual(store.query('download').lastDays(3).buckets(), O.some([[0, 1], [1, 3], [2, 0]]))
   */
  buckets(): O.Option<ReadonlyArray<readonly [number, number]>> {
    const counter = this.counter()
    return counter === undefined ? O.none : Query.buckets(counter, this.window, this.source.now())
  }
}

/**
 * `store.query(event)`: a window of one event, or when it was first and last seen.
 *
 * @example
 * import { EventQuery, EventStore, TestClock } from 'tiny-counter'
 * import * as O from 'fp-ts/lib/Option.js'
 * const clock = TestClock.at(Date.UTC(2026, 0, 10, 12))
 * const store = EventStore.builder().withClock(clock).timeZone('UTC').build()
 * const launches: EventQuery = store.query('app_launch') // nothing is read yet
 * store.record('app_launch')
 * clock.advance({ minutes: 10 })
 * assert.deepEqual(launches.lastDays(1).sum(), O.some(1))
 * assert.deepEqual(launches.lastSeen(), O.some(9 * 60_000 + 30_000))
 */
export class EventQuery extends WindowChooser<RangeQuery> {
  constructor(
    private readonly source: Source,
    private readonly event: string
  ) {
    super()
  }
  protected over(window: Window.Window): RangeQuery {
    return new RangeQuery(this.source, this.event, window)
  }
  /**
   * Milliseconds since the event was last seen (within half a bucket of the finest unit holding it).
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const clock = TestClock.at(Date.UTC(2026, 0, 10, 12))
   * const store = EventStore.builder().withClock(clock).timeZone('UTC').build()
   * store.record('app_launch')
   * clock.advance({ hours: 2, minutes: 10 }) // too old for the minutes: the hour 12:00 holds it
   * assert.deepEqual(store.query('app_launch').lastSeen(), O.some(100 * 60_000)) // since 12:30
   * assert.deepEqual(store.query('never_seen').lastSeen(), O.none)
   */
  lastSeen(): O.Option<number> {
    const counter = this.source.counterOf(this.event)
    return counter === undefined ? O.none : Query.lastSeen(counter, this.source.now())
  }
  /**
   * Milliseconds since the oldest occurrence still held (within half a bucket of the longest unit).
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 6, 15, 12))).timeZone('UTC').build()
   * store.recordAt('signup', Date.UTC(2026, 3, 10))
   * store.record('signup')
   * // Months reach furthest back; April's middle is 16 April, 00:00 UTC: 90.5 days ago.
   * assert.deepEqual(store.query('signup').firstSeen(), O.some(90.5 * 86_400_000))
   */
  firstSeen(): O.Option<number> {
    const counter = this.source.counterOf(this.event)
    return counter === undefined ? O.none : Query.firstSeen(counter, this.source.now())
  }
  /**
   * Like `firstSeen`, in one unit; `none` when that unit is not tracked. Throws `UnknownUnit`.
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 6, 15, 12))).timeZone('UTC').build()
   * store.recordAgo('signup', { days: 3 })
   * assert.deepEqual(store.query('signup').firstSeenIn('days'), O.some(3 * 86_400_000))
   * assert.deepEqual(store.query('signup').firstSeenIn('weeks'), O.none) // not tracked
   * assert.throws(() => store.query('signup').firstSeenIn('fortnights' as never), { name: 'UnknownUnit' })
   */
  firstSeenIn(unit: TimeUnit): O.Option<number> {
    if (!isTimeUnit(unit)) throw new UnknownUnit(unit)
    const counter = this.source.counterOf(this.event)
    return counter === undefined ? O.none : Query.firstSeenIn(counter, unit, this.source.now())
  }
}

/**
 * `store.queryMany(events)`: the events that exist, counted together; `none` when none exists.
 *
 * @example
 * import { EventStore, ManyQuery, TestClock } from 'tiny-counter'
 * import * as O from 'fp-ts/lib/Option.js'
 * const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 0, 10, 12))).timeZone('UTC').build()
 * store.recordCount('app_launch', 2)
 * store.recordCountAgo('app_resume', 3, { days: 1 })
 * const opens: ManyQuery = store.queryMany(['app_launch', 'app_resume'])
 * assert.deepEqual(opens.lastDays(1).sum(), O.some(2))
 * assert.deepEqual(opens.lastDays(2).buckets(), O.some([[0, 2], [1, 3]]))
 */
export class ManyQuery extends WindowChooser<RangeQuery> {
  constructor(
    private readonly source: Source,
    private readonly events: ReadonlyArray<string>
  ) {
    super()
  }
  protected over(window: Window.Window): RangeQuery {
    return new RangeQuery(
      this.source,
      (source) => {
        let total: Counter | undefined
        for (const event of this.events) {
          const counter = source.counterOf(event)
          if (counter !== undefined) total = total === undefined ? counter : merge(total, counter)
        }
        return total
      },
      window
    )
  }
}

/**
 * `store.queryRatio(numerator, denominator)`: `none` when either is unknown or the denominator is 0.
 *
 * @example
 * import { EventStore, RatioQuery, TestClock } from 'tiny-counter'
 * import * as O from 'fp-ts/lib/Option.js'
 * const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 0, 10, 12))).timeZone('UTC').build()
 * store.recordCount('purchases', 1)
 * store.recordCount('visits', 4)
 * const conversion: RatioQuery = store.queryRatio('purchases', 'visits')
 * assert.deepEqual(conversion.lastDays(1), O.some(0.25))
 * assert.deepEqual(conversion.days(1, 8), O.none) // no visits last week
 * assert.deepEqual(store.queryRatio('purchases', 'unknown').lastDays(1), O.none)
 */
export class RatioQuery extends WindowChooser<O.Option<number>> {
  constructor(
    private readonly source: Source,
    private readonly numerator: string,
    private readonly denominator: string
  ) {
    super()
  }
  protected over(window: Window.Window): O.Option<number> {
    const top = this.source.counterOf(this.numerator)
    const bottom = this.source.counterOf(this.denominator)
    if (top === undefined || bottom === undefined) return O.none
    const at = this.source.now()
    const n = Query.sum(top, window, at)
    const d = Query.sum(bottom, window, at)
    return O.isSome(n) && O.isSome(d) && d.value > 0 ? O.some(n.value / d.value) : O.none
  }
}

/**
 * The net change of a window: positive minus negative; a missing side or unit counts 0.
 *
 * @example
 * import { DeltaRange, EventStore, TestClock } from 'tiny-counter'
 * const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 0, 10, 12))).timeZone('UTC').build()
 * store.recordCount('items_added', 10)
 * store.recordCount('items_removed', 4)
 * const today: DeltaRange = store.queryDelta('items_added', 'items_removed').lastDays(1)
 * assert.equal(today.sum(), 6)
 * assert.equal(store.queryDelta('items_added', 'unknown').lastDays(1).sum(), 10)
 * assert.equal(store.queryDelta('items_added', 'items_removed').lastWeeks(1).sum(), 0) // weeks untracked
 */
export class DeltaRange {
  constructor(
    private readonly source: Source,
    private readonly positive: string,
    private readonly negative: string,
    private readonly window: Window.Window
  ) {}
  private sides(query: typeof Query.sum): readonly [number, number] {
    const at = this.source.now()
    const side = (event: string): number => {
      const counter = this.source.counterOf(event)
      if (counter === undefined) return 0
      const answer = query(counter, this.window, at)
      return O.isSome(answer) ? answer.value : 0
    }
    return [side(this.positive), side(this.negative)]
  }
  /**
   * Positive minus negative events in the window; may be negative.
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 0, 10, 12))).timeZone('UTC').build()
   * store.recordCountAgo('followers_gained', 3, { days: 1 })
   * store.recordCount('followers_lost', 5)
   * assert.equal(store.queryDelta('followers_gained', 'followers_lost').lastDays(1).sum(), -5)
   * assert.equal(store.queryDelta('followers_gained', 'followers_lost').lastDays(2).sum(), -2)
   */
  sum(): number {
    const [positive, negative] = this.sides(Query.sum)
    return positive - negative
  }
  /**
   * The net change per bucket of the window (zeros included); 0 for an empty window.
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 0, 10, 12))).timeZone('UTC').build()
   * store.recordCount('deposits', 10)
   * store.recordCountAgo('withdrawals', 2, { days: 2 })
   * assert.equal(store.queryDelta('deposits', 'withdrawals').lastDays(4).average(), 2) // (10 - 2) / 4 days
   * assert.equal(store.queryDelta('deposits', 'withdrawals').lastDays(0).average(), 0)
   */
  average(): number {
    const [positive, negative] = this.sides(Query.average)
    return positive - negative
  }
}

/**
 * `store.queryDelta(positive, negative)`.
 *
 * @example
 * import { DeltaQuery, EventStore, TestClock } from 'tiny-counter'
 * const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 0, 10, 12))).timeZone('UTC').build()
 * store.recordCount('credits', 100)
 * store.recordCountAgo('debits', 30, { days: 3 })
 * const balance: DeltaQuery = store.queryDelta('credits', 'debits')
 * assert.equal(balance.lastDays(1).sum(), 100)
 * assert.equal(balance.ever().sum(), 70)
 */
export class DeltaQuery extends WindowChooser<DeltaRange> {
  constructor(
    private readonly source: Source,
    private readonly positive: string,
    private readonly negative: string
  ) {
    super()
  }
  protected over(window: Window.Window): DeltaRange {
    return new DeltaRange(this.source, this.positive, this.negative, window)
  }
}
