// The store as users meet it: recording in every form, the query builders, multi-event queries,
// sync, inspection, and every kind of bad input refused with a typed error and no change.
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { Temporal } from '@js-temporal/polyfill'
import { describe, expect, it } from 'vitest'
import { Counter, EventStore, TestClock } from 'tiny-counter'

const H = 3_600_000
const D = 24 * H
const start = Date.UTC(2026, 10, 25, 12) // Wednesday 25 November 2026, 12:00 UTC

const setup = (zone = 'UTC') => {
  const clock = TestClock.at(start)
  const store = EventStore.builder().withClock(clock.copy()).timeZone(zone).build()
  return { clock, store }
}

/** Everything a user can observe of a store. */
const snapshot = (store: EventStore) => ({ counters: structuredClone(store.exportAll()), dirty: store.exportDirty(), isDirty: store.isDirty() })

describe('recording', () => {
  it('records now, with counts, at instants and ago, in every unit at once', () => {
    const { store } = setup()
    store.record('e')
    store.recordCount('e', 4)
    store.recordAt('e', start - 2 * D)
    store.recordCountAt('e', 2, Temporal.Instant.fromEpochMilliseconds(start - 40 * D))
    store.recordAgo('e', { hours: 3 })
    store.recordCountAgo('e', 3, Temporal.Duration.from({ minutes: 30 }))
    const q = store.query('e')
    expect(q.lastMinutes(60).sum()).toEqual(O.some(8))
    expect(q.lastHours(24).sum()).toEqual(O.some(9))
    expect(q.lastDays(7).sum()).toEqual(O.some(10))
    expect(q.lastMonths(12).sum()).toEqual(O.some(12))
    expect(q.ever().sum()).toEqual(O.some(12))
    expect(q.lastWeeks(1).sum()).toEqual(O.none)
    expect(q.lastSeconds(60).sum()).toEqual(O.none)
  })

  it('creates the event with recordCount 0', () => {
    const { store } = setup()
    store.recordCount('e', 0)
    expect(store.query('e').lastDays(7).sum()).toEqual(O.some(0))
    expect(store.query('e').lastSeen()).toEqual(O.none)
    expect(store.isDirty()).toBe(true)
  })

  it('follows the clock', () => {
    const { clock, store } = setup()
    store.record('e')
    clock.advance({ days: 1 })
    expect(store.query('e').lastDays(1).sum()).toEqual(O.some(0))
    expect(store.query('e').lastDays(2).sum()).toEqual(O.some(1))
    clock.advance(40 * D)
    expect(store.query('e').lastDays(32).sum()).toEqual(O.some(0))
    expect(store.query('e').ever().sum()).toEqual(O.some(1))
  })

  const refusals: ReadonlyArray<readonly [string, (store: EventStore) => E.Either<Error & { _tag: string }, void>, string]> = [
    ['a negative count', (s) => s.recordCount('e', -1), 'InvalidCount'],
    ['a fractional count', (s) => s.recordCount('e', 1.5), 'InvalidCount'],
    ['a NaN count', (s) => s.recordCount('e', Number.NaN), 'InvalidCount'],
    ['an infinite count', (s) => s.recordCountAt('e', Number.POSITIVE_INFINITY, start), 'InvalidCount'],
    ['a NaN timestamp', (s) => s.recordAt('e', Number.NaN), 'InvalidInstant'],
    ['an invalid Date', (s) => s.recordAt('e', new Date('soon')), 'InvalidInstant'],
    ['a future timestamp', (s) => s.recordAt('e', start + 1), 'FutureEvent'],
    ['a negative duration', (s) => s.recordAgo('e', { hours: -1 }), 'InvalidDuration'],
    ['a negative millisecond duration', (s) => s.recordCountAgo('e', 2, -5), 'InvalidDuration'],
    ['a duration in months', (s) => s.recordAgo('e', { months: 1 }), 'InvalidDuration'],
    ['a misspelt duration field', (s) => s.recordAgo('e', { hour: 1 } as never), 'InvalidDuration'],
    ['a non-string event name', (s) => s.record(42 as never), 'InvalidEventName'],
    ['an empty event name', (s) => s.recordCount('', 1), 'InvalidEventName'],
    ['an import that does not decode', (s) => s.importEvent('e', { layout: 'x' } as never), 'DecodeError'],
    ['an import with one bad counter among good ones', (s) => s.importAll({ good: s.exportAll()['e'], bad: { heads: [] } }), 'DecodeError'],
    ['a merge with negative counts', (s) => s.mergeEvent('e', { ...s.exportAll()['e']!, newest: [-1, 0, 0, 0] }), 'DecodeError'],
    ['a merge with a non-string name', (s) => s.mergeAll(new Map([[7 as never, s.exportAll()['e']]])), 'InvalidEventName']
  ]

  it.each(refusals)('refuses %s with a typed error and changes nothing', (_case, act, tag) => {
    const { store } = setup()
    store.recordCount('e', 3)
    store.resetDirty()
    store.record('other')
    const before = snapshot(store)
    const result = act(store)
    expect(E.isLeft(result) && result.left._tag).toBe(tag)
    expect(E.isLeft(result) && result.left.message.length).toBeGreaterThan(10)
    expect(snapshot(store)).toEqual(before)
  })

  it('throws typed errors for malformed queries and changes nothing', () => {
    const { store } = setup()
    store.record('e')
    const before = snapshot(store)
    expect(() => store.query('e').lastDays(-1)).toThrow(expect.objectContaining({ _tag: 'InvalidWindow' }))
    expect(() => store.query('e').lastDays(2.5)).toThrow(expect.objectContaining({ _tag: 'InvalidWindow' }))
    expect(() => store.query('e').firstSeenIn('fortnights' as never)).toThrow(expect.objectContaining({ _tag: 'UnknownUnit' }))
    expect(() => store.query('e').last(3, 'fortnights' as never)).toThrow(expect.objectContaining({ _tag: 'UnknownUnit' }))
    expect(() => store.query(undefined as never)).toThrow(expect.objectContaining({ _tag: 'InvalidEventName' }))
    expect(snapshot(store)).toEqual(before)
  })
})

describe('the builder', () => {
  it('replaces the default layout with exactly the units named; the last call for a unit wins', () => {
    expect(EventStore.builder().trackDays(7).trackHours(12).trackDays(14).build().trackedIntervals()).toEqual([['hours', 12], ['days', 14]])
  })

  it('has presets for rate limiting and analytics', () => {
    expect(EventStore.builder().forRateLimiting().build().trackedIntervals()).toEqual([['seconds', 60], ['minutes', 60], ['hours', 24]])
    expect(EventStore.builder().forAnalytics().trackWeeks(104).build().trackedIntervals())
      .toEqual([['hours', 24], ['days', 56], ['weeks', 104], ['months', 12], ['years', 4]])
  })

  it('is an immutable value', () => {
    const base = EventStore.builder().trackDays(7)
    base.trackHours(24)
    expect(base.build().trackedIntervals()).toEqual([['days', 7]])
  })

  it('refuses bad configurations with typed errors', () => {
    expect(E.isLeft(EventStore.builder().trackHours(-1).buildEither())).toBe(true)
    expect(() => EventStore.builder().trackMinutes(0.5).build()).toThrow(expect.objectContaining({ _tag: 'InvalidBucketCount' }))
    expect(() => EventStore.builder().alignment('lunar' as never).build()).toThrow(expect.objectContaining({ _tag: 'InvalidLayout' }))
    expect(() => EventStore.builder().timeZone('Nowhere').build()).toThrow(expect.objectContaining({ _tag: 'UnknownTimeZone' }))
  })

  it('uses calendar days in the chosen zone, or uniform ones', () => {
    const clock = TestClock.at(Date.UTC(2026, 10, 25, 23, 30)) // 25 Nov 23:30 UTC = 26 Nov 05:00 in Kolkata
    const kolkata = EventStore.builder().withClock(clock).timeZone('Asia/Kolkata').build()
    kolkata.recordAt('e', Date.UTC(2026, 10, 25, 17)) // 25 Nov 22:30 in Kolkata: yesterday there
    expect(kolkata.query('e').lastDays(1).sum()).toEqual(O.some(0))
    const utc = EventStore.builder().withClock(clock).timeZone('UTC').build()
    utc.recordAt('e', Date.UTC(2026, 10, 25, 17))
    expect(utc.query('e').lastDays(1).sum()).toEqual(O.some(1))
    const uniform = EventStore.builder().withClock(clock).alignment('uniform').trackMonths(2).build()
    uniform.recordAt('e', Date.UTC(2026, 10, 1))
    expect(uniform.query('e').lastMonths(1).sum()).toEqual(O.some(0)) // 30-day months from the epoch
  })
})

describe('queries', () => {
  const { clock, store } = setup()
  for (const [daysAgo, n] of [[0, 1], [1, 2], [3, 3], [8, 4], [10, 5], [20, 6]] as const) store.recordCountAt('e', n, start - daysAgo * D)
  store.recordCount('visits', 20)
  store.recordCount('purchases', 5)

  it('ranges, daysFrom and aggregations', () => {
    expect(store.query('e').days(0, 7).sum()).toEqual(O.some(6))
    expect(store.query('e').days(7, 14).sum()).toEqual(O.some(9))
    expect(store.query('e').daysFrom(14).take(7).sum()).toEqual(O.some(6))
    expect(store.query('e').lastDays(28).average()).toEqual(O.some(21 / 28))
    expect(store.query('e').lastDays(28).averageNonzero()).toEqual(O.some(21 / 6))
    expect(store.query('e').lastDays(28).countNonzero()).toEqual(O.some(6))
    expect(store.query('e').lastDays(2).buckets()).toEqual(O.some([[0, 1], [1, 2]]))
  })

  it('answers lastSeconds ... lastYears exactly as last(n, unit) and as a one-event queryMany', () => {
    const q = store.query('e')
    const many = store.queryMany(['e'])
    const named = [
      ['seconds', (n: number) => q.lastSeconds(n), (n: number) => many.lastSeconds(n)],
      ['minutes', (n: number) => q.lastMinutes(n), (n: number) => many.lastMinutes(n)],
      ['hours', (n: number) => q.lastHours(n), (n: number) => many.lastHours(n)],
      ['days', (n: number) => q.lastDays(n), (n: number) => many.lastDays(n)],
      ['weeks', (n: number) => q.lastWeeks(n), (n: number) => many.lastWeeks(n)],
      ['months', (n: number) => q.lastMonths(n), (n: number) => many.lastMonths(n)],
      ['years', (n: number) => q.lastYears(n), (n: number) => many.lastYears(n)]
    ] as const
    for (const [unit, ours, theirs] of named) {
      for (const n of [0, 1, 2, 7, 21, 200]) {
        const answers = [ours(n), q.last(n, unit), theirs(n)].map((range) => [range.sum(), range.buckets(), range.countNonzero()])
        expect(answers[0], `${unit} ${n}`).toEqual(answers[1])
        expect(answers[0], `${unit} ${n}`).toEqual(answers[2])
      }
    }
    expect(q.lastDays(21).sum()).toEqual(O.some(21))
    expect(() => q.lastDays(-1)).toThrow(expect.objectContaining({ name: 'InvalidWindow' }))
    expect(() => q.lastHours(1.5)).toThrow(expect.objectContaining({ name: 'InvalidWindow' }))
  })

  it('first and last seen', () => {
    expect(store.query('e').lastSeen()).toEqual(O.some(0))
    expect(store.query('e').firstSeenIn('days')).toEqual(O.some(20 * D))
    expect(store.query('nothing').firstSeen()).toEqual(O.none)
    expect(clock.now()).toBe(start)
  })

  it('many, ratio and delta', () => {
    expect(store.queryMany(['e', 'visits', 'missing']).lastDays(1).sum()).toEqual(O.some(21))
    expect(store.queryMany(['e', 'visits']).lastDays(2).countNonzero()).toEqual(O.some(2))
    expect(store.queryMany(['visits', 'visits']).lastDays(1).sum()).toEqual(O.some(20))
    expect(store.queryRatio('purchases', 'visits').lastDays(7)).toEqual(O.some(0.25))
    expect(store.queryRatio('purchases', 'missing').lastDays(7)).toEqual(O.none)
    expect(store.queryRatio('purchases', 'visits').lastWeeks(1)).toEqual(O.none)
    expect(store.queryDelta('visits', 'purchases').lastDays(7).sum()).toEqual(15)
    expect(store.queryDelta('missing', 'purchases').ever().sum()).toEqual(-5)
    expect(store.queryDelta('visits', 'purchases').lastDays(4).average()).toEqual(15 / 4)
  })
})

describe('sync', () => {
  it('exports all or only dirty events, and resets the dirty set', () => {
    const { store } = setup()
    store.record('a')
    store.record('b')
    expect(Object.keys(store.exportDirty()).sort()).toEqual(['a', 'b'])
    store.resetDirty()
    expect(store.isDirty()).toBe(false)
    store.record('c')
    expect(Object.keys(store.exportDirty())).toEqual(['c'])
    expect(Object.keys(store.exportAll()).sort()).toEqual(['a', 'b', 'c'])
  })

  it('imports replace, merges add, and both mark the events dirty', () => {
    const { store } = setup()
    const { store: other } = setup()
    store.recordCount('e', 100)
    other.recordCount('e', 50)
    store.resetDirty()
    store.mergeAll(other.exportAll())
    expect(store.query('e').ever().sum()).toEqual(O.some(150))
    expect(store.isDirty()).toBe(true)
    store.importEvent('e', other.exportAll()['e']!)
    expect(store.query('e').ever().sum()).toEqual(O.some(50))
    store.merge(other)
    expect(store.query('e').ever().sum()).toEqual(O.some(100))
  })

  it('survives JSON between devices and keeps names such as __proto__', () => {
    const { store } = setup()
    store.recordCount('__proto__', 2)
    store.recordCount('a/b:..', 3)
    const wire = JSON.parse(JSON.stringify(store.exportAll())) as Record<string, unknown>
    const { store: device } = setup()
    expect(device.mergeAll(wire)).toEqual(E.right(undefined))
    expect(device.query('__proto__').ever().sum()).toEqual(O.some(2))
    expect(device.query('a/b:..').ever().sum()).toEqual(O.some(3))
  })

  it('converts counters of another layout on import', () => {
    const { store } = setup()
    const clock = TestClock.at(start)
    const weekly = EventStore.builder().withClock(clock).timeZone('UTC').trackDays(7).trackWeeks(4).build()
    weekly.recordCountAt('e', 2, start - 2 * D)
    store.mergeAll(weekly.exportAll())
    const imported = store.exportAll()['e']!
    expect(imported.layout).toBe(store.layout)
    expect(store.query('e').lastDays(7).sum()).toEqual(O.some(2))
    expect(store.query('e').lastHours(24).sum()).toEqual(O.some(0)) // hours were not tracked there
    expect(Counter.isEmpty(imported)).toBe(false)
  })
})

describe('inspection', () => {
  it('reports tracked intervals and a memory estimate that grows with events', () => {
    const { store } = setup()
    expect(store.trackedIntervals()).toEqual([['minutes', 60], ['hours', 24], ['days', 32], ['months', 12]])
    const empty = store.memoryUsage()
    for (let i = 0; i < 100; i++) store.record(`event-${i}`)
    expect(store.memoryUsage() - empty).toBeGreaterThan(100 * 200)
    expect(store.memoryUsage() - empty).toBeLessThan(100 * 800)
    expect(store.events()).toHaveLength(100)
  })
})
