// Instants where counters are most likely to go wrong, computed with Temporal directly (never
// through src/Calendar.ts): DST transitions and the local midnights around them, month, year and
// week starts, leap days, São Paulo's missing midnight, the day Samoa skipped, uniform boundaries.
import { Temporal } from '@js-temporal/polyfill'

export const SECOND = 1_000
export const MINUTE = 60 * SECOND
export const HOUR = 60 * MINUTE
export const DAY = 24 * HOUR
export const WEEK = 7 * DAY

export const FIRST_YEAR = 2005
export const LAST_YEAR = 2035
/** First and last epoch millisecond of the years the arbitraries draw from. */
export const EARLIEST = Date.UTC(FIRST_YEAR, 0, 1)
export const LATEST = Date.UTC(LAST_YEAR + 1, 0, 1) - 1

/** The zones the model answers for (see `model.ts`): DST both ways, a 30-minute shift, a half-hour offset, a skipped day. */
export const modelZones = ['America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Apia'] as const

/**
 * Every zone the laws use: the model zones, UTC, São Paulo (midnights that do not exist) and
 * St John's (until 2011 its clocks fell back from 00:01 to 23:01, so local dates stepped back).
 */
export const zones: ReadonlyArray<string> = ['UTC', ...modelZones, 'America/Sao_Paulo', 'America/St_Johns']

const startOfDay = (zone: string, date: Temporal.PlainDate): number => date.toZonedDateTime(zone).epochMilliseconds

const transitions = (zone: string, from = EARLIEST, to = LATEST): number[] => {
  const out: number[] = []
  let zoned: Temporal.ZonedDateTime | null = Temporal.Instant.fromEpochMilliseconds(from).toZonedDateTimeISO(zone)
  for (;;) {
    zoned = zoned.getTimeZoneTransition('next')
    if (zoned === null || zoned.epochMilliseconds > to) return out
    out.push(zoned.epochMilliseconds)
  }
}

/**
 * The offset transitions of a zone from 1850 to 2005: local mean time, wars, Samoa crossing the
 * date line in 1892 (a day that happened twice). For the structural calendar laws only.
 */
export const historicTransitionsOf = (zone: string): ReadonlyArray<number> => transitions(zone, Date.UTC(1850, 0, 1), EARLIEST - 1)

const sortedUnique = (xs: ReadonlyArray<number>): ReadonlyArray<number> => [...new Set(xs)].sort((a, b) => a - b)

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

const computed = new Map<string, ReadonlyArray<number>>()
const transitionsByZone = new Map<string, ReadonlyArray<number>>()

/** The offset transitions of a zone in 2005–2035, sorted (empty for UTC and Kolkata). */
export const transitionsOf = (zone: string): ReadonlyArray<number> => {
  let found = transitionsByZone.get(zone)
  if (found === undefined) transitionsByZone.set(zone, (found = transitions(zone)))
  return found
}

/**
 * The sorted anchors that matter to a layout: its zone's calendar anchors, plus the uniform
 * boundaries when `uniform` is set. Computed once per zone and alignment.
 */
export const anchorsFor = (zone: string, alignment: 'calendar' | 'uniform'): ReadonlyArray<number> => {
  const key = `${alignment}|${zone}`
  let found = computed.get(key)
  if (found === undefined) {
    found = alignment === 'uniform' ? sortedUnique([...anchorsFor(zone, 'calendar'), ...uniformAnchors()]) : zoneAnchors(zone)
    computed.set(key, found)
  }
  return found
}

/** Index of the first anchor `>= t` (clamped to the last one). */
export const anchorIndexOf = (anchors: ReadonlyArray<number>, t: number): number => {
  let lo = 0
  let hi = anchors.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (anchors[mid]! < t) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** The anchor `j` places after (negative: before) the first anchor `>= t`, clamped to the list. */
export const anchorNear = (anchors: ReadonlyArray<number>, t: number, j: number): number =>
  anchors[Math.min(anchors.length - 1, Math.max(0, anchorIndexOf(anchors, t) + j))]!
