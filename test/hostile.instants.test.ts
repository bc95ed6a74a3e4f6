// Values that are not instants, given to the public functions that take one: each is refused with
// `InvalidInstant` (a Left where the function returns an Either, thrown where it returns a plain
// value), and none of them leaves anything behind in the caches that every store of the process
// shares (the zone offset segments of src/internal/zoneOffsets.ts).
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { describe, expect, it } from 'vitest'
import { Calendar, Counter, EventStore, Layout, Limit, Schedule, TestClock } from 'tiny-counter'
import { segmentAt } from 'tiny-counter/internal/zoneOffsets'

const saturday = Date.UTC(2026, 0, 10, 12)
const NOT_INSTANTS: ReadonlyArray<unknown> = [Number.NaN, Infinity, -Infinity, 1e308, 8.64e15 + 1, -8.64e15 - 2, 0.5, '5', null, undefined]
const tag = (r: E.Either<{ _tag: string }, unknown>): string => (E.isLeft(r) ? r.left._tag : 'Right')

/** What a store built now records at `saturday` and two days later: every head an integer, the counts where they belong. */
const freshStoreAnswers = (timeZone: string) => {
  const clock = TestClock.at(saturday)
  const store = EventStore.builder().withClock(clock).timeZone(timeZone).build()
  store.record('x')
  clock.advance({ days: 2 })
  store.record('x')
  return { heads: store.exportAll().x!.heads, today: store.query('x').lastDays(1).sum(), threeDays: store.query('x').lastDays(3).sum() }
}

describe('a NaN instant and the shared zone offsets', () => {
  it('Schedule.contains and nextChange throw InvalidInstant, and later stores still count right (UTC, +05:30, Berlin)', () => {
    for (const zone of ['UTC', '+05:30', 'Europe/Berlin']) {
      for (let i = 0; i < 2; i++) {
        expect(() => Schedule.contains(Schedule.weekdaysLocalTz(), Number.NaN, zone)).toThrow(expect.objectContaining({ _tag: 'InvalidInstant' }))
        expect(() => Schedule.nextChange(Schedule.weekdaysLocalTz(), Number.NaN, zone)).toThrow(expect.objectContaining({ _tag: 'InvalidInstant' }))
      }
      const { heads, today, threeDays } = freshStoreAnswers(zone)
      expect(heads.every(Number.isSafeInteger)).toBe(true)
      expect([today, threeDays]).toEqual([O.some(1), O.some(2)])
    }
  })

  it('the cache itself refuses a value that is not an integer, and keeps no segment for it', () => {
    for (const zone of ['UTC', '-03:00', 'Asia/Tokyo']) {
      for (const t of [Number.NaN, Infinity, -Infinity, 0.5]) expect(() => segmentAt(zone, t)).toThrow(expect.objectContaining({ _tag: 'InvalidInstant' }))
      const segment = segmentAt(zone, saturday)
      expect(segment.start <= saturday && saturday < segment.end).toBe(true)
    }
  })

  it('a store whose clock reads NaN refuses a limit with InvalidInstant, and another store still counts right', () => {
    const bad = EventStore.builder().withClock({ now: () => Number.NaN }).timeZone('UTC').build()
    expect(tag(bad.limit().during(Schedule.weekdays()).check('api'))).toBe('InvalidInstant')
    expect(tag(bad.limit().atMost('api', 5, 'minutes').check('api'))).toBe('InvalidInstant')
    expect(tag(bad.limit().atMost('api', 5, 'minutes').checkAndRecord('api'))).toBe('InvalidInstant')
    expect(tag(bad.limit().atMost('api', 5, 'minutes').usage('api'))).toBe('InvalidInstant')
    expect(tag(bad.limit().atMost('api', 5, 'minutes').reserve('api'))).toBe('InvalidInstant')
    expect(tag(bad.limit().cooldown('api', { hours: 1 }).check('api'))).toBe('InvalidInstant')
    expect(bad.events()).toEqual([])
    const { heads, today, threeDays } = freshStoreAnswers('UTC')
    expect(heads.every(Number.isSafeInteger)).toBe(true)
    expect([today, threeDays]).toEqual([O.some(1), O.some(2)])
  })
})

describe('Limit.check, decide and usage at a value that is not an instant', () => {
  const used = E.getOrElseW(() => Counter.empty(Layout.utc))(Counter.singleton(Layout.utc, saturday, 3))
  const rules = {
    atMost: Limit.atMost('e', 1, 'minutes'),
    cooldown: Limit.cooldown('e', 1000),
    during: Limit.during(Schedule.weekdays()),
    outsideOf: Limit.outsideOf(Schedule.weekends())
  }
  for (const layout of [Layout.utc, Layout.standard({ timeZone: 'Europe/Berlin' }), Layout.standard({ timeZone: '+05:30' })]) {
    it.each(Object.entries(rules))(`%s in ${layout.timeZone}: a Left InvalidInstant`, (_, rule) => {
      for (const at of NOT_INSTANTS) {
        const checked = Limit.check([rule], { e: used }, 'e', at as number, layout)
        expect(E.isLeft(checked) && checked.left._tag === 'InvalidInstant' && Object.is(checked.left.instant, at)).toBe(true)
        expect(tag(Limit.decide([E.getOrElseW(() => undefined as never)(rule)], { counterOf: () => used }, 'e', at as number, layout))).toBe('InvalidInstant')
      }
    })
  }

  it('usage: a Left InvalidInstant', () => {
    const rule = E.getOrElseW(() => undefined as never)(rules.atMost)
    for (const at of NOT_INSTANTS) expect(tag(Limit.usage([rule], { counterOf: () => used }, at as number, Layout.utc))).toBe('InvalidInstant')
  })

  it('a schedule that never changes near the last instant: refused without a wait, no throw', () => {
    const always: Schedule.Schedule = { _tag: 'Days', days: [1, 2, 3, 4, 5, 6, 7], zone: { _tag: 'Utc' } }
    const refused = Limit.check([Limit.outsideOf(always)], {}, 'e', 8.64e15 - 1000, Layout.utc)
    expect(E.isLeft(refused) && refused.left._tag === 'LimitExceeded' && refused.left.retryAfter).toEqual(O.none)
  })
})

describe('Calendar.bucketIndex, bucketStart and bucketEnd at a value that is not an instant', () => {
  // Uniform grids computed an answer from anything (NaN, fractions, instants past ±8.64e15) and
  // calendar grids clamped what lay past the range: the public functions refuse as the core does.
  const refused = (i: unknown) => expect.objectContaining({ _tag: 'InvalidInstant', instant: i })

  for (const alignment of ['uniform', 'calendar'] as const) {
    it(`${alignment}: bucketIndex throws InvalidInstant, holding the value`, () => {
      for (const unit of ['hours', 'days', 'weeks'] as const) {
        for (const t of NOT_INSTANTS) expect(() => Calendar.bucketIndex(alignment, 'Europe/Berlin', unit, t as number)).toThrow(refused(t))
      }
    })

    it(`${alignment}: bucketStart and bucketEnd throw InvalidInstant for an index outside indexRange or not an integer`, () => {
      for (const unit of ['hours', 'days', 'weeks', 'years'] as const) {
        const [first, last] = Calendar.indexRange(alignment, 'Europe/Berlin', unit)
        for (const i of [Number.NaN, Infinity, -Infinity, 0.5, first - 1, last + 1, 2 ** 60, '5', null, undefined]) {
          expect(() => Calendar.bucketStart(alignment, 'Europe/Berlin', unit, i as number)).toThrow(refused(i))
          expect(() => Calendar.bucketEnd(alignment, 'Europe/Berlin', unit, i as number)).toThrow(refused(i))
        }
        // The first bucket starts at the first instant of the range, or before it (a uniform week,
        // month or year, by the grid's rule, as before); the last one ends past the range, where
        // the next would start.
        const start = Calendar.bucketStart(alignment, 'Europe/Berlin', unit, first)
        expect(alignment === 'calendar' ? start === Calendar.MIN_INSTANT : start <= Calendar.MIN_INSTANT).toBe(true)
        expect(Calendar.bucketIndex(alignment, 'Europe/Berlin', unit, Calendar.MIN_INSTANT)).toBe(first)
        expect(Calendar.bucketStart(alignment, 'Europe/Berlin', unit, last)).toBeLessThanOrEqual(Calendar.MAX_INSTANT)
        expect(Calendar.bucketEnd(alignment, 'Europe/Berlin', unit, last)).toBeGreaterThan(Calendar.MAX_INSTANT)
      }
    })
  }

  it('valid input keeps its answers: the instants at both ends of the range, and bucket starts within it', () => {
    expect(Calendar.bucketIndex('uniform', 'UTC', 'days', Calendar.MAX_INSTANT)).toBe(100_000_000)
    expect(Calendar.bucketIndex('uniform', 'UTC', 'days', Calendar.MIN_INSTANT)).toBe(-100_000_000)
    expect(Calendar.bucketStart('uniform', 'UTC', 'hours', 5)).toBe(5 * 3_600_000)
    expect(Calendar.bucketEnd('uniform', 'UTC', 'hours', 5)).toBe(6 * 3_600_000)
    const i = Calendar.bucketIndex('calendar', 'Europe/Berlin', 'days', saturday)
    expect(Calendar.bucketStart('calendar', 'Europe/Berlin', 'days', i)).toBe(Date.UTC(2026, 0, 9, 23))
  })
})
