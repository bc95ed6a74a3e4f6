/**
 * The effectful shell over the pure core: what the store means. `EventStore` names events and
 * validates what comes in (names, counts, instants, durations), reads the clock, records, answers
 * queries and limits, and holds the slots of pending reservations; what it shares with the world
 * (exports, imports and merges with their sync baselines, the dirty set, persistence) is
 * `SyncedStore`'s, which it extends. How the counters are held in memory, and every speed
 * mechanism, is the counter table's (`table/CounterTable.ts`). Anything refused returns a `Left`
 * and leaves the store exactly as it was.
 */
import * as E from '#fp-ts/Either'
import type * as O from '#fp-ts/Option'
import type { Clock } from '../Clock.js'
import { SystemClock } from '../Clock.js'
import type { Counter } from '../Counter.js'
import { isCount, isInstant } from '../Counter.js'
import type { DurationInput } from '../Duration.js'
import { toMillis as durationMillis } from '../Duration.js'
import type { InstantInput } from '../Instant.js'
import { toMillis as instantMillis } from '../Instant.js'
import type { Layout } from '../Layout.js'
import { standard } from '../Layout.js'
import type { Policy } from '../Limit.js'
import * as Limit from '../Limit.js'
import type { TimeUnit } from '../TimeUnit.js'
import type { Window } from '../Window.js'
import { InvalidCount, InvalidInstant } from '../errors.js'
import type { RecordRefusal } from './errors.js'
import { FutureEvent, InvalidEventName, StoreClosed } from './errors.js'
import type { Source } from './EventQuery.js'
import { DeltaQuery, EventQuery, ManyQuery, RatioQuery } from './EventQuery.js'
import { EventStoreBuilder } from './EventStoreBuilder.js'
import type { LimitHost } from './LimitBuilder.js'
import { KEY, LimitBuilder } from './LimitBuilder.js'
import { Reservations } from './internal/Reservations.js'
import type { StoreOptions } from './SyncedStore.js'
import { SyncedStore } from './SyncedStore.js'
import type { CounterTable } from './table/CounterTable.js'
import { WAS_OPEN } from './table/CounterTable.js'
import { isEventName } from './internal/eventNames.js'
// The declarations of Symbol.dispose and Symbol.asyncDispose travel with this module's (no code).
export type {} from './disposable.js'

export type { ImportRefusal, RecordRefusal } from './errors.js'
export type { Counters, ReplicatedCounters, StoreOptions, VersionVectors } from './SyncedStore.js'

const DONE: E.Either<never, void> = E.right(undefined)

/** What `EventStore.builder()` returns (made on first use: the class is defined below). */
let initial: EventStoreBuilder | undefined
const initialBuilder = (): EventStoreBuilder => (initial ??= EventStoreBuilder.initial((layout, clock, options) => new EventStore(layout, clock, options)))

/**
 * What the query builders read: the store's counters and its clock. A class rather than two arrow
 * functions, so that every store shares the same two methods and the query call sites stay
 * monomorphic (each store's own closures would make them polymorphic, and slower, once a program
 * has more than one store).
 */
class StoreSource implements Source {
  constructor(
    private readonly table: CounterTable,
    private readonly clock: Clock
  ) {}
  counterOf(event: string): Counter | undefined {
    return this.table.get(event)
  }
  now(): number {
    return this.clock.now()
  }
  sumOf(event: string, window: Window): O.Option<number> {
    return this.table.sum(event, window, this.clock.now())
  }
}

/**
 * An in-memory store of event counters.
 *
 * @example
 * import { EventStore, TestClock } from 'tiny-counter'
 * import * as O from 'fp-ts/lib/Option.js'
 * const clock = TestClock.at(Date.UTC(2026, 0, 1, 12))
 * const store = EventStore.builder().withClock(clock).timeZone('UTC').build()
 * store.record('app_launch')
 * store.recordCount('api_call', 5)
 * clock.advance({ days: 1 })
 * assert.deepEqual(store.query('app_launch').lastDays(1).sum(), O.some(0))
 * assert.deepEqual(store.query('app_launch').lastDays(2).sum(), O.some(1))
 * assert.deepEqual(store.query('never_seen').lastDays(7).sum(), O.none)
 */
export class EventStore extends SyncedStore {
  private readonly source: Source
  /** What limits read and do on this store. */
  private readonly limits: LimitHost
  /** `store.limit()`: a builder holds no state of its own, so one serves every call. */
  private readonly noLimit: LimitBuilder

  /** Use `EventStore.create()` or `EventStore.builder()`. */
  constructor(layout: Layout, clock: Clock, options: StoreOptions = {}) {
    super(layout, clock, options)
    const table = this.table
    this.source = new StoreSource(table, clock)
    const reservations = new Reservations(clock)
    const { pendingOf, liveOf } = reservations
    this.held = (event) => pendingOf(event) > 0
    const state: Limit.LimitState = { counterOf: (event) => table.get(event), pendingOf, countIn: (event, unit, buckets, at) => table.countIn(event, unit, buckets, at) }
    this.limits = {
      layout,
      now: () => clock.now(),
      state,
      readState: { ...state, pendingOf: liveOf },
      record: (event, count, at) => this.add(event, count, at),
      planOf: (policy) => table.planOf(policy),
      // A clock reading that is no instant takes the general path, which refuses it (`InvalidInstant`).
      check: (plan, counted, key, at) => isInstant(at) && table.check(plan, counted, key, at, pendingOf),
      checkAndRecord: (plan, counted, key, at) => {
        // Only a key the table holds is recorded here, and its name was accepted when it came in.
        if (this.closed || !isInstant(at) || !table.checkAndRecord(plan, counted, key, at, pendingOf)) return false
        this.noteChange(key, WAS_OPEN)
        return true
      },
      hold: (event, expiresAt) => reservations.hold(event, expiresAt)
    }
    this.noLimit = new LimitBuilder(this.limits, Limit.policy(), KEY)
  }

  /**
   * A store with the default layout (60 minutes, 24 hours, 32 days, 12 months) in the system's
   * time zone, on the system clock.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * const store = EventStore.create()
   * assert.deepEqual(store.trackedIntervals(), [['minutes', 60], ['hours', 24], ['days', 32], ['months', 12]])
   */
  static create(): EventStore {
    return new EventStore(standard(), SystemClock)
  }

  /**
   * A builder to choose the units, time zone, alignment and clock.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * const store = EventStore.builder().trackSeconds(120).trackMinutes(120).trackHours(48).trackDays(90).build()
   * assert.deepEqual(store.trackedIntervals(), [['seconds', 120], ['minutes', 120], ['hours', 48], ['days', 90]])
   */
  static builder(): EventStoreBuilder {
    return initialBuilder()
  }

  // -----------------------------------------------------------------------------------------------
  // recording
  // -----------------------------------------------------------------------------------------------

  /**
   * Records one event now.
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 0, 10, 12))).timeZone('UTC').build()
   * assert.ok(E.isRight(store.record('app_launch')))
   * store.record('app_launch')
   * assert.deepEqual(store.query('app_launch').lastMinutes(1).sum(), O.some(2))
   * assert.ok(E.isLeft(store.record(''))) // InvalidEventName
   */
  record(event: string): E.Either<RecordRefusal, void> {
    return this.add(event, 1, this.clock.now())
  }

  /**
   * Records `count` events now (`0` creates the event with empty buckets).
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 0, 10, 12))).timeZone('UTC').build()
   * store.recordCount('api_call', 5)
   * store.recordCount('crash', 0)
   * assert.deepEqual(store.query('api_call').lastHours(1).sum(), O.some(5))
   * assert.deepEqual(store.query('crash').lastDays(7).sum(), O.some(0)) // known, never happened
   * assert.ok(E.isLeft(store.recordCount('api_call', -1))) // InvalidCount
   */
  recordCount(event: string, count: number): E.Either<RecordRefusal, void> {
    return this.add(event, count, this.clock.now())
  }

  /**
   * Records one event at a past instant; an instant later than now is refused (`FutureEvent`).
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const clock = TestClock.at(Date.UTC(2026, 0, 10, 12))
   * const store = EventStore.builder().withClock(clock).timeZone('UTC').build()
   * assert.ok(E.isRight(store.recordAt('sync', new Date(Date.UTC(2026, 0, 8, 9)))))
   * assert.deepEqual(store.query('sync').days(2, 3).sum(), O.some(1))
   */
  recordAt(event: string, instant: InstantInput): E.Either<RecordRefusal, void> {
    return this.recordCountAt(event, 1, instant)
  }

  /**
   * Records `count` events at a past instant.
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 0, 10, 12))).timeZone('UTC').build()
   * store.recordCountAt('download', 3, Date.UTC(2026, 0, 9, 8))
   * assert.deepEqual(store.query('download').lastDays(2).buckets(), O.some([[0, 0], [1, 3]]))
   * const refused = store.recordCountAt('download', 1, Date.UTC(2026, 0, 11))
   * assert.ok(E.isLeft(refused) && refused.left._tag === 'FutureEvent')
   */
  recordCountAt(event: string, count: number, instant: InstantInput): E.Either<RecordRefusal, void> {
    const at = instantMillis(instant)
    if (E.isLeft(at)) return at
    const now = this.clock.now()
    if (at.right > now) return E.left(new FutureEvent(at.right, now))
    return this.add(event, count, at.right, false)
  }

  /**
   * Records one event a duration ago (`{ hours: 3 }`, milliseconds or a `Temporal.Duration`).
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 0, 10, 12))).timeZone('UTC').build()
   * store.recordAgo('sync', { hours: 3 })
   * assert.deepEqual(store.query('sync').lastHours(3).sum(), O.some(0))
   * assert.deepEqual(store.query('sync').lastHours(4).sum(), O.some(1))
   */
  recordAgo(event: string, duration: DurationInput): E.Either<RecordRefusal, void> {
    return this.recordCountAgo(event, 1, duration)
  }

  /**
   * Records `count` events a duration ago; a negative duration is refused (`InvalidDuration`).
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 0, 10, 12))).timeZone('UTC').build()
   * store.recordCountAgo('backup', 4, { days: 2 })
   * assert.deepEqual(store.query('backup').days(2, 3).sum(), O.some(4))
   * const refused = store.recordCountAgo('backup', 1, -60_000)
   * assert.ok(E.isLeft(refused) && refused.left._tag === 'InvalidDuration')
   */
  recordCountAgo(event: string, count: number, duration: DurationInput): E.Either<RecordRefusal, void> {
    const ago = durationMillis(duration)
    if (E.isLeft(ago)) return ago
    return this.add(event, count, this.clock.now() - ago.right, false)
  }

  /** `now`: `at` is the clock's reading (see `CounterTable.record` on clocks that step back). */
  private add(event: string, count: number, at: number, now = true): E.Either<RecordRefusal, void> {
    if (this.closed) return E.left(new StoreClosed(event))
    const refused = this.table.has(event) ? undefined : this.refusedName(event)
    if (refused !== undefined) return E.left(refused)
    if (!isCount(count)) return E.left(new InvalidCount(count))
    if (!isInstant(at)) return E.left(new InvalidInstant(at))
    this.noteChange(event, this.table.record(event, at, count, now))
    return DONE
  }

  // -----------------------------------------------------------------------------------------------
  // queries
  // -----------------------------------------------------------------------------------------------

  /**
   * Queries one event: `store.query('launch').lastDays(7).sum()`. Throws `InvalidEventName`.
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 0, 10, 12))).timeZone('UTC').build()
   * store.recordCount('launch', 3)
   * assert.deepEqual(store.query('launch').lastDays(7).sum(), O.some(3))
   * assert.deepEqual(store.query('launch').lastWeeks(1).sum(), O.none) // weeks are not tracked
   * assert.throws(() => store.query(''), { name: 'InvalidEventName' })
   */
  query(event: string): EventQuery {
    if (!isEventName(event)) throw new InvalidEventName(event)
    return new EventQuery(this.source, event)
  }

  /**
   * Queries several events counted together (those that exist, each once); `none` when none exists.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const store = EventStore.create()
   * store.recordCount('app_launch', 2)
   * store.recordCount('app_resume', 3)
   * assert.deepEqual(store.queryMany(['app_launch', 'app_resume', 'unknown']).lastDays(7).sum(), O.some(5))
   * assert.deepEqual(store.queryMany(['unknown']).lastDays(7).sum(), O.none)
   */
  queryMany(events: ReadonlyArray<string>): ManyQuery {
    for (const event of events) if (!isEventName(event)) throw new InvalidEventName(event)
    return new ManyQuery(this.source, [...new Set(events)]) // a name given twice counts once
  }

  /**
   * The ratio of two events' sums over a window: `none` when either event is unknown or the
   * denominator's sum is 0.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const store = EventStore.create()
   * store.recordCount('purchases', 3)
   * store.recordCount('visits', 12)
   * assert.deepEqual(store.queryRatio('purchases', 'visits').lastDays(7), O.some(0.25))
   */
  queryRatio(numerator: string, denominator: string): RatioQuery {
    if (!isEventName(numerator)) throw new InvalidEventName(numerator)
    if (!isEventName(denominator)) throw new InvalidEventName(denominator)
    return new RatioQuery(this.source, numerator, denominator)
  }

  /**
   * The net change `positive - negative` over a window, as a plain number (may be negative; a
   * missing side counts 0).
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * const store = EventStore.create()
   * store.recordCount('items_added', 10)
   * store.recordCount('items_removed', 4)
   * assert.equal(store.queryDelta('items_added', 'items_removed').ever().sum(), 6)
   * assert.equal(store.queryDelta('items_removed', 'items_added').ever().sum(), -6)
   */
  queryDelta(positive: string, negative: string): DeltaQuery {
    if (!isEventName(positive)) throw new InvalidEventName(positive)
    if (!isEventName(negative)) throw new InvalidEventName(negative)
    return new DeltaQuery(this.source, positive, negative)
  }

  /**
   * Records the absolute delta over `ever` on the smaller side, now, so that the delta becomes 0.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * const store = EventStore.create()
   * store.recordCount('credits', 100)
   * store.recordCount('debits', 30)
   * store.balanceDelta('credits', 'debits')
   * assert.equal(store.queryDelta('credits', 'debits').ever().sum(), 0)
   * assert.deepEqual(store.query('debits').ever().sum(), store.query('credits').ever().sum())
   */
  balanceDelta(positive: string, negative: string): E.Either<RecordRefusal, void> {
    if (!isEventName(positive)) return E.left(new InvalidEventName(positive))
    if (!isEventName(negative)) return E.left(new InvalidEventName(negative))
    const delta = this.queryDelta(positive, negative).ever().sum()
    if (delta === 0) return DONE
    return delta > 0 ? this.recordCount(negative, delta) : this.recordCount(positive, -delta)
  }

  // -----------------------------------------------------------------------------------------------
  // rate limiting
  // -----------------------------------------------------------------------------------------------

  /**
   * Starts a limit: chain constraints, then `check`, `checkAndRecord`, `allowed`, `usage` or
   * `reserve`. Every constraint must pass. Given a policy (`Limit.policy()`), the limit starts with
   * its rules, which count whichever key is checked: define it once, apply it to every key.
   *
   * @example
   * import { EventStore, Limit, Schedule, TestClock } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const clock = TestClock.at(Date.UTC(2026, 0, 5, 10, 0, 45)) // a Monday
   * const store = EventStore.builder().withClock(clock).timeZone('UTC').build()
   * const perUser = Limit.policy().atMost(2, 'minutes').atMost(100, 'hours')
   * for (const userId of [1, 1, 2]) assert.ok(E.isRight(store.limit(perUser).checkAndRecord('api:' + userId)))
   * const refused = store.limit(perUser).checkAndRecord('api:1')
   * assert.ok(E.isLeft(refused) && refused.left._tag === 'LimitExceeded')
   * assert.deepEqual(refused.left.retryAfter, O.some(15_000))
   *
   * @example
   * import { EventStore, Schedule, TestClock } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const clock = TestClock.at(Date.UTC(2026, 0, 5, 10, 0, 45)) // a Monday
   * const store = EventStore.builder().withClock(clock).timeZone('UTC').build()
   * const limit = store.limit().atMost('api_call', 2, 'minutes').during(Schedule.weekdays())
   * limit.checkAndRecord('api_call')
   * limit.checkAndRecord('api_call')
   * const refused = limit.checkAndRecord('api_call')
   * assert.ok(E.isLeft(refused) && refused.left._tag === 'LimitExceeded')
   * assert.deepEqual(refused.left.retryAfter, O.some(15_000))
   */
  limit(policy?: Policy): LimitBuilder {
    return policy === undefined ? this.noLimit : new LimitBuilder(this.limits, policy, KEY)
  }

  // -----------------------------------------------------------------------------------------------
  // inspecting
  // -----------------------------------------------------------------------------------------------

  /**
   * The names of the events the store holds.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * const store = EventStore.create()
   * store.record('app_launch')
   * store.recordCount('crash', 0)
   * store.record('') // refused: not an event name
   * assert.deepEqual(store.events(), ['app_launch', 'crash'])
   */
  events(): ReadonlyArray<string> {
    return [...this.table.names()]
  }

  /**
   * An estimate of the bytes the store's counters take on the V8 heap: a model of V8's layout (the
   * names, the map and set entries, each counter's objects and arrays as the store holds them),
   * within 15% of the measured heap in `npm run bench`.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * const store = EventStore.create()
   * const before = store.memoryUsage()
   * store.record('app_launch')
   * assert.ok(store.memoryUsage() > before)
   */
  memoryUsage(): number {
    return this.heldBytes()
  }

  /**
   * The tracked units with their bucket counts, finest first.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * const store = EventStore.builder().forRateLimiting().build()
   * for (const [unit, buckets] of store.trackedIntervals()) console.log(`${unit}: ${buckets} buckets`)
   * assert.deepEqual(store.trackedIntervals(), [['seconds', 60], ['minutes', 60], ['hours', 24]])
   */
  trackedIntervals(): ReadonlyArray<readonly [TimeUnit, number]> {
    return this.layout.tracks.map((track) => [track.unit, track.buckets] as const)
  }
}
