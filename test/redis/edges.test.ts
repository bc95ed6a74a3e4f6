// Edges of the Redis store's scripts: units of many buckets (Redis's Lua unpacks at most about
// 8,000 values at once) and instants of 15 digits.
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { describe, expect, it } from 'vitest'
import { Counter, EventStore, Layout, TestClock } from 'tiny-counter'
import type { LimitBuilder } from 'tiny-counter'
import type { RedisLimit } from 'tiny-counter/redis'
import { connect } from './connect.ts'

/** What a user sees of a decision: a pass, or the refusal's tag and retry-after. */
const seen = (answer: E.Either<{ readonly _tag: string; readonly retryAfter?: unknown }, unknown>): unknown =>
  E.isRight(answer) ? 'passed' : { refused: answer.left._tag, retryAfter: answer.left.retryAfter }

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

describe('RedisStore at instants of 15 digits', () => {
  it('counts a reservation that expires a few milliseconds later (bounds sent as integers, not %.14g)', async () => {
    // 100,000,000,012,346 printed with 14 digits is ...012,350: a reservation held until ...012,349
    // would seem expired.
    const clock = TestClock.at(100_000_000_012_346)
    const store = await connect({ clock, preset: 'rateLimiting' })
    const memory = EventStore.builder().forRateLimiting().timeZone('UTC').withClock(clock).build()
    const limit = <L extends LimitBuilder | RedisLimit>(l: L) => l.atMost('e', 5, [2, 'minutes']) as L
    expect(E.isRight(await limit(store.limit()).reserve('e', { expiresAfter: 3 }))).toBe(true)
    expect(E.isRight(limit(memory.limit()).reserve('e', { expiresAfter: 3 }))).toBe(true)
    const usage = await limit(store.limit()).usage('e')
    expect(usage).toEqual(limit(memory.limit()).usage('e'))
    expect(usage).toEqual(E.right({ count: 1, limit: 5, remaining: 4 }))
    expect(await store.query('e').lastMinutes(2).sum()).toEqual(E.right(O.none))
  })
})
