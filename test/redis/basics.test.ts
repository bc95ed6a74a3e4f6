import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { describe, expect, it, vi } from 'vitest'
import { Counter, TestClock } from 'tiny-counter'
import { Limit } from 'tiny-counter'
import type { RedisStore } from 'tiny-counter/redis'
import { client, connect, freshPrefix } from './connect.ts'

describe('RedisStore basics', () => {
  it('records and queries', async () => {
    const clock = TestClock.at(Date.UTC(2026, 0, 10, 12))
    const store = await connect({ clock })
    expect(await store.recordCount('a', 3)).toEqual(E.right(undefined))
    expect(await store.query('a').lastDays(1).sum()).toEqual(E.right(O.some(3)))
    clock.advance({ days: 1 })
    await store.record('a')
    expect(await store.query('a').lastDays(2).buckets()).toEqual(E.right(O.some([[0, 1], [1, 3]])))
  })
  it('limits', async () => {
    const clock = TestClock.at(Date.UTC(2026, 0, 5, 10, 0, 45))
    const store = await connect({ clock })
    const api = store.limit().atMost('x', 2, 'minutes').atMost('x', 100, 'hours')
    expect(await api.checkAndRecord('x')).toEqual(E.right(undefined))
    expect(await api.checkAndRecord('x')).toEqual(E.right(undefined))
    const refused = await api.checkAndRecord('x')
    expect(E.isLeft(refused) && refused.left._tag === 'LimitExceeded' && refused.left.retryAfter).toEqual(O.some(15_000))
  })
  it("decides on Redis's clock when this machine's clock is minutes off (the skew policy)", async () => {
    const store = await connect()
    const now = Date.now
    // From here on this machine's clock runs 7 minutes fast: the first call's frame is wrong, the
    // script writes nothing and answers with its time, and the call is sent again with the right one.
    const skewed = vi.spyOn(Date, 'now').mockImplementation(() => now() + 7 * 60_000)
    try {
      const api = store.limit().atMost('x', 2, 'minutes')
      expect(await api.checkAndRecord('x')).toEqual(E.right(undefined))
      expect(await api.checkAndRecord('x')).toEqual(E.right(undefined))
      const refused = await api.checkAndRecord('x')
      expect(E.isLeft(refused) && refused.left._tag).toBe('LimitExceeded')
      // Every call landed in Redis's current minute, and the refusal waits until it ends.
      expect(await store.query('x').lastMinutes(1).sum()).toEqual(E.right(O.some(2)))
      const wait = E.isLeft(refused) && refused.left._tag === 'LimitExceeded' ? O.getOrElse(() => -1)(refused.left.retryAfter) : -1
      expect(wait).toBeGreaterThan(0)
      expect(wait).toBeLessThanOrEqual(60_000)
    } finally {
      skewed.mockRestore()
    }
  })
  it('counts a reservation on an event never recorded, which is no event until recorded, and keeps its hash for the whole range then', async () => {
    const prefix = freshPrefix()
    const [first, second] = [await connect({ prefix }), await connect({ prefix })]
    const once = (store: RedisStore) => store.limit().atMost('job', 1, 'hours')
    const held = await once(first).reserve('job', { expiresAfter: { seconds: 30 } })
    expect(E.isRight(held)).toBe(true)
    // The hash marks the reservation (_r) for every process, but holds no event yet.
    expect(await second.events()).toEqual(E.right([]))
    expect(await second.query('job').ever().sum()).toEqual(E.right(O.none))
    expect(await second.exportAll()).toEqual(E.right({}))
    const refused = await once(second).checkAndRecord('job')
    expect(E.isLeft(refused) && refused.left._tag).toBe('LimitExceeded')
    // An import that replaces the event keeps the mark: the slot is still counted.
    expect(await second.importAll({ job: Counter.empty(second.layout) })).toEqual(E.right(undefined))
    expect(E.isLeft(await once(second).checkAndRecord('job'))).toBe(true)
    if (E.isRight(held)) await held.right.cancel()
    expect(await once(second).checkAndRecord('job')).toEqual(E.right(undefined))
    expect(await second.events()).toEqual(E.right(['job']))
    // The hash made for the reservation (kept for 30 s) is now kept until the end of the range.
    expect(await client().pttl(`{${prefix}:job}`)).toBeGreaterThan(60 * 60_000)
  })
  it('limits on Redis time', async () => {
    const store = await connect()
    const api = store.limit().atMost('x', 2, 'hours').cooldown('y', { minutes: 1 })
    expect(await api.checkAndRecord('x')).toEqual(E.right(undefined))
    expect(await api.checkAndRecord('x')).toEqual(E.right(undefined))
    expect(E.isLeft(await api.checkAndRecord('x'))).toBe(true)
    expect(await store.query('x').lastHours(1).sum()).toEqual(E.right(O.some(2)))
  })
  it('keeps an event as docs/REDIS.md says: a meta field "x h1 .. hU c1 .. cU" and a field per older bucket', async () => {
    const clock = TestClock.at(Date.UTC(2026, 0, 5, 10, 30, 15))
    const prefix = freshPrefix()
    const store = await connect({ prefix, clock, preset: 'rateLimiting' })
    const api = store.limit().atMost('api', 10, 'minutes')
    expect(await api.checkAndRecord('api')).toEqual(E.right(undefined))
    const t = clock.now()
    const [second, minute, hour] = [Math.floor(t / 1_000), Math.floor(t / 60_000), Math.floor(t / 3_600_000)]
    // Kept until the end of the range of the unit reaching furthest ahead: 24 hours from this hour.
    const keptUntil = (hour + 24) * 3_600_000
    expect(await client().hgetall(`{${prefix}:api}`)).toEqual({ _: `${keptUntil} ${second} ${minute} ${hour} 1 1 1` })
    // 50 seconds later, in the next minute: the second and the minute heads moved, and their old
    // counts have fields of their own.
    clock.advance({ seconds: 50 })
    expect(await api.checkAndRecord('api')).toEqual(E.right(undefined))
    expect(await client().hgetall(`{${prefix}:api}`)).toEqual({
      _: `${keptUntil} ${second + 50} ${minute + 1} ${hour} 1 1 2`,
      [`s${second}`]: '1',
      [`m${minute}`]: '1'
    })
    expect(await store.query('api').lastMinutes(2).sum()).toEqual(E.right(O.some(2)))
    expect(await store.query('api').lastSeconds(60).sum()).toEqual(E.right(O.some(2)))
    // An event created with nothing in it: "x" alone.
    expect(await store.recordCount('empty', 0)).toEqual(E.right(undefined))
    expect(Object.keys(await client().hgetall(`{${prefix}:empty}`))).toEqual(['_'])
    expect(await store.events()).toEqual(E.right(['api', 'empty']))
  })
  it('refuses a prefix written under an earlier data model, as it refuses another layout', async () => {
    const prefix = freshPrefix()
    const store = await connect({ prefix })
    // What a store of data model 1 recorded: the layout alone; of data model 2: the layout and the model.
    await client().set(`{${prefix}}:layout`, JSON.stringify(store.layout))
    await expect(connect({ prefix })).rejects.toMatchObject({ name: 'RedisLayoutMismatch', prefix })
    await client().set(`{${prefix}}:layout`, JSON.stringify({ dataModel: 2, layout: store.layout }))
    await expect(connect({ prefix })).rejects.toMatchObject({ name: 'RedisLayoutMismatch', prefix })
    await client().set(`{${prefix}}:layout`, 'not json {')
    await expect(connect({ prefix })).rejects.toMatchObject({ name: 'RedisLayoutMismatch' })
  })
  it('answers each of 100 limits by its own constraints when calls of all of them interleave (the script keeps at most 64 parsed texts)', async () => {
    const store = await connect()
    // Limit k allows k calls an hour on its own event (100 texts); every limit is asked 3 times, in turns.
    const limits = Array.from({ length: 100 }, (_, k) => store.limit(Limit.policy().atMost(k, 'hours').atMost(1_000, 'days')))
    const passed = Array.from({ length: 100 }, () => 0)
    for (let turn = 0; turn < 3; turn++) {
      const answers = await Promise.all(limits.map((limit, k) => limit.checkAndRecord(`e${k}`)))
      answers.forEach((answer, k) => {
        if (E.isRight(answer)) passed[k]!++
        else expect(answer.left._tag).toBe('LimitExceeded')
      })
    }
    expect(passed).toEqual(Array.from({ length: 100 }, (_, k) => Math.min(k, 3)))
  })
})
