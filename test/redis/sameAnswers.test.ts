// The Redis store answers as the in-memory store does: the same random operations (records now, in
// the past and a duration ago, clock moves across a daylight-saving change and back, limits of every kind
// with check, checkAndRecord, usage and reservations, imports and merges) run on an EventStore and
// on a RedisStore on one TestClock, and every answer (queries of every kind, refusals with their
// retry-after, usage, exports) must be the same.
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { Counter, EventStore, Limit, Schedule, TestClock } from 'tiny-counter'
import type { LimitBuilder, Reservation } from 'tiny-counter'
import type { RedisLimit, RedisReservation, RedisStore } from 'tiny-counter/redis'
import { connect } from './connect.ts'

const ZONE = 'America/New_York'
const START = Date.UTC(2026, 2, 7, 12) // the day before clocks spring forward in New York
const EVENTS = ['api', 'login', 'a:b}c'] as const
const event = fc.constantFrom(...EVENTS)

type Limits = <L extends LimitBuilder | RedisLimit>(limit: L) => L
/** Limits of every kind, built the same way on both stores. */
const LIMITS: ReadonlyArray<readonly [string, Limits]> = [
  ['two windows', (l) => l.atMost('api', 3, 'minutes').atMost('api', 5, 'hours') as never],
  ['days and a duration', (l) => l.atMost('api', 6, [2, 'days']).atMost('api', 4, { minutes: 90 }) as never],
  ['cooldown', (l) => l.cooldown('api', { minutes: 5 }) as never],
  ['within and at least', (l) => l.within('login', { hours: 2 }).atLeast('login', 1, 'days') as never],
  // The decide script's short path (current buckets of the checked event) refusing on an atLeast.
  ['at least and at most', (l) => l.atLeast('api', 2, 'hours').atMost('api', 4, 'minutes') as never],
  ['weekday hours', (l) => l.during(Schedule.hoursLocalTz(9, 17)).outsideOf(Schedule.weekendsLocalTz()).atMost('api', 10, 'hours') as never],
  ['untracked', (l) => l.atMost('api', 1, 'weeks') as never]
]
/** Key-free policies, applied with `store.limit(policy)` to whichever event is checked. */
const POLICIES: ReadonlyArray<Limit.Policy> = [
  Limit.policy().atMost(3, 'minutes').atMost(5, 'hours'),
  Limit.policy().cooldown({ minutes: 5 }).atMost(4, [2, 'days'])
]

type Op =
  | { readonly _tag: 'record'; readonly event: string; readonly n: number }
  | { readonly _tag: 'recordAgo'; readonly event: string; readonly n: number; readonly ago: number }
  | { readonly _tag: 'recordAt'; readonly event: string; readonly back: number }
  | { readonly _tag: 'advance'; readonly ms: number }
  | { readonly _tag: 'back'; readonly ms: number }
  | { readonly _tag: 'limit'; readonly limit: number; readonly how: 'check' | 'checkAndRecord' | 'usage' | 'reserve'; readonly event: string; readonly times: number }
  | { readonly _tag: 'settle'; readonly commit: boolean }
  | { readonly _tag: 'merge'; readonly event: string; readonly n: number; readonly replace: boolean }

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ _tag: fc.constant('record' as const), event, n: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ _tag: fc.constant('recordAgo' as const), event, n: fc.integer({ min: 1, max: 3 }), ago: fc.integer({ min: 0, max: 40 * 86_400_000 }) }),
  fc.record({ _tag: fc.constant('recordAt' as const), event, back: fc.integer({ min: -60_000, max: 3 * 86_400_000 }) }),
  fc.record({ _tag: fc.constant('advance' as const), ms: fc.oneof(fc.integer({ min: 1, max: 10 }).map((k) => k * 60_000), fc.integer({ min: 1, max: 90_000 }), fc.integer({ min: 1, max: 3 * 3_600_000 }), fc.integer({ min: 1, max: 4 * 86_400_000 })) }),
  {
    weight: 5,
    arbitrary: fc.record({
      _tag: fc.constant('limit' as const),
      limit: fc.integer({ min: 0, max: LIMITS.length + POLICIES.length - 1 }),
      how: fc.constantFrom('check' as const, 'checkAndRecord' as const, 'checkAndRecord' as const, 'usage' as const, 'reserve' as const),
      event: fc.constantFrom('api', 'api', 'api', ...EVENTS),
      // Several calls in a row reach the limits (and their boundaries) often.
      times: fc.integer({ min: 1, max: 4 })
    })
  },
  // A clock that goes back (within a few buckets of each unit): the heads are then ahead of the frame.
  fc.record({ _tag: fc.constant('back' as const), ms: fc.oneof(fc.integer({ min: 1, max: 90_000 }), fc.integer({ min: 1, max: 3 * 3_600_000 })) }),
  fc.record({ _tag: fc.constant('settle' as const), commit: fc.boolean() }),
  fc.record({ _tag: fc.constant('merge' as const), event, n: fc.integer({ min: 0, max: 4 }), replace: fc.boolean() })
)

/** An answer as a plain value (errors by tag and retry-after), comparable across the stores. */
const plain = (answer: E.Either<{ readonly _tag: string; readonly retryAfter?: unknown }, unknown>): unknown =>
  E.isLeft(answer) ? { refused: answer.left._tag, retryAfter: answer.left.retryAfter } : { value: answer.right === undefined ? null : answer.right }

/** Every query answer of one store, as plain values. */
const answersOfMemory = (store: EventStore): unknown[] => {
  const out: unknown[] = []
  for (const e of EVENTS) {
    const q = store.query(e)
    out.push(q.lastMinutes(60).sum(), q.lastHours(5).average(), q.lastDays(32).countNonzero(), q.lastDays(7).buckets(), q.days(1, 3).averageNonzero(), q.ever().sum(), q.lastMonths(12).sum())
    out.push(q.lastSeen(), q.firstSeen(), q.firstSeenIn('days'))
  }
  out.push(store.queryMany([...EVENTS]).lastHours(24).sum(), store.queryRatio('login', 'api').lastDays(7), store.queryDelta('api', 'login').ever().sum())
  return out
}
const answersOfRedis = async (store: RedisStore): Promise<unknown[]> => {
  const out: unknown[] = []
  const right = async <A>(p: Promise<E.Either<unknown, A>>): Promise<A> => {
    const r = await p
    if (E.isLeft(r)) throw r.left
    return r.right
  }
  for (const e of EVENTS) {
    const q = store.query(e)
    out.push(
      await right(q.lastMinutes(60).sum()),
      await right(q.lastHours(5).average()),
      await right(q.lastDays(32).countNonzero()),
      await right(q.lastDays(7).buckets()),
      await right(q.days(1, 3).averageNonzero()),
      await right(q.ever().sum()),
      await right(q.lastMonths(12).sum())
    )
    out.push(await right(q.lastSeen()), await right(q.firstSeen()), await right(q.firstSeenIn('days')))
  }
  out.push(
    await right(store.queryMany([...EVENTS]).lastHours(24).sum()),
    await right(store.queryRatio('login', 'api').lastDays(7)),
    await right(store.queryDelta('api', 'login').ever().sum())
  )
  return out
}

describe('RedisStore answers as EventStore does', () => {
  it('for random operations on one clock, across a daylight-saving change', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), async (ops) => {
        const clock = TestClock.at(START)
        const memory = EventStore.builder().timeZone(ZONE).withClock(clock).build()
        const redis = await connect({ clock, timeZone: ZONE })
        const held: Array<readonly [Reservation, RedisReservation]> = []
        for (const o of ops) {
          switch (o._tag) {
            case 'record':
              expect(plain(await redis.recordCount(o.event, o.n))).toEqual(plain(memory.recordCount(o.event, o.n)))
              break
            case 'recordAgo':
              expect(plain(await redis.recordCountAgo(o.event, o.n, o.ago))).toEqual(plain(memory.recordCountAgo(o.event, o.n, o.ago)))
              break
            case 'recordAt':
              expect(plain(await redis.recordAt(o.event, clock.now() - o.back))).toEqual(plain(memory.recordAt(o.event, clock.now() - o.back)))
              break
            case 'advance':
              clock.advance(o.ms)
              break
            case 'back':
              clock.set(clock.now() - o.ms)
              break
            case 'limit': {
              const policy = POLICIES[o.limit - LIMITS.length]
              const make = LIMITS[o.limit]?.[1]
              const onMemory = make === undefined ? memory.limit(policy) : make(memory.limit())
              const onRedis = make === undefined ? redis.limit(policy) : make(redis.limit())
              for (let i = 1; i < o.times; i++) expect(plain(await onRedis[o.how === 'reserve' ? 'check' : o.how](o.event))).toEqual(plain(onMemory[o.how === 'reserve' ? 'check' : o.how](o.event)))
              if (o.how === 'reserve') {
                const m = onMemory.reserve(o.event, { expiresAfter: { minutes: 2 } })
                const r = await onRedis.reserve(o.event, { expiresAfter: { minutes: 2 } })
                expect(E.isRight(r)).toBe(E.isRight(m))
                if (E.isRight(m) && E.isRight(r)) held.push([m.right, r.right])
                else expect(plain(r)).toEqual(plain(m))
              } else expect(plain(await onRedis[o.how](o.event))).toEqual(plain(onMemory[o.how](o.event)))
              break
            }
            case 'settle': {
              const next = held.shift()
              if (next === undefined) break
              const [m, r] = next
              if (o.commit) expect(plain(await r.commit())).toEqual(plain(m.commit()))
              else {
                m.cancel()
                expect(await r.cancel()).toEqual(E.right(undefined))
              }
              break
            }
            case 'merge': {
              const incoming = { [o.event]: E.getOrElseW(() => Counter.empty(memory.layout))(Counter.singleton(memory.layout, clock.now() - 3_600_000, o.n)) }
              if (o.replace) expect(plain(await redis.importAll(incoming))).toEqual(plain(memory.importAll(incoming)))
              else expect(plain(await redis.mergeAll(incoming))).toEqual(plain(memory.mergeAll(incoming)))
              break
            }
          }
        }
        expect(await answersOfRedis(redis)).toEqual(answersOfMemory(memory))
        const exported = await redis.exportAll()
        expect(E.isRight(exported)).toBe(true)
        if (E.isRight(exported)) {
          const again = EventStore.builder().timeZone(ZONE).withClock(clock).build()
          again.importAll(exported.right)
          expect(answersOfMemory(again)).toEqual(answersOfMemory(memory))
          expect(Object.keys(exported.right).sort()).toEqual([...memory.events()].sort())
        }
      }),
      { numRuns: 100 }
    )
  })

  it('for reservations that a decision saw expire, or a read saw expire, when the clock then steps back', async () => {
    const answers = async (readFirst: boolean) => {
      const clock = TestClock.at(START)
      const memory = EventStore.builder().timeZone(ZONE).withClock(clock).build()
      const redis = await connect({ clock, timeZone: ZONE })
      const onMemory = () => memory.limit().atMost('api', 3, 'minutes').atMost('api', 5, 'hours')
      const onRedis = () => redis.limit().atMost('api', 3, 'minutes').atMost('api', 5, 'hours')
      for (let i = 0; i < 2; i++) {
        expect(E.isRight(onMemory().reserve('api', { expiresAfter: { minutes: 2 } }))).toBe(true)
        expect(E.isRight(await onRedis().reserve('api', { expiresAfter: { minutes: 2 } }))).toBe(true)
      }
      clock.advance({ minutes: 2 }) // both expire now
      const out: unknown[] = []
      // A decision forgets the expired reservations it counts; a read (usage) forgets nothing.
      if (readFirst) out.push([plain(await onRedis().usage('api')), plain(onMemory().usage('api'))])
      else out.push([plain(await onRedis().check('api')), plain(onMemory().check('api'))])
      out.push([plain(await redis.recordCount('api', 2)), plain(memory.recordCount('api', 2))])
      clock.set(clock.now() - 1)
      out.push([plain(await onRedis().usage('api')), plain(onMemory().usage('api'))])
      out.push([plain(await onRedis().check('api')), plain(onMemory().check('api'))])
      return out
    }
    for (const readFirst of [false, true]) {
      const out = (await answers(readFirst)) as ReadonlyArray<readonly [unknown, unknown]>
      expect(out.map(([redis]) => redis)).toEqual(out.map(([, memory]) => memory))
    }
    // What the two orders answer, the same on both stores: forgotten after a check, held again after a usage.
    const [afterCheck, afterUsage] = [await answers(false), await answers(true)]
    expect((afterCheck[2] as ReadonlyArray<unknown>)[1]).toEqual({ value: { count: 2, limit: 3, remaining: 1 } })
    expect((afterUsage[2] as ReadonlyArray<unknown>)[1]).toEqual({ value: { count: 4, limit: 3, remaining: 0 } })
  })

  it('for cooldowns and within at the edges of their buckets, the head counted from the meta field', async () => {
    // The last occurrence in the head bucket, then in an older one: seen from 0 to 6 minutes later.
    for (const olderToo of [false, true]) {
      for (const later of [0, 59_000, 60_000, 239_000, 240_000, 270_000, 299_000, 300_000, 301_000, 360_000]) {
        const clock = TestClock.at(Date.UTC(2026, 0, 5, 10, 30, 15))
        const memory = EventStore.builder().timeZone('UTC').withClock(clock).build()
        const redis = await connect({ clock })
        if (olderToo) {
          expect(await redis.recordAgo('api', 120_000)).toEqual(memory.recordAgo('api', 120_000))
          expect(await redis.recordCount('api', 0)).toEqual(memory.recordCount('api', 0))
        } else expect(await redis.record('api')).toEqual(memory.record('api'))
        clock.advance(later)
        for (const make of [(l: LimitBuilder | RedisLimit) => l.cooldown('api', { minutes: 5 }), (l: LimitBuilder | RedisLimit) => l.within('api', { minutes: 5 })]) {
          expect(plain(await (make(redis.limit()) as RedisLimit).check('api'))).toEqual(plain((make(memory.limit()) as LimitBuilder).check('api')))
        }
      }
    }
  })
})
