// Counters as values: recording past and present, rotation, merging, conversion between layouts,
// saturation, refusals that change nothing, and the plain-data promise (JSON, structuredClone, Immer).
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { pipe } from 'fp-ts/lib/function.js'
import { freeze, produce } from 'immer'
import { describe, expect, it } from 'vitest'
import { Counter, Layout, Query, Window } from 'tiny-counter'
import type { Counter as CounterT } from '../src/Counter.ts'
import type { Layout as LayoutT } from '../src/Layout.ts'

const H = 3_600_000
const D = 24 * H
const now = Date.UTC(2026, 10, 25, 12) // Wednesday 25 November 2026, 12:00 UTC
const layoutOf = (counts: Parameters<typeof Layout.make>[0], options: Parameters<typeof Layout.make>[1] = { timeZone: 'UTC' }): LayoutT =>
  pipe(Layout.make(counts, options), E.getOrElseW((e) => { throw e }))
const right = <A>(result: E.Either<Error, A>): A => pipe(result, E.getOrElseW((e) => { throw e }))
const recordAll = (layout: LayoutT, events: ReadonlyArray<readonly [number, number]>): CounterT =>
  events.reduce((c, [at, n]) => right(Counter.record(c, at, n)), Counter.empty(layout))
const sum = (c: CounterT, window: Parameters<typeof Query.sum>[1], at = now) => Query.sum(c, window, at)

describe('record', () => {
  it('adds to the current bucket of every unit', () => {
    const c = recordAll(Layout.utc, [[now, 2], [now, 3]])
    expect(c.newest).toEqual([5, 5, 5, 5])
    expect(c.older).toEqual([[], [], [], []])
    expect(Counter.toBuckets(c)).toEqual([[5], [5], [5], [5]])
    expect(sum(c, Window.last(1, 'minutes'))).toEqual(O.some(5))
  })

  it('puts a past instant in the right bucket of each unit, and drops it from units too short', () => {
    const c = recordAll(Layout.utc, [[now, 1], [now - 3 * H, 1], [now - 40 * D, 1]])
    const buckets = Counter.toBuckets(c)
    expect(buckets[0]).toEqual([1]) // minutes: only now
    expect(buckets[1]).toEqual([1, 0, 0, 1]) // hours: now and 3 hours ago
    expect(buckets[2]).toEqual([2]) // days: both today; 40 days ago is too old for 32 days
    expect(buckets[3]).toEqual([2, 1]) // months: November (2) and October (1)
    expect(sum(c, Window.ever)).toEqual(O.some(3))
  })

  it('rotates forward when the instant is later than the newest bucket', () => {
    const c = recordAll(Layout.utc, [[now - 2 * D, 4], [now, 1]])
    expect(Counter.toBuckets(c)[2]).toEqual([1, 0, 4])
    expect(Query.buckets(c, Window.last(3, 'days'), now)).toEqual(O.some([[0, 1], [1, 0], [2, 4]]))
  })

  it('with a count of 0 creates the buckets but no data', () => {
    const c = right(Counter.record(Counter.empty(Layout.utc), now, 0))
    expect(Counter.isEmpty(c)).toBe(false)
    expect(c.newest).toEqual([0, 0, 0, 0])
    expect(Counter.toBuckets(c)).toEqual([[], [], [], []])
    expect(sum(c, Window.last(7, 'days'))).toEqual(O.some(0))
    expect(Query.lastSeen(c, now)).toEqual(O.none)
  })

  it.each([
    ['a negative count', now, -1, 'InvalidCount'],
    ['a fractional count', now, 0.5, 'InvalidCount'],
    ['NaN', now, Number.NaN, 'InvalidCount'],
    ['Infinity', now, Number.POSITIVE_INFINITY, 'InvalidCount'],
    ['a count beyond MAX_SAFE_INTEGER', now, 2 ** 53, 'InvalidCount'],
    ['a NaN instant', Number.NaN, 1, 'InvalidInstant'],
    ['a fractional instant', now + 0.5, 1, 'InvalidInstant'],
    ['an instant beyond Temporal’s range', 9e15, 1, 'InvalidInstant']
  ])('refuses %s and changes nothing', (_case, at, n, tag) => {
    const before = recordAll(Layout.utc, [[now, 7]])
    const snapshot = structuredClone(before)
    const result = Counter.record(before, at, n)
    expect(E.isLeft(result) && result.left._tag).toBe(tag)
    expect(E.isLeft(result) && result.left.message).toMatch(/must be/)
    expect(before).toEqual(snapshot)
    expect(E.isLeft(Counter.singleton(Layout.utc, at, n))).toBe(true)
  })

  it('saturates at MAX_COUNT instead of losing precision', () => {
    const c = recordAll(Layout.utc, [[now, Counter.MAX_COUNT], [now, 5], [now - D, Counter.MAX_COUNT]])
    expect(Counter.toBuckets(c)[2]).toEqual([Counter.MAX_COUNT, Counter.MAX_COUNT])
    expect(sum(c, Window.last(7, 'days'))).toEqual(O.some(Counter.MAX_COUNT))
  })
})

describe('rotate', () => {
  it('moves every unit forward and drops what falls off the end', () => {
    const c = recordAll(Layout.utc, [[now, 1]])
    const later = Counter.rotate(c, now + 33 * D)
    expect(Counter.toBuckets(later)).toEqual([[], [], [], [0, 1]])
    expect(later.newest).toEqual([0, 0, 0, 0])
    expect(later.older).toEqual([[], [], [], [1]])
    expect(sum(later, Window.last(32, 'days'), now + 33 * D)).toEqual(O.some(0))
    expect(sum(later, Window.ever, now + 33 * D)).toEqual(O.some(1))
  })

  it('never moves backwards and returns the same value when nothing changes', () => {
    const c = recordAll(Layout.utc, [[now, 1]])
    expect(Counter.rotate(c, now - 5 * D)).toBe(c)
    expect(Counter.rotate(c, now)).toBe(c)
    expect(Counter.rotate(Counter.empty(Layout.utc), now)).toEqual(Counter.empty(Layout.utc))
  })

  it('throws the typed error for a value that is not an instant', () => {
    expect(() => Counter.rotate(Counter.empty(Layout.utc), Number.NaN)).toThrow(expect.objectContaining({ _tag: 'InvalidInstant' }))
  })
})

describe('merge', () => {
  it('adds counts after aligning to the later head (100 + 50 = 150)', () => {
    const a = recordAll(Layout.utc, [[now - D, 100]])
    const b = recordAll(Layout.utc, [[now, 50]])
    const merged = Counter.merge(a, b)
    expect(Counter.toBuckets(merged)[2]).toEqual([50, 100])
    expect(sum(merged, Window.ever)).toEqual(O.some(150))
    expect(Counter.Eq.equals(merged, Counter.merge(b, a))).toBe(true)
  })

  it('converts a counter of another layout to its own first', () => {
    const week = layoutOf({ days: 7 })
    const merged = Counter.merge(recordAll(Layout.utc, [[now, 1]]), recordAll(week, [[now - 2 * D, 2]]))
    expect(merged.layout).toBe(Layout.utc)
    expect(sum(merged, Window.last(7, 'days'))).toEqual(O.some(3))
    expect(sum(merged, Window.last(1, 'months'))).toEqual(O.some(1)) // the other counter had no months
  })
})

describe('convert', () => {
  const weekly = recordAll(layoutOf({ days: 7, months: 2 }), [0, 1, 2, 3, 4, 5, 6].map((d) => [now - d * D, d + 1] as const))

  it('expanding keeps the data and adds empty buckets', () => {
    const expanded = Counter.convert(weekly, layoutOf({ days: 28, months: 2 }))
    expect(sum(expanded, Window.last(28, 'days'))).toEqual(O.some(28))
    expect(Query.buckets(expanded, Window.days(6, 8), now)).toEqual(O.some([[6, 7], [7, 0]]))
  })

  it('shrinking keeps the most recent buckets', () => {
    const shrunk = Counter.convert(weekly, layoutOf({ days: 3, months: 2 }))
    expect(Counter.toBuckets(shrunk)[0]).toEqual([1, 2, 3])
    expect(sum(shrunk, Window.last(7, 'days'))).toEqual(O.some(6))
  })

  it('new units start at zero and removed units are dropped', () => {
    const changed = Counter.convert(weekly, layoutOf({ hours: 24, days: 7 }))
    expect(sum(changed, Window.last(24, 'hours'))).toEqual(O.some(0))
    expect(sum(changed, Window.last(7, 'days'))).toEqual(O.some(28))
    expect(sum(changed, Window.last(2, 'months'))).toEqual(O.none)
    // New units keep counting from the right bucket.
    expect(sum(right(Counter.record(changed, now, 1)), Window.last(1, 'hours'))).toEqual(O.some(1))
  })

  it('to an equal layout only swaps in the target layout object', () => {
    const target = structuredClone(weekly.layout)
    const converted = Counter.convert(weekly, target)
    expect(converted.layout).toBe(target)
    expect(converted.heads).toBe(weekly.heads)
    expect(converted.newest).toBe(weekly.newest)
    expect(converted.older).toBe(weekly.older)
  })

  it('to another time zone keeps the counts, newest first', () => {
    const berlin = Counter.convert(weekly, layoutOf({ days: 7, months: 2 }, { timeZone: 'Europe/Berlin' }))
    expect(sum(berlin, Window.last(7, 'days'), now)).toEqual(O.some(28))
    expect(Query.buckets(berlin, Window.last(2, 'days'), now)).toEqual(O.some([[0, 1], [1, 2]]))
  })
})

describe('representation: the newest bucket apart from the older ones', () => {
  // minutes: 3 hours ago is too old; hours: now and 3 hours ago; days: today and 2 days ago; months: November
  const c = recordAll(Layout.utc, [[now - 2 * D, 4], [now - 3 * H, 2], [now, 1]])

  it('keeps the newest count of each unit apart, and the older buckets newest first without trailing zeros', () => {
    expect(c.newest).toEqual([1, 1, 3, 7])
    expect(c.older).toEqual([[], [0, 0, 2], [0, 4], []])
    expect(Counter.toBuckets(c)).toEqual([[1], [1, 0, 0, 2], [3, 0, 4], [7]])
  })

  it('a record into the newest buckets copies the newest counts alone', () => {
    const recorded = right(Counter.record(c, now + 30_000, 3))
    expect(recorded.newest).toEqual([4, 4, 6, 10])
    expect(recorded.heads).toBe(c.heads)
    expect(recorded.older).toBe(c.older)
    expect(c.newest).toEqual([1, 1, 3, 7]) // the input is untouched
  })

  it('a record into an older bucket copies that unit’s older buckets alone', () => {
    const recorded = right(Counter.record(c, now - D, 5)) // minutes and hours: too old; days: yesterday; months: November
    expect(recorded.newest).toEqual([1, 1, 3, 12])
    expect(recorded.older).toEqual([[], [0, 0, 2], [5, 4], []])
    expect(recorded.heads).toBe(c.heads)
    for (const u of [0, 1, 3]) expect(recorded.older[u]).toBe(c.older[u])
    expect(c.older[2]).toEqual([0, 4])
  })

  it('moving to a new bucket turns the newest count into the first older bucket', () => {
    const later = Counter.rotate(c, now + H)
    expect(later.newest).toEqual([0, 0, 3, 7])
    expect(later.older).toEqual([[], [1, 0, 0, 2], [0, 4], []]) // minutes: 60 minutes on, all of them gone
    expect(later.older[2]).toBe(c.older[2])
    expect(Counter.toBuckets(later)).toEqual([[], [0, 1, 0, 0, 2], [3, 0, 4], [7]])
  })

  it('toBuckets and fromBuckets turn a counter into the bucket table and back, dropping trailing zeros', () => {
    expect(Counter.Eq.equals(Counter.fromBuckets(Layout.utc, c.heads, Counter.toBuckets(c)), c)).toBe(true)
    const padded = Counter.fromBuckets(Layout.utc, c.heads, [[1, 0], [1, 0, 0, 2, 0, 0], [3, 0, 4, 0], [7, 0]])
    expect(padded.older).toEqual(c.older)
    expect(Counter.Eq.equals(padded, c)).toBe(true)
    const zeros = Counter.fromBuckets(Layout.utc, c.heads, [[], [0, 0], [0, 5], [0]])
    expect(zeros.newest).toEqual([0, 0, 0, 0])
    expect(zeros.older).toEqual([[], [], [5], []])
    expect(Counter.toBuckets(zeros)).toEqual([[], [], [0, 5], []])
    expect(Counter.toBuckets(Counter.empty(Layout.utc))).toEqual([])
    expect(Counter.isEmpty(Counter.fromBuckets(Layout.utc, [], []))).toBe(true)
  })
})

describe('plain data', () => {
  const c = recordAll(Layout.standard({ timeZone: 'Europe/Berlin' }), [[now - 3 * D, 2], [now, 1]])

  it('survives JSON and structuredClone with equal answers', () => {
    for (const copy of [JSON.parse(JSON.stringify(c)) as CounterT, structuredClone(c)]) {
      expect(Counter.Eq.equals(copy, c)).toBe(true)
      expect(sum(copy, Window.last(7, 'days'))).toEqual(O.some(3))
      expect(sum(right(Counter.record(copy, now, 1)), Window.last(7, 'days'))).toEqual(O.some(4))
    }
  })

  it('accepts deeply frozen values (Immer auto-freeze) and never mutates its inputs', () => {
    const frozen = freeze(structuredClone(c), true)
    const recorded = right(Counter.record(frozen, now, 5))
    const merged = Counter.merge(frozen, frozen)
    const rotated = Counter.rotate(frozen, now + 40 * D)
    expect(sum(recorded, Window.last(1, 'days'))).toEqual(O.some(6))
    expect(sum(merged, Window.last(7, 'days'))).toEqual(O.some(6))
    expect(sum(rotated, Window.ever, now + 40 * D)).toEqual(O.some(3))
    expect(Counter.Eq.equals(frozen, c)).toBe(true)
  })

  it('works on a draft inside Immer’s produce', () => {
    const state = freeze({ launches: c }, true)
    const next = produce(state, (draft) => {
      draft.launches = right(Counter.record(draft.launches, now, 10)) as never
    })
    expect(sum(next.launches, Window.last(1, 'days'))).toEqual(O.some(11))
    expect(sum(state.launches, Window.last(1, 'days'))).toEqual(O.some(1))
    expect(Object.isFrozen(next.launches.newest) && Object.isFrozen(next.launches.older) && next.launches.older.every(Object.isFrozen)).toBe(true)
  })
})
