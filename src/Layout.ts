/**
 * A layout says what a counter tracks: which units, how many buckets of each, how buckets are
 * aligned (`calendar`, the default, or `uniform`) and in which IANA time zone. It is plain,
 * readonly data; every counter carries the layout it was made with.
 */
import * as E from '#fp-ts/Either'
import type * as Eq_ from '#fp-ts/Eq'
import type { TimeUnit } from './TimeUnit.js'
import { all as allUnits, isTimeUnit } from './TimeUnit.js'
import type { LayoutError } from './errors.js'
import { InvalidBucketCount, InvalidLayout, UnknownTimeZone, UnknownUnit } from './errors.js'
import { canonicalTimeZone } from './internal/zoneOffsets.js'
import { systemTimeZone } from './internal/systemTimeZone.js'
import { orThrow } from './internal/orThrow.js'
import { alignmentError } from './internal/grids.js'

/**
 * How buckets are cut: `calendar` follows local midnights, Mondays, 1sts and 1 Januaries;
 * `uniform` uses fixed lengths from the Unix epoch (30-day months, 365-day years).
 */
export type Alignment = 'calendar' | 'uniform'

/** One tracked unit and its number of buckets. */
export interface Track {
  readonly unit: TimeUnit
  readonly buckets: number
}

/** What a counter tracks: units finest first, each with its bucket count; alignment; time zone. */
export interface Layout {
  readonly tracks: ReadonlyArray<Track>
  readonly alignment: Alignment
  readonly timeZone: string
}

/** Bucket counts by unit, as given to {@link make}. */
export type TrackCounts = Partial<Readonly<Record<TimeUnit, number>>>

/** Alignment and time zone, as given to {@link make}; both optional. */
export interface LayoutOptions {
  readonly alignment?: Alignment
  /** An IANA time zone; default: the system's zone. */
  readonly timeZone?: string
}

/**
 * The most buckets one unit may have: 100,000 (27 hours of seconds, 69 days of minutes, 11 years of
 * hours). Every operation on a counter takes time and memory linear in its buckets, so the bound
 * keeps a counter read from outside (a stored file, an import) as cheap as one built here.
 *
 * @example
 * import { Layout } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * assert.ok(E.isRight(Layout.make({ seconds: Layout.MAX_BUCKETS }, { timeZone: 'UTC' })))
 * assert.ok(E.isLeft(Layout.make({ seconds: Layout.MAX_BUCKETS + 1 }, { timeZone: 'UTC' })))
 */
export const MAX_BUCKETS = 100_000

/**
 * The most buckets of all units together: 200,000.
 *
 * @example
 * import { Layout } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const tooMany = Layout.make({ seconds: 100_000, minutes: 100_000, hours: 1 }, { timeZone: 'UTC' })
 * assert.ok(E.isLeft(tooMany) && tooMany.left._tag === 'InvalidLayout')
 */
export const MAX_TOTAL_BUCKETS = 200_000

/**
 * Whether `n` is a bucket count a unit may have: an integer from 1 to `MAX_BUCKETS`.
 *
 * @example
 * import { Layout } from 'tiny-counter'
 * assert.equal(Layout.isBucketCount(60), true)
 * assert.equal(Layout.isBucketCount(0), false)
 * assert.equal(Layout.isBucketCount(Number.MAX_SAFE_INTEGER), false)
 */
export const isBucketCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) > 0 && (n as number) <= MAX_BUCKETS

/**
 * Builds a layout, or says why it cannot: a bucket count that is not an integer from 1 to
 * `MAX_BUCKETS` (`InvalidBucketCount`), an unknown unit (`UnknownUnit`), an unknown time zone
 * (`UnknownTimeZone`), no unit at all, more than `MAX_TOTAL_BUCKETS` buckets in all, an unknown
 * alignment, or counts or options that are not objects (`InvalidLayout`).
 *
 * @example
 * import { Layout } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const layout = Layout.make({ days: 28, hours: 24 }, { timeZone: 'Europe/Berlin' })
 * assert.ok(E.isRight(layout))
 * assert.deepEqual(layout.right.tracks, [{ unit: 'hours', buckets: 24 }, { unit: 'days', buckets: 28 }])
 * assert.equal(layout.right.alignment, 'calendar')
 */
export const make = (counts: TrackCounts, options: LayoutOptions = {}): E.Either<LayoutError, Layout> => {
  if (typeof counts !== 'object' || counts === null) return E.left(new InvalidLayout('bucket counts must be an object such as { days: 7 }'))
  if (typeof options !== 'object' || options === null) return E.left(new InvalidLayout('options must be an object such as { timeZone: "Europe/Berlin" }'))
  for (const unit of Object.keys(counts)) if (!isTimeUnit(unit)) return E.left(new UnknownUnit(unit))
  const tracks: Track[] = []
  let total = 0
  for (const unit of allUnits) {
    const buckets = counts[unit]
    if (buckets === undefined) continue
    if (!isBucketCount(buckets)) return E.left(new InvalidBucketCount(unit, buckets))
    tracks.push({ unit, buckets })
    total += buckets
  }
  if (tracks.length === 0) return E.left(new InvalidLayout('track at least one unit'))
  if (total > MAX_TOTAL_BUCKETS) return E.left(new InvalidLayout(`at most ${MAX_TOTAL_BUCKETS} buckets in all, got ${total}`))
  const alignment = options.alignment ?? 'calendar'
  const wrong = alignmentError(alignment)
  if (wrong !== undefined) return E.left(wrong)
  const requested = options.timeZone ?? systemTimeZone()
  const timeZone = canonicalTimeZone(requested)
  if (timeZone === undefined) return E.left(new UnknownTimeZone(requested))
  return E.right({ tracks, alignment, timeZone })
}

/** The bucket counts of the default layout: 60 minutes, 24 hours, 32 days, 12 months (128 buckets). */
export const defaultCounts: TrackCounts = { minutes: 60, hours: 24, days: 32, months: 12 }

/**
 * The default layout (60 minutes, 24 hours, 32 days, 12 months), calendar-aligned, in the given
 * zone or the system's.
 *
 * @example
 * import { Layout } from 'tiny-counter'
 * const layout = Layout.standard({ timeZone: 'Asia/Kolkata' })
 * assert.deepEqual(layout.tracks.map((t) => t.buckets), [60, 24, 32, 12])
 */
export const standard = (options: LayoutOptions = {}): Layout => orThrow(make(defaultCounts, options))

/**
 * The default layout in UTC: handy for examples and tests that must not depend on the machine.
 *
 * @example
 * import { Layout } from 'tiny-counter'
 * assert.equal(Layout.utc.timeZone, 'UTC')
 */
export const utc: Layout = {
  tracks: allUnits.flatMap((unit) => (defaultCounts[unit] === undefined ? [] : [{ unit, buckets: defaultCounts[unit] }])),
  alignment: 'calendar',
  timeZone: 'UTC'
}

/**
 * The bucket count of `unit`, or 0 when the layout does not track it.
 *
 * @example
 * import { Layout } from 'tiny-counter'
 * assert.equal(Layout.bucketsOf(Layout.utc, 'days'), 32)
 * assert.equal(Layout.bucketsOf(Layout.utc, 'weeks'), 0)
 */
export const bucketsOf = (layout: Layout, unit: TimeUnit): number => {
  for (const track of layout.tracks) if (track.unit === unit) return track.buckets
  return 0
}

/**
 * Structural equality of layouts.
 *
 * @example
 * import { Layout } from 'tiny-counter'
 * assert.ok(Layout.Eq.equals(Layout.utc, structuredClone(Layout.utc)))
 * assert.ok(!Layout.Eq.equals(Layout.utc, Layout.standard({ timeZone: 'Europe/Berlin' })))
 */
export const Eq: Eq_.Eq<Layout> = {
  equals: (x, y) =>
    x === y ||
    (x.alignment === y.alignment &&
      x.timeZone === y.timeZone &&
      x.tracks.length === y.tracks.length &&
      x.tracks.every((track, i) => track.unit === y.tracks[i]?.unit && track.buckets === y.tracks[i]?.buckets))
}

