/**
 * The calendar engine: which bucket of a unit holds an instant, and where a bucket starts.
 *
 * Bucket indices are absolute integers, so two counters of one layout line up by index:
 * - calendar alignment: days start at local midnight (or at the first instant of the day when
 *   midnight does not exist), weeks on Monday, months on the 1st, years on 1 January, all in the
 *   layout's time zone; hours, minutes and seconds are real-time periods that start where the local
 *   wall clock shows a whole hour, minute or second (in most zones they are UTC hours);
 * - uniform alignment: fixed lengths counted from the Unix epoch (weeks from Monday 1969-12-29,
 *   months of 30 days, years of 365 days), whatever the time zone.
 *
 * Laws: `bucketIndex` never decreases as time goes forward, and
 * `bucketIndex(bucketStart(i)) >= i > bucketIndex(bucketStart(i) - 1)`.
 * Temporal is called only when an instant falls outside every offset span seen before; the hot
 * path is two comparisons against the cached bounds of the current bucket.
 */
import type { TimeUnit } from './TimeUnit.js'
import { nominalMillis } from './TimeUnit.js'
import type { Alignment } from './Layout.js'
import {
  DAY_MS,
  daysOfMonthIndex,
  daysOfYearIndex,
  monthIndexOfDays,
  yearIndexOfDays
} from './internal/civil.js'
import { segmentAt } from './internal/zoneOffsets.js'

/** The smallest and largest epoch millisecond Temporal can represent. */
export const MIN_INSTANT = -8.64e15
/** The largest epoch millisecond Temporal can represent. */
export const MAX_INSTANT = 8.64e15

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

/** Maps a local wall-clock time (UTC plus offset, in ms) to bucket indices and back. */
interface LocalScale {
  /** The part of a zone offset that moves this unit's boundaries (sub-day units: offset mod length). */
  readonly effectiveOffset: (offset: number) => number
  readonly indexOfLocal: (local: number) => number
  readonly startOfLocal: (index: number) => number
}

const subDayScale = (length: number): LocalScale => ({
  effectiveOffset: (offset) => ((offset % length) + length) % length,
  indexOfLocal: (local) => Math.floor(local / length),
  startOfLocal: (index) => index * length
})

const wholeOffset = (offset: number): number => offset
const dayOf = (local: number): number => Math.floor(local / DAY_MS)

const localScales: Readonly<Record<TimeUnit, LocalScale>> = {
  seconds: subDayScale(nominalMillis.seconds),
  minutes: subDayScale(nominalMillis.minutes),
  hours: subDayScale(nominalMillis.hours),
  days: { effectiveOffset: wholeOffset, indexOfLocal: dayOf, startOfLocal: (i) => i * DAY_MS },
  // 1970-01-01 was a Thursday: day -3 is the Monday that starts week 0.
  weeks: {
    effectiveOffset: wholeOffset,
    indexOfLocal: (local) => Math.floor((dayOf(local) + 3) / 7),
    startOfLocal: (i) => (7 * i - 3) * DAY_MS
  },
  months: {
    effectiveOffset: wholeOffset,
    indexOfLocal: (local) => monthIndexOfDays(dayOf(local)),
    startOfLocal: (i) => daysOfMonthIndex(i) * DAY_MS
  },
  years: {
    effectiveOffset: wholeOffset,
    indexOfLocal: (local) => yearIndexOfDays(dayOf(local)),
    startOfLocal: (i) => daysOfYearIndex(i) * DAY_MS
  }
}

/** Fixed-length buckets from a fixed origin. */
class UniformGrid implements Grid {
  constructor(
    private readonly origin: number,
    private readonly length: number
  ) {}
  readonly index = (t: number): number => Math.floor((t - this.origin) / this.length)
  readonly start = (i: number): number => this.origin + i * this.length
}

/** Calendar buckets in a time zone, with the current bucket's bounds cached. */
class CalendarGrid implements Grid {
  private lo = 0
  private hi = -1
  private current = 0

  constructor(
    private readonly timeZone: string,
    private readonly scale: LocalScale
  ) {}

  readonly index = (t: number): number => {
    if (t >= this.lo && t < this.hi) return this.current
    const segment = segmentAt(this.timeZone, t)
    const offset = this.scale.effectiveOffset(segment.offset)
    const linear = this.scale.indexOfLocal(t + offset)
    const index = Math.max(linear, this.lastIndexBefore(segment.start, segment.previousOffset))
    this.current = index
    this.lo = index === linear ? Math.max(segment.start, this.scale.startOfLocal(index) - offset) : segment.start
    this.hi = Math.min(segment.end, this.scale.startOfLocal(index + 1) - offset)
    return index
  }

  readonly start = (i: number): number => {
    let lo = Math.max(MIN_INSTANT, this.scale.startOfLocal(i) - 3 * DAY_MS)
    let hi = Math.min(MAX_INSTANT, this.scale.startOfLocal(i) + 3 * DAY_MS)
    while (lo > MIN_INSTANT && this.indexUncached(lo) >= i) lo = Math.max(MIN_INSTANT, lo - 30 * DAY_MS)
    while (hi < MAX_INSTANT && this.indexUncached(hi) < i) hi = Math.min(MAX_INSTANT, hi + 30 * DAY_MS)
    // Invariant: index(lo) < i <= index(hi); find the first instant of the bucket.
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2)
      if (this.indexUncached(mid) >= i) hi = mid
      else lo = mid
    }
    return hi
  }

  /**
   * Local time can step back at an offset change (a fall-back across a boundary). A bucket never
   * ends before it started: the first index of a segment is at least the last one before it.
   */
  private lastIndexBefore(start: number, previousOffset: number | undefined): number {
    return previousOffset === undefined
      ? -Infinity
      : this.scale.indexOfLocal(start - 1 + this.scale.effectiveOffset(previousOffset))
  }

  private indexUncached(t: number): number {
    const segment = segmentAt(this.timeZone, t)
    const linear = this.scale.indexOfLocal(t + this.scale.effectiveOffset(segment.offset))
    return Math.max(linear, this.lastIndexBefore(segment.start, segment.previousOffset))
  }
}

const grids = new Map<string, Grid>()

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
export const grid = (alignment: Alignment, timeZone: string, unit: TimeUnit): Grid => {
  const key = alignment === 'uniform' ? `uniform|${unit}` : `calendar|${timeZone}|${unit}`
  const found = grids.get(key)
  if (found !== undefined) return found
  const made =
    alignment === 'uniform'
      ? new UniformGrid(unit === 'weeks' ? -3 * DAY_MS : 0, nominalMillis[unit])
      : new CalendarGrid(timeZone, localScales[unit])
  grids.set(key, made)
  return made
}

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
