// Queries: none versus some(0), clamping, ranges, averages, `ever`, and the first/last-seen estimates.
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { pipe } from 'fp-ts/lib/function.js'
import { describe, expect, it } from 'vitest'
import { Counter, Layout, Query, Window } from 'tiny-counter'
import type { Counter as CounterT } from '../src/Counter.ts'
import type { Layout as LayoutT } from '../src/Layout.ts'

const M = 60_000
const H = 60 * M
const D = 24 * H
const now = Date.UTC(2026, 10, 25, 12) // Wednesday 25 November 2026, 12:00 UTC
const layoutOf = (counts: Parameters<typeof Layout.make>[0]): LayoutT =>
  pipe(Layout.make(counts, { timeZone: 'UTC' }), E.getOrElseW((e) => { throw e }))
const recordAll = (layout: LayoutT, events: ReadonlyArray<readonly [number, number]>): CounterT =>
  events.reduce((c, [at, n]) => pipe(Counter.record(c, at, n), E.getOrElseW((e) => { throw e })), Counter.empty(layout))

const daily = recordAll(Layout.utc, [[now, 1], [now - D, 2], [now - 3 * D, 3], [now - 8 * D, 4], [now - 10 * D, 5]])

describe('sum and friends', () => {
  it('read the last n buckets, bucket 0 being today so far', () => {
    expect(Query.sum(daily, Window.last(1, 'days'), now)).toEqual(O.some(1))
    expect(Query.sum(daily, Window.last(7, 'days'), now)).toEqual(O.some(6))
    expect(Query.sum(daily, Window.days(7, 14), now)).toEqual(O.some(9))
    expect(Query.sum(daily, Window.range('days', 3, 9), now)).toEqual(O.some(7))
  })

  it('give none for an untracked unit and some(0) for a tracked one without data', () => {
    expect(Query.sum(daily, Window.last(1, 'weeks'), now)).toEqual(O.none)
    expect(Query.sum(daily, Window.last(60, 'seconds'), now)).toEqual(O.none)
    expect(Query.sum(Counter.empty(Layout.utc), Window.last(7, 'days'), now)).toEqual(O.some(0))
    expect(Query.countNonzero(daily, Window.last(1, 'weeks'), now)).toEqual(O.none)
    expect(Query.buckets(daily, Window.last(1, 'weeks'), now)).toEqual(O.none)
  })

  it("answer fp-ts's own none object (the library takes it from fp-ts without importing fp-ts/Option)", () => {
    expect(Query.sum(daily, Window.last(1, 'weeks'), now)).toBe(O.none)
    expect(Query.lastSeen(Counter.empty(Layout.utc), now)).toBe(O.none)
  })
  it('clamp a window larger than the tracked buckets', () => {
    expect(Query.sum(daily, Window.last(1000, 'days'), now)).toEqual(O.some(15))
    expect(pipe(Query.buckets(daily, Window.last(1000, 'days'), now), O.map((b) => b.length))).toEqual(O.some(32))
    expect(Query.average(daily, Window.last(1000, 'days'), now)).toEqual(O.some(15 / 32))
  })

  it('average includes zeros, averageNonzero does not, and an empty window has no average', () => {
    expect(Query.average(daily, Window.last(4, 'days'), now)).toEqual(O.some(6 / 4))
    expect(Query.averageNonzero(daily, Window.last(4, 'days'), now)).toEqual(O.some(2))
    expect(Query.countNonzero(daily, Window.last(28, 'days'), now)).toEqual(O.some(5))
    expect(Query.average(daily, Window.last(0, 'days'), now)).toEqual(O.none)
    expect(Query.averageNonzero(daily, Window.days(4, 8), now)).toEqual(O.none)
  })

  it('read from the newest bucket when asked at an earlier instant', () => {
    expect(Query.sum(daily, Window.last(1, 'days'), now - 2 * D)).toEqual(O.some(1))
  })

  it('work data-last in a pipe', () => {
    expect(pipe(daily, Query.sum(Window.last(7, 'days'), now))).toEqual(O.some(6))
    expect(pipe(daily, Query.lastSeen(now))).toEqual(Query.lastSeen(daily, now))
  })

  it('refuse a window with bad bounds', () => {
    expect(() => Window.last(1.5, 'days')).toThrow(/InvalidWindow|integer bounds/)
    expect(() => Window.range('days', 5, 2)).toThrow(/from 5 to 2/)
    expect(() => Window.last(3, 'fortnights' as never)).toThrow(/unknown time unit/)
  })
})

describe('ever', () => {
  it('reads the unit whose buckets reach furthest back', () => {
    expect(Query.sum(daily, Window.ever, now)).toEqual(O.some(15))
    const old = recordAll(Layout.utc, [[now - 200 * D, 7], [now, 1]])
    expect(Query.sum(old, Window.ever, now)).toEqual(O.some(8))
    expect(Query.sum(old, Window.last(32, 'days'), now)).toEqual(O.some(1))
  })

  it('chooses by where the oldest bucket starts, not by the nominal length', () => {
    // 29 days reach back before this month's 1st on the 5th, but not on the 30th.
    const layout = layoutOf({ days: 29, months: 1 })
    const fifth = Date.UTC(2026, 10, 5, 12)
    const early = recordAll(layout, [[Date.UTC(2026, 9, 20), 2], [fifth, 1]])
    expect(Query.sum(early, Window.ever, fifth)).toEqual(O.some(3))
    const thirtieth = Date.UTC(2026, 10, 30, 12)
    const late = recordAll(layout, [[Date.UTC(2026, 10, 1, 1), 2], [thirtieth, 1]])
    expect(Query.sum(late, Window.ever, thirtieth)).toEqual(O.some(3))
  })
})

describe('lastSeen and firstSeen', () => {
  it('estimate from the middle of the newest bucket of the finest unit holding data', () => {
    const c = recordAll(Layout.utc, [[now - 10 * M - 12_345, 1]])
    // The minute bucket 11:49 is the newest; its middle, 11:49:30, is 10.5 minutes before noon.
    expect(Query.lastSeen(c, now)).toEqual(O.some(10 * M + 30_000))
    // Three hours later the minutes no longer hold it: the hour bucket 11:00 does, middle 11:30.
    expect(Query.lastSeen(c, now + 3 * H)).toEqual(O.some(3.5 * H))
  })

  it('never report a time in the future: the current bucket is cut at the query instant', () => {
    const c = recordAll(Layout.utc, [[now, 1]])
    expect(Query.lastSeen(c, now + 20_000)).toEqual(O.some(10_000))
  })

  it('firstSeen uses the unit reaching furthest back, firstSeenIn the unit asked for', () => {
    const c = recordAll(Layout.utc, [[now - 5 * D - 6 * H, 1], [now, 1]])
    expect(Query.firstSeenIn(c, 'days', now)).toEqual(O.some(5 * D)) // middle of the day bucket
    expect(Query.firstSeenIn(c, 'hours', now)).toEqual(O.some(0)) // only the current hour, begun at now, remains
    expect(Query.firstSeenIn(c, 'weeks', now)).toEqual(O.none)
    // Months reach furthest: November so far runs from the 1st to now; its middle is 12.25 days ago.
    expect(Query.firstSeen(c, now)).toEqual(O.some(12.25 * D))
  })

  it('never report the first occurrence as more recent than the last', () => {
    // One event on 1 January; asked on 31 January, months (cut at now) would put it mid-month.
    const c = recordAll(Layout.utc, [[Date.UTC(2026, 0, 1), 1]])
    const at = Date.UTC(2026, 0, 31, 23)
    const last = Query.lastSeen(c, at)
    expect(Query.firstSeen(c, at)).toEqual(last)
    expect(O.isSome(last) && last.value).toBeGreaterThan(30 * D)
  })

  it('are none for a counter that never saw anything', () => {
    expect(Query.lastSeen(Counter.empty(Layout.utc), now)).toEqual(O.none)
    expect(Query.firstSeen(Counter.empty(Layout.utc), now)).toEqual(O.none)
    expect(Query.firstSeen(Counter.rotate(recordAll(Layout.utc, [[now, 1]]), now + 400 * D), now + 400 * D)).toEqual(O.none)
  })
})
