// The store's remembered sums at the edges (the property that every remembered sum equals the pure
// `Query.sum` is a refinement law: laws/refinement/sums.test.ts): read again at a bucket boundary,
// and small answers shared as one Option object.
import { describe, expect, it } from 'vitest'
import { EventStore, Query, TestClock, Window } from 'tiny-counter'

const ZONE = 'Europe/Berlin'

describe('a remembered sum at a bucket boundary', () => {
  const sumsAround = (lastMillisecond: number): ReadonlyArray<unknown> => {
    const clock = TestClock.at(lastMillisecond)
    const store = EventStore.builder().withClock(clock).timeZone(ZONE).build()
    store.record('e')
    const before = store.query('e').lastDays(1).sum()
    clock.advance(1)
    return [before, store.query('e').lastDays(1).sum()]
  }

  it('is read again at the first millisecond of the next day', () => {
    // 28 March 2026, 23:59:59.999 in Berlin (UTC+1), then midnight.
    expect(sumsAround(Date.UTC(2026, 2, 28, 22, 59, 59, 999))).toEqual([{ _tag: 'Some', value: 1 }, { _tag: 'Some', value: 0 }])
  })

  it('knows that the day of the switch to summer time has 23 hours', () => {
    // 29 March 2026, 23:59:59.999 in Berlin, now UTC+2, then midnight.
    expect(sumsAround(Date.UTC(2026, 2, 29, 21, 59, 59, 999))).toEqual([{ _tag: 'Some', value: 1 }, { _tag: 'Some', value: 0 }])
  })

  it('is read again when the clock is set back into the previous bucket', () => {
    const midnight = Date.UTC(2026, 5, 9, 22) // 10 June 2026, 00:00 in Berlin (UTC+2)
    const clock = TestClock.at(midnight - 1)
    const store = EventStore.builder().withClock(clock).timeZone(ZONE).build()
    store.record('e') // 9 June
    clock.set(midnight)
    expect(store.query('e').lastDays(1).sum()).toEqual({ _tag: 'Some', value: 0 })
    clock.set(midnight - 1_000) // back to 9 June
    expect(store.query('e').lastDays(1).sum()).toEqual({ _tag: 'Some', value: 1 })
  })
})

describe('small answers', () => {
  it('are the very same Option object each time (selectors compare by identity)', () => {
    const clock = TestClock.at(Date.UTC(2026, 5, 9, 12))
    const store = EventStore.builder().withClock(clock).timeZone(ZONE).build()
    store.recordCount('e', 3)
    const first = store.query('e').lastDays(7).sum()
    expect(first).toEqual({ _tag: 'Some', value: 3 })
    expect(store.query('e').lastDays(7).sum()).toBe(first) // remembered
    expect(store.query('e').lastDays(8).sum()).toBe(first) // computed again, same value
    expect(store.query('e').last(7, 'days').sum()).toBe(first) // an equal window: remembered by value
    expect(store.query('e').days(0, 7).sum()).toBe(first)
    expect(Query.sum(store.exportAll().e!, Window.last(7, 'days'), clock.now())).toBe(first)
  })
})
