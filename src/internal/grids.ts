/**
 * The grids behind `Calendar`: for one unit under one alignment (and time zone), the index of the
 * bucket holding an instant and the first instant of a bucket. See `Calendar.ts` for the rules.
 *
 * Made for the hot path of `record` and the queries, which call `indexOf` once per unit:
 * - `indexOf` and `startOf` are prototype methods, so a call site sees one function per grid class
 *   and V8 inlines it (the public `index` and `start` arrow properties only forward to them);
 * - a calendar grid caches the bounds of the bucket found last: `indexOf` is two comparisons, and
 *   the rest (offset segments, calendar arithmetic) lives in `refill`, called only when the instant
 *   leaves the cached bucket, which keeps the inlined part small.
 */
import type { TimeUnit } from '../TimeUnit.js'
import { isTimeUnit, nominalMillis } from '../TimeUnit.js'
import { InvalidLayout, UnknownUnit } from '../errors.js'
import type { Alignment } from '../Layout.js'
import { DAY_MS, daysOfMonthIndex, daysOfYearIndex, monthIndexOfDays, yearIndexOfDays } from './civil.js'
import type { Segment } from './zoneOffsets.js'
import { segmentAt } from './zoneOffsets.js'

/** The smallest epoch millisecond Temporal can represent. */
export const MIN_INSTANT = -8.64e15
/** The largest epoch millisecond Temporal can represent. */
export const MAX_INSTANT = 8.64e15

/** A grid as the core uses it: `Calendar.Grid` plus the methods the hot paths call. */
export interface BucketGrid {
  /** The index of the bucket holding the epoch millisecond `t`. */
  readonly index: (t: number) => number
  /** The first epoch millisecond whose bucket index is at least `i`. */
  readonly start: (i: number) => number
  /** Same as `index`, as a method. */
  indexOf(t: number): number
  /** Same as `start`, as a method. */
  startOf(i: number): number
  /**
   * The first instant of the span around `t` whose instants share `t`'s bucket index: the whole
   * bucket, or (in a calendar grid) the part of it without an offset change.
   */
  spanStart(t: number): number
  /** The end (exclusive) of the span of `spanStart`. */
  spanEnd(t: number): number
  /**
   * The indices of the buckets that hold an instant of the range ±8.64e15, `[first, last]`: the
   * instant range of the unit. A stored head outside it is refused by the codecs.
   */
  indexRange(): readonly [number, number]
}

/**
 * The zone segment that holds `t`, for any integer: an instant beyond Temporal's range takes the
 * offset of the range's nearest end (time zones have no rules out there), so a grid answers for
 * every integer without a `RangeError`. A value that is not an integer, infinities included (not
 * clamped), is refused by `segmentAt` with `InvalidInstant`.
 */
const segmentNear = (timeZone: string, t: number): Segment => segmentAt(timeZone, Number.isFinite(t) ? clampInstant(t) : t)

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
class UniformGrid implements BucketGrid {
  constructor(
    private readonly origin: number,
    private readonly length: number
  ) {}

  indexOf(t: number): number {
    return Math.floor((t - this.origin) / this.length)
  }

  startOf(i: number): number {
    return this.origin + i * this.length
  }

  spanStart(t: number): number {
    return this.startOf(this.indexOf(t))
  }

  spanEnd(t: number): number {
    return this.startOf(this.indexOf(t) + 1)
  }

  indexRange(): readonly [number, number] {
    return [this.indexOf(MIN_INSTANT), this.indexOf(MAX_INSTANT)]
  }

  readonly index = (t: number): number => this.indexOf(t)
  readonly start = (i: number): number => this.startOf(i)
}

/** Calendar buckets in a time zone, with the current bucket's bounds cached. */
class CalendarGrid implements BucketGrid {
  // The cached bucket: `current` holds every instant of [lo, hi). Infinite bounds (an empty range
  // to begin with) keep both fields doubles from the start, so V8 never has to change their layout.
  private lo = Number.POSITIVE_INFINITY
  private hi = Number.NEGATIVE_INFINITY
  private current = 0
  // The bucket cached before it: a refused limit looks at "now" and at the instant it could pass,
  // turn after turn, and two entries keep both without a refill each time.
  private lo2 = Number.POSITIVE_INFINITY
  private hi2 = Number.NEGATIVE_INFINITY
  private current2 = 0

  constructor(
    private readonly timeZone: string,
    private readonly scale: LocalScale
  ) {}

  indexOf(t: number): number {
    return t >= this.lo && t < this.hi ? this.current : this.miss(t)
  }

  /** Swaps in the second cached bucket when it holds `t`, else refills (the first becomes the second). */
  private miss(t: number): number {
    const { lo, hi, current } = this
    if (t >= this.lo2 && t < this.hi2) {
      this.lo = this.lo2
      this.hi = this.hi2
      this.current = this.current2
    } else {
      this.refill(t)
    }
    this.lo2 = lo
    this.hi2 = hi
    this.current2 = current
    return this.current
  }

  /** Finds the bucket of `t` outside the cached one, and caches it. */
  private refill(t: number): number {
    const segment = segmentNear(this.timeZone, t)
    const offset = this.scale.effectiveOffset(segment.offset)
    const linear = this.scale.indexOfLocal(t + offset)
    const index = Math.max(linear, this.lastIndexBefore(segment.start, segment.previousOffset))
    this.current = index
    this.lo = index === linear ? Math.max(segment.start, this.scale.startOfLocal(index) - offset) : segment.start
    this.hi = Math.min(segment.end, this.scale.startOfLocal(index + 1) - offset)
    return index
  }

  startOf(i: number): number {
    const [first, last] = this.indexRange()
    // Outside the instant range, the first instant of the range holds every index up to its own,
    // and the buckets after the last one extend the grid's rule past the range (no zone data there).
    if (i <= first) return MIN_INSTANT
    if (i > last) return this.scale.startOfLocal(i) - this.scale.effectiveOffset(segmentNear(this.timeZone, MAX_INSTANT).offset)
    // Offsets are less than a day, so the bucket starts within a day or two of its local start;
    // the 30-day steps only ever run for a zone's local time stepping by more (none does today).
    let lo = clampInstant(this.scale.startOfLocal(i) - 3 * DAY_MS)
    let hi = clampInstant(this.scale.startOfLocal(i) + 3 * DAY_MS)
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

  spanStart(t: number): number {
    this.indexOf(t) // leaves the bucket holding `t` in the cache
    return this.lo
  }

  spanEnd(t: number): number {
    this.indexOf(t)
    return this.hi
  }

  private range: readonly [number, number] | undefined

  indexRange(): readonly [number, number] {
    this.range ??= [this.indexUncached(MIN_INSTANT), this.indexUncached(MAX_INSTANT)]
    return this.range
  }

  readonly index = (t: number): number => this.indexOf(t)
  readonly start = (i: number): number => this.startOf(i)

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
    const segment = segmentNear(this.timeZone, t)
    const linear = this.scale.indexOfLocal(t + this.scale.effectiveOffset(segment.offset))
    return Math.max(linear, this.lastIndexBefore(segment.start, segment.previousOffset))
  }
}

const clampInstant = (t: number): number => (t < MIN_INSTANT ? MIN_INSTANT : t > MAX_INSTANT ? MAX_INSTANT : t)

const grids = new Map<string, BucketGrid>()

/** `InvalidLayout` for an alignment that is neither 'calendar' nor 'uniform' (else `undefined`). */
export const alignmentError = (alignment: unknown): InvalidLayout | undefined =>
  alignment === 'calendar' || alignment === 'uniform' ? undefined : new InvalidLayout(`alignment must be "calendar" or "uniform", got ${JSON.stringify(alignment)}`)

/**
 * The shared grid of a unit under an alignment and a time zone (cached: one per key). Throws
 * `InvalidLayout` for an unknown alignment (a layout built by hand), which would else read as
 * 'calendar'.
 */
export const gridOf = (alignment: Alignment, timeZone: string, unit: TimeUnit): BucketGrid => {
  const wrong = alignmentError(alignment)
  if (wrong !== undefined) throw wrong
  const key = alignment === 'uniform' ? `uniform|${unit}` : `calendar|${timeZone}|${unit}`
  const found = grids.get(key)
  if (found !== undefined) return found
  // A unit from a layout or a call built by hand: refused before a grid that could not answer is cached.
  if (!isTimeUnit(unit)) throw new UnknownUnit(unit)
  const made =
    alignment === 'uniform'
      ? new UniformGrid(unit === 'weeks' ? -3 * DAY_MS : 0, nominalMillis[unit])
      : new CalendarGrid(timeZone, localScales[unit])
  grids.set(key, made)
  return made
}
