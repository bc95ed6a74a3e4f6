// Edges of the Redis store's scripts: units of many buckets (Redis's Lua unpacks at most about
// 8,000 values at once), expiry of hashes whose heads are later than the write's instant, a client
// clock that steps back, damaged hashes (and keys of another type), and instants of 15 digits.
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { describe, expect, it, vi } from 'vitest'
import { Counter, EventStore, Layout, TestClock } from 'tiny-counter'
import type { LimitBuilder } from 'tiny-counter'
import type { RedisLimit } from 'tiny-counter/redis'
import { StorageError } from 'tiny-counter'
import { client, connect, freshPrefix, snapshot } from './connect.ts'

const HOUR = 3_600_000

/** What a user sees of a decision: a pass, or the refusal's tag and retry-after. */
const seen = (answer: E.Either<{ readonly _tag: string; readonly retryAfter?: unknown }, unknown>): unknown =>
  E.isRight(answer) ? 'passed' : { refused: answer.left._tag, retryAfter: answer.left.retryAfter }

/** The tag of an answer's left side, or 'Right'. */
const tagOf = (answer: E.Either<{ readonly _tag: string }, unknown>): string => (E.isRight(answer) ? 'Right' : answer.left._tag)

describe('RedisStore on a unit of 10,000 buckets answers as EventStore does (no "too many results to unpack")', () => {
  const made = Layout.make({ minutes: 10_000 }, { timeZone: 'UTC' })
  if (E.isLeft(made)) throw made.left
  const layout = made.right
  const T = Date.UTC(2026, 0, 5, 10)
  const minute = Math.floor(T / 60_000)
  /** A counter with one event in each of the 9,000 minutes before T's. */
  const busy = Counter.fromBuckets(layout, [minute - 1], [Array.from({ length: 10_000 }, (_, j) => (j < 9_000 ? 1 : 0))])
  const both = async (clock: TestClock) => ({ redis: await connect({ layout, clock }), memory: new EventStore(layout, clock) })

  it('decides an atMost over 9,000 minutes, and one after the clock stepped back', async () => {
    const clock = TestClock.at(T)
    const { redis, memory } = await both(clock)
    expect(await redis.importAll({ a: busy })).toEqual(E.right(undefined))
    memory.importAll({ a: busy })
    const limits = [
      <L extends LimitBuilder | RedisLimit>(l: L) => l.atMost('a', 8_999, [9_000, 'minutes']) as L,
      <L extends LimitBuilder | RedisLimit>(l: L) => l.atMost('a', 9_001, [9_500, 'minutes']) as L
    ]
    for (const limit of limits) expect(seen(await limit(redis.limit()).check('a'))).toEqual(seen(limit(memory.limit()).check('a')))
    expect(seen(await limits[1]!(redis.limit()).check('a'))).toBe('passed')
    // The newest bucket ahead of the clock: the window is counted from it.
    clock.set(T + 60_000)
    expect(await redis.record('a')).toEqual(E.right(undefined))
    memory.record('a')
    clock.set(T)
    for (const limit of limits) expect(seen(await limit(redis.limit()).check('a'))).toEqual(seen(limit(memory.limit()).check('a')))
    expect(seen(await limits[1]!(redis.limit()).check('a'))).toMatchObject({ refused: 'LimitExceeded' })
  })

  it('decides a cooldown when the newest bucket holds 0 and the last occurrence is 9,000 minutes back', async () => {
    const clock = TestClock.at(T)
    const { redis, memory } = await both(clock)
    const once = Counter.fromBuckets(layout, [minute - 9_000], [[1]])
    expect(await redis.importAll({ a: once })).toEqual(E.right(undefined))
    memory.importAll({ a: once })
    expect(await redis.recordCount('a', 0)).toEqual(E.right(undefined))
    memory.recordCount('a', 0)
    for (const duration of [{ minutes: 5 }, { days: 7 }]) {
      expect(seen(await redis.limit().cooldown('a', duration).check('a'))).toEqual(seen(memory.limit().cooldown('a', duration).check('a')))
      expect(seen(await redis.limit().within('a', duration).check('a'))).toEqual(seen(memory.limit().within('a', duration).check('a')))
    }
    expect(seen(await redis.limit().cooldown('a', { days: 7 }).check('a'))).toMatchObject({ refused: 'LimitExceeded' })
  })

  it('records after a jump that drops 9,000 buckets at once', async () => {
    const clock = TestClock.at(T)
    const { redis, memory } = await both(clock)
    expect(await redis.importAll({ a: busy })).toEqual(E.right(undefined))
    memory.importAll({ a: busy })
    clock.advance({ minutes: 9_990 })
    expect(await redis.record('a')).toEqual(E.right(undefined))
    memory.record('a')
    expect(await redis.query('a').lastMinutes(10_000).sum()).toEqual(E.right(memory.query('a').lastMinutes(10_000).sum()))
    const exported = await redis.exportAll()
    expect(E.isRight(exported) && exported.right['a']).toEqual(memory.exportAll()['a'])
  })
})

describe('RedisStore keeps a hash as long as the buckets written into it', () => {
  it('keeps a merged or imported counter whose heads are later than now until its own range ends', async () => {
    const T = Date.UTC(2026, 0, 31, 23, 59, 58)
    const clock = TestClock.at(T)
    const prefix = freshPrefix()
    const store = await connect({ prefix, clock })
    // An edge store whose clock is 3 s ahead, already in February: its month head is February's.
    const edge = EventStore.builder().timeZone('UTC').withClock(TestClock.at(T + 3_000)).build()
    edge.recordCount('e', 5)
    // The core keeps it until its months leave their 12 buckets: 2027-02-01, not 2027-01-01.
    const keptUntil = Date.UTC(2027, 1, 1)
    for (const bring of [() => store.mergeAll(edge.exportAll()), () => store.importAll(edge.exportAll())]) {
      await client().del(`{${prefix}:e}`)
      expect(await bring()).toEqual(E.right(undefined))
      const [meta, ttl] = [await client().hget(`{${prefix}:e}`, '_'), await client().pttl(`{${prefix}:e}`)]
      expect(Number(meta?.split(' ')[0])).toBe(keptUntil)
      // On the client's clock, the hash dies at its instant plus the time left.
      expect(T + ttl).toBeGreaterThan(keptUntil - 60_000)
    }
  })

  it("keeps a hash until the range of a recordAt's buckets ends when the instant is later than the client's estimate of Redis's clock", async () => {
    const prefix = freshPrefix()
    const store = await connect({ prefix, preset: 'rateLimiting' })
    const now = Date.now
    const at = now() - 1_000
    // This machine's clock now runs 3 hours slow: its estimate of Redis's clock is 3 hours behind.
    const slow = vi.spyOn(Date, 'now').mockImplementation(() => now() - 3 * HOUR)
    try {
      expect(await store.recordAt('e', at)).toEqual(E.right(undefined))
    } finally {
      slow.mockRestore()
    }
    // Kept until the end of the range of the hours (24) from the hour of the bucket written.
    const keptUntil = (Math.floor(at / HOUR) + 24) * HOUR
    expect(await client().pexpiretime(`{${prefix}:e}`)).toBeGreaterThanOrEqual(keptUntil)
    expect(Number((await client().hget(`{${prefix}:e}`, '_'))?.split(' ')[0])).toBeGreaterThanOrEqual(keptUntil)
  })

  it("keeps a hash until x on the client's clock after that clock stepped back", async () => {
    const T = Date.UTC(2026, 0, 5, 10, 30, 15)
    const clock = TestClock.at(T)
    const prefix = freshPrefix()
    const key = `{${prefix}:e}`
    const store = await connect({ prefix, clock, preset: 'rateLimiting' })
    expect(await store.record('e')).toEqual(E.right(undefined))
    const x = Number((await client().hget(key, '_'))?.split(' ')[0])
    expect(x).toBe(Date.UTC(2026, 0, 6, 10))
    // The clock steps back two hours, and a record and a checkAndRecord follow: each keeps the hash
    // until x on the clock it ran on.
    const writes = [() => store.record('e'), () => store.limit().atMost('e', 10, 'minutes').checkAndRecord('e')]
    for (const write of writes) {
      clock.set(clock.now() - 2 * HOUR)
      expect(await write()).toEqual(E.right(undefined))
      expect(Number((await client().hget(key, '_'))?.split(' ')[0])).toBe(x)
      expect(clock.now() + (await client().pttl(key))).toBeGreaterThan(x - 60_000)
    }
  })
})

describe('RedisStore with a damaged hash', () => {
  const T = Date.UTC(2026, 0, 5, 10, 30, 15)

  it('counts the reservations held while the mark _r is not a number, as the general path does', async () => {
    const clock = TestClock.at(T)
    const prefix = freshPrefix()
    const store = await connect({ prefix, clock, preset: 'rateLimiting' })
    const memory = EventStore.builder().forRateLimiting().timeZone('UTC').withClock(clock).build()
    const one = <L extends LimitBuilder | RedisLimit>(l: L) => l.atMost('j', 1, 'minutes') as L
    expect(E.isRight(await one(store.limit()).reserve('j', { expiresAfter: 30_000 }))).toBe(true)
    expect(E.isRight(one(memory.limit()).reserve('j', { expiresAfter: 30_000 }))).toBe(true)
    await client().hset(`{${prefix}:j}`, '_r', 'junk')
    expect(seen(await one(store.limit()).check('j'))).toEqual(seen(one(memory.limit()).check('j')))
    expect(seen(await one(store.limit()).check('j'))).toMatchObject({ refused: 'LimitExceeded' })
  })

  it('marks the latest reservation held when a new one replaces a mark that is not a number', async () => {
    const clock = TestClock.at(T)
    const prefix = freshPrefix()
    const store = await connect({ prefix, clock, preset: 'rateLimiting' })
    const memory = EventStore.builder().forRateLimiting().timeZone('UTC').withClock(clock).build()
    const two = <L extends LimitBuilder | RedisLimit>(l: L) => l.atMost('j', 2, 'minutes') as L
    const one = <L extends LimitBuilder | RedisLimit>(l: L) => l.atMost('j', 1, 'minutes') as L
    expect(E.isRight(await two(store.limit()).reserve('j', { expiresAfter: 60_000 }))).toBe(true)
    expect(E.isRight(two(memory.limit()).reserve('j', { expiresAfter: 60_000 }))).toBe(true)
    await client().hset(`{${prefix}:j}`, '_r', 'junk')
    expect(E.isRight(await two(store.limit()).reserve('j', { expiresAfter: 5_000 }))).toBe(true)
    expect(E.isRight(two(memory.limit()).reserve('j', { expiresAfter: 5_000 }))).toBe(true)
    // The short-lived one expired; the first is still held.
    clock.advance({ seconds: 10 })
    expect(seen(await one(store.limit()).check('j'))).toEqual(seen(one(memory.limit()).check('j')))
    expect(seen(await one(store.limit()).check('j'))).toMatchObject({ refused: 'LimitExceeded' })
  })

  it('imports over a mark that is not a number, and still counts the reservation held', async () => {
    const clock = TestClock.at(T)
    const prefix = freshPrefix()
    const store = await connect({ prefix, clock, preset: 'rateLimiting' })
    const one = store.limit().atMost('j', 1, 'minutes')
    expect(E.isRight(await one.reserve('j', { expiresAfter: 30_000 }))).toBe(true)
    await client().hset(`{${prefix}:j}`, '_r', 'junk')
    expect(await store.importAll({ j: Counter.empty(store.layout) })).toEqual(E.right(undefined))
    expect(seen(await one.check('j'))).toMatchObject({ refused: 'LimitExceeded' })
  })

  /** Every key of the prefix (see `snapshot`). */
  const dumpOf = (prefix: string) => snapshot(client(), `*${prefix}*`)

  it.each([
    ['a string', (key: string) => client().set(key, 'not a hash')],
    ['a list', (key: string) => client().rpush(key, 'a', 'b')]
  ] as const)('answers a StorageError, and writes nothing, from every call on an event whose hash another program made %s', async (_, spoil) => {
    const prefix = freshPrefix()
    const store = await connect({ prefix, preset: 'rateLimiting' })
    await spoil(`{${prefix}:e}`)
    const before = await dumpOf(prefix)
    const limit = store.limit().atMost('e', 10, 'minutes').atMost('e', 100, 'hours')
    const calls: Record<string, () => Promise<E.Either<{ readonly _tag: string }, unknown>>> = {
      record: () => store.record('e'),
      recordAt: () => store.recordAt('e', Date.now() - 120_000),
      mergeAll: () => store.mergeAll({ e: Counter.empty(store.layout) }),
      importAll: () => store.importAll({ e: Counter.empty(store.layout) }),
      checkAndRecord: () => limit.checkAndRecord('e'),
      check: () => limit.check('e'),
      reserve: () => limit.reserve('e'),
      'a cooldown': () => store.limit().cooldown('e', { minutes: 5 }).checkAndRecord('e'),
      query: () => store.query('e').lastHours(1).sum()
    }
    const answers: Record<string, string> = {}
    for (const [name, call] of Object.entries(calls)) answers[name] = tagOf(await call())
    expect(answers).toEqual(Object.fromEntries(Object.keys(calls).map((name) => [name, 'StorageError'])))
    expect(await dumpOf(prefix)).toEqual(before)
  })

  it('answers a StorageError, and writes nothing, from every call that counts or holds the reservations of an event whose reservation set another program made a hash', async () => {
    const prefix = freshPrefix()
    const store = await connect({ prefix, preset: 'rateLimiting' })
    const key = `{${prefix}:e}`
    expect(await store.record('e')).toEqual(E.right(undefined))
    await client().hset(`${key}:held`, 'r', '1')
    const limit = store.limit().atMost('e', 10, 'minutes').atMost('e', 100, 'hours')
    // No reservation marked on the hash: a reservation is refused as it adds itself to the set.
    const unmarked = await dumpOf(prefix)
    expect(tagOf(await limit.reserve('e'))).toBe('StorageError')
    expect(await dumpOf(prefix)).toEqual(unmarked)
    await client().hset(key, '_r', String(Date.now() + HOUR)) // reservations are held: decisions count them
    const before = await dumpOf(prefix)
    const answers = {
      checkAndRecord: tagOf(await limit.checkAndRecord('e')),
      check: tagOf(await limit.check('e')),
      reserve: tagOf(await limit.reserve('e')),
      usage: tagOf(await limit.usage('e')),
      query: tagOf(await store.query('e').lastHours(1).sum())
    }
    expect(answers).toEqual({ checkAndRecord: 'StorageError', check: 'StorageError', reserve: 'StorageError', usage: 'StorageError', query: 'StorageError' })
    expect(await dumpOf(prefix)).toEqual(before)
  })

  it('names the events a merge did not write when Redis refuses one part-way (a damaged hash): the others before it are merged, the rest not sent', async () => {
    const prefix = freshPrefix()
    const store = await connect({ prefix, preset: 'rateLimiting' })
    for (const event of ['a', 'b', 'c']) expect(await store.record(event)).toEqual(E.right(undefined))
    await client().hset(`{${prefix}:b}`, '_', 'not a meta field')
    const plus = EventStore.builder().forRateLimiting().timeZone('UTC').build()
    plus.record('x')
    const one = plus.exportAll().x!
    const merged = await store.mergeAll({ a: one, b: one, c: one })
    expect(E.isLeft(merged) && merged.left instanceof StorageError && [merged.left.key, merged.left.failedKeys]).toEqual([`{${prefix}:b}`, ['b', 'c']])
    expect(E.isLeft(merged) && merged.left.message).toMatch(/could not merge .*damaged meta field.*\(and 1 more: "c"\)/)
    // a was merged (1 + 1), c not (1).
    expect(await store.query('a').lastMinutes(1).sum()).toEqual(E.right(O.some(2)))
    expect(await store.query('c').lastMinutes(1).sum()).toEqual(E.right(O.some(1)))
    // Merging what failedKeys names, once the hash is mended, counts each event once.
    expect(await store.importAll({ b: Counter.empty(store.layout) })).toEqual(E.right(undefined))
    expect(await store.mergeAll({ b: one, c: one })).toEqual(E.right(undefined))
    expect(await store.queryMany(['a', 'b', 'c']).lastMinutes(1).sum()).toEqual(E.right(O.some(5)))
  })

  // The meta field is "x h1 .. hU c1 .. cU" (rateLimiting: 3 units) in integers as the scripts write
  // them; tonumber in the scripts and Number in the client would also read '1.5', '1e3' or '0x10'.
  const damagedMeta: ReadonlyArray<readonly [string, (words: string[]) => string[]]> = [
    ['misses a word', (words) => words.slice(0, -1)],
    ['holds a count of 1.5', (words) => [...words.slice(0, -1), '1.5']],
    ['holds a count of -1', (words) => [...words.slice(0, -1), '-1']],
    ['holds a head of 1e3', (words) => [words[0]!, '1e3', ...words.slice(2)]],
    ['holds an x of 0x10', (words) => ['0x10', ...words.slice(1)]],
    ['is an x alone of 1.5', () => ['1.5']],
    // Digits, but past Number.MAX_SAFE_INTEGER: the client refuses them, so the scripts do too.
    ['holds a count of 2^53', (words) => [...words.slice(0, -1), '9007199254740992']],
    ['holds a head of 17 digits', (words) => [words[0]!, '-12345678901234567', ...words.slice(2)]],
    ['is an x alone of 17 digits', () => ['12345678901234567']]
  ]
  it.each(damagedMeta)('answers a StorageError, and writes nothing, when the meta field %s', async (_, damage) => {
    const clock = TestClock.at(T)
    const prefix = freshPrefix()
    const key = `{${prefix}:e}`
    const store = await connect({ prefix, clock, preset: 'rateLimiting' })
    await store.record('e')
    clock.advance({ seconds: 61 })
    await store.record('e')
    const words = (await client().hget(key, '_'))!.split(' ')
    expect(words).toHaveLength(7)
    const damaged = damage(words).join(' ')
    await client().hset(key, '_', damaged)
    const before = await client().hgetall(key)
    const answers = [
      await store.record('e'),
      await store.recordAt('e', T),
      await store.limit().atMost('e', 10, 'minutes').checkAndRecord('e'),
      await store.limit().atMost('e', 10, 'minutes').check('e'),
      await store.limit().atMost('e', 10, [2, 'minutes']).check('e'),
      await store.limit().cooldown('e', { seconds: 1 }).check('e'),
      await store.limit().atMost('e', 10, 'minutes').usage('e'),
      await store.query('e').lastMinutes(2).sum(),
      await store.exportAll()
    ]
    expect(answers.map(tagOf)).toEqual(answers.map(() => 'StorageError'))
    expect(answers.map((answer) => answer._tag === 'Left' && answer.left.message.includes(`damaged meta field of ${key}: `))).toEqual(answers.map(() => true))
    expect(await client().hgetall(key)).toEqual(before)
    // An import replaces the damaged hash.
    expect(await store.importAll({ e: Counter.empty(store.layout) })).toEqual(E.right(undefined))
    expect(await store.record('e')).toEqual(E.right(undefined))
    expect(await store.query('e').lastMinutes(2).sum()).toEqual(E.right(O.some(1)))
  })
})

describe('RedisStore with a damaged bucket field', () => {
  // A field of an older bucket holds a count as Redis writes one (digits without a leading zero, at
  // most 2^53 - 1); anything else was written by something other than this store. Every call that
  // reads or adds to such a field answers a StorageError naming the hash and the field and writes
  // nothing, as with a damaged meta field; the calls that never read older buckets pass and leave
  // it as it is (docs/REDIS.md).
  const T = Date.UTC(2026, 0, 5, 10, 30, 15)
  const M = Math.floor(T / 60_000)
  const DAMAGED = ['abc', '1.5', '-3', '1e3', ' 7', '007', '9007199254740992', '99999999999999999999']

  /**
   * A store whose event e holds 1 in minute M, now an older bucket (field m<M>), and `current` in
   * the current minute M + 1, the clock at T + 61 s; then field m<M> set to `value`.
   */
  const damagedStore = async (value: string, current = 1) => {
    const clock = TestClock.at(T)
    const prefix = freshPrefix()
    const key = `{${prefix}:e}`
    const field = `m${M}`
    const store = await connect({ prefix, clock, preset: 'rateLimiting' })
    expect(await store.record('e')).toEqual(E.right(undefined))
    clock.advance({ seconds: 61 })
    expect(await store.recordCount('e', current)).toEqual(E.right(undefined))
    expect(await client().hget(key, field)).toBe('1')
    await client().hset(key, field, value)
    /** All that Redis holds of the event: its hash, its expiry, its reservations. */
    const state = async () => ({
      hash: await client().hgetall(key),
      expiry: await client().pexpiretime(key),
      held: await client().zrange(`${key}:held`, 0, -1, 'WITHSCORES')
    })
    return { store, clock, prefix, key, field, state }
  }

  /** The answer is a StorageError about the hash `key` whose message names the hash and the field. */
  const refusedFor = (answer: E.Either<{ readonly _tag: string }, unknown>, key: string, field: string): unknown => {
    if (E.isRight(answer) || !(answer.left instanceof StorageError)) return { notAStorageError: tagOf(answer) }
    const { key: about, message } = answer.left
    return { about, named: message.includes(`damaged bucket field ${field} of ${key}: `) }
  }

  it.each(DAMAGED)('answers a StorageError naming the hash and the field, and writes nothing, from each call that reads or adds to it (%j)', async (value) => {
    const { store, clock, prefix, key, field, state } = await damagedStore(value)
    // A reservation that expired (the scripts drop expired ones as they count them) and one held.
    await client().zadd(`${key}:held`, T - 1_000, 'expired', T + 3_600_000, 'held')
    await client().hset(key, '_r', String(T + 3_600_000))
    const before = await state()
    const minuteHeads = (later: number) => [Math.floor(later / 1_000), Math.floor(later / 60_000), Math.floor(later / HOUR)]
    // A counter whose heads are two minutes later than the hash's, with a count in minute M: a merge
    // moves the heads first, then adds to m<M>.
    const later = Counter.fromBuckets(store.layout, minuteHeads(T + 181_000), [[1], [1, 0, 0, 1], [2]])
    const calls: Record<string, () => Promise<E.Either<{ readonly _tag: string }, unknown>>> = {
      recordAt: () => store.recordAt('e', T),
      recordCountAgo: () => store.recordCountAgo('e', 2, { seconds: 61 }),
      mergeAll: () => store.mergeAll({ e: later }),
      'check of two minutes': () => store.limit().atMost('e', 10, [2, 'minutes']).check('e'),
      'checkAndRecord of two minutes': () => store.limit().atMost('e', 10, [2, 'minutes']).checkAndRecord('e'),
      'reserve on two minutes': () => store.limit().atMost('e', 10, [2, 'minutes']).reserve('e'),
      'atLeast of two minutes': () => store.limit().atLeast('e', 1, [2, 'minutes']).check('e'),
      // Refused by a constraint on another event: the refusal reads e's whole hash back.
      'a refusal read back': () => store.limit().atLeast('other', 1, 'hours').checkAndRecord('e'),
      usage: () => store.limit().atMost('e', 10, 'hours').usage('e'),
      'query of an hour': () => store.query('e').lastHours(1).sum(),
      'query of the current minute': () => store.query('e').lastMinutes(1).sum(),
      'queryMany, e second': () => store.queryMany(['other', 'e']).lastHours(1).sum(),
      queryRatio: () => store.queryRatio('e', 'e').lastHours(1),
      exportAll: () => store.exportAll()
    }
    const answers: Record<string, unknown> = {}
    for (const [name, call] of Object.entries(calls)) answers[name] = refusedFor(await call(), key, field)
    // The clock steps back into minute M: the head is ahead of the frame, and a decision counts its
    // window from the head, reading m<M> as it goes.
    clock.set(T + 1_000)
    answers['checkAndRecord, the clock stepped back'] = refusedFor(await store.limit().atMost('e', 10, [2, 'minutes']).checkAndRecord('e'), key, field)
    expect(answers).toEqual(Object.fromEntries(Object.keys(answers).map((name) => [name, { about: key, named: true }])))
    expect(await state()).toEqual(before)
  })

  it.each(['abc', '1.5', '9007199254740992'])('writes nothing when a cooldown meets the field after the reservations were counted (%j)', async (value) => {
    // The newest occurrence is in minute M (the current buckets hold 0): a cooldown looks back
    // through the older minutes for it, after the atMost before it counted the reservations (the
    // scripts drop expired ones as they count them: this one must still be there).
    const { store, key, field, state } = await damagedStore(value, 0)
    await client().zadd(`${key}:held`, T - 1_000, 'expired')
    const before = await state()
    for (const limit of [store.limit().atMost('e', 10, 'minutes').cooldown('e', { minutes: 5 }), store.limit().atMost('e', 10, 'minutes').within('e', { minutes: 5 })]) {
      expect(refusedFor(await limit.check('e'), key, field)).toEqual({ about: key, named: true })
      expect(refusedFor(await limit.checkAndRecord('e'), key, field)).toEqual({ about: key, named: true })
    }
    expect(await state()).toEqual(before)
  })

  it('passes, and leaves the field as it is, from the calls that never read older buckets: record now, decisions of the current bucket, settling a reservation', async () => {
    const { store, clock, key, field } = await damagedStore('abc')
    const current = store.limit().atMost('e', 10, 'minutes').atMost('e', 100, 'hours')
    const held = await current.reserve('e')
    const cancelled = await current.reserve('e')
    expect(E.isRight(held) && E.isRight(cancelled)).toBe(true)
    const answers = [
      await store.record('e'),
      await store.recordCount('e', 2),
      await store.recordAt('e', clock.now()),
      await current.check('e'),
      await current.checkAndRecord('e'),
      E.isRight(held) ? await held.right.commit() : held,
      E.isRight(cancelled) ? await cancelled.right.cancel() : cancelled
    ]
    expect(answers.map(tagOf)).toEqual(answers.map(() => 'Right'))
    expect(await client().hget(key, field)).toBe('abc')
    // A minute later the heads move (the field is now two minutes back) and it is still as it was.
    clock.advance({ minutes: 1 })
    expect(await current.checkAndRecord('e')).toEqual(E.right(undefined))
    expect(await client().hget(key, field)).toBe('abc')
    expect(tagOf(await store.query('e').lastHours(1).sum())).toBe('StorageError')
    // Once the field leaves the minutes' range, the record that moves the head past it deletes it.
    clock.advance({ minutes: 59 })
    expect(await store.record('e')).toEqual(E.right(undefined))
    expect(await client().hexists(key, field)).toBe(0)
    expect(await store.query('e').lastHours(2).sum()).toEqual(E.right(O.some(10)))
  })

  it('is replaced by importAll and removed by delete', async () => {
    for (const repair of ['import', 'delete'] as const) {
      const { store, key, field } = await damagedStore('abc')
      expect(repair === 'import' ? await store.importAll({ e: Counter.empty(store.layout) }) : await store.delete('e')).toEqual(E.right(undefined))
      expect(await client().hexists(key, field)).toBe(0)
      expect(await store.recordAgo('e', { seconds: 61 })).toEqual(E.right(undefined))
      expect(await store.query('e').lastHours(1).sum()).toEqual(E.right(O.some(1)))
    }
  })
})

describe('RedisStore at instants of 15 digits', () => {
  it('counts a reservation that expires a few milliseconds later (bounds sent as integers, not %.14g)', async () => {
    // 100,000,000,012,346 printed with 14 digits is ...012,350: a reservation held until ...012,349
    // would seem expired. (Its sorted set keeps Redis's own time to live, which a test clock does not
    // stop: the reservation is made for 30 s, then its score is moved to 3 ms after the instant.)
    const t = 100_000_000_012_346
    const prefix = freshPrefix()
    const store = await connect({ clock: TestClock.at(t), preset: 'rateLimiting', prefix })
    const limit = store.limit().atMost('e', 5, [2, 'minutes'])
    expect(E.isRight(await limit.reserve('e', { expiresAfter: { seconds: 30 } }))).toBe(true)
    const held = `{${prefix}:e}:held`
    const [member] = await client().zrange(held, 0, -1)
    await client().zadd(held, t + 3, member!)
    expect(await limit.usage('e')).toEqual(E.right({ count: 1, limit: 5, remaining: 4 }))
    expect(E.isLeft(await store.limit().atMost('e', 1, [2, 'minutes']).checkAndRecord('e'))).toBe(true)
    expect(await store.query('e').lastMinutes(2).sum()).toEqual(E.right(O.none))
  })
})

describe("RedisStore deciding on a new event (the meta field written by HSETNX, which is the decision's read)", () => {
  const T = Date.UTC(2026, 0, 5, 10, 30, 15)
  const clocks: ReadonlyArray<readonly [string, () => TestClock | undefined]> = [
    ["Redis's clock", () => undefined],
    ["the client's clock", () => TestClock.at(T)]
  ]
  /** A store on Redis's clock, or on `clock`. */
  const on = (prefix: string, clock: TestClock | undefined) => connect({ prefix, preset: 'rateLimiting', ...(clock === undefined ? {} : { clock }) })

  it.each(clocks)('records a new event with its expiry in place, on %s', async (_, clockOf) => {
    const prefix = freshPrefix()
    const clock = clockOf()
    const store = await on(prefix, clock)
    expect(await store.limit().atMost('e', 10, 'minutes').atMost('e', 100, 'hours').checkAndRecord('e')).toEqual(E.right(undefined))
    const key = `{${prefix}:e}`
    const meta = (await client().hget(key, '_'))!.split(' ')
    // x, the heads of seconds, minutes and hours, and their counts: one each.
    expect(meta.slice(4)).toEqual(['1', '1', '1'])
    // Until x: on Redis's clock at x; on the client's, for the time left until x.
    if (clock === undefined) expect(await client().pexpiretime(key)).toBe(Number(meta[0]))
    else {
      const left = await client().pttl(key)
      expect(left).toBeLessThanOrEqual(Number(meta[0]) - T)
      expect(left).toBeGreaterThan(Number(meta[0]) - T - 10_000)
    }
    expect(await store.query('e').lastMinutes(1).sum()).toEqual(E.right(O.some(1)))
  })

  it.each(clocks)('counts the reservations held on an event never recorded, and writes nothing when they fill the limit, on %s', async (_, clockOf) => {
    const prefix = freshPrefix()
    const store = await on(prefix, clockOf())
    const one = store.limit().atMost('e', 1, 'minutes')
    expect(E.isRight(await one.reserve('e', { expiresAfter: { seconds: 30 } }))).toBe(true)
    const key = `{${prefix}:e}`
    const before = await client().hgetall(key)
    expect(Object.keys(before)).toEqual(['_r'])
    expect(seen(await one.checkAndRecord('e'))).toMatchObject({ refused: 'LimitExceeded' })
    expect(await client().hgetall(key)).toEqual(before)
    expect(await store.query('e').lastMinutes(1).sum()).toEqual(E.right(O.none))
    // Below the limit, the event is recorded beside its reservation.
    expect(await store.limit().atMost('e', 2, 'minutes').checkAndRecord('e')).toEqual(E.right(undefined))
    expect(await store.query('e').lastMinutes(1).sum()).toEqual(E.right(O.some(1)))
    expect(await store.limit().atMost('e', 2, 'minutes').usage('e')).toEqual(E.right({ count: 2, limit: 2, remaining: 0 }))
  })

  it('moves the expiry of an event seen again once its hours reach further', async () => {
    const clock = TestClock.at(T)
    const prefix = freshPrefix()
    const store = await connect({ prefix, clock, preset: 'rateLimiting' })
    const limit = store.limit().atMost('e', 10, 'minutes')
    const key = `{${prefix}:e}`
    const x = async (): Promise<number> => Number((await client().hget(key, '_'))!.split(' ')[0])
    expect(await limit.checkAndRecord('e')).toEqual(E.right(undefined))
    const first = await x()
    clock.advance({ hours: 2 })
    expect(await limit.checkAndRecord('e')).toEqual(E.right(undefined))
    expect(await x()).toBe(first + 2 * HOUR)
    const left = await client().pttl(key)
    expect(left).toBeLessThanOrEqual(first + 2 * HOUR - clock.now())
    expect(left).toBeGreaterThan(first + 2 * HOUR - clock.now() - 10_000)
  })

  it('forgets the expired reservations a decision of the current buckets counts, passed or refused, and keeps those held', async () => {
    const prefix = freshPrefix()
    const store = await on(prefix, undefined)
    const key = `{${prefix}:e}`
    // One reservation that expired a second ago and one held for an hour, as the scripts write them.
    const now = Date.now()
    await client().zadd(`${key}:held`, now - 1_000, 'expired', now + HOUR, 'held')
    await client().hset(key, '_r', String(now + HOUR))
    await client().pexpire(`${key}:held`, HOUR)
    await client().pexpire(key, HOUR)
    const held = async () => client().zrange(`${key}:held`, 0, -1)
    // An atLeast alone counts no reservation, and forgets none.
    expect(seen(await store.limit().atLeast('e', 1, 'minutes').check('e'))).toMatchObject({ refused: 'LimitExceeded' })
    expect(await held()).toEqual(['expired', 'held'])
    // Refused by the one held: the expired one, counted, is forgotten.
    expect(seen(await store.limit().atMost('e', 1, 'minutes').checkAndRecord('e'))).toMatchObject({ refused: 'LimitExceeded' })
    expect(await held()).toEqual(['held'])
    expect(await client().hget(key, '_r')).toBe(String(now + HOUR))
  })

  it('writes nothing for a new event that an atLeast refuses', async () => {
    const prefix = freshPrefix()
    const store = await connect({ prefix, preset: 'rateLimiting' })
    expect(seen(await store.limit().atMost('e', 10, 'minutes').atLeast('e', 1, 'hours').checkAndRecord('e'))).toMatchObject({ refused: 'LimitExceeded' })
    expect(await client().exists(`{${prefix}:e}`)).toBe(0)
    expect(await store.events()).toEqual(E.right([]))
  })
})
