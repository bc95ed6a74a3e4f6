import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { describe, expect, it } from 'vitest'
import { TestClock } from 'tiny-counter'
import { connect } from './connect.ts'

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
  it('limits on Redis time', async () => {
    const store = await connect()
    const api = store.limit().atMost('x', 2, 'hours').cooldown('y', { minutes: 1 })
    expect(await api.checkAndRecord('x')).toEqual(E.right(undefined))
    expect(await api.checkAndRecord('x')).toEqual(E.right(undefined))
    expect(E.isLeft(await api.checkAndRecord('x'))).toBe(true)
    expect(await store.query('x').lastHours(1).sum()).toEqual(E.right(O.some(2)))
  })
})
