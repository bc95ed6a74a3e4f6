// Counters to store: random counts (up to Number.MAX_SAFE_INTEGER) recorded at random instants
// into a few layouts (UTC, non-UTC zones with DST and half-hour offsets, uniform alignment), and
// keys from the whole of Unicode. Shared by the storage tests; not a test file itself.
import * as fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { Counter, Layout } from 'tiny-counter'

const SECOND = 1_000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const YEAR = 365 * DAY

export const orThrow = <A>(result: E.Either<Error, A>): A => {
  if (E.isLeft(result)) throw result.left
  return result.right
}

/** A uniform layout tracking every unit: its heads reach the extremes of the instants. */
export const uniformEvery = orThrow(
  Layout.make({ seconds: 60, minutes: 60, hours: 24, days: 40, weeks: 10, months: 14, years: 3 }, { alignment: 'uniform', timeZone: 'UTC' })
)

export const layouts: ReadonlyArray<Layout.Layout> = [
  Layout.utc,
  Layout.standard({ timeZone: 'America/New_York' }),
  orThrow(Layout.make({ minutes: 15, days: 10, months: 3 }, { timeZone: 'Asia/Kolkata' })),
  orThrow(Layout.make({ hours: 6, weeks: 4, years: 2 }, { timeZone: 'Australia/Lord_Howe' })),
  orThrow(Layout.make({ seconds: 90, hours: 5, weeks: 3, years: 2 }, { alignment: 'uniform', timeZone: 'Europe/Berlin' })),
  uniformEvery
]

/** Mostly small counts, sometimes huge, sometimes exactly the largest. */
export const count: fc.Arbitrary<number> = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 9 }) },
  { weight: 3, arbitrary: fc.integer({ min: 10, max: 1_000_000 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }) },
  { weight: 1, arbitrary: fc.constant(Number.MAX_SAFE_INTEGER) }
)

/** How long before the newest instant an event happened: seconds to years. */
const ago: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: 0, max: 5 * MINUTE }),
  fc.integer({ min: 0, max: 2 * DAY }),
  fc.integer({ min: 0, max: 60 * DAY }),
  fc.integer({ min: 0, max: 4 * YEAR })
)

/** The instant the history ends at: any instant of 1970–2040, or near the ends of time (uniform only). */
const end = (layout: Layout.Layout): fc.Arbitrary<number> =>
  layout.alignment === 'uniform'
    ? fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: 0, max: Date.UTC(2040, 0, 1) }) },
        { weight: 1, arbitrary: fc.integer({ min: 8.64e15 - 10 * YEAR, max: 8.64e15 }) },
        { weight: 1, arbitrary: fc.integer({ min: -8.64e15 + 10 * YEAR, max: -8.64e15 + 20 * YEAR }) }
      )
    : fc.integer({ min: 0, max: Date.UTC(2040, 0, 1) })

/** A counter that went through up to 40 records (in any order) and maybe a final rotation. */
export const counter: fc.Arbitrary<Counter.Counter> = fc
  .constantFrom(...layouts)
  .chain((layout) =>
    fc.record({
      layout: fc.constant(layout),
      at: end(layout),
      records: fc.array(fc.tuple(ago, count), { maxLength: 40 }),
      later: fc.option(fc.integer({ min: 0, max: 90 * DAY }), { nil: undefined })
    })
  )
  .map(({ layout, at, records, later }) => {
    const recorded = records.reduce((c, [before, n]) => orThrow(Counter.record(c, at - before, n)), Counter.empty(layout))
    return later === undefined || at + later > 8.64e15 ? recorded : Counter.rotate(recorded, at + later)
  })

/** Keys that trouble file systems and encodings. */
export const trickyKeys: ReadonlyArray<string> = [
  'a/b', '..', '.', ':', 'CON', 'con', 'Aux', 'nul', 'COM1', 'lpt9', 'Ünïcödé', 'A', 'a', '%41', '%', '%2F',
  ' ', ' leading and trailing ', 'tab\there', 'nul\0byte', 'new\nline', '😀', 'e\u0301', 'é', '\\', '*?<>|"', 'a.json', '-', '_', 'UPPER lower'
]

/** Any non-empty key of at most 20 code points (so that its file name stays within 240 bytes). */
export const key: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom(...trickyKeys) }
)
