/**
 * The query builders of the Redis store: the window choosers of `EventStore.query` (the same
 * classes' methods, so the same windows), and answers computed by the pure `Query` functions on the
 * counters read from Redis at Redis's instant: the answers of an `EventStore` holding those counts,
 * as promises of `Either<StorageError, ...>`.
 */
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import type { Counter } from '../Counter.js'
import { merge } from '../Counter.js'
import type { Layout } from '../Layout.js'
import * as Query from '../Query.js'
import type { TimeUnit } from '../TimeUnit.js'
import { isTimeUnit } from '../TimeUnit.js'
import type * as Window from '../Window.js'
import { UnknownUnit } from '../errors.js'
import type { StorageError } from '../store/errors.js'
import type { EventStore } from '../store/EventStore.js'
import { WindowChooser } from '../store/EventQuery.js'

/** Counters read in one script call, at Redis's instant `at` (an unknown event has no counter). */
export interface Snapshot {
  readonly at: number
  readonly counters: ReadonlyMap<string, Counter>
  readonly pending: ReadonlyMap<string, number>
}

/** What the query builders need from their store. */
export interface QueryHost {
  readonly layout: Layout
  readonly read: (events: ReadonlyArray<string>) => Promise<E.Either<StorageError, Snapshot>>
  /** The fallback store, after telling its listener about `error`; `undefined` when there is none. */
  readonly fellBack: (error: StorageError) => EventStore | undefined
}

type Answer<A> = Promise<E.Either<StorageError, A>>

/** The same window of an `EventStore` query builder (for the fallback store). */
const chooseIn = <R>(chooser: WindowChooser<R>, window: Window.Window): R =>
  window._tag === 'Ever' ? chooser.ever() : window.from === 0 ? chooser.last(window.to, window.unit) : chooser.days(window.from, window.to)

/** Reads `events` and answers with `f`, or with `local` on the fallback store when Redis fails. */
const answer = async <A>(
  host: QueryHost,
  events: ReadonlyArray<string>,
  f: (snapshot: Snapshot) => A,
  local: (store: EventStore) => A
): Answer<A> => {
  const read = await host.read(events)
  if (E.isRight(read)) return E.right(f(read.right))
  const store = host.fellBack(read.left)
  return store === undefined ? read : E.right(local(store))
}

type Aggregate = 'sum' | 'average' | 'averageNonzero' | 'countNonzero'

/**
 * The aggregations of one window over one counter (or the sum of several events' counters).
 *
 * @example
 * import { Redis } from 'ioredis'
 * import { RedisStore } from 'tiny-counter/redis'
 * import { TestClock } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
 * const clock = TestClock.at(Date.UTC(2026, 0, 10, 12))
 * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC', clock })
 * await store.recordCount('app_launch', 6)
 * const week = store.query('app_launch').lastDays(7)
 * assert.deepEqual([await week.sum(), await week.average(), await week.countNonzero()], [E.right(O.some(6)), E.right(O.some(6 / 7)), E.right(O.some(1))])
 * client.disconnect()
 */
export class RedisRangeQuery {
  /** @internal Made by the store. */
  constructor(
    private readonly host: QueryHost,
    private readonly events: ReadonlyArray<string>,
    private readonly window: Window.Window
  ) {}

  private counterIn(snapshot: Snapshot): Counter | undefined {
    let total: Counter | undefined
    for (const event of this.events) {
      const counter = snapshot.counters.get(event)
      if (counter !== undefined) total = total === undefined ? counter : merge(total, counter)
    }
    return total
  }

  private aggregate(name: Aggregate): Answer<O.Option<number>> {
    return answer(
      this.host,
      this.events,
      (snapshot) => {
        const counter = this.counterIn(snapshot)
        return counter === undefined ? O.none : Query[name](counter, this.window, snapshot.at)
      },
      (store) => (this.events.length === 1 ? chooseIn(store.query(this.events[0]!), this.window) : chooseIn(store.queryMany(this.events), this.window))[name]()
    )
  }

  /**
   * The number of events in the window.
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
   * await store.recordCount('api_call', 5)
   * assert.deepEqual(await store.query('api_call').lastDays(1).sum(), E.right(O.some(5)))
   * client.disconnect()
   */
  sum(): Answer<O.Option<number>> {
    return this.aggregate('sum')
  }

  /**
   * Events per bucket, zeros included.
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import { TestClock } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC', clock: TestClock.at(Date.UTC(2026, 0, 28, 12)) })
   * await store.recordCount('app_launch', 14)
   * assert.deepEqual(await store.query('app_launch').lastDays(28).average(), E.right(O.some(0.5)))
   * client.disconnect()
   */
  average(): Answer<O.Option<number>> {
    return this.aggregate('average')
  }

  /**
   * Events per non-zero bucket; `none` when every bucket is zero.
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import { TestClock } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC', clock: TestClock.at(Date.UTC(2026, 0, 28, 12)) })
   * await store.recordCount('app_launch', 4)
   * await store.recordCountAgo('app_launch', 2, { days: 2 })
   * assert.deepEqual(await store.query('app_launch').lastDays(28).averageNonzero(), E.right(O.some(3)))
   * client.disconnect()
   */
  averageNonzero(): Answer<O.Option<number>> {
    return this.aggregate('averageNonzero')
  }

  /**
   * The number of buckets with at least one event.
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
   * for (const daysAgo of [0, 1, 5, 5, 9]) await store.recordAgo('active', { days: daysAgo })
   * assert.deepEqual(await store.query('active').lastDays(28).countNonzero(), E.right(O.some(4)))
   * client.disconnect()
   */
  countNonzero(): Answer<O.Option<number>> {
    return this.aggregate('countNonzero')
  }

  /**
   * `[index, count]` for every bucket of the window, index 0 (the current period) first.
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import { TestClock } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC', clock: TestClock.at(Date.UTC(2026, 0, 10, 12)) })
   * await store.recordCountAgo('download', 3, { days: 1 })
   * await store.record('download')
   * assert.deepEqual(await store.query('download').lastDays(3).buckets(), E.right(O.some([[0, 1], [1, 3], [2, 0]])))
   * client.disconnect()
   */
  buckets(): Answer<O.Option<ReadonlyArray<readonly [number, number]>>> {
    return answer(
      this.host,
      this.events,
      (snapshot) => {
        const counter = this.counterIn(snapshot)
        return counter === undefined ? O.none : Query.buckets(counter, this.window, snapshot.at)
      },
      (store) => (this.events.length === 1 ? chooseIn(store.query(this.events[0]!), this.window) : chooseIn(store.queryMany(this.events), this.window)).buckets()
    )
  }
}

/**
 * `store.query(event)`: a window of one event, or when it was first and last seen.
 *
 * @example
 * import { Redis } from 'ioredis'
 * import { RedisStore } from 'tiny-counter/redis'
 * import { TestClock } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
 * const clock = TestClock.at(Date.UTC(2026, 0, 10, 12))
 * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC', clock })
 * await store.record('app_launch')
 * clock.advance({ minutes: 10 })
 * assert.deepEqual(await store.query('app_launch').lastSeen(), E.right(O.some(9 * 60_000 + 30_000)))
 * client.disconnect()
 */
export class RedisEventQuery extends WindowChooser<RedisRangeQuery> {
  /** @internal Made by the store. */
  constructor(
    private readonly host: QueryHost,
    private readonly event: string
  ) {
    super()
  }
  protected over(window: Window.Window): RedisRangeQuery {
    return new RedisRangeQuery(this.host, [this.event], window)
  }
  private seen(f: (counter: Counter, at: number) => O.Option<number>, local: (store: EventStore) => O.Option<number>): Answer<O.Option<number>> {
    return answer(
      this.host,
      [this.event],
      (snapshot) => {
        const counter = snapshot.counters.get(this.event)
        return counter === undefined ? O.none : f(counter, snapshot.at)
      },
      local
    )
  }
  /**
   * Milliseconds since the event was last seen (within half a bucket of the finest unit holding it).
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import { TestClock } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const clock = TestClock.at(Date.UTC(2026, 0, 10, 12))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC', clock })
   * await store.record('app_launch')
   * clock.advance({ hours: 2, minutes: 10 })
   * assert.deepEqual(await store.query('app_launch').lastSeen(), E.right(O.some(100 * 60_000)))
   * assert.deepEqual(await store.query('never_seen').lastSeen(), E.right(O.none))
   * client.disconnect()
   */
  lastSeen(): Answer<O.Option<number>> {
    return this.seen(Query.lastSeen, (store) => store.query(this.event).lastSeen())
  }
  /**
   * Milliseconds since the oldest occurrence still held (within half a bucket of the longest unit).
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import { TestClock } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC', clock: TestClock.at(Date.UTC(2026, 6, 15, 12)) })
   * await store.recordAt('signup', Date.UTC(2026, 3, 10))
   * assert.deepEqual(await store.query('signup').firstSeen(), E.right(O.some(90.5 * 86_400_000)))
   * client.disconnect()
   */
  firstSeen(): Answer<O.Option<number>> {
    return this.seen(Query.firstSeen, (store) => store.query(this.event).firstSeen())
  }
  /**
   * Like `firstSeen`, in one unit; `none` when that unit is not tracked. Throws `UnknownUnit`.
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
   * await store.recordAgo('signup', { days: 3 })
   * assert.deepEqual(await store.query('signup').firstSeenIn('weeks'), E.right(O.none))
   * client.disconnect()
   */
  firstSeenIn(unit: TimeUnit): Answer<O.Option<number>> {
    if (!isTimeUnit(unit)) throw new UnknownUnit(unit)
    return this.seen(
      (counter, at) => Query.firstSeenIn(counter, unit, at),
      (store) => store.query(this.event).firstSeenIn(unit)
    )
  }
}

/**
 * `store.queryMany(events)`: the events that exist, counted together; `none` when none exists.
 *
 * @example
 * import { Redis } from 'ioredis'
 * import { RedisStore } from 'tiny-counter/redis'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
 * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
 * assert.deepEqual(await store.queryMany(['a', 'b']).lastDays(1).sum(), E.right(O.none))
 * await store.recordCount('b', 2)
 * assert.deepEqual(await store.queryMany(['a', 'b']).lastDays(1).sum(), E.right(O.some(2)))
 * client.disconnect()
 */
export class RedisManyQuery extends WindowChooser<RedisRangeQuery> {
  /** @internal Made by the store. */
  constructor(
    private readonly host: QueryHost,
    private readonly events: ReadonlyArray<string>
  ) {
    super()
  }
  protected over(window: Window.Window): RedisRangeQuery {
    return new RedisRangeQuery(this.host, this.events, window)
  }
}

/**
 * `store.queryRatio(numerator, denominator)`: `none` when either is unknown or the denominator is 0.
 *
 * @example
 * import { Redis } from 'ioredis'
 * import { RedisStore } from 'tiny-counter/redis'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
 * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
 * await store.recordCount('purchases', 1)
 * assert.deepEqual(await store.queryRatio('purchases', 'visits').lastDays(1), E.right(O.none))
 * client.disconnect()
 */
export class RedisRatioQuery extends WindowChooser<Answer<O.Option<number>>> {
  /** @internal Made by the store. */
  constructor(
    private readonly host: QueryHost,
    private readonly numerator: string,
    private readonly denominator: string
  ) {
    super()
  }
  protected over(window: Window.Window): Answer<O.Option<number>> {
    return answer(
      this.host,
      [this.numerator, this.denominator],
      (snapshot) => {
        const top = snapshot.counters.get(this.numerator)
        const bottom = snapshot.counters.get(this.denominator)
        if (top === undefined || bottom === undefined) return O.none
        const n = Query.sum(top, window, snapshot.at)
        const d = Query.sum(bottom, window, snapshot.at)
        return O.isSome(n) && O.isSome(d) && d.value > 0 ? O.some(n.value / d.value) : O.none
      },
      (store) => chooseIn(store.queryRatio(this.numerator, this.denominator), window)
    )
  }
}

/**
 * The net change of a window: positive minus negative; a missing side or unit counts 0.
 *
 * @example
 * import { Redis } from 'ioredis'
 * import { RedisStore } from 'tiny-counter/redis'
 * import * as E from 'fp-ts/lib/Either.js'
 * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
 * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
 * await store.recordCount('items_added', 10)
 * await store.recordCount('items_removed', 4)
 * assert.deepEqual(await store.queryDelta('items_added', 'items_removed').lastDays(1).sum(), E.right(6))
 * client.disconnect()
 */
export class RedisDeltaRange {
  /** @internal Made by the store. */
  constructor(
    private readonly host: QueryHost,
    private readonly positive: string,
    private readonly negative: string,
    private readonly window: Window.Window
  ) {}
  private sides(query: typeof Query.sum, local: 'sum' | 'average'): Answer<number> {
    return answer(
      this.host,
      [this.positive, this.negative],
      (snapshot) => {
        const side = (event: string): number => {
          const counter = snapshot.counters.get(event)
          return counter === undefined ? 0 : O.getOrElse(() => 0)(query(counter, this.window, snapshot.at))
        }
        return side(this.positive) - side(this.negative)
      },
      (store) => chooseIn(store.queryDelta(this.positive, this.negative), this.window)[local]()
    )
  }
  /**
   * Positive minus negative events in the window; may be negative.
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import * as E from 'fp-ts/lib/Either.js'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
   * await store.recordCount('followers_lost', 5)
   * assert.deepEqual(await store.queryDelta('followers_gained', 'followers_lost').lastDays(1).sum(), E.right(-5))
   * client.disconnect()
   */
  sum(): Answer<number> {
    return this.sides(Query.sum, 'sum')
  }
  /**
   * The net change per bucket of the window (zeros included); 0 for an empty window.
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import { TestClock } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC', clock: TestClock.at(Date.UTC(2026, 0, 10, 12)) })
   * await store.recordCount('deposits', 10)
   * await store.recordCountAgo('withdrawals', 2, { days: 2 })
   * assert.deepEqual(await store.queryDelta('deposits', 'withdrawals').lastDays(4).average(), E.right(2))
   * client.disconnect()
   */
  average(): Answer<number> {
    return this.sides(Query.average, 'average')
  }
}

/**
 * `store.queryDelta(positive, negative)`.
 *
 * @example
 * import { Redis } from 'ioredis'
 * import { RedisStore } from 'tiny-counter/redis'
 * import * as E from 'fp-ts/lib/Either.js'
 * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
 * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
 * await store.recordCount('credits', 100)
 * assert.deepEqual(await store.queryDelta('credits', 'debits').lastDays(1).sum(), E.right(100))
 * client.disconnect()
 */
export class RedisDeltaQuery extends WindowChooser<RedisDeltaRange> {
  /** @internal Made by the store. */
  constructor(
    private readonly host: QueryHost,
    private readonly positive: string,
    private readonly negative: string
  ) {
    super()
  }
  protected over(window: Window.Window): RedisDeltaRange {
    return new RedisDeltaRange(this.host, this.positive, this.negative, window)
  }
}
