/**
 * Instants where counters are most likely to go wrong, computed with Temporal directly (never
 * through the library's own calendar code): offset transitions and the local midnights around
 * them, month, year and week starts, leap days, São Paulo's missing midnights, the day Samoa
 * skipped, and the boundaries of uniform alignment. Computed once per zone, on first use.
 */
import { Temporal } from '@js-temporal/polyfill'

const SECOND = 1_000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const WEEK = 7 * DAY

const FIRST_YEAR = 2005
const LAST_YEAR = 2035

/** The first epoch millisecond of the years the arbitraries draw from (2005-01-01T00:00Z). */
export const EARLIEST = Date.UTC(FIRST_YEAR, 0, 1)

/** The last epoch millisecond of the years the arbitraries draw from (2035-12-31T23:59:59.999Z). */
export const LATEST = Date.UTC(LAST_YEAR + 1, 0, 1) - 1

/**
 * Zones that trouble calendars: UTC; New York and Berlin (DST both ways); Lord Howe (a 30-minute
 * shift); Kolkata (a half-hour offset); Apia (a skipped day, 2011-12-30); São Paulo (midnights
 * that do not exist); St John's (until 2011 its clocks fell back from 00:01 to 23:01).
 */
export const zones: ReadonlyArray<string> = [
  'UTC',
  'America/New_York',
  'Europe/Berlin',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'Pacific/Apia',
  'America/Sao_Paulo',
  'America/St_Johns'
]

const startOfDay = (zone: string, date: Temporal.PlainDate): number => date.toZonedDateTime(zone).epochMilliseconds

const sortedUnique = (xs: ReadonlyArray<number>): ReadonlyArray<number> => [...new Set(xs)].sort((a, b) => a - b)

/**
 * The offset transitions of a zone between two instants (epoch ms), sorted: daylight-saving
 * changes, and further back local mean time, wars and date-line crossings.
 *
 * @example
 * import { transitionsBetween } from 'tiny-counter/testing'
 * // Berlin in 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC.
 * assert.deepEqual(transitionsBetween('Europe/Berlin', Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1)), [Date.UTC(2026, 2, 29, 1), Date.UTC(2026, 9, 25, 1)])
 * assert.deepEqual(transitionsBetween('UTC', Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1)), [])
 */
export const transitionsBetween = (zone: string, from: number, to: number): ReadonlyArray<number> => {
  const out: number[] = []
  let zoned: Temporal.ZonedDateTime | null = Temporal.Instant.fromEpochMilliseconds(from).toZonedDateTimeISO(zone)
  for (;;) {
    zoned = zoned.getTimeZoneTransition('next')
    if (zoned === null || zoned.epochMilliseconds > to) return out
    out.push(zoned.epochMilliseconds)
  }
}

const transitionsByZone = new Map<string, ReadonlyArray<number>>()

/**
 * The offset transitions of a zone in 2005–2035, sorted (none for UTC or Kolkata); cached.
 *
 * @example
 * import { transitionsOf } from 'tiny-counter/testing'
 * assert.ok(transitionsOf('America/New_York').includes(Date.UTC(2026, 2, 8, 7))) // 2:00 EST became 3:00 EDT
 * assert.equal(transitionsOf('Asia/Kolkata').length, 0)
 */
export const transitionsOf = (zone: string): ReadonlyArray<number> => {
  let found = transitionsByZone.get(zone)
  if (found === undefined) transitionsByZone.set(zone, (found = transitionsBetween(zone, EARLIEST, LATEST)))
  return found
}

const zoneAnchors = (zone: string): ReadonlyArray<number> => {
  const out: number[] = []
  const midnightsAround = (date: Temporal.PlainDate): void => {
    for (let d = -1; d <= 2; d++) out.push(startOfDay(zone, date.add({ days: d })))
    out.push(startOfDay(zone, date.subtract({ days: date.dayOfWeek - 1 }))) // Monday of that week
  }
  for (const t of transitionsOf(zone)) {
    out.push(t)
    midnightsAround(Temporal.Instant.fromEpochMilliseconds(t).toZonedDateTimeISO(zone).toPlainDate())
  }
  for (let year = FIRST_YEAR; year <= LAST_YEAR; year++) {
    for (let month = 1; month <= 12; month++) {
      const first = Temporal.PlainDate.from({ year, month, day: 1 })
      out.push(startOfDay(zone, first))
      if (month === 1 || month === 3) midnightsAround(first) // year ends, the day after February
    }
    if (Temporal.PlainDate.from({ year, month: 1, day: 1 }).inLeapYear) out.push(startOfDay(zone, Temporal.PlainDate.from({ year, month: 2, day: 29 })))
  }
  for (const iso of ['2024-02-29', '2011-12-29', '2011-12-30', '2011-12-31', '2015-10-18', '2016-02-20', '2016-02-21']) {
    midnightsAround(Temporal.PlainDate.from(iso))
  }
  return sortedUnique(out.filter((t) => t >= EARLIEST && t <= LATEST))
}

/** Boundaries of uniform alignment: 24-hour days, weeks from Monday 1969-12-29, 30-day months, 365-day years. */
const uniformAnchors = (): ReadonlyArray<number> => {
  const out: number[] = []
  const every = (origin: number, length: number): void => {
    for (let i = Math.ceil((EARLIEST - origin) / length); origin + i * length <= LATEST; i++) out.push(origin + i * length)
  }
  every(-3 * DAY, WEEK)
  every(0, 30 * DAY)
  every(0, 365 * DAY)
  return sortedUnique(out)
}

const anchorsByKey = new Map<string, ReadonlyArray<number>>()

/**
 * The sorted instants of 2005–2035 that matter to a zone and alignment: offset transitions, the
 * local midnights around them and their Mondays, the first of every month, the days around each
 * new year and 1 March, leap days, and (under `uniform`) the uniform boundaries too. Cached.
 *
 * @example
 * import { anchorsFor } from 'tiny-counter/testing'
 * const berlin = anchorsFor('Europe/Berlin', 'calendar')
 * assert.ok(berlin.includes(Date.UTC(2024, 1, 28, 23))) // local midnight starting 29 February 2024
 * assert.ok(berlin.includes(Date.UTC(2026, 2, 29, 1))) // clocks go forward
 * assert.ok(anchorsFor('UTC', 'uniform').includes(30 * 86_400_000 * 600)) // a uniform month boundary
 */
export const anchorsFor = (zone: string, alignment: 'calendar' | 'uniform'): ReadonlyArray<number> => {
  const key = `${alignment}|${zone}`
  let found = anchorsByKey.get(key)
  if (found === undefined) {
    found = alignment === 'uniform' ? sortedUnique([...anchorsFor(zone, 'calendar'), ...uniformAnchors()]) : zoneAnchors(zone)
    anchorsByKey.set(key, found)
  }
  return found
}

/** Index of the first anchor `>= t` (clamped to the last one). */
const anchorIndexOf = (anchors: ReadonlyArray<number>, t: number): number => {
  let lo = 0
  let hi = anchors.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (anchors[mid]! < t) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * The anchor `j` places after (negative: before) the first anchor `>= t`, clamped to the list.
 *
 * @example
 * import { anchorNear } from 'tiny-counter/testing'
 * const anchors = [10, 20, 30, 40]
 * assert.equal(anchorNear(anchors, 25, 0), 30)
 * assert.equal(anchorNear(anchors, 25, -1), 20)
 * assert.equal(anchorNear(anchors, 25, 5), 40)
 */
export const anchorNear = (anchors: ReadonlyArray<number>, t: number, j: number): number =>
  anchors[Math.min(anchors.length - 1, Math.max(0, anchorIndexOf(anchors, t) + j))]!
