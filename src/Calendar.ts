/**
 * The calendar engine: which bucket of a unit holds an instant, and where a bucket starts.
 *
 * Bucket indices are absolute integers, so two counters of one layout line up by index:
 * - calendar alignment: days start at local midnight (or at the first instant of the day when
 *   midnight does not exist), weeks on Monday, months on the 1st, years on 1 January, all in the
 *   layout's time zone; hours, minutes and seconds are real-time periods that start where the local
 *   wall clock shows a whole hour, minute or second (in most zones they are UTC hours), or at an
 *   offset change that moves those marks (Lord Howe's 30-minute shift);
 * - uniform alignment: fixed lengths counted from the Unix epoch (weeks from Monday 1969-12-29,
 *   months of 30 days, years of 365 days), whatever the time zone.
 *
 * Laws: `bucketIndex` never decreases as time goes forward, and
 * `bucketIndex(bucketStart(i)) >= i > bucketIndex(bucketStart(i) - 1)`.
 * The zone's offsets are read (from the platform's `Intl`) only when an instant falls outside every
 * offset span seen before; the hot path is two comparisons against the cached bounds of the
 * current bucket.
 */
import type { TimeUnit } from './TimeUnit.js'
import type { Alignment } from './Layout.js'
import { isInstant } from './Counter.js'
import { InvalidInstant } from './errors.js'
import type { BucketGrid } from './internal/grids.js'
import { gridOf } from './internal/grids.js'

// The engine lives in internal/grids.ts; these are its public faces.
export { MAX_INSTANT, MIN_INSTANT } from './internal/grids.js'

/**
 * The buckets of one unit under one alignment and time zone.
 *
 * @example
 * import { Calendar } from 'tiny-counter'
 * const days = Calendar.grid('calendar', 'America/Sao_Paulo', 'days')
 * // 2015-10-18 had no midnight in São Paulo: the day started at 01:00 local (03:00 UTC).
 * const i = days.index(Date.UTC(2015, 9, 18, 12))
 * assert.equal(days.start(i), Date.UTC(2015, 9, 18, 3))
 */
export interface Grid {
  /** The index of the bucket holding the epoch millisecond `t`. */
  readonly index: (t: number) => number
  /** The first epoch millisecond whose bucket index is at least `i`. */
  readonly start: (i: number) => number
}

/**
 * The shared grid of a unit under an alignment and a time zone (the zone is ignored by uniform
 * alignment). Grids are cached: asking twice gives the same grid and the same warm cache. Throws
 * `UnknownUnit` for a unit that is not a `TimeUnit`; a calendar grid throws `UnknownTimeZone` on
 * its first use for a zone `Layout.make` refuses. A grid is the engine itself and does not check
 * what it is given: it answers for every integer (beyond ±8.64e15 with the offset of the range's
 * nearest end); `bucketIndex`, `bucketStart` and `bucketEnd` check their arguments.
 *
 * @example
 * import { Calendar } from 'tiny-counter'
 * const hours = Calendar.grid('uniform', 'UTC', 'hours')
 * assert.equal(hours.index(Date.UTC(1970, 0, 1, 5, 30)), 5)
 * assert.equal(hours.start(5), Date.UTC(1970, 0, 1, 5))
 */
export const grid = (alignment: Alignment, timeZone: string, unit: TimeUnit): Grid => gridOf(alignment, timeZone, unit)

/**
 * The index of the bucket of `unit` that holds the instant `t` (epoch milliseconds). Throws
 * `InvalidInstant` for a `t` that is not an integer within ±8.64e15 (as `Counter.isInstant`).
 *
 * @example
 * import { Calendar } from 'tiny-counter'
 * // Berlin's 2024-03-31 lasted 23 hours; the next day still starts at local midnight.
 * const monday = Calendar.bucketIndex('calendar', 'Europe/Berlin', 'days', Date.UTC(2024, 3, 1, 0))
 * const sunday = Calendar.bucketIndex('calendar', 'Europe/Berlin', 'days', Date.UTC(2024, 2, 31, 21, 59))
 * assert.equal(monday - sunday, 1)
 * assert.throws(() => Calendar.bucketIndex('uniform', 'UTC', 'days', 0.5), { name: 'InvalidInstant' })
 */
export const bucketIndex = (alignment: Alignment, timeZone: string, unit: TimeUnit, t: number): number => {
  if (!isInstant(t)) throw new InvalidInstant(t)
  return gridOf(alignment, timeZone, unit).indexOf(t)
}

/**
 * The grid of `unit`, once `i` is known to be the index of a bucket that holds an instant of
 * ±8.64e15 (`indexRange`): no other bucket has one.
 */
const gridHolding = (alignment: Alignment, timeZone: string, unit: TimeUnit, i: number): BucketGrid => {
  const holding = gridOf(alignment, timeZone, unit)
  const [first, last] = holding.indexRange()
  if (!(Number.isInteger(i) && i >= first && i <= last)) throw new InvalidInstant(i)
  return holding
}

/**
 * The first instant (epoch milliseconds) of bucket `i` of `unit`. Throws `InvalidInstant` (holding
 * `i`) for an `i` that is not an integer of `indexRange`. The first bucket of the range starts at
 * its first instant, -8.64e15, in calendar alignment, and where the grid's rule puts it in uniform
 * alignment (a week, month or year starts before -8.64e15).
 *
 * @example
 * import { Calendar } from 'tiny-counter'
 * const i = Calendar.bucketIndex('calendar', 'Europe/Berlin', 'months', Date.UTC(2024, 1, 10))
 * // February 2024 began at midnight in Berlin, 23:00 UTC the day before.
 * assert.equal(Calendar.bucketStart('calendar', 'Europe/Berlin', 'months', i), Date.UTC(2024, 0, 31, 23))
 * assert.throws(() => Calendar.bucketStart('calendar', 'Europe/Berlin', 'months', i + 0.5), { name: 'InvalidInstant' })
 */
export const bucketStart = (alignment: Alignment, timeZone: string, unit: TimeUnit, i: number): number =>
  gridHolding(alignment, timeZone, unit, i).startOf(i)

/**
 * The instant (epoch milliseconds) where bucket `i` of `unit` ends: the start of the next one
 * (for the last bucket of `indexRange`, past 8.64e15). Throws `InvalidInstant` as `bucketStart` does.
 *
 * @example
 * import { Calendar } from 'tiny-counter'
 * const i = Calendar.bucketIndex('calendar', 'America/New_York', 'days', Date.UTC(2024, 10, 3, 12))
 * // 2024-11-03 lasted 25 hours in New York.
 * const hours = (Calendar.bucketEnd('calendar', 'America/New_York', 'days', i)
 *   - Calendar.bucketStart('calendar', 'America/New_York', 'days', i)) / 3_600_000
 * assert.equal(hours, 25)
 */
export const bucketEnd = (alignment: Alignment, timeZone: string, unit: TimeUnit, i: number): number =>
  gridHolding(alignment, timeZone, unit, i).startOf(i + 1)

/**
 * The instant range of a unit: the indices `[first, last]` of the buckets that hold an instant
 * within ±8.64e15 ms (Temporal's range, the only instants the core accepts). A counter's head is
 * always one of them; the codecs refuse a stored head outside it.
 *
 * @example
 * import { Calendar } from 'tiny-counter'
 * const [first, last] = Calendar.indexRange('uniform', 'UTC', 'days')
 * assert.deepEqual([first, last], [-100_000_000, 100_000_000])
 * assert.equal(Calendar.bucketStart('uniform', 'UTC', 'days', last), 8.64e15)
 */
export const indexRange = (alignment: Alignment, timeZone: string, unit: TimeUnit): readonly [number, number] =>
  gridOf(alignment, timeZone, unit).indexRange()
