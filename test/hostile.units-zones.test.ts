// Units, time zones and windows that do not exist, given to the core's public functions the way
// plain JavaScript (or an object built by hand) can give them: each is refused with the core's named
// error (`UnknownTimeZone`, `UnknownUnit`, `InvalidWindow`, thrown where the function returns a
// plain value), where the platform's `RangeError` ("Invalid time zone specified") and `TypeError`s
// used to come through, or an answer read from buckets that do not exist. Nothing is cached for
// them: the same call fails again the same way, and valid calls keep their answers.
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { describe, expect, it } from 'vitest'
import { Calendar, Counter, Layout, Limit, Query, Schedule, Window } from 'tiny-counter'

const at = Date.UTC(2026, 0, 10, 12) // a Saturday
const unknownZone = (timeZone: unknown) => expect.objectContaining({ _tag: 'UnknownTimeZone', timeZone })
const unknownUnit = (unit: unknown) => expect.objectContaining({ _tag: 'UnknownUnit', unit })
const counterOf = (layout: Layout, t: number, n: number): Counter => E.getOrElseW((e) => { throw e })(Counter.singleton(layout, t, n))

/** A layout built by hand, not by `Layout.make`. */
const handBuilt = (timeZone: unknown, unit: unknown = 'days', alignment: 'calendar' | 'uniform' = 'calendar'): Layout =>
  ({ tracks: [{ unit, buckets: 7 }], alignment, timeZone }) as unknown as Layout

describe('a time zone that does not exist', () => {
  // `CST` is one of ICU's aliases that Layout.make refuses (Temporal refuses it too), though Intl takes it.
  const ZONES: ReadonlyArray<unknown> = ['Not/AZone', 'CST', '', 5, null]

  it('Schedule.contains and nextChange throw UnknownTimeZone for the zone of a local schedule', () => {
    for (const zone of ZONES) {
      for (let i = 0; i < 2; i++) {
        expect(() => Schedule.contains(Schedule.weekdaysLocalTz(), at, zone as string)).toThrow(unknownZone(zone))
        expect(() => Schedule.nextChange(Schedule.weekdaysLocalTz(), at, zone as string)).toThrow(unknownZone(zone))
      }
    }
    expect(() => Schedule.contains({ _tag: 'Days', days: [6], zone: { _tag: 'Named', timeZone: 'Not/AZone' } }, at, 'UTC')).toThrow(unknownZone('Not/AZone'))
    // Valid zones, in any case the platform knows, keep their answers.
    expect(Schedule.contains(Schedule.weekendsLocalTz(), at, 'europe/berlin')).toBe(true)
    expect(Schedule.contains(Schedule.weekendsLocalTz(), at, '+05:30')).toBe(true)
    expect(Schedule.nextChange(Schedule.weekendsLocalTz(), at, 'Europe/Berlin')).toBe(Date.UTC(2026, 0, 11, 23))
  })

  it('the calendar functions throw UnknownTimeZone for a calendar grid; uniform grids ignore the zone, as documented', () => {
    for (const zone of ZONES) {
      expect(() => Calendar.bucketIndex('calendar', zone as string, 'days', at)).toThrow(unknownZone(zone))
      expect(() => Calendar.bucketStart('calendar', zone as string, 'days', 20_000)).toThrow(unknownZone(zone))
      expect(() => Calendar.indexRange('calendar', zone as string, 'hours')).toThrow(unknownZone(zone))
      expect(Calendar.bucketIndex('uniform', zone as string, 'days', at)).toBe(Math.floor(at / 86_400_000))
    }
  })

  it('a hand-built layout in an unknown zone: record, convert, queries and limits throw UnknownTimeZone', () => {
    const layout = handBuilt('Not/AZone')
    const counter = counterOf(Layout.utc, at, 2)
    for (let i = 0; i < 2; i++) {
      expect(() => Counter.singleton(layout, at, 1)).toThrow(unknownZone('Not/AZone'))
      expect(() => Counter.record(Counter.empty(layout), at, 1)).toThrow(unknownZone('Not/AZone'))
      expect(() => Counter.convert(counter, layout)).toThrow(unknownZone('Not/AZone'))
      expect(() => Query.sum(Counter.empty(layout), Window.last(7, 'days'), at)).toThrow(unknownZone('Not/AZone'))
      expect(() => Limit.check([Limit.during(Schedule.weekdaysLocalTz())], {}, 'e', at, layout)).toThrow(unknownZone('Not/AZone'))
    }
    // Layout.make refuses the same zone, as it always did.
    const made = Layout.make({ days: 7 }, { timeZone: 'Not/AZone' })
    expect(E.isLeft(made) && made.left._tag).toBe('UnknownTimeZone')
    expect(Query.sum(counter, Window.last(7, 'days'), at)).toEqual(O.some(2))
  })
})

describe('a unit that does not exist', () => {
  it('the calendar functions throw UnknownUnit, for both alignments', () => {
    for (const alignment of ['calendar', 'uniform'] as const) {
      for (let i = 0; i < 2; i++) {
        expect(() => Calendar.grid(alignment, 'UTC', 'fortnights' as never)).toThrow(unknownUnit('fortnights'))
        expect(() => Calendar.bucketIndex(alignment, 'UTC', 'fortnights' as never, at)).toThrow(unknownUnit('fortnights'))
        expect(() => Calendar.bucketStart(alignment, 'UTC', 'fortnights' as never, 0)).toThrow(unknownUnit('fortnights'))
        expect(() => Calendar.indexRange(alignment, 'UTC', 'toString' as never)).toThrow(unknownUnit('toString'))
      }
    }
    expect(Calendar.bucketIndex('uniform', 'UTC', 'hours', at)).toBe(at / 3_600_000)
  })

  it('a hand-built layout with an unknown unit: record and convert throw UnknownUnit', () => {
    for (const alignment of ['calendar', 'uniform'] as const) {
      const layout = handBuilt('UTC', 'fortnights', alignment)
      expect(() => Counter.singleton(layout, at, 1)).toThrow(unknownUnit('fortnights'))
      expect(() => Counter.record(Counter.empty(layout), at, 1)).toThrow(unknownUnit('fortnights'))
      expect(() => Counter.convert(counterOf(Layout.utc, at, 1), layout)).toThrow(unknownUnit('fortnights'))
    }
  })

  it('Query.firstSeenIn throws UnknownUnit (an untracked unit is still none), as the store’s does', () => {
    const counter = counterOf(Layout.utc, at - 3 * 86_400_000, 1)
    expect(() => Query.firstSeenIn(counter, 'fortnights' as never, at)).toThrow(unknownUnit('fortnights'))
    expect(Query.firstSeenIn(counter, 'weeks', at)).toEqual(O.none)
    expect(Query.firstSeenIn(counter, 'days', at)).toEqual(O.some(3 * 86_400_000))
  })

  it('the Window constructors throw UnknownUnit (they did already)', () => {
    expect(() => Window.range('fortnights' as never, 0, 1)).toThrow(unknownUnit('fortnights'))
    expect(() => Window.last(2, 'fortnights' as never)).toThrow(unknownUnit('fortnights'))
  })
})

describe('layouts and schedules that are not what the types say', () => {
  const invalidLayout = (message: RegExp) => expect.objectContaining({ _tag: 'InvalidLayout', message: expect.stringMatching(message) })
  const refusal = (made: E.Either<Error & { _tag: string }, Layout>): string => (E.isLeft(made) ? `${made.left._tag}: ${made.left.message}` : 'made')

  it('Layout.make refuses options that are not an object with InvalidLayout, and Layout.standard throws it', () => {
    for (const options of [null, 5, 'Europe/Berlin']) {
      expect(refusal(Layout.make({ days: 7 }, options as never))).toMatch(/^InvalidLayout: invalid layout: options must be an object/)
      expect(() => Layout.standard(options as never)).toThrow(invalidLayout(/^invalid layout: options must be an object/))
    }
    expect(E.isRight(Layout.make({ days: 7 }, undefined))).toBe(true)
  })

  it('an alignment that is neither calendar nor uniform is refused with InvalidLayout, not read as calendar', () => {
    const bogus = { tracks: [{ unit: 'days', buckets: 7 }], alignment: 'Calendar', timeZone: 'UTC' } as unknown as Layout
    const wrong = invalidLayout(/^invalid layout: alignment must be "calendar" or "uniform", got "Calendar"$/)
    expect(refusal(Layout.make({ days: 7 }, { alignment: 'Calendar' as never }))).toBe('InvalidLayout: invalid layout: alignment must be "calendar" or "uniform", got "Calendar"')
    expect(() => Counter.singleton(bogus, at, 1)).toThrow(wrong)
    expect(() => Calendar.bucketIndex('Calendar' as never, 'UTC', 'days', at)).toThrow(wrong)
    expect(() => Calendar.grid('Calendar' as never, 'UTC', 'days')).toThrow(wrong)
    // Both real alignments still answer.
    expect(Calendar.bucketIndex('calendar', 'UTC', 'days', at)).toBe(Calendar.bucketIndex('uniform', 'UTC', 'days', at))
  })

  it('a schedule built by hand without a zone: UnknownTimeZone, as for a zone that does not exist', () => {
    const noZone = { _tag: 'Days', days: [6] } as unknown as Schedule.Schedule
    expect(() => Schedule.contains(noZone, at, 'UTC')).toThrow(unknownZone(undefined))
    expect(() => Schedule.nextChange(noZone, at, 'UTC')).toThrow(unknownZone(undefined))
  })
})

describe('queries given a window built by hand', () => {
  const counter = counterOf(Layout.utc, at, 3)
  const QUERIES = ['sum', 'average', 'averageNonzero', 'countNonzero', 'buckets'] as const
  const invalid = (from: unknown, to: unknown) => expect.objectContaining({ _tag: 'InvalidWindow', from, to })
  const WINDOWS: ReadonlyArray<readonly [unknown, ReturnType<typeof invalid>]> = [
    [{ _tag: 'Buckets', unit: 'days', from: -1, to: 3 }, invalid(-1, 3)],
    [{ _tag: 'Buckets', unit: 'days', from: 0, to: 2.5 }, invalid(0, 2.5)],
    [{ _tag: 'Buckets', unit: 'days', from: 3, to: 1 }, invalid(3, 1)],
    [{ _tag: 'Buckets', unit: 'days', from: Number.NaN, to: 3 }, invalid(Number.NaN, 3)],
    [{ _tag: 'Buckets', unit: 'days', from: 0, to: Infinity }, invalid(0, Infinity)],
    [{ _tag: 'Buckets', unit: 'days', from: '0', to: 3 }, invalid('0', 3)],
    [{ _tag: 'Buckets', unit: 'days', from: 0 }, invalid(0, undefined)],
    [{ _tag: 'Buckets', unit: 'fortnights', from: 0, to: 3 }, unknownUnit('fortnights')],
    [{ _tag: 'Buckets', unit: 'weeks ', from: 0, to: 3 }, unknownUnit('weeks ')],
    [{ _tag: 'ever' }, unknownUnit(undefined)],
    [null, unknownUnit(undefined)]
  ]

  it.each(QUERIES)('Query.%s refuses it with the error of the Window constructors, data-first and data-last', (name) => {
    const query = Query[name] as unknown as {
      (self: Counter, window: unknown, at: number): unknown
      (window: unknown, at: number): (self: Counter) => unknown
    }
    for (const [window, error] of WINDOWS) {
      expect(() => query(counter, window, at)).toThrow(error)
      expect(() => query(window, at)(counter)).toThrow(error)
    }
  })

  it('a window built by hand that Window.range would build answers as before', () => {
    const window = { _tag: 'Buckets', unit: 'days', from: 0, to: 7 } as const
    expect(Query.sum(counter, window, at)).toEqual(O.some(3))
    expect(Query.buckets(counter, { _tag: 'Buckets', unit: 'days', from: 0, to: 2 }, at)).toEqual(O.some([[0, 3], [1, 0]]))
    expect(Query.sum(counter, { _tag: 'Buckets', unit: 'weeks', from: 0, to: 2 }, at)).toEqual(O.none) // untracked
    expect(Query.sum(counter, { _tag: 'Ever' }, at)).toEqual(O.some(3))
  })
})
