/**
 * fast-check arbitraries of the values counters are made of: counts that are mostly small and
 * sometimes saturate, instants that hit bucket boundaries, DST changes, month ends and leap days,
 * layouts in troublesome zones (and narrower or wider ones to convert to), and windows.
 */
import * as fc from 'fast-check'
import * as E from '#fp-ts/Either'
import { MAX_COUNT } from '../Counter.js'
import type { Layout, LayoutOptions, TrackCounts } from '../Layout.js'
import { bucketsOf, make, standard, utc } from '../Layout.js'
import type { TimeUnit } from '../TimeUnit.js'
import { all as allUnits } from '../TimeUnit.js'
import type { Window } from '../Window.js'
import { ever, last, range } from '../Window.js'
import { EARLIEST, LATEST, anchorNear, anchorsFor, transitionsOf, zones } from './anchors.js'

const SECOND = 1_000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const WEEK = 7 * DAY

// -------------------------------------------------------------------------------------------------
// numbers
// -------------------------------------------------------------------------------------------------

/** Mostly small counts, sometimes large, sometimes near `MAX_COUNT` so that sums saturate. */
export const count: fc.Arbitrary<number> = fc.oneof(
  { weight: 24, arbitrary: fc.integer({ min: 0, max: 5 }) },
  { weight: 4, arbitrary: fc.integer({ min: 6, max: 1_000_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 2 ** 52, max: MAX_COUNT }) },
  { weight: 1, arbitrary: fc.integer({ min: MAX_COUNT - 3, max: MAX_COUNT }) }
)

/** A nudge off an anchor: exactly on it, or a millisecond, second, minute, half hour, hour or day either side. */
export const nudge: fc.Arbitrary<number> = fc.constantFrom(0, 1, -1, SECOND, -SECOND, MINUTE, -MINUTE, 30 * MINUTE, -30 * MINUTE, HOUR, -HOUR, DAY, -DAY)

/** Nominal lengths of the units, to step whole buckets away from an instant. */
const unitLength = fc.constantFrom(SECOND, MINUTE, HOUR, DAY, WEEK, 30 * DAY, 365 * DAY)

// -------------------------------------------------------------------------------------------------
// instants
// -------------------------------------------------------------------------------------------------

/** Any instant of 2005–2035. */
export const uniformInstant: fc.Arbitrary<number> = fc.integer({ min: EARLIEST, max: LATEST })

const nudged = (anchors: ReadonlyArray<number>): fc.Arbitrary<number> =>
  fc.tuple(fc.integer({ min: 0, max: anchors.length - 1 }), nudge).map(([i, d]) => anchors[i]! + d)

/**
 * An instant of interest among sorted anchors: an offset transition, nudged; another anchor
 * (local midnight, month start, ...), nudged; or (one time in six) any instant of 2005–2035.
 *
 * @example
 * import { anchorsFor, instantAmong, transitionsOf } from 'tiny-counter/testing'
 * import * as fc from 'fast-check'
 * const anchors = anchorsFor('Europe/Berlin', 'calendar')
 * const instants = fc.sample(instantAmong(anchors, transitionsOf('Europe/Berlin')), { numRuns: 200, seed: 7 })
 * assert.ok(instants.filter((t) => anchors.includes(t)).length > 10) // many land exactly on one
 */
export const instantAmong = (anchors: ReadonlyArray<number>, transitions: ReadonlyArray<number> = []): fc.Arbitrary<number> =>
  fc.oneof(
    ...(transitions.length > 0 ? [{ weight: 2, arbitrary: nudged(transitions) }] : []),
    { weight: 3, arbitrary: nudged(anchors) },
    { weight: 1, arbitrary: uniformInstant }
  )

/**
 * The anchors of a layout: those of its zone, plus the uniform boundaries under uniform alignment.
 *
 * @example
 * import { anchorsFor, anchorsOf } from 'tiny-counter/testing'
 * import { Layout } from 'tiny-counter'
 * assert.equal(anchorsOf(Layout.utc), anchorsFor('UTC', 'calendar'))
 */
export const anchorsOf = (layout: Layout): ReadonlyArray<number> => anchorsFor(layout.timeZone, layout.alignment)

/**
 * An instant of interest to a layout: near its zone's transitions and anchors, or any instant.
 *
 * @example
 * import { instant } from 'tiny-counter/testing'
 * import { Layout } from 'tiny-counter'
 * import * as fc from 'fast-check'
 * const berlin = Layout.standard({ timeZone: 'Europe/Berlin' })
 * const instants = fc.sample(instant(berlin), { numRuns: 500, seed: 1 })
 * const midnights = instants.filter((t) => new Date(t).toLocaleTimeString('en-GB', { timeZone: 'Europe/Berlin' }) === '00:00:00')
 * assert.ok(midnights.length > 20)
 */
export const instant = (layout: Layout): fc.Arbitrary<number> => instantAmong(anchorsOf(layout), transitionsOf(layout.timeZone))

/**
 * An instant close to `focal`: a nudge away, whole buckets away (mostly before it), or a nudge off
 * one of the anchors around it.
 *
 * @example
 * import { anchorsFor, instantNear } from 'tiny-counter/testing'
 * import * as fc from 'fast-check'
 * const focal = Date.UTC(2026, 2, 29, 1)
 * const instants = fc.sample(instantNear(anchorsFor('Europe/Berlin', 'calendar'), focal), { numRuns: 100, seed: 3 })
 * assert.ok(instants.every((t) => Math.abs(t - focal) < 50 * 365 * 86_400_000))
 * assert.ok(instants.some((t) => t === focal))
 */
export const instantNear = (anchors: ReadonlyArray<number>, focal: number): fc.Arbitrary<number> =>
  fc.oneof(
    nudge.map((d) => focal + d),
    fc.tuple(fc.integer({ min: -40, max: 3 }), unitLength, nudge).map(([k, length, d]) => focal + k * length + d),
    fc.tuple(fc.integer({ min: -12, max: 4 }), nudge).map(([j, d]) => anchorNear(anchors, focal, j) + d)
  )

/**
 * An instant at or after `latest`: on it, just after, whole buckets after, or on one of the next anchors.
 *
 * @example
 * import { anchorsFor, instantFrom } from 'tiny-counter/testing'
 * import * as fc from 'fast-check'
 * const latest = Date.UTC(2026, 0, 31, 23, 59)
 * const instants = fc.sample(instantFrom(anchorsFor('UTC', 'calendar'), latest), { numRuns: 100, seed: 3 })
 * assert.ok(instants.every((t) => t >= latest))
 * assert.ok(instants.includes(Date.UTC(2026, 1, 1))) // the next month starts
 */
export const instantFrom = (anchors: ReadonlyArray<number>, latest: number): fc.Arbitrary<number> =>
  fc.oneof(
    fc.constantFrom(0, 1, SECOND, MINUTE, HOUR, DAY).map((d) => latest + d),
    fc.tuple(fc.integer({ min: 1, max: 45 }), unitLength).map(([k, length]) => latest + k * length),
    fc.tuple(fc.integer({ min: 0, max: 8 }), nudge).map(([j, d]) => Math.max(latest, anchorNear(anchors, latest, j) + d))
  )

// -------------------------------------------------------------------------------------------------
// layouts
// -------------------------------------------------------------------------------------------------

const made = (counts: TrackCounts, options: LayoutOptions): Layout =>
  E.getOrElseW((error: Error) => {
    throw error
  })(make(counts, options))

/** Every calendar unit from days up, plus hours: enough buckets to reach across the others. */
const calendarCounts: TrackCounts = { hours: 24, days: 40, weeks: 10, months: 14, years: 3 }

/** Every unit with uniform alignment, each with enough buckets to reach across the others. */
const uniformCounts: TrackCounts = { seconds: 60, minutes: 60, hours: 24, days: 40, weeks: 10, months: 14, years: 3 }

/** The zones with DST both ways, a 30-minute shift, a half-hour offset and a skipped day. */
const shiftingZones = ['America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Apia']

/**
 * The layouts the arbitraries draw from: the default layout in every zone of `zones`, every
 * calendar unit in the zones that shift, small layouts that drop data, and uniform ones.
 */
export const layouts: ReadonlyArray<Layout> = [
  utc,
  ...zones.map((timeZone) => standard({ timeZone })),
  ...shiftingZones.map((timeZone) => made(calendarCounts, { timeZone })),
  made({ days: 3, months: 2 }, { timeZone: 'Europe/Berlin' }),
  made({ days: 1 }, { timeZone: 'Pacific/Apia' }),
  made({ weeks: 2, years: 1 }, { timeZone: 'Asia/Kolkata' }),
  made({ seconds: 5, minutes: 3, hours: 2, days: 2, weeks: 2, months: 2, years: 2 }, { timeZone: 'Australia/Lord_Howe' }),
  made({ hours: 3, days: 2 }, { timeZone: 'America/Sao_Paulo' }),
  made({ hours: 24, days: 7, weeks: 1 }, { timeZone: 'Europe/Berlin' }), // ever: days and weeks tie on Sundays
  made({ hours: 24, days: 1 }, { alignment: 'uniform', timeZone: 'UTC' }), // ever: hours and days tie at 23:00 UTC
  made(uniformCounts, { alignment: 'uniform', timeZone: 'America/New_York' }),
  made({ seconds: 3, hours: 2, days: 7, weeks: 2, months: 3, years: 2 }, { alignment: 'uniform', timeZone: 'UTC' })
]

/** One of {@link layouts}. */
export const layout: fc.Arbitrary<Layout> = fc.constantFrom(...layouts)

const sizedLike = (self: Layout, sizes: ReadonlyArray<readonly [TimeUnit, number]>): Layout =>
  made(Object.fromEntries(sizes), { alignment: self.alignment, timeZone: self.timeZone })

/**
 * A layout of the same zone and alignment whose units each keep at most their old bucket count
 * (or are dropped), plus possibly new units: a conversion that can only lose the oldest buckets.
 *
 * @example
 * import { narrowerLayout } from 'tiny-counter/testing'
 * import { Layout } from 'tiny-counter'
 * import * as fc from 'fast-check'
 * for (const narrower of fc.sample(narrowerLayout(Layout.utc), { numRuns: 50, seed: 2 })) {
 *   assert.equal(narrower.timeZone, 'UTC')
 *   assert.ok(narrower.tracks.every((t) => Layout.bucketsOf(Layout.utc, t.unit) === 0 || t.buckets <= Layout.bucketsOf(Layout.utc, t.unit)))
 * }
 */
export const narrowerLayout = (self: Layout): fc.Arbitrary<Layout> =>
  fc
    .tuple(...allUnits.map((unit) => fc.option(fc.integer({ min: 1, max: bucketsOf(self, unit) || 50 }), { nil: undefined })))
    .filter((sizes) => sizes.some((n) => n !== undefined))
    .map((sizes) => sizedLike(self, allUnits.flatMap((unit, i) => (sizes[i] === undefined ? [] : [[unit, sizes[i]] as const]))))

/**
 * A layout of the same zone and alignment that keeps every unit with at least its old bucket
 * count, and may add units.
 *
 * @example
 * import { widerLayout } from 'tiny-counter/testing'
 * import { Layout } from 'tiny-counter'
 * import * as fc from 'fast-check'
 * for (const wider of fc.sample(widerLayout(Layout.utc), { numRuns: 50, seed: 2 })) {
 *   assert.ok(Layout.utc.tracks.every((t) => Layout.bucketsOf(wider, t.unit) >= t.buckets))
 * }
 */
export const widerLayout = (self: Layout): fc.Arbitrary<Layout> =>
  fc
    .tuple(fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 7, maxLength: 7 }), fc.subarray([...allUnits]))
    .map(([more, added]) =>
      sizedLike(
        self,
        allUnits.flatMap((unit, i) => {
          const old = bucketsOf(self, unit)
          return old > 0 ? [[unit, old + more[i]!] as const] : added.includes(unit) ? [[unit, 1 + more[i]!] as const] : []
        })
      )
    )

// -------------------------------------------------------------------------------------------------
// windows
// -------------------------------------------------------------------------------------------------

/** A window of any unit (tracked or not): the last n buckets, a range starting anywhere, or `ever`. */
export const window: fc.Arbitrary<Window> = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 70 }), fc.constantFrom(...allUnits)).map(([n, unit]) => last(n, unit)),
  fc
    .tuple(fc.constantFrom(...allUnits), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 }))
    .map(([unit, a, b]) => range(unit, Math.min(a, b), Math.max(a, b))),
  fc.constant(ever)
)

// -------------------------------------------------------------------------------------------------
// printing counterexamples
// -------------------------------------------------------------------------------------------------

/**
 * An instant as epoch milliseconds with its ISO form beside it, for counterexamples.
 *
 * @example
 * import { showInstant } from 'tiny-counter/testing'
 * assert.equal(showInstant(Date.UTC(2026, 0, 1)), '1767225600000 /* 2026-01-01T00:00:00.000Z *' + '/')
 */
export const showInstant = (t: number): string => `${t} /* ${new Date(t).toISOString()} */`

/**
 * A layout in one line, for counterexamples.
 *
 * @example
 * import { showLayout } from 'tiny-counter/testing'
 * import { Layout } from 'tiny-counter'
 * assert.equal(showLayout(Layout.utc), 'calendar UTC { minutes: 60, hours: 24, days: 32, months: 12 }')
 */
export const showLayout = (layout: Layout): string =>
  `${layout.alignment} ${layout.timeZone} { ${layout.tracks.map((t) => `${t.unit}: ${t.buckets}`).join(', ')} }`
