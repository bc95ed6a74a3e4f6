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
 * alignment). Grids are cached: asking twice gives the same grid and the same warm cache.
 *
 * @example
 * import { Calendar } from 'tiny-counter'
 * const hours = Calendar.grid('uniform', 'UTC', 'hours')
 * assert.equal(hours.index(Date.UTC(1970, 0, 1, 5, 30)), 5)
 * assert.equal(hours.start(5), Date.UTC(1970, 0, 1, 5))
 */
export const grid = (alignment: Alignment, timeZone: string, unit: TimeUnit): Grid => gridOf(alignment, timeZone, unit)

/**
 * The index of the bucket of `unit` that holds the instant `t` (epoch milliseconds).
 *
 * @example
 * import { Calendar } from 'tiny-counter'
 * // Berlin's 2024-03-31 lasted 23 hours; the next day still starts at local midnight.
 * const monday = Calendar.bucketIndex('calendar', 'Europe/Berlin', 'days', Date.UTC(2024, 3, 1, 0))
 * const sunday = Calendar.bucketIndex('calendar', 'Europe/Berlin', 'days', Date.UTC(2024, 2, 31, 21, 59))
 * assert.equal(monday - sunday, 1)
 */
export const bucketIndex = (alignment: Alignment, timeZone: string, unit: TimeUnit, t: number): number =>
  grid(alignment, timeZone, unit).index(t)

/**
 * The first instant (epoch milliseconds) of bucket `i` of `unit`.
 *
 * @example
 * import { Calendar } from 'tiny-counter'
 * const i = Calendar.bucketIndex('calendar', 'Europe/Berlin', 'months', Date.UTC(2024, 1, 10))
 * // February 2024 began at midnight in Berlin, 23:00 UTC the day before.
 * assert.equal(Calendar.bucketStart('calendar', 'Europe/Berlin', 'months', i), Date.UTC(2024, 0, 31, 23))
 */
export const bucketStart = (alignment: Alignment, timeZone: string, unit: TimeUnit, i: number): number =>
  grid(alignment, timeZone, unit).start(i)

/**
 * The instant (epoch milliseconds) where bucket `i` of `unit` ends: the start of the next one.
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
  grid(alignment, timeZone, unit).start(i + 1)

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
