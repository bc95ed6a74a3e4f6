/**
 * The effectful shell over the pure core: a map from event names to immutable counters, the clock,
 * and the set of events changed since the last export or persist. Recording replaces an event's
 * counter with a new value; queries read the current value at the clock's time. Anything refused
 * (bad name, count, instant or duration; a counter that does not decode) returns a `Left` and
 * leaves the store exactly as it was.
 */
import * as E from '#fp-ts/Either'
import type * as O from '#fp-ts/Option'
import type { Clock } from '../Clock.js'
import { SystemClock } from '../Clock.js'
import type { Counter } from '../Counter.js'
import { convert, empty, isCount, isEmpty, isInstant, merge, record as recordInto } from '../Counter.js'
import type { DurationInput } from '../Duration.js'
import { toMillis as durationMillis } from '../Duration.js'
import type { InstantInput } from '../Instant.js'
import { toMillis as instantMillis } from '../Instant.js'
import type { Layout } from '../Layout.js'
import { standard } from '../Layout.js'
import type { TimeUnit } from '../TimeUnit.js'
import type { Window } from '../Window.js'
import { decode } from '../codec/CounterCodec.js'
import type { DecodeError, InvalidDuration } from '../errors.js'
import { FutureEvent, InvalidCount, InvalidEventName, InvalidInstant, StorageError } from '../errors.js'
import { difference, hasCounts } from '../internal/delta.js'
import type { Counted, CountPlan } from '../internal/countPlan.js'
import { Entries } from '../internal/entries.js'
import type { Persisted, Persister } from '../internal/persister.js'
import type { CountingState } from '../internal/windowCount.js'
import { COUNT_IN } from '../internal/windowCount.js'
import type { Source } from './EventQuery.js'
import { DeltaQuery, EventQuery, ManyQuery, RatioQuery } from './EventQuery.js'
import { EventStoreBuilder } from './EventStoreBuilder.js'
import type { LimitHost, Slot } from './LimitBuilder.js'
import { LimitBuilder } from './LimitBuilder.js'

/** Why a recording was refused. */
export type RecordRefusal = InvalidEventName | InvalidCount | InvalidInstant | InvalidDuration | FutureEvent

/** Why an import or merge was refused. */
export type ImportRefusal = InvalidEventName | DecodeError

/** Counters by event name, as exported and imported (a plain object, or a `Map`). */
export type Counters = Readonly<Record<string, Counter>>

/** What a store starts with (the builder fills it in after loading from storage). */
export interface StoreOptions {
  readonly counters?: Iterable<readonly [string, Counter]>
  readonly persister?: Persister
  readonly loadErrors?: ReadonlyArray<DecodeError>
  /** Persist every so many milliseconds (an unref'ed timer, stopped by `close`). */
  readonly autoPersistMillis?: number
}

const DONE: E.Either<never, void> = E.right(undefined)

const isEventName = (event: unknown): event is string => typeof event === 'string' && event.length > 0

/**
 * What the query builders read: the store's counters and its clock. A class rather than two arrow
 * functions, so that every store shares the same two methods and the query call sites stay
 * monomorphic (each store's own closures would make them polymorphic, and slower, once a program
 * has more than one store).
 */
class StoreSource implements Source {
  constructor(
    private readonly counters: Entries,
    private readonly clock: Clock
  ) {}
  counterOf(event: string): Counter | undefined {
    return this.counters.get(event)
  }
  now(): number {
    return this.clock.now()
  }
  sumOf(event: string, window: Window): O.Option<number> {
    return this.counters.sum(event, window, this.clock.now())
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
export class EventStore {
  /** Every event's counter (with what makes the hot paths fast: see `internal/entries.ts`). */
  private readonly counters: Entries
  /** Events changed since they were last persisted (kept only when the store has storage). */
  private readonly dirty = new Set<string>()
  /**
   * Events changed since the last `resetDirty`, each with its baseline: its counter before the
   * first change since then, plus everything merged or imported into it from elsewhere. The
   * counter minus its baseline is what this store recorded itself: what `exportDirty` sends.
   */
  private readonly changes = new Map<string, Counter | undefined>()
  private readonly source: Source
  /** Slots held by unsettled reservations, by event, with the instant each expires. */
  private readonly pending = new Map<string, Set<{ readonly expiresAt: number }>>()
  private readonly limitHost: LimitHost
  private readonly persister: Persister | undefined
  private timer: ReturnType<typeof setInterval> | undefined
  /** Stored values that did not decode when the store was opened, one per key (see `docs/`). */
  readonly loadErrors: ReadonlyArray<DecodeError>

  /** Use `EventStore.create()` or `EventStore.builder()`. */
  constructor(
    /** What every counter of this store tracks. */
    readonly layout: Layout,
    /** Where the store reads the time. */
    readonly clock: Clock,
    options: StoreOptions = {}
  ) {
    this.counters = new Entries(options.counters)
    this.persister = options.persister
    this.loadErrors = options.loadErrors ?? []
    if (options.persister !== undefined && options.autoPersistMillis !== undefined) {
      this.timer = setInterval(() => void this.persist(), options.autoPersistMillis)
      if (typeof this.timer === 'object' && 'unref' in this.timer) this.timer.unref()
    }
    this.source = new StoreSource(this.counters, clock)
    this.limitHost = {
      layout,
      now: () => clock.now(),
      state: this.limitState(),
      record: (event, count, at) => this.add(event, count, at),
      recordIfPasses: (plan, counted, event, at) => this.recordIfPasses(plan, counted, event, at),
      passes: (plan, counted, at) => this.counters.passes(plan, counted, at, this.pendingCount),
      hold: (event, expiresAt) => this.hold(event, expiresAt)
    }
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
    return EventStoreBuilder.initial
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
    return this.add(event, count, at.right)
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
    return this.add(event, count, this.clock.now() - ago.right)
  }

  private add(event: string, count: number, at: number): E.Either<RecordRefusal, void> {
    if (!isEventName(event)) return E.left(new InvalidEventName(event))
    if (!isCount(count)) return E.left(new InvalidCount(count))
    if (!isInstant(at)) return E.left(new InvalidInstant(at))
    // A counter only this store can see (made by its own recording, never exported, persisted or
    // kept as a baseline since), whose baseline is already noted: recorded into in place.
    if (this.counters.recordInPlace(event, at, count)) {
      if (this.persister !== undefined) this.dirty.add(event)
      return DONE
    }
    const before = this.counters.get(event)
    const recorded = recordInto(before ?? empty(this.layout), at, count)
    if (E.isLeft(recorded)) return recorded
    this.changed(event, before)
    // A private copy from now on (`before` may be a sync baseline or held outside: it stays as it is).
    if (isEmpty(recorded.right)) {
      this.counters.set(event, recorded.right)
      return DONE
    }
    this.counters.setOwned(event, recorded.right)
    return DONE
  }

  /** `LimitHost.recordIfPasses`: a limit's check and record in one step, for counters the store owns. */
  private recordIfPasses(plan: CountPlan, counted: Counted, event: string, at: number): boolean {
    if (!isEventName(event) || !isInstant(at) || !this.counters.recordIfPasses(plan, counted, event, at, this.pendingCount)) return false
    if (this.persister !== undefined) this.dirty.add(event)
    return true
  }

  private readonly pendingCount = (event: string): number => this.pendingOf(event)

  /** Counters become visible outside the store: from now on they are never changed in place. */
  private disown(): void {
    this.counters.disownAll()
  }

  /** Notes a change to `event`, whose counter was `before`. */
  private changed(event: string, before: Counter | undefined): void {
    if (this.persister !== undefined) this.dirty.add(event)
    if (!this.changes.has(event)) this.changes.set(event, before)
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
   * `reserve`. Every constraint must pass.
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
  limit(): LimitBuilder {
    return new LimitBuilder(this.limitHost)
  }

  /** What limits read: the counters, the pending reservations, and the store's own way to count. */
  private limitState(): CountingState {
    const counters = this.counters
    return {
      counterOf: (event) => counters.get(event),
      pendingOf: this.pendingCount,
      [COUNT_IN]: (event, compiled, position, at, buckets) => counters.windowCount(event, compiled, position, at, buckets)
    }
  }

  /** Unexpired reservation slots held for `event` (expired ones are dropped on the way). */
  private pendingOf(event: string): number {
    if (this.pending.size === 0) return 0 // no reservation anywhere: the common case
    const slots = this.pending.get(event)
    if (slots === undefined) return 0
    const now = this.clock.now()
    for (const slot of slots) if (slot.expiresAt <= now) slots.delete(slot)
    if (slots.size === 0) this.pending.delete(event)
    return slots.size
  }

  private hold(event: string, expiresAt: number): Slot {
    const slot = { expiresAt }
    const slots = this.pending.get(event) ?? new Set()
    slots.add(slot)
    this.pending.set(event, slots)
    return {
      expiresAt,
      release: () => {
        const held = this.pending.get(event)
        const found = held?.delete(slot) ?? false
        if (held !== undefined && held.size === 0) this.pending.delete(event)
        return found && expiresAt > this.clock.now()
      }
    }
  }

  // -----------------------------------------------------------------------------------------------
  // export, import, merge
  // -----------------------------------------------------------------------------------------------

  /**
   * Every counter by event name (plain values: `JSON.stringify` them as they are).
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * const store = EventStore.create()
   * store.record('app_launch')
   * store.recordCount('api_call', 5)
   * const saved = store.exportAll()
   * assert.deepEqual(Object.keys(saved), ['app_launch', 'api_call'])
   * assert.deepEqual(JSON.parse(JSON.stringify(saved)), saved)
   */
  exportAll(): Counters {
    this.disown()
    return Object.fromEntries(this.counters)
  }

  /**
   * What this store recorded itself since the last `resetDirty`, by event, as delta counters:
   * merging them into another store adds exactly those events. Counts that were merged or imported
   * from elsewhere are left out, so exchanging `exportDirty` between devices never counts an event
   * twice. An event created here with a count of 0 is included (with no counts), so that it exists
   * elsewhere too.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const phone = EventStore.create()
   * const laptop = EventStore.create()
   * phone.recordCount('app_launch', 2)
   * laptop.mergeAll(phone.exportDirty())
   * phone.resetDirty()
   * laptop.recordCount('app_launch', 3)
   * phone.mergeAll(laptop.exportDirty()) // only the 3 new launches, not the 2 phone sent
   * assert.deepEqual(phone.query('app_launch').ever().sum(), O.some(5))
   * assert.deepEqual(laptop.query('app_launch').ever().sum(), O.some(5))
   */
  exportDirty(): Counters {
    this.disown()
    const out: Array<readonly [string, Counter]> = []
    for (const [event, baseline] of this.changes) {
      const counter = this.counters.get(event)
      if (counter === undefined) continue
      const delta = difference(counter, baseline)
      if (baseline === undefined || hasCounts(delta)) out.push([event, delta])
    }
    return Object.fromEntries(out)
  }

  /**
   * Replaces the counters of the given events (other events stay). Every counter is validated and
   * converted to this store's layout first; if one is refused, none is imported.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const phone = EventStore.create()
   * phone.recordCount('app_launch', 4)
   * const backup = JSON.parse(JSON.stringify(phone.exportAll()))
   * const restored = EventStore.create()
   * restored.recordCount('app_launch', 100)
   * restored.importAll(backup)
   * assert.deepEqual(restored.query('app_launch').ever().sum(), O.some(4))
   */
  importAll(events: Counters | ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>): E.Either<ImportRefusal, void> {
    return this.bring(events, (_existing, incoming) => incoming)
  }

  /**
   * Replaces one event's counter (validated and converted to this store's layout).
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const phone = EventStore.create()
   * phone.recordCount('app_launch', 4)
   * const laptop = EventStore.create()
   * laptop.recordCount('app_launch', 100)
   * assert.ok(E.isRight(laptop.importEvent('app_launch', phone.exportAll().app_launch!)))
   * assert.deepEqual(laptop.query('app_launch').ever().sum(), O.some(4))
   * const refused = laptop.importEvent('app_launch', JSON.parse('{"heads":[]}'))
   * assert.ok(E.isLeft(refused) && refused.left._tag === 'DecodeError')
   */
  importEvent(event: string, counter: Counter): E.Either<ImportRefusal, void> {
    return this.bring(new Map([[event, counter]]), (_existing, incoming) => incoming)
  }

  /**
   * Adds the given counters to this store's (100 + 50 = 150): commutative and associative.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const server1 = EventStore.create()
   * const server2 = EventStore.create()
   * server1.recordCount('request', 100)
   * server2.recordCount('request', 50)
   * const aggregate = EventStore.create()
   * aggregate.mergeAll(server1.exportAll())
   * aggregate.mergeAll(server2.exportAll())
   * assert.deepEqual(aggregate.query('request').lastHours(1).sum(), O.some(150))
   */
  mergeAll(events: Counters | ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>): E.Either<ImportRefusal, void> {
    return this.bring(events, (existing, incoming) => (existing === undefined ? incoming : merge(existing, incoming)))
  }

  /**
   * Adds one counter to this store's counter of that event.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const phone = EventStore.create()
   * phone.recordCount('app_launch', 4)
   * const laptop = EventStore.create()
   * laptop.recordCount('app_launch', 100)
   * laptop.mergeEvent('app_launch', phone.exportAll().app_launch!)
   * assert.deepEqual(laptop.query('app_launch').ever().sum(), O.some(104))
   */
  mergeEvent(event: string, counter: Counter): E.Either<ImportRefusal, void> {
    return this.mergeAll(new Map([[event, counter]]))
  }

  /**
   * Adds every counter of another store to this one.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const server1 = EventStore.create()
   * const server2 = EventStore.create()
   * server1.recordCount('request', 100)
   * server2.recordCount('request', 50)
   * server2.recordCount('error', 2)
   * server1.merge(server2)
   * assert.deepEqual(server1.query('request').ever().sum(), O.some(150))
   * assert.deepEqual(server1.query('error').ever().sum(), O.some(2))
   * assert.deepEqual(server2.query('request').ever().sum(), O.some(50)) // unchanged
   */
  merge(other: EventStore): E.Either<ImportRefusal, void> {
    return this.mergeAll(other.exportAll())
  }

  private bring(
    events: ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>,
    combine: (existing: Counter | undefined, incoming: Counter) => Counter
  ): E.Either<ImportRefusal, void> {
    const entries: ReadonlyArray<readonly [string, unknown]> = events instanceof Map ? [...events] : Object.entries(events)
    const incoming: Array<readonly [string, Counter]> = []
    for (const [event, value] of entries) {
      if (!isEventName(event)) return E.left(new InvalidEventName(event))
      const decoded = decode(event, value)
      if (E.isLeft(decoded)) return decoded
      incoming.push([event, convert(decoded.right, this.layout)])
    }
    for (const [event, counter] of incoming) {
      const before = this.counters.get(event)
      const after = combine(before, counter)
      this.counters.set(event, after)
      if (this.persister !== undefined) this.dirty.add(event)
      // What came from elsewhere joins the baseline, so it is never sent back.
      const baseline = this.changes.has(event) ? this.changes.get(event) : before
      this.changes.set(event, after === counter || baseline === undefined ? counter : merge(baseline, counter))
    }
    return DONE
  }

  /**
   * Whether something waits: with storage, changes not yet persisted; without, changes not yet
   * exported and reset.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * const store = EventStore.create()
   * assert.equal(store.isDirty(), false)
   * store.record('app_launch')
   * assert.equal(store.isDirty(), true)
   * store.resetDirty()
   * store.recordCount('app_launch', -1) // refused: nothing changes
   * assert.equal(store.isDirty(), false)
   */
  isDirty(): boolean {
    return this.persister === undefined ? this.changes.size > 0 : this.dirty.size > 0
  }

  /**
   * Forgets what `exportDirty` would send (call it once the export was delivered). It never makes a
   * store skip persisting: changes not yet written stay dirty for `persist()` and `close()`.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const store = EventStore.create()
   * store.recordCount('app_launch', 2)
   * store.resetDirty()
   * assert.equal(store.isDirty(), false)
   * assert.deepEqual(store.exportDirty(), {})
   * assert.deepEqual(store.query('app_launch').ever().sum(), O.some(2)) // the counts stay
   */
  resetDirty(): void {
    this.changes.clear()
    this.counters.disownAll() // the next record notes a new baseline first
  }

  // -----------------------------------------------------------------------------------------------
  // persistence
  // -----------------------------------------------------------------------------------------------

  private persistWith(names: (state: Persisted) => Iterable<string>): Promise<E.Either<StorageError, void>> {
    if (this.persister === undefined) return Promise.resolve(E.left(new StorageError(undefined, 'this store has no storage: build it with withStorage(...)')))
    this.disown() // the write compares counters by identity once it is done
    return this.persister.write({ counters: this.counters, dirty: this.dirty }, names)
  }

  /**
   * Writes the dirty events in one batch and clears their flags once the write succeeded; an event
   * changed during the write stays dirty. Two persists never interleave. A failed write returns a
   * `StorageError` and leaves every event dirty.
   *
   * @example
   * import { EventStore, MemoryStorage } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * const storage = new MemoryStorage()
   * const store = await EventStore.builder().withStorage(storage).build()
   * store.record('event1')
   * store.record('event2')
   * assert.ok(E.isRight(await store.persist())) // writes both
   * store.record('event3')
   * await store.persist() // writes only event3
   * assert.deepEqual([...(await storage.listKeys())].sort(), ['event1', 'event2', 'event3'])
   * assert.equal(store.isDirty(), false)
   */
  persist(): Promise<E.Either<StorageError, void>> {
    return this.persistWith((state) => [...state.dirty])
  }

  /**
   * Writes every event, dirty or not.
   *
   * @example
   * import { EventStore, MemoryStorage } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * const storage = new MemoryStorage()
   * const store = await EventStore.builder().withStorage(storage).build()
   * store.record('event')
   * store.resetDirty()
   * assert.ok(E.isRight(await store.persistAll()))
   * assert.deepEqual(await storage.listKeys(), ['event'])
   */
  persistAll(): Promise<E.Either<StorageError, void>> {
    return this.persistWith((state) => Array.from(state.counters, ([name]) => name))
  }

  /**
   * Advances every counter to now, drops those left without any count (from memory and storage),
   * and persists the dirty rest.
   *
   * @example
   * import { EventStore, MemoryStorage, TestClock } from 'tiny-counter'
   * const clock = TestClock.at(Date.UTC(2026, 0, 1))
   * const storage = new MemoryStorage()
   * const store = await EventStore.builder().withClock(clock).timeZone('UTC').withStorage(storage).build()
   * store.record('old')
   * await store.persist()
   * clock.advance({ days: 400 }) // past the 12 months the default layout keeps
   * store.record('new')
   * await store.compact()
   * assert.deepEqual(store.events(), ['new'])
   * assert.deepEqual(await storage.listKeys(), ['new'])
   */
  compact(): Promise<E.Either<StorageError, void>> {
    if (this.persister === undefined) return this.persistWith(() => [])
    this.disown()
    const compacted = this.persister.compact({ counters: this.counters, dirty: this.dirty }, this.clock.now())
    for (const event of this.changes.keys()) if (!this.counters.has(event)) this.changes.delete(event)
    return compacted
  }

  /**
   * Stops auto-persistence, persists the dirty events and closes the storage (JavaScript has no
   * destructors: call it, or use `await using`). Without storage it succeeds at once.
   *
   * @example
   * import { EventStore, MemoryStorage } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * const storage = new MemoryStorage()
   * const store = await EventStore.builder().withStorage(storage).autoPersist({ seconds: 30 }).build()
   * store.record('event')
   * assert.ok(E.isRight(await store.close()))
   * assert.deepEqual(await storage.listKeys(), ['event'])
   */
  async close(): Promise<E.Either<StorageError, void>> {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    if (this.persister === undefined) return DONE
    const persisted = await this.persist()
    if (E.isLeft(persisted)) return persisted
    try {
      await this.persister.storage.close()
    } catch (cause) {
      return E.left(new StorageError(undefined, cause))
    }
    return DONE
  }

  /**
   * `await using store = await EventStore.builder()...build()` closes the store at the end of scope.
   *
   * @example
   * import { EventStore, MemoryStorage } from 'tiny-counter'
   * const storage = new MemoryStorage()
   * {
   *   const store = await EventStore.builder().withStorage(storage).build()
   *   store.record('event')
   *   await store[Symbol.asyncDispose]() // what `await using` does at the end of the block
   * }
   * assert.deepEqual(await storage.listKeys(), ['event'])
   */
  async [Symbol.asyncDispose](): Promise<void> {
    const closed = await this.close()
    if (E.isLeft(closed)) throw closed.left
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
    return [...this.counters.keys()]
  }

  /**
   * An estimate of the bytes the store's counters take on the V8 heap (8-byte numbers, object and
   * array headers, the names, the map and dirty-set entries).
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * const store = EventStore.create()
   * const before = store.memoryUsage()
   * store.record('app_launch')
   * assert.ok(store.memoryUsage() > before)
   */
  memoryUsage(): number {
    let bytes = 200
    for (const [event, counter] of this.counters) {
      bytes += 64 + 2 * event.length + 72 // map entry, name and the store's entry
      bytes += 48 + 3 * (32 + 16) + 8 * (counter.heads.length + counter.newest.length + counter.older.length) // object, heads, newest, older
      for (const older of counter.older) bytes += older.length === 0 ? 0 : 48 + 8 * older.length
    }
    return bytes + 40 * this.dirty.size
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
