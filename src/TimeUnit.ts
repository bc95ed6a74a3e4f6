/**
 * The units a counter can track, finest first, with their nominal lengths. Calendar alignment
 * gives days, weeks, months and years their real local lengths; the nominal lengths are those of
 * uniform alignment (a month is 30 days, a year 365 days, as in the Rust crate).
 */
import type * as Ord_ from '#fp-ts/Ord'

/**
 * A unit of time a counter can track.
 *
 * @example
 * import { TimeUnit } from 'tiny-counter'
 * const unit: TimeUnit.TimeUnit = 'days'
 * assert.equal(TimeUnit.isTimeUnit(unit), true)
 */
export type TimeUnit = 'seconds' | 'minutes' | 'hours' | 'days' | 'weeks' | 'months' | 'years'

/**
 * Every unit, finest first.
 *
 * @example
 * import { TimeUnit } from 'tiny-counter'
 * assert.deepEqual(TimeUnit.all, ['seconds', 'minutes', 'hours', 'days', 'weeks', 'months', 'years'])
 */
export const all: ReadonlyArray<TimeUnit> = ['seconds', 'minutes', 'hours', 'days', 'weeks', 'months', 'years']

const rank: Readonly<Record<TimeUnit, number>> = { seconds: 0, minutes: 1, hours: 2, days: 3, weeks: 4, months: 5, years: 6 }

/**
 * Whether a value names a unit.
 *
 * @example
 * import { TimeUnit } from 'tiny-counter'
 * assert.equal(TimeUnit.isTimeUnit('hours'), true)
 * assert.equal(TimeUnit.isTimeUnit('fortnights'), false)
 */
export const isTimeUnit = (value: unknown): value is TimeUnit =>
  // Compared one by one rather than looked up: given a literal ('days'), the compiler folds this to true.
  value === 'seconds' || value === 'minutes' || value === 'hours' || value === 'days' || value === 'weeks' || value === 'months' || value === 'years'

/**
 * Nominal length of one bucket in milliseconds: the exact length under uniform alignment.
 *
 * @example
 * import { TimeUnit } from 'tiny-counter'
 * assert.equal(TimeUnit.nominalMillis.hours, 3_600_000)
 * assert.equal(TimeUnit.nominalMillis.months, 30 * 86_400_000)
 */
export const nominalMillis: Readonly<Record<TimeUnit, number>> = {
  seconds: 1_000,
  minutes: 60_000,
  hours: 3_600_000,
  days: 86_400_000,
  weeks: 7 * 86_400_000,
  months: 30 * 86_400_000,
  years: 365 * 86_400_000
}

/**
 * Orders units from finest to coarsest.
 *
 * @example
 * import { TimeUnit } from 'tiny-counter'
 * assert.equal(TimeUnit.Ord.compare('minutes', 'days'), -1)
 */
export const Ord: Ord_.Ord<TimeUnit> = {
  equals: (x, y) => x === y,
  compare: (x, y) => (rank[x] < rank[y] ? -1 : rank[x] > rank[y] ? 1 : 0)
}
