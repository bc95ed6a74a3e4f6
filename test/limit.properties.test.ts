// Properties of rate limits on a store: checking changes nothing, checkAndRecord records exactly
// when it passes, recording more never turns a refusal into a pass, and retryAfter is exact: waiting
// that long makes the same check pass, waiting one millisecond less does not. (That the store's
// count plans decide as `Limit.decide` is a refinement law: laws/refinement/plans.test.ts.)
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { describe, expect, it } from 'vitest'
import { EventStore, Schedule, TestClock } from 'tiny-counter'
import { H, anyRule, build, event, limitOf, limiting, orThrow, world } from '../laws/limits.ts'

describe('limit properties', () => {
  it('check never changes the store', () => {
    fc.assert(
      fc.property(world, fc.array(anyRule, { minLength: 1, maxLength: 4 }), event, (w, rules, checked) => {
        const { store } = build(w)
        store.resetDirty()
        const before = JSON.stringify(store.exportAll())
        limitOf(store, rules).check(checked)
        limitOf(store, rules).allowed(checked)
        expect(JSON.stringify(store.exportAll())).toBe(before)
        expect(store.isDirty()).toBe(false)
      }),
      { numRuns: 300 }
    )
  })

  it('checkAndRecord records exactly one event exactly when it passes', () => {
    fc.assert(
      fc.property(world, fc.array(anyRule, { minLength: 1, maxLength: 4 }), event, (w, rules, checked) => {
        const { store } = build(w)
        const total = () => O.getOrElse(() => 0)(store.query(checked).lastMinutes(1).sum())
        const before = total()
        const passes = E.isRight(limitOf(store, rules).check(checked))
        const result = limitOf(store, rules).checkAndRecord(checked)
        expect(E.isRight(result)).toBe(passes)
        expect(total()).toBe(before + (passes ? 1 : 0))
      }),
      { numRuns: 300 }
    )
  })

  it('recording more at the same instant never turns a refusal into a pass (atMost, cooldown, schedules)', () => {
    fc.assert(
      fc.property(world, fc.array(limiting, { minLength: 1, maxLength: 4 }), event, event, fc.integer({ min: 1, max: 5 }), (w, rules, checked, more, n) => {
        const { store } = build(w)
        const first = limitOf(store, rules).check(checked)
        fc.pre(E.isLeft(first))
        store.recordCount(more, n)
        expect(E.isLeft(limitOf(store, rules).check(checked))).toBe(true)
      }),
      { numRuns: 500 }
    )
  })

  it('retryAfter is exact: after it the same check passes, a millisecond before it does not', () => {
    fc.assert(
      fc.property(world, fc.array(limiting, { minLength: 1, maxLength: 3 }), event, (w, rules, checked) => {
        const { store, clock } = build(w)
        const refused = limitOf(store, rules).check(checked)
        fc.pre(E.isLeft(refused) && refused.left._tag === 'LimitExceeded')
        if (!(E.isLeft(refused) && refused.left._tag === 'LimitExceeded')) return
        const wait = refused.left.retryAfter
        if (O.isNone(wait)) {
          // Only contradictory rules (say during and outsideOf one schedule) never pass: check a week on.
          for (let hours = 1; hours <= 24 * 8; hours++) {
            clock.advance({ hours: 1 })
            expect(E.isLeft(limitOf(store, rules).check(checked))).toBe(true)
          }
          return
        }
        expect(wait.value).toBeGreaterThan(0)
        clock.advance(wait.value - 1)
        expect(E.isLeft(limitOf(store, rules).check(checked))).toBe(true)
        clock.advance(1)
        expect(limitOf(store, rules).check(checked)).toEqual(E.right(undefined))
      }),
      { numRuns: 1000 }
    )
  })
})

describe('limits in use', () => {
  it('allows exactly N calls in a window of N, then gives the time to the next slot', () => {
    const clock = TestClock.at(Date.UTC(2026, 0, 5, 10, 0, 20))
    const store = EventStore.builder().withClock(clock).timeZone('UTC').build()
    const api = store.limit().atMost('api', 10, 'minutes').atMost('api', 100, 'hours')
    const results = Array.from({ length: 12 }, () => api.checkAndRecord('api'))
    expect(results.filter(E.isRight)).toHaveLength(10)
    const refused = results[11]!
    expect(E.isLeft(refused) && refused.left._tag === 'LimitExceeded' && refused.left.retryAfter).toEqual(O.some(40_000))
    expect(api.usage('api')).toEqual(E.right({ count: 10, limit: 10, remaining: 0 }))
  })

  it('names the constraint that failed', () => {
    const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 0, 5, 10))).timeZone('UTC').build()
    store.recordCount('api', 5)
    const refused = store.limit().atMost('api', 100, 'hours').atMost('api', 5, [10, 'minutes']).check('api')
    expect(E.isLeft(refused) && refused.left._tag === 'LimitExceeded' && refused.left.constraint).toEqual({
      _tag: 'AtMost', event: 'api', limit: 5, span: { _tag: 'Buckets', unit: 'minutes', buckets: 10 }
    })
    expect(E.isLeft(refused) && refused.left.message).toMatch(/api refused by atMost\(api, 5 per 10 minutes\); retry in 600000 ms/)
  })

  it('a constrained event need not be the checked one, and prerequisites have no retryAfter', () => {
    const store = EventStore.create()
    const api = store.limit().atLeast('user_login', 1, 'days')
    const refused = api.checkAndRecord('protected_api')
    expect(E.isLeft(refused) && refused.left._tag === 'LimitExceeded' && refused.left.retryAfter).toEqual(O.none)
    expect(store.events()).toEqual([])
    store.record('user_login')
    expect(api.checkAndRecord('protected_api')).toEqual(E.right(undefined))
  })

  it('cooldown counts from the start of the bucket of the last occurrence', () => {
    const clock = TestClock.at(Date.UTC(2026, 0, 5, 10, 15, 20))
    const store = EventStore.builder().withClock(clock).timeZone('UTC').build()
    const reset = store.limit().cooldown('password_reset', { hours: 1 })
    expect(E.isRight(reset.checkAndRecord('password_reset'))).toBe(true)
    const refused = reset.check('password_reset')
    // The minute bucket 10:15 began at 10:15: the next reset is allowed at 11:15.
    expect(E.isLeft(refused) && refused.left._tag === 'LimitExceeded' && refused.left.retryAfter).toEqual(O.some(H - 20_000))
    clock.advance(H - 20_000)
    expect(reset.allowed('password_reset')).toBe(true)
    clock.advance({ hours: 5 }) // long after the minutes forgot it, still allowed
    expect(reset.allowed('password_reset')).toBe(true)
  })

  it('refuses constraints that do not fit the layout or are malformed, with typed errors', () => {
    const store = EventStore.create()
    const tag = (r: E.Either<{ _tag: string }, unknown>) => (E.isLeft(r) ? r.left._tag : 'passed')
    expect(tag(store.limit().atMost('api', 10, 'weeks').check('api'))).toBe('UntrackedWindow')
    expect(tag(store.limit().atMost('api', 10, [90, 'minutes']).check('api'))).toBe('UntrackedWindow')
    expect(tag(store.limit().atMost('api', 10, { minutes: 90 }).check('api'))).toBe('UntrackedWindow')
    expect(tag(store.limit().atMost('api', 10, { hours: 3 }).check('api'))).toBe('passed')
    expect(tag(store.limit().atMost('api', -1, 'minutes').check('api'))).toBe('InvalidCount')
    expect(tag(store.limit().atMost('api', 10, 'fortnights' as never).check('api'))).toBe('UnknownUnit')
    expect(tag(store.limit().atMost('api', 10, { hours: -1 }).check('api'))).toBe('InvalidDuration')
    expect(tag(store.limit().cooldown('api', { months: 1 }).check('api'))).toBe('InvalidDuration')
    expect(tag(store.limit().during(Schedule.hours(9, 24)).check('api'))).toBe('InvalidHour')
    expect(tag(store.limit().during(Schedule.hours(17, 9)).check('api'))).toBe('InvalidRange')
    expect(tag(store.limit().atMost('api', 10, 'minutes').check(3 as never))).toBe('InvalidEventName')
    expect(tag(store.limit().cooldown('api', { hours: 1 }).usage('api'))).toBe('NoAtMostConstraint')
    expect(store.events()).toEqual([])
  })
})

describe('reservations', () => {
  it('exactly N of many interleaved async tasks reserve under a limit of N, and the counts add up', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 8 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.boolean()), { minLength: 1, maxLength: 30 }), async (limit, tasks) => {
        const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 0, 1, 12))).timeZone('UTC').build()
        const api = store.limit().atMost('api', limit, 'hours')
        const tick = () => new Promise<void>((resolve) => setImmediate(resolve))
        const outcomes = await Promise.all(
          tasks.map(async ([delay, succeeds]) => {
            for (let i = 0; i < delay; i++) await tick()
            const held = api.reserve('api')
            if (E.isLeft(held)) return 'refused'
            await tick()
            if (succeeds) {
              expect(held.right.commit()).toEqual(E.right(undefined))
              return 'committed'
            }
            held.right.cancel()
            return 'cancelled'
          })
        )
        const count = (o: string) => outcomes.filter((x) => x === o).length
        // Every task reserves before any settles, or after some cancelled: at most `limit` are held at once.
        expect(count('committed') + count('cancelled')).toBeGreaterThanOrEqual(Math.min(limit, tasks.length))
        expect(count('committed')).toBeLessThanOrEqual(limit)
        expect(store.query('api').lastHours(1).sum()).toEqual(O.some(count('committed')))
      }),
      { numRuns: 200 }
    )
  })

  it('when all reserve before any settles, exactly N succeed', async () => {
    const store = EventStore.create()
    const api = store.limit().atMost('api', 10, 'hours')
    const held = await Promise.all(Array.from({ length: 25 }, async () => api.reserve('api')))
    expect(held.filter(E.isRight)).toHaveLength(10)
    const refused = held.find(E.isLeft)
    expect(refused && E.isLeft(refused) && refused.left._tag === 'LimitExceeded' && refused.left.retryAfter).toEqual(O.none)
    expect(api.usage('api')).toEqual(E.right({ count: 10, limit: 10, remaining: 0 }))
    held.forEach((h, i) => E.isRight(h) && (i % 2 === 0 ? h.right.commit() : h.right.cancel()))
    expect(store.query('api').lastHours(1).sum()).toEqual(O.some(5))
    expect(api.usage('api')).toEqual(E.right({ count: 5, limit: 10, remaining: 5 }))
  })

  it('hold their slots against checkAndRecord, on an event the store has recorded into before', () => {
    const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 0, 1, 12))).timeZone('UTC').build()
    store.recordAgo('api', { hours: 2 }) // the store now owns the counter of api: checks and records in one step
    const api = store.limit().atMost('api', 3, 'minutes').atMost('api', 5, 'hours')
    const held = api.reserve('api')
    expect(E.isRight(api.checkAndRecord('api'))).toBe(true)
    expect(E.isRight(api.checkAndRecord('api'))).toBe(true)
    const refused = api.checkAndRecord('api') // 2 recorded + 1 held: the minute is full
    expect(E.isLeft(refused) && refused.left._tag === 'LimitExceeded' && refused.left.retryAfter).toEqual(O.some(60_000))
    expect(E.isRight(held) && held.right.cancel()).toBe(undefined)
    expect(E.isRight(api.checkAndRecord('api'))).toBe(true)
    expect(E.isLeft(api.checkAndRecord('api'))).toBe(true)
    expect(store.query('api').lastMinutes(1).sum()).toEqual(O.some(3))
    expect(store.query('api').lastHours(3).sum()).toEqual(O.some(4))
  })

  it('expire after their lifetime, releasing the slot without recording', () => {
    const clock = TestClock.at(Date.UTC(2026, 0, 1, 12))
    const store = EventStore.builder().withClock(clock).timeZone('UTC').build()
    const api = store.limit().atMost('api', 1, 'days')
    const held = api.reserve('api')
    expect(E.isRight(held) && held.right.expiresAt).toBe(Date.UTC(2026, 0, 1, 12, 1))
    expect(api.allowed('api')).toBe(false)
    clock.advance({ seconds: 60 })
    expect(api.allowed('api')).toBe(true)
    expect(E.isRight(held) && E.isLeft(held.right.commit())).toBe(true)
    expect(store.query('api').lastDays(1).sum()).toEqual(O.none)
    expect(E.isLeft(api.reserve('api', { expiresAfter: { hours: -1 } }))).toBe(true)
  })
})
