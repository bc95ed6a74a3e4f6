/**
 * Configures a store: the units it tracks and their bucket counts, the time zone, the alignment and
 * the clock. A builder is an immutable value: every method returns a new builder. Any `track*`
 * call replaces the default layout with exactly the units named (the last call for a unit wins);
 * the presets set a whole layout, which later `track*` calls adjust.
 */
import * as E from '#fp-ts/Either'
import type { Clock } from '../Clock.js'
import { SystemClock } from '../Clock.js'
import type { Alignment, Layout, TrackCounts } from '../Layout.js'
import { defaultCounts, make } from '../Layout.js'
import type { TimeUnit } from '../TimeUnit.js'
import type { DurationInput } from '../Duration.js'
import { toMillis as durationMillis } from '../Duration.js'
import { BincodeFormat } from '../codec/BincodeFormat.js'
import type { Formatter } from '../codec/Formatter.js'
import { JsonFormat } from '../codec/JsonFormat.js'
import type { ReplicatedFormat } from '../codec/ReplicatedFormat.js'
import { ReplicatedBincodeFormat, ReplicatedJsonFormat } from '../codec/ReplicatedFormat.js'
import type { Counter } from '../Counter.js'
import { value as valueOfReplicated } from '../Replicated.js'
import type { LayoutError } from '../errors.js'
import { InvalidReplicaId } from '../errors.js'
import { isReplicaId } from '../Replicated.js'
import type { StoredKindMismatch } from './errors.js'
import { InvalidAutoPersistInterval, InvalidMaxEvents, StorageError } from './errors.js'
import { futureHeadCheck } from './internal/futureHeads.js'
import { orThrow } from '../internal/orThrow.js'
import type { Storage } from './Storage.js'
import type { Reading } from './internal/persister.js'
import { CounterEncoding, load, plainReading } from './internal/persister.js'
import { ReplicatedEncoding, replicatedReading } from './internal/replicas.js'
import type { EventStore, StoreOptions } from './EventStore.js'

/** How a builder makes the store: `EventStore`'s constructor (given by `EventStore.builder()`). */
type Open = (layout: Layout, clock: Clock, options?: StoreOptions) => EventStore

interface Config {
  readonly open: Open
  /** Absent until a `track*` call or a preset: the default layout. */
  readonly counts?: TrackCounts
  readonly timeZone?: string
  readonly alignment: Alignment
  readonly clock: Clock
  readonly storage?: Storage
  readonly format: Formatter
  readonly autoPersist?: DurationInput
  readonly replicaId?: string
  readonly maxEvents?: number
}

/**
 * Why a store could not be built: its layout, its auto-persist interval, its bound on events, its
 * storage (failing, or holding the other kind of counter), or its replica id.
 */
export type BuildError = LayoutError | InvalidAutoPersistInterval | InvalidMaxEvents | StorageError | StoredKindMismatch | InvalidReplicaId

/** The replicated format a store with a replica id writes for a plain `format`: JSON for JSON, Bincode for Bincode. */
const replicatedFormatOf = (format: Formatter): ReplicatedFormat | undefined =>
  format === JsonFormat ? ReplicatedJsonFormat : format === BincodeFormat ? ReplicatedBincodeFormat : undefined

/** Bucket counts of `forRateLimiting()`: 60 seconds, 60 minutes, 24 hours. */
export const rateLimitingCounts: TrackCounts = { seconds: 60, minutes: 60, hours: 24 }

/** Bucket counts of `forAnalytics()`: 24 hours, 56 days, 52 weeks, 12 months, 4 years. */
export const analyticsCounts: TrackCounts = { hours: 24, days: 56, weeks: 52, months: 12, years: 4 }

/**
 * Builds an `EventStore`.
 *
 * @example
 * import { EventStore, TestClock } from 'tiny-counter'
 * const store = EventStore.builder()
 *   .forAnalytics()
 *   .timeZone('Europe/Berlin')
 *   .alignment('calendar')
 *   .withClock(TestClock.at(Date.UTC(2026, 0, 1)))
 *   .build()
 * assert.equal(store.layout.timeZone, 'Europe/Berlin')
 * assert.deepEqual(store.trackedIntervals().map(([unit]) => unit), ['hours', 'days', 'weeks', 'months', 'years'])
 */
export class EventStoreBuilder<Stored extends boolean = false> {
  /**
   * The builder every `EventStore.builder()` starts from: the default layout, the system clock.
   * (The store hands over its constructor, so that this module needs only its type.) @internal
   */
  static initial(open: Open): EventStoreBuilder {
    return new EventStoreBuilder({ open, alignment: 'calendar', clock: SystemClock, format: BincodeFormat })
  }

  private constructor(private readonly config: Config) {}

  private with(change: Partial<Config>): EventStoreBuilder<Stored> {
    return new EventStoreBuilder({ ...this.config, ...change })
  }

  private track(unit: TimeUnit, buckets: number): EventStoreBuilder<Stored> {
    return this.with({ counts: { ...this.config.counts, [unit]: buckets } })
  }

  /**
   * Tracks `n` one-second buckets.
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const clock = TestClock.at(Date.UTC(2026, 0, 10, 12))
   * const store = EventStore.builder().trackSeconds(60).withClock(clock).build()
   * assert.deepEqual(store.trackedIntervals(), [['seconds', 60]])
   * store.record('login_attempt')
   * clock.advance({ seconds: 59 })
   * assert.deepEqual(store.query('login_attempt').lastSeconds(60).sum(), O.some(1))
   * clock.advance({ seconds: 1 })
   * assert.deepEqual(store.query('login_attempt').lastSeconds(60).sum(), O.some(0))
   */
  trackSeconds(n: number): EventStoreBuilder<Stored> {
    return this.track('seconds', n)
  }
  /**
   * Tracks `n` one-minute buckets.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * const store = EventStore.builder().trackMinutes(15).trackMinutes(30).build() // the last call wins
   * assert.deepEqual(store.trackedIntervals(), [['minutes', 30]])
   */
  trackMinutes(n: number): EventStoreBuilder<Stored> {
    return this.track('minutes', n)
  }
  /**
   * Tracks `n` hour buckets.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * const store = EventStore.builder().forRateLimiting().trackHours(48).build()
   * assert.deepEqual(store.trackedIntervals(), [['seconds', 60], ['minutes', 60], ['hours', 48]])
   * assert.throws(() => EventStore.builder().trackHours(1.5).build(), { name: 'InvalidBucketCount' })
   */
  trackHours(n: number): EventStoreBuilder<Stored> {
    return this.track('hours', n)
  }
  /**
   * Tracks `n` day buckets.
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const store = EventStore.builder().trackDays(7).withClock(TestClock.at(Date.UTC(2026, 0, 10, 12))).timeZone('UTC').build()
   * store.recordAgo('workout', { days: 6 })
   * store.recordAgo('workout', { days: 7 }) // older than the 7 day buckets: dropped
   * assert.deepEqual(store.query('workout').ever().sum(), O.some(1))
   */
  trackDays(n: number): EventStoreBuilder<Stored> {
    return this.track('days', n)
  }
  /**
   * Tracks `n` week buckets (Monday to Sunday).
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const sunday = Date.UTC(2026, 0, 11, 20)
   * const store = EventStore.builder().trackWeeks(4).withClock(TestClock.at(sunday)).timeZone('UTC').build()
   * store.recordAt('review', Date.UTC(2026, 0, 5, 9)) // Monday of this week
   * store.recordAt('review', Date.UTC(2026, 0, 4, 9)) // Sunday of last week
   * assert.deepEqual(store.query('review').lastWeeks(2).buckets(), O.some([[0, 1], [1, 1]]))
   */
  trackWeeks(n: number): EventStoreBuilder<Stored> {
    return this.track('weeks', n)
  }
  /**
   * Tracks `n` month buckets.
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const store = EventStore.builder().trackMonths(12).withClock(TestClock.at(Date.UTC(2026, 2, 1, 8))).timeZone('UTC').build()
   * store.recordAt('invoice', Date.UTC(2026, 1, 28, 23)) // the last hour of February
   * assert.deepEqual(store.query('invoice').lastMonths(1).sum(), O.some(0))
   * assert.deepEqual(store.query('invoice').lastMonths(2).sum(), O.some(1))
   */
  trackMonths(n: number): EventStoreBuilder<Stored> {
    return this.track('months', n)
  }
  /**
   * Tracks `n` year buckets.
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const store = EventStore.builder().trackYears(3).withClock(TestClock.at(Date.UTC(2026, 0, 1, 1))).timeZone('UTC').build()
   * store.recordAt('renewal', Date.UTC(2025, 11, 31, 23))
   * assert.deepEqual(store.query('renewal').lastYears(3).buckets(), O.some([[0, 0], [1, 1], [2, 0]]))
   */
  trackYears(n: number): EventStoreBuilder<Stored> {
    return this.track('years', n)
  }

  /**
   * The rate-limiting preset: 60 seconds, 60 minutes, 24 hours.
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const store = EventStore.builder().forRateLimiting().withClock(TestClock.at(Date.UTC(2026, 0, 10, 12))).build()
   * assert.deepEqual(store.trackedIntervals(), [['seconds', 60], ['minutes', 60], ['hours', 24]])
   * store.recordCount('api_call', 10)
   * assert.deepEqual(store.query('api_call').lastSeconds(1).sum(), O.some(10))
   * assert.deepEqual(store.query('api_call').lastDays(1).sum(), O.none) // days are not tracked
   */
  forRateLimiting(): EventStoreBuilder<Stored> {
    return this.with({ counts: rateLimitingCounts })
  }

  /**
   * The analytics preset: 24 hours, 56 days, 52 weeks, 12 months, 4 years.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * const store = EventStore.builder().forAnalytics().trackDays(90).build() // a preset, then adjusted
   * assert.deepEqual(store.trackedIntervals(), [['hours', 24], ['days', 90], ['weeks', 52], ['months', 12], ['years', 4]])
   */
  forAnalytics(): EventStoreBuilder<Stored> {
    return this.with({ counts: analyticsCounts })
  }

  /**
   * The clock the store reads (default: the system clock).
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const clock = TestClock.at(Date.UTC(2026, 0, 10, 23))
   * const store = EventStore.builder().withClock(clock).timeZone('UTC').build()
   * store.record('app_launch')
   * clock.advance({ hours: 2 }) // past midnight
   * assert.deepEqual(store.query('app_launch').lastDays(1).sum(), O.some(0))
   * assert.deepEqual(store.query('app_launch').lastDays(2).sum(), O.some(1))
   */
  withClock(clock: Clock): EventStoreBuilder<Stored> {
    return this.with({ clock })
  }

  /**
   * The IANA time zone of calendar buckets (default: the system's).
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const at = Date.UTC(2026, 5, 1, 23, 30) // 01:30 on 2 June in Berlin
   * const berlin = EventStore.builder().timeZone('Europe/Berlin').withClock(TestClock.at(at)).build()
   * const utc = EventStore.builder().timeZone('UTC').withClock(TestClock.at(at)).build()
   * for (const store of [berlin, utc]) store.recordAt('app_launch', Date.UTC(2026, 5, 1, 21, 30))
   * assert.deepEqual(berlin.query('app_launch').lastDays(1).sum(), O.some(0)) // 23:30 on 1 June: yesterday
   * assert.deepEqual(utc.query('app_launch').lastDays(1).sum(), O.some(1)) // 21:30 on 1 June: today
   */
  timeZone(timeZone: string): EventStoreBuilder<Stored> {
    return this.with({ timeZone })
  }

  /**
   * `calendar` (default) or `uniform` buckets.
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const clock = TestClock.at(Date.UTC(2026, 0, 10, 12))
   * const calendar = EventStore.builder().withClock(clock).timeZone('UTC').build()
   * const uniform = EventStore.builder().alignment('uniform').withClock(clock).timeZone('UTC').build()
   * for (const store of [calendar, uniform]) store.recordAt('signup', Date.UTC(2026, 0, 2))
   * assert.deepEqual(calendar.query('signup').lastMonths(1).sum(), O.some(1)) // January
   * assert.deepEqual(uniform.query('signup').lastMonths(1).sum(), O.some(0)) // the 30 days from 7 January
   */
  alignment(alignment: Alignment): EventStoreBuilder<Stored> {
    return this.with({ alignment })
  }

  /**
   * Stores counters in `storage` (see `MemoryStorage`, `FilePerEvent`, `tiny-counter/sqlite`):
   * `build()` then returns a promise, loads what is stored and converts it to the layout.
   *
   * @example
   * import { EventStore, MemoryStorage } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const storage = new MemoryStorage()
   * const first = await EventStore.builder().withStorage(storage).build()
   * first.recordCount('launch', 3)
   * await first.close()
   * const again = await EventStore.builder().withStorage(storage).build()
   * assert.deepEqual(again.query('launch').ever().sum(), O.some(3))
   */
  withStorage(storage: Storage): EventStoreBuilder<true> {
    return new EventStoreBuilder<true>({ ...this.config, storage })
  }

  /**
   * How counters are written: `BincodeFormat` (compact, the default), `JsonFormat` (readable), or
   * any object implementing `Formatter`.
   *
   * @example
   * import { EventStore, JsonFormat, MemoryStorage } from 'tiny-counter'
   * const storage = new MemoryStorage()
   * const store = await EventStore.builder().withStorage(storage).withFormat(JsonFormat).build()
   * store.record('event')
   * await store.persist()
   * const bytes = await storage.load('event')
   * assert.ok(bytes !== undefined && new TextDecoder().decode(bytes).startsWith('{'))
   */
  withFormat(format: Formatter): EventStoreBuilder<Stored> {
    return this.with({ format })
  }

  /**
   * Persists the dirty events every `interval` (a timer that does not keep the process alive,
   * stopped by `close()`); refused at build for an interval of 0 or less, or without storage.
   *
   * @example
   * import { EventStore, MemoryStorage } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * const refused = await EventStore.builder().withStorage(new MemoryStorage()).autoPersist(0).buildEither()
   * assert.ok(E.isLeft(refused) && refused.left._tag === 'InvalidAutoPersistInterval')
   * const store = await EventStore.builder().withStorage(new MemoryStorage()).autoPersist({ seconds: 30 }).build()
   * await store.close()
   */
  autoPersist(interval: DurationInput): EventStoreBuilder<Stored> {
    return this.with({ autoPersist: interval })
  }

  /**
   * Records under replica id `id` (one id per device, server or tab, never shared) and syncs with
   * `exportReplicated` and `mergeReplicated`, whose merge keeps the maximum per replica and bucket:
   * safe to repeat, in any order, through any topology (docs/SYNC.md). The store's counters hold
   * everything; beside them it keeps what the other replicas recorded. Without a replica id the
   * store is as before. An id that is not a string of 1 to 256 characters without a lone surrogate
   * (`Replicated.isReplicaId`) is refused at build.
   *
   * With storage, each event is stored as a replicated counter (every replica's buckets and
   * versions): `ReplicatedBincodeFormat`, or `ReplicatedJsonFormat` after `withFormat(JsonFormat)`
   * (a custom `Formatter` is refused at build). A persist joins what it writes with what is stored
   * by their maximum, so processes sharing a storage lose nothing, provided each has its own id: a
   * persist that finds its replica written by another store is refused (`ReplicaIdConflict`). A
   * storage of plain counters is refused at build (`StoredKindMismatch`), and the reverse.
   *
   * @example
   * import { EventStore, JsonFormat, MemoryStorage, TestClock } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const clock = TestClock.at(Date.UTC(2026, 0, 1))
   * const phone = EventStore.builder().withClock(clock).replicaId('phone-7f3a').build()
   * phone.record('app_launch')
   * assert.ok(E.isRight(phone.exportReplicated()))
   * assert.throws(() => EventStore.builder().replicaId('').build(), { name: 'InvalidReplicaId' })
   * const storage = new MemoryStorage()
   * const stored = await EventStore.builder().withClock(clock).withStorage(storage).withFormat(JsonFormat).replicaId('laptop').build()
   * stored.recordCount('app_launch', 2)
   * await stored.close()
   * assert.match(new TextDecoder().decode(await storage.load('app_launch')), /^\{"version":1,"checksum":"[0-9a-f]{8}","replicated":/)
   * const reopened = await EventStore.builder().withClock(clock).withStorage(storage).withFormat(JsonFormat).replicaId('laptop').build()
   * assert.deepEqual(reopened.query('app_launch').ever().sum(), O.some(2))
   */
  replicaId(id: string): EventStoreBuilder<Stored> {
    return this.with({ replicaId: id })
  }

  /**
   * Holds at most `max` events: recording a new event into a full store first drops the least
   * recently recorded one (recorded or checked-and-recorded; never one with a pending reservation,
   * nor the new one), which is then unknown, as if never recorded; an import or a merge that
   * brings new events drops as many. For a server that limits per key: what a key held is gone
   * when it is evicted, so a limit may let it through again (size the bound above the keys active
   * within the longest window). Only for a store without storage (refused at build otherwise:
   * `InvalidMaxEvents`); a store with storage bounds memory with `sweep()`, `persist()` and
   * `compact()`.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * const store = EventStore.builder().forRateLimiting().maxEvents(2).build()
   * store.record('ip:1')
   * store.record('ip:2')
   * store.record('ip:1')
   * store.record('ip:3') // evicts ip:2, the least recently recorded
   * assert.deepEqual([...store.events()].sort(), ['ip:1', 'ip:3'])
   */
  maxEvents(max: number): EventStoreBuilder<Stored> {
    return this.with({ maxEvents: max })
  }

  private boundedEvents(): E.Either<BuildError, number | undefined> {
    const { maxEvents, storage } = this.config
    if (maxEvents === undefined) return E.right(undefined)
    if (!Number.isSafeInteger(maxEvents) || maxEvents < 1) return E.left(new InvalidMaxEvents(maxEvents, 'it must be a positive integer'))
    if (storage !== undefined) return E.left(new InvalidMaxEvents(maxEvents, 'a store with storage cannot evict: use sweep() and compact()'))
    return E.right(maxEvents)
  }

  private layout(): E.Either<BuildError, Layout> {
    const { counts, timeZone, alignment } = this.config
    return make(counts ?? defaultCounts, timeZone === undefined ? { alignment } : { alignment, timeZone })
  }

  private autoPersistMillis(): E.Either<BuildError, number | undefined> {
    const { autoPersist, storage } = this.config
    if (autoPersist === undefined) return E.right(undefined)
    if (storage === undefined) return E.left(new InvalidAutoPersistInterval(autoPersist, 'auto-persistence needs a storage: add withStorage(...)'))
    const millis = durationMillis(autoPersist)
    if (E.isLeft(millis) || millis.right <= 0) return E.left(new InvalidAutoPersistInterval(autoPersist, 'the interval must be a positive duration'))
    return E.right(millis.right)
  }

  /**
   * The store, or why it cannot be built (a typed `BuildError`). With storage, a promise that loads
   * what is stored first.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * const refused = EventStore.builder().timeZone('Mars/Base').buildEither()
   * assert.ok(E.isLeft(refused) && refused.left._tag === 'UnknownTimeZone')
   */
  buildEither(): Stored extends true ? Promise<E.Either<BuildError, EventStore>> : E.Either<BuildError, EventStore> {
    const { clock, storage, format, replicaId } = this.config
    const settings = E.flatMap(this.layout(), (layout) =>
      E.flatMap(this.autoPersistMillis(), (autoPersistMillis: number | undefined): E.Either<BuildError, { layout: Layout; autoPersistMillis: number | undefined }> => {
        if (replicaId !== undefined && !isReplicaId(replicaId)) return E.left(new InvalidReplicaId(replicaId))
        if (replicaId !== undefined && storage !== undefined && replicatedFormatOf(format) === undefined) {
          return E.left(new StorageError(undefined, `a store with a replica id stores replicated counters (ReplicatedBincodeFormat, or ReplicatedJsonFormat with withFormat(JsonFormat)); the format ${JSON.stringify(format.name)} writes plain counters`))
        }
        return E.right({ layout, autoPersistMillis })
      })
    )
    if (storage === undefined) {
      return E.flatMap(settings, ({ layout }) =>
        E.map((maxEvents: number | undefined) =>
          this.config.open(layout, clock, { ...(replicaId === undefined ? {} : { replicaId }), ...(maxEvents === undefined ? {} : { maxEvents }) })
        )(this.boundedEvents())
      ) as never
    }
    const bounded = this.boundedEvents()
    if (E.isLeft(bounded)) return Promise.resolve(bounded) as never
    if (E.isLeft(settings)) return Promise.resolve(settings) as never
    const { layout, autoPersistMillis } = settings.right
    const timing = autoPersistMillis === undefined ? {} : { autoPersistMillis }
    /** Loads what `reading` reads, opens the store with `options` of it, and fills its table (each counter `counterOf` a loaded value). */
    const opened = <A>(reading: Reading<A>, counterOf: (value: A) => Counter, options: (loaded: Map<string, A>) => StoreOptions) =>
      load(storage, reading).then(async (loaded) => {
        if (E.isLeft(loaded)) return loaded
        const { counters, errors } = loaded.right
        const store = this.config.open(layout, clock, { loadErrors: errors, ...options(counters), ...timing })
        await store.adoptLoaded(counters, counterOf)
        return E.right(store)
      }) as never
    const replicatedFormat = replicaId === undefined ? undefined : replicatedFormatOf(format)
    if (replicaId === undefined || replicatedFormat === undefined) {
      return opened(plainReading(format, layout, futureHeadCheck(layout, clock.now())), (counter) => counter, (counters) => ({
        persistence: { storage, encoding: () => new CounterEncoding(format, counters) }
      }))
    }
    // Heads ahead of the clock are kept (unlike `mergeReplicated`, which refuses a peer's): every
    // persist joins with the stored copy, so an event left out would come back into storage, and
    // its next write, finding its own replica there unread, would fail (`ReplicaIdConflict`).
    return opened(replicatedReading(replicatedFormat, layout), valueOfReplicated, (counters) => ({
      replicas: counters,
      replicaId,
      persistence: { storage, encoding: (publish) => new ReplicatedEncoding(replicatedFormat, replicaId, publish, counters) }
    }))
  }

  /**
   * The store; throws (or, with storage, rejects with) the typed `BuildError` when it cannot be built.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * assert.throws(() => EventStore.builder().trackDays(0).build(), { name: 'InvalidBucketCount' })
   * assert.throws(() => EventStore.builder().timeZone('Atlantis/Capital').build(), { name: 'UnknownTimeZone' })
   */
  build(): Stored extends true ? Promise<EventStore> : EventStore {
    const built = this.buildEither() as E.Either<BuildError, EventStore> | Promise<E.Either<BuildError, EventStore>>
    return (built instanceof Promise ? built.then(orThrow) : orThrow(built)) as never
  }
}
