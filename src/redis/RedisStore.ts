/**
 * `tiny-counter/redis`: one set of counters and limits shared by every process that connects to the
 * same Redis with the same prefix. Each record, and each check-and-record of every constraint of a
 * limit, is one script call that Redis runs alone: all constraints pass and the record happens, or
 * nothing is written. Counts live in one Redis hash per event under the core's absolute bucket
 * indices, so exports are ordinary `Counter`s; the calendar (time zones, daylight-saving days) stays
 * in the client. Redis's clock decides by default, so every process sees one time. A call that
 * Redis does not answer in time gives a `StorageError`, never a silent pass. See docs/REDIS.md.
 */
import * as E from 'fp-ts/lib/Either.js'
import { identity } from 'fp-ts/lib/function.js'
import type { Clock } from '../Clock.js'
import type { Counter } from '../Counter.js'
import { convert, isCount, isInstant } from '../Counter.js'
import type { DurationInput } from '../Duration.js'
import { toMillis as durationMillis } from '../Duration.js'
import type { InstantInput } from '../Instant.js'
import { toMillis as instantMillis } from '../Instant.js'
import type { Alignment, Layout } from '../Layout.js'
import { Eq as LayoutEq } from '../Layout.js'
import { decode } from '../codec/CounterCodec.js'
import type { LayoutError } from '../errors.js'
import { InvalidCount, InvalidInstant, TinyCounterError } from '../errors.js'
import { hasLoneSurrogate } from '../internal/unicode.js'
import type { Policy } from '../Limit.js'
import { FutureEvent, InvalidEventName, StorageError } from '../store/errors.js'
import type { Counters, ImportRefusal, RecordRefusal } from '../store/EventStore.js'
import { EventStore } from '../store/EventStore.js'
import type { Attempt, RedisClient } from './internal/connection.js'
import { Connection } from './internal/connection.js'
import { Frames, NO_LOWER_BOUND, NO_UPPER_BOUND } from './internal/frame.js'
import { KeyNames, META_FIELD, countsOf, layoutRecord, recordsLayout, refusedName, storedCounterOf } from './internal/hash.js'
import { FUTURE, SKEW, scriptsFor } from './internal/scripts.js'
import { RedisDeltaQuery, RedisEventQuery, RedisManyQuery, RedisRatioQuery } from './RedisQuery.js'
import type { QueryHost, Snapshot } from './RedisQuery.js'
import { RedisLimit } from './RedisLimit.js'
import type { LimitHost } from './RedisLimit.js'

export type { RedisClient } from './internal/connection.js'

/** The layouts `connect` can build by name, as `EventStore.builder()` presets do. */
export type Preset = 'standard' | 'rateLimiting' | 'analytics'

/**
 * What a store does when Redis fails: answer from a local in-memory `EventStore` instead (each
 * process then counts and limits alone: N processes may pass N times a limit). Opt-in only.
 */
export interface RedisFallback {
  /** The local store that answers while Redis does not (use the same layout). */
  readonly store: EventStore
  /** Called with the error each time the fallback answers. */
  readonly onUse?: (error: StorageError) => void
}

/** Options of `RedisStore.connect`. */
export interface RedisStoreOptions {
  /** An ioredis 5 client (one server or a cluster); the store never closes it. */
  readonly client: RedisClient
  /** The namespace of the store's keys (default `tiny-counter`): stores with one prefix share their counts. */
  readonly prefix?: string
  /** The layout; default: built from `preset`, `timeZone` and `alignment`. */
  readonly layout?: Layout
  /** `standard` (the default: 60 minutes, 24 hours, 32 days, 12 months), `rateLimiting` or `analytics`. */
  readonly preset?: Preset
  /** An IANA time zone (default: the system's). */
  readonly timeZone?: string
  readonly alignment?: Alignment
  /** Decide at this clock's time instead of Redis's (`TIME`): see the skew policy in docs/REDIS.md. */
  readonly clock?: Clock
  /** How long a call may wait for Redis before it fails with a `StorageError` (default 1,000 ms; at most 2^31 - 1). */
  readonly timeoutMillis?: number
  /** Opt-in: answer from a local store while Redis fails (default: fail with a `StorageError`). */
  readonly fallback?: RedisFallback
}

/**
 * Another store already uses the prefix with a different layout: sharing it would mix buckets.
 *
 * @example
 * import { Redis } from 'ioredis'
 * import { RedisStore } from 'tiny-counter/redis'
 * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
 * const prefix = `example:${crypto.randomUUID()}`
 * await RedisStore.connect({ client, prefix, timeZone: 'UTC' })
 * await assert.rejects(RedisStore.connect({ client, prefix, timeZone: 'Europe/Paris' }), { name: 'RedisLayoutMismatch' })
 * client.disconnect()
 */
export class RedisLayoutMismatch extends TinyCounterError {
  readonly _tag = 'RedisLayoutMismatch'
  constructor(
    readonly prefix: string,
    readonly stored: string,
    readonly wanted: string,
    message = `prefix ${JSON.stringify(prefix)} holds counters of layout ${stored}, not ${wanted}`
  ) {
    super(message)
    this.name = this._tag
  }
}

/** Why `connect` failed. */
export type ConnectError = LayoutError | StorageError | RedisLayoutMismatch

const DEFAULT_TIMEOUT_MILLIS = 1_000
/** The longest delay a timer takes (2^31 - 1 ms, about 24.8 days); a longer one would fire at once. */
const MAX_TIMEOUT_MILLIS = 2_147_483_647
const MAX_SKEW_RETRIES = 4
/** The hash slots of a Redis Cluster. */
const CLUSTER_SLOTS = 16_384
const DONE: E.Either<never, void> = E.right(undefined)
/**
 * When a record lands: at an instant (`recordAt`), a duration before now (`recordAgo`): backfills,
 * in their own buckets; or `NOW` (`record`, `recordCount`): in each unit's newest bucket when the
 * clock is behind it, as `EventStore` does (see docs/DESIGN.md, "Clock steps").
 */
type When = { readonly at: number } | { readonly ago: number }
const NOW: When = { ago: 0 }
/** A call's failure as a `StorageError` about `key` (kept as it is when it is one). */
const failure = (key: string | undefined, operation: string, error: unknown): E.Either<StorageError, never> =>
  E.left(error instanceof StorageError ? error : new StorageError(key, error, operation))

/** The reply of a script: a status, Redis's instant, and more. */
type Reply = ReadonlyArray<unknown>

/**
 * Counts and limits in Redis, shared by every process that connects with the same prefix. The
 * methods of `EventStore`, asynchronous: each answer is a promise of an `Either`, whose left side
 * includes `StorageError` when Redis fails or does not answer in time.
 *
 * @example
 * import { Redis } from 'ioredis'
 * import { RedisStore } from 'tiny-counter/redis'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
 * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
 * const api = store.limit().atMost('api_call', 10, 'minutes').atMost('api_call', 100, 'hours')
 * for (let i = 0; i < 10; i++) assert.ok(E.isRight(await api.checkAndRecord('api_call')))
 * const refused = await api.checkAndRecord('api_call')
 * assert.ok(E.isLeft(refused) && refused.left._tag === 'LimitExceeded')
 * assert.deepEqual(await store.query('api_call').lastHours(1).sum(), E.right(O.some(10)))
 * client.disconnect()
 */
export class RedisStore {
  /** The namespace of the store's keys. */
  readonly prefix: string
  private readonly frames: Frames
  private readonly nowFrames: Frames
  private readonly host: QueryHost & LimitHost

  private constructor(
    /** What every counter of this store tracks. */
    readonly layout: Layout,
    /** The names of the store's keys (its prefix escaped once, at connect). */
    private readonly keys: KeyNames,
    private readonly connection: Connection,
    private readonly clock: Clock | undefined,
    private readonly fallback: RedisFallback | undefined
  ) {
    this.prefix = keys.prefix
    this.frames = new Frames(layout)
    this.nowFrames = new Frames(layout)
    this.host = {
      layout,
      keys,
      frames: this.frames,
      read: (events) => this.read(events),
      timed: (key, operation, attempt, then) => this.timed(key, operation, attempt, then),
      send: (name, keys, args, key, operation, settle) => this.connection.send(name, keys, args, key, operation, settle),
      fellBack: (error) => this.fellBack(error)
    }
  }

  /**
   * Connects to Redis: builds the layout, records it under the prefix (or checks that it is the
   * one already there), loads the scripts and measures Redis's clock. Rejects with the layout's
   * error, a `RedisLayoutMismatch`, or a `StorageError` when Redis does not answer in time.
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, preset: 'rateLimiting', timeZone: 'Europe/Berlin' })
   * assert.deepEqual(store.layout.tracks.map((t) => t.unit), ['seconds', 'minutes', 'hours'])
   * await assert.rejects(RedisStore.connect({ client, timeZone: 'Mars/Olympus' }), { name: 'UnknownTimeZone' })
   * client.disconnect()
   */
  static async connect(options: RedisStoreOptions): Promise<RedisStore> {
    const layout = options.layout ?? layoutOf(options)
    const prefix = options.prefix ?? 'tiny-counter'
    // Key names are UTF-8: a lone surrogate would become U+FFFD, another prefix's key names.
    if (typeof prefix !== 'string' || hasLoneSurrogate(prefix))
      throw new StorageError(undefined, `the prefix must be a string without lone surrogates, got ${JSON.stringify(prefix)}`, 'connect')
    const timeout = options.timeoutMillis ?? DEFAULT_TIMEOUT_MILLIS
    if (!Number.isFinite(timeout) || timeout <= 0 || timeout > MAX_TIMEOUT_MILLIS)
      throw new StorageError(undefined, `timeoutMillis must be a positive number of at most ${MAX_TIMEOUT_MILLIS} (a timer's longest delay), got ${timeout}`, 'connect')
    const connection = new Connection(options.client, scriptsFor(layout), timeout)
    await connection.ready()
    const wanted = layoutRecord(layout)
    const keys = new KeyNames(prefix)
    const key = keys.layout()
    const legacy = keys.legacyLayout()
    if (legacy !== undefined) {
      const old = await connection.within(options.client.get(legacy), legacy, 'read the layout')
      if (old !== null) throw new RedisLayoutMismatch(prefix, old, wanted, `prefix ${JSON.stringify(prefix)} holds counters under the key names of an earlier version (${legacy}: before the ':' and backslashes of a prefix were escaped in key names); see "Upgrading" in docs/REDIS.md`)
    }
    await connection.within(options.client.set(key, wanted, 'NX'), key, 'record the layout')
    const stored = await connection.within(options.client.get(key), key, 'read the layout')
    if (stored !== null && stored !== wanted && !recordsLayout(stored, layout)) throw new RedisLayoutMismatch(prefix, stored, wanted)
    await connection.prepare()
    return new RedisStore(layout, keys, connection, options.clock, options.fallback)
  }

  // -----------------------------------------------------------------------------------------------
  // recording
  // -----------------------------------------------------------------------------------------------

  /**
   * Records one event now.
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
   * assert.ok(E.isRight(await store.record('app_launch')))
   * assert.deepEqual(await store.query('app_launch').lastMinutes(1).sum(), E.right(O.some(1)))
   * const refused = await store.record('')
   * assert.ok(E.isLeft(refused) && refused.left._tag === 'InvalidEventName')
   * client.disconnect()
   */
  record(event: string): Promise<E.Either<RecordRefusal | StorageError, void>> {
    return this.add(event, 1, NOW)
  }

  /**
   * Records `count` events now (`0` creates the event with empty buckets).
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
   * await store.recordCount('api_call', 5)
   * await store.recordCount('crash', 0)
   * assert.deepEqual(await store.query('api_call').lastHours(1).sum(), E.right(O.some(5)))
   * assert.deepEqual(await store.query('crash').lastDays(7).sum(), E.right(O.some(0)))
   * assert.ok(E.isLeft(await store.recordCount('api_call', -1)))
   * client.disconnect()
   */
  recordCount(event: string, count: number): Promise<E.Either<RecordRefusal | StorageError, void>> {
    return this.add(event, count, NOW)
  }

  /**
   * Records one event at a past instant; an instant later than now is refused (`FutureEvent`).
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
   * assert.ok(E.isRight(await store.recordAt('sync', new Date(Date.now() - 2 * 86_400_000))))
   * assert.deepEqual(await store.query('sync').days(2, 3).sum(), E.right(O.some(1)))
   * const refused = await store.recordAt('sync', Date.now() + 3_600_000)
   * assert.ok(E.isLeft(refused) && refused.left._tag === 'FutureEvent')
   * client.disconnect()
   */
  recordAt(event: string, instant: InstantInput): Promise<E.Either<RecordRefusal | StorageError, void>> {
    return this.recordCountAt(event, 1, instant)
  }

  /**
   * Records `count` events at a past instant.
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
   * await store.recordCountAt('download', 3, Date.UTC(2026, 0, 9, 8))
   * assert.deepEqual(await store.query('download').lastDays(2).buckets(), E.right(O.some([[0, 0], [1, 3]])))
   * client.disconnect()
   */
  async recordCountAt(event: string, count: number, instant: InstantInput): Promise<E.Either<RecordRefusal | StorageError, void>> {
    const at = instantMillis(instant)
    if (E.isLeft(at)) return at
    return this.add(event, count, { at: at.right })
  }

  /**
   * Records one event a duration ago.
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
   * await store.recordAgo('sync', { hours: 3 })
   * assert.deepEqual(await store.query('sync').lastHours(4).sum(), E.right(O.some(1)))
   * client.disconnect()
   */
  recordAgo(event: string, duration: DurationInput): Promise<E.Either<RecordRefusal | StorageError, void>> {
    return this.recordCountAgo(event, 1, duration)
  }

  /**
   * Records `count` events a duration ago; a negative duration is refused (`InvalidDuration`).
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
   * await store.recordCountAgo('backup', 4, { days: 2 })
   * assert.deepEqual(await store.query('backup').days(2, 3).sum(), E.right(O.some(4)))
   * const refused = await store.recordCountAgo('backup', 1, -60_000)
   * assert.ok(E.isLeft(refused) && refused.left._tag === 'InvalidDuration')
   * client.disconnect()
   */
  async recordCountAgo(event: string, count: number, duration: DurationInput): Promise<E.Either<RecordRefusal | StorageError, void>> {
    const ago = durationMillis(duration)
    if (E.isLeft(ago)) return ago
    return this.add(event, count, { ago: ago.right })
  }

  /** Adds `count` at an instant given outright (`at`), as a time before now (`ago`), or now (`NOW`: see `When`). */
  private async add(event: string, count: number, when: When): Promise<E.Either<RecordRefusal | StorageError, void>> {
    const refused = refusedName(event)
    if (refused !== undefined) return E.left(refused)
    if (!isCount(count)) return E.left(new InvalidCount(count))
    if ('at' in when && !isInstant(when.at)) return E.left(new InvalidInstant(when.at))
    const key = this.keys.hash(event)
    const reply = await this.timed(key, 'record', (t, sent, settle) => {
      const at = 'at' in when ? when.at : t - when.ago
      if (!isInstant(at)) return settle(true, [FUTURE, t])
      const frame = this.frames.at(at)
      // With Redis's clock, "a duration ago" must land in the buckets the frame names: Redis's
      // instant must fall in the frame's interval moved by the duration.
      const [lo, hi] = 'at' in when || sent !== '' ? [NO_LOWER_BOUND, NO_UPPER_BOUND] : [frame.lo + when.ago, frame.hi + when.ago]
      const future = 'at' in when && sent === '' ? String(when.at) : ''
      if ('at' in when && sent !== '' && when.at > t) return settle(true, [FUTURE, t])
      const units = frame.index.map((i) => `${i} ${i} ${count}`)
      // Kept for the range of the buckets written too: with Redis's clock, an instant given outright
      // may be later than our estimate of it.
      const expireAt = Math.max(this.nowFrames.at(t).expireAt, frame.expireAt)
      this.connection.send('record', [key], [sent, `${lo} ${hi} ${expireAt}`, future, when === NOW ? 'n' : '0', ...units], key, 'record', settle)
    }, identity)
    if (E.isLeft(reply)) return this.recordFallback(reply.left, event, count, when)
    if (reply.right[0] === FUTURE) {
      const now = Number(reply.right[1])
      const at = 'at' in when ? when.at : now - when.ago
      return E.left(isInstant(at) ? new FutureEvent(at, now) : new InvalidInstant(at))
    }
    return DONE
  }

  private recordFallback(error: StorageError, event: string, count: number, when: When): E.Either<RecordRefusal | StorageError, void> {
    const store = this.fellBack(error)
    if (store === undefined) return E.left(error)
    return 'at' in when ? store.recordCountAt(event, count, when.at) : when === NOW ? store.recordCount(event, count) : store.recordCountAgo(event, count, when.ago)
  }

  /** The fallback store after telling its listener, or `undefined` when there is none. */
  private fellBack(error: StorageError): EventStore | undefined {
    if (this.fallback === undefined) return undefined
    this.fallback.onUse?.(error)
    return this.fallback.store
  }

  /**
   * Runs `attempt` at the decision's time: the client clock's (sent to the script), or Redis's
   * (`sent` is '' and the script reads `TIME`): then `t` is our estimate of it, and a `SKEW` reply
   * (Redis's instant fell outside the frame made for the estimate) teaches us Redis's clock and
   * tries again. Resolves to `then` of the reply, or of the `StorageError`. `attempt` answers
   * through `settle` (see `Connection.send`), so a decision's promise is the only one between the
   * client's answer and the caller.
   */
  private timed<A>(key: string | undefined, operation: string, attempt: Attempt, then: (reply: E.Either<StorageError, Reply>) => A | Promise<A>): Promise<A> {
    return new Promise<A>((resolve, reject) =>
      this.attempt(key, operation, attempt, (reply) => {
        try {
          resolve(then(reply))
        } catch (error) {
          reject(error)
        }
      }, 0)
    )
  }

  /** One try of `timed` (round: how many SKEW replies came before it). `finish` never throws. */
  private attempt(key: string | undefined, operation: string, attempt: Attempt, finish: (reply: E.Either<StorageError, Reply>) => void, round: number): void {
    try {
      const clock = this.clock
      const local = clock === undefined ? this.connection.machine.now() : 0 // this machine's reading, on Redis's clock
      const t = clock === undefined ? this.connection.redisAt(local) : clock.now()
      attempt(t, clock === undefined ? '' : String(t), (ok, answer) => {
        if (!ok) return finish(failure(key, operation, answer))
        if (!Array.isArray(answer)) return finish(failure(key, operation, `unexpected reply ${JSON.stringify(answer)}`))
        // Only on Redis's clock does a script check the frame and answer SKEW.
        if (clock !== undefined || answer[0] !== SKEW) return finish(E.right(answer))
        this.connection.learn(Number(answer[1]), local)
        if (round + 1 < MAX_SKEW_RETRIES) return this.attempt(key, operation, attempt, finish, round + 1)
        finish(failure(key, operation, `Redis's clock kept moving out of the buckets computed for it (${MAX_SKEW_RETRIES} tries)`))
      })
    } catch (error) {
      finish(failure(key, operation, error))
    }
  }

  // -----------------------------------------------------------------------------------------------
  // reading
  // -----------------------------------------------------------------------------------------------

  /** The counters of `events` (undefined: unknown) and their pending reservations, at Redis's instant. */
  private async read(events: ReadonlyArray<string>): Promise<E.Either<StorageError, Snapshot>> {
    const keys = this.keys.scriptKeys(events)
    const operation = 'read'
    // The hash a failure is about: the first, then each as it is read back (a damaged one names itself).
    let about = keys[0]
    try {
      const sent = this.clock === undefined ? '' : String(this.clock.now())
      const reply = (await this.connection.run('read', keys, [sent], about, operation)) as Reply
      const counters = new Map<string, Counter>()
      const pending = new Map<string, number>()
      for (const [e, event] of events.entries()) {
        about = keys[e]!
        const counter = storedCounterOf(this.layout, about, reply[1 + 2 * e] as ReadonlyArray<string>)
        if (counter !== undefined) counters.set(event, counter)
        pending.set(event, Number(reply[2 + 2 * e]))
      }
      return E.right({ at: Number(reply[0]), counters, pending })
    } catch (error) {
      return E.left(error instanceof StorageError ? error : new StorageError(about, error, operation))
    }
  }

  /**
   * A query of one event: the same windows and answers as `EventStore.query`, as promises of
   * `Either<StorageError, Option>`. Throws `InvalidEventName`, as `EventStore.query` does.
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
   * await store.recordCount('app_launch', 3)
   * assert.deepEqual(await store.query('app_launch').lastDays(7).sum(), E.right(O.some(3)))
   * assert.deepEqual(await store.query('never_seen').lastDays(7).sum(), E.right(O.none))
   * assert.throws(() => store.query(''), { name: 'InvalidEventName' })
   * client.disconnect()
   */
  query(event: string): RedisEventQuery {
    named(event)
    return new RedisEventQuery(this.host, event)
  }

  /**
   * The events that exist, counted together (a name given twice counts once); `none` when none
   * exists. Throws `InvalidEventName`.
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
   * await store.recordCount('app_launch', 2)
   * await store.recordCountAgo('app_resume', 3, { days: 1 })
   * assert.deepEqual(await store.queryMany(['app_launch', 'app_resume', 'unknown']).lastDays(2).sum(), E.right(O.some(5)))
   * client.disconnect()
   */
  queryMany(events: ReadonlyArray<string>): RedisManyQuery {
    for (const event of events) named(event)
    return new RedisManyQuery(this.host, [...new Set(events)]) // a name given twice counts once, as in EventStore
  }

  /**
   * `numerator / denominator` over a window; `none` when either is unknown or the denominator is 0.
   * Throws `InvalidEventName`.
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
   * await store.recordCount('purchases', 1)
   * await store.recordCount('visits', 4)
   * assert.deepEqual(await store.queryRatio('purchases', 'visits').lastDays(1), E.right(O.some(0.25)))
   * client.disconnect()
   */
  queryRatio(numerator: string, denominator: string): RedisRatioQuery {
    named(numerator)
    named(denominator)
    return new RedisRatioQuery(this.host, numerator, denominator)
  }

  /**
   * Positive minus negative events over a window; a missing side counts 0. Throws `InvalidEventName`.
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import * as E from 'fp-ts/lib/Either.js'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
   * await store.recordCount('credits', 100)
   * await store.recordCountAgo('debits', 30, { days: 3 })
   * assert.deepEqual(await store.queryDelta('credits', 'debits').ever().sum(), E.right(70))
   * client.disconnect()
   */
  queryDelta(positive: string, negative: string): RedisDeltaQuery {
    named(positive)
    named(negative)
    return new RedisDeltaQuery(this.host, positive, negative)
  }

  // -----------------------------------------------------------------------------------------------
  // rate limiting
  // -----------------------------------------------------------------------------------------------

  /**
   * Starts a limit: chain constraints, then `check`, `checkAndRecord`, `allowed`, `usage` or
   * `reserve`. Every constraint is decided in one script call, against the counts of every process.
   * With a key-free policy (`Limit.policy().atMost(10, 'minutes')`), its rules apply to whichever
   * key is checked: one limit for every user.
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import { Limit } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
   * const perUser = store.limit(Limit.policy().atMost(2, 'minutes').atMost(100, 'hours'))
   * assert.ok(E.isRight(await perUser.checkAndRecord('api:alice')))
   * assert.ok(E.isRight(await perUser.checkAndRecord('api:alice')))
   * assert.ok(E.isLeft(await perUser.checkAndRecord('api:alice'))) // two a minute for alice
   * assert.ok(E.isRight(await perUser.checkAndRecord('api:bob'))) // bob has his own count
   * client.disconnect()
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import * as E from 'fp-ts/lib/Either.js'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
   * const once = store.limit().atMost('welcome_mail', 1, 'days')
   * assert.ok(E.isRight(await once.checkAndRecord('welcome_mail')))
   * assert.ok(E.isLeft(await once.checkAndRecord('welcome_mail')))
   * client.disconnect()
   */
  limit(policy?: Policy): RedisLimit {
    return new RedisLimit(this.host, policy)
  }

  // -----------------------------------------------------------------------------------------------
  // export, import, merge, delete
  // -----------------------------------------------------------------------------------------------

  /**
   * The names of every event under the prefix (SCAN: on a cluster, of every master).
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import * as E from 'fp-ts/lib/Either.js'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
   * await store.record('b')
   * await store.record('a')
   * assert.deepEqual(await store.events(), E.right(['a', 'b']))
   * client.disconnect()
   */
  async events(): Promise<E.Either<StorageError, ReadonlyArray<string>>> {
    const client = this.connection.client
    const nodes = 'nodes' in client ? client.nodes('master') : [client]
    if ('nodes' in client) {
      // A master the client has lost (it drops a node that ends) would be skipped in silence: the
      // masters scanned must hold every slot.
      const held = new Set(nodes.map((node) => `${node.options.host ?? '127.0.0.1'}:${node.options.port ?? 6379}`))
      const slots = client.slots
      let covered = client.status === 'ready' && slots.length === CLUSTER_SLOTS
      for (let slot = 0; covered && slot < CLUSTER_SLOTS; slot++) covered = held.has(slots[slot]?.[0] ?? '')
      if (!covered) return E.left(new StorageError(undefined, `the cluster client (status ${client.status}) does not reach a master for every slot`, 'list events'))
    }
    // A client's keyPrefix is in front of every key in Redis; SCAN's pattern and answers carry it,
    // while each node's own commands add theirs (the client itself, or a cluster's node: none).
    const stored = client.options.keyPrefix ?? ''
    const names = new Set<string>()
    try {
      for (const node of nodes) {
        const added = node.options.keyPrefix ?? ''
        let cursor = '0'
        do {
          const [next, keys] = await this.connection.within(node.scan(cursor, 'MATCH', this.keys.scanPattern(stored), 'COUNT', 1000, 'TYPE', 'hash'), undefined, 'list events')
          cursor = next
          // A hash that only marks reservations held on an event never recorded is no event yet.
          const found = keys.flatMap((key) => {
            const event = key.startsWith(stored) ? this.keys.eventOf(key.slice(stored.length)) : undefined
            return event === undefined || !key.startsWith(added) ? [] : [[key.slice(added.length), event] as const]
          })
          if (found.length === 0) continue
          const check = node.pipeline()
          for (const [key] of found) check.hexists(key, META_FIELD)
          const marks = (await this.connection.within(check.exec(), undefined, 'list events')) ?? []
          found.forEach(([, event], i) => {
            const [error, exists] = marks[i] ?? [new Error('no reply'), undefined]
            if (error !== null) throw error
            if (exists === 1) names.add(event)
          })
        } while (cursor !== '0')
      }
    } catch (error) {
      return E.left(error instanceof StorageError ? error : new StorageError(undefined, error, 'list events'))
    }
    return E.right([...names].sort())
  }

  /**
   * Every counter by event name: ordinary `Counter`s, which any `EventStore` of the layout imports.
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import { EventStore } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
   * await store.recordCount('api_call', 5)
   * const saved = await store.exportAll()
   * assert.ok(E.isRight(saved))
   * const local = EventStore.builder().timeZone('UTC').build()
   * local.importAll(saved.right)
   * assert.deepEqual(local.query('api_call').lastHours(1).sum(), O.some(5))
   * client.disconnect()
   */
  async exportAll(): Promise<E.Either<StorageError, Counters>> {
    const names = await this.events()
    if (E.isLeft(names)) return names
    const out: Array<readonly [string, Counter]> = []
    for (const event of names.right) {
      const key = this.keys.hash(event)
      try {
        const fields = (await this.connection.within(this.connection.client.hgetall(key), key, 'export')) as Record<string, string>
        const counter = storedCounterOf(this.layout, key, Object.entries(fields).flat())
        if (counter !== undefined) out.push([event, counter])
      } catch (error) {
        return E.left(error instanceof StorageError ? error : new StorageError(key, error, 'export'))
      }
    }
    // Own properties whatever the names (an event named __proto__ included), as EventStore's exportAll.
    return E.right(Object.fromEntries(out))
  }

  /**
   * Replaces the counters of the given events (validated and converted to this layout first; if one
   * is refused, none is written). Each event is replaced atomically; when Redis fails part-way, the
   * `StorageError`'s `failedKeys` name the events not replaced, as `mergeAll`'s do.
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import { EventStore } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
   * await store.recordCount('app_launch', 100)
   * const phone = EventStore.builder().timeZone('UTC').build()
   * phone.recordCount('app_launch', 4)
   * assert.ok(E.isRight(await store.importAll(phone.exportAll())))
   * assert.deepEqual(await store.query('app_launch').ever().sum(), E.right(O.some(4)))
   * client.disconnect()
   */
  importAll(events: Counters | ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>): Promise<E.Either<ImportRefusal | StorageError, void>> {
    return this.bring(events, true)
  }

  /**
   * Adds the given counters to this store's (100 + 50 = 150), each event atomically. Nothing is
   * written when a name or counter is refused. When Redis fails part-way, the events before the
   * failing one are merged, and the `StorageError`'s `failedKeys` name those that are not: the
   * failing one first (not merged when Redis refused it; unknown when its call timed out), then
   * the ones not sent. Merge those again, not the others.
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import { EventStore } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
   * await store.recordCount('request', 100)
   * const edge = EventStore.builder().timeZone('UTC').build()
   * edge.recordCount('request', 50)
   * await store.mergeAll(edge.exportAll())
   * assert.deepEqual(await store.query('request').lastHours(1).sum(), E.right(O.some(150)))
   * client.disconnect()
   */
  mergeAll(events: Counters | ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>): Promise<E.Either<ImportRefusal | StorageError, void>> {
    return this.bring(events, false)
  }

  private async bring(
    events: ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>,
    replace: boolean
  ): Promise<E.Either<ImportRefusal | StorageError, void>> {
    const entries: ReadonlyArray<readonly [string, unknown]> = events instanceof Map ? [...events] : Object.entries(events)
    const incoming: Array<readonly [string, Counter]> = []
    for (const [event, value] of entries) {
      const refused = refusedName(event)
      if (refused !== undefined) return E.left(refused)
      const decoded = decode(event, value)
      if (E.isLeft(decoded)) return decoded
      incoming.push([event, convert(decoded.right, this.layout)])
    }
    const operation = replace ? 'import' : 'merge'
    for (const [i, [event, counter]] of incoming.entries()) {
      const key = this.keys.hash(event)
      // A counter whose heads are later than now (from a store whose clock is ahead) is kept until
      // its own range ends, as the core keeps it.
      const keepUntil = this.frames.keepUntil(counter.heads)
      const reply = await this.timed(key, operation, (t, sent, settle) => {
        const expireAt = Math.max(this.nowFrames.at(t).expireAt, keepUntil)
        this.connection.send('record', [key], [sent, `${NO_LOWER_BOUND} ${NO_UPPER_BOUND} ${expireAt}`, '', replace ? '1' : '0', ...countsOf(counter)], key, operation, settle)
      }, identity)
      // Each event is its own call (a cluster keeps them in different slots): those before this one
      // are written. The error names the events that are not (failedKeys), this one first.
      if (E.isLeft(reply)) return E.left(new StorageError(key, reply.left.cause, operation, incoming.slice(i).map(([name]) => name)))
    }
    return DONE
  }

  /**
   * Deletes events (one name, or a list of names): their counts and their reservations, for every process.
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
   * await store.record('session')
   * assert.ok(E.isRight(await store.delete(['session'])))
   * assert.deepEqual(await store.query('session').ever().sum(), E.right(O.none))
   * await store.record('draft')
   * assert.ok(E.isRight(await store.delete('draft'))) // one name, as EventStore.delete takes
   * assert.deepEqual(await store.events(), E.right([]))
   * client.disconnect()
   */
  async delete(events: string | ReadonlyArray<string>): Promise<E.Either<InvalidEventName | StorageError, void>> {
    // One name, as EventStore's delete takes, or several; never a string's characters.
    const names: ReadonlyArray<unknown> = typeof events === 'string' ? [events] : Array.isArray(events) ? events : [events]
    for (const event of names) {
      const refused = refusedName(event)
      if (refused !== undefined) return E.left(refused)
    }
    for (const event of names as ReadonlyArray<string>) {
      const key = this.keys.hash(event)
      try {
        await this.connection.within(this.connection.client.del(key, this.keys.held(event)), key, 'delete')
      } catch (error) {
        return E.left(error instanceof StorageError ? error : new StorageError(key, error, 'delete'))
      }
    }
    return DONE
  }
}

/** Throws the `InvalidEventName` of a name Redis cannot hold (see `refusedName`), as the queries of `EventStore` throw. */
const named = (event: unknown): void => {
  const refused = refusedName(event)
  if (refused !== undefined) throw refused
}

const layoutOf = (options: RedisStoreOptions): Layout => {
  let builder = EventStore.builder()
  if (options.preset === 'rateLimiting') builder = builder.forRateLimiting()
  else if (options.preset === 'analytics') builder = builder.forAnalytics()
  if (options.timeZone !== undefined) builder = builder.timeZone(options.timeZone)
  if (options.alignment !== undefined) builder = builder.alignment(options.alignment)
  const built = builder.buildEither()
  if (E.isLeft(built)) throw built.left
  return built.right.layout
}
