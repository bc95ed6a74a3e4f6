// The calendar engine against Temporal as an oracle. The engine reads zone offsets from the
// platform's Intl.DateTimeFormat (src/internal/zoneOffsets.ts) and does the calendar arithmetic
// itself; here @js-temporal/polyfill says, for random instants of 1900–2100 in 32 IANA zones, which
// local date, Monday, month, year or wall-clock second, minute and hour each instant falls in, and
// where that bucket starts. Every unit, calendar alignment: index and start must agree.
import { Temporal } from '@js-temporal/polyfill'
import * as E from 'fp-ts/lib/Either.js'
import * as fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Calendar, Layout, TimeUnit } from 'tiny-counter'

type Unit = TimeUnit.TimeUnit

const SECOND = 1_000
const HOUR = 3_600_000
const DAY = 24 * HOUR
const SUB_DAY: Readonly<Partial<Record<Unit, number>>> = { seconds: SECOND, minutes: 60 * SECOND, hours: HOUR }

/** Zones of every kind: DST north and south, none, half and quarter hours, Lord Howe's 30-minute shift, skipped and repeated days, local mean time until late, double summer time, changes of base offset. */
const zones = [
  'UTC',
  'Europe/Berlin',
  'Europe/London',
  'Europe/Moscow',
  'Europe/Dublin',
  'Europe/Lisbon',
  'America/New_York',
  'America/St_Johns',
  'America/Sao_Paulo',
  'America/Santiago',
  'America/Havana',
  'America/Caracas',
  'America/Godthab',
  'America/Asuncion',
  'America/Los_Angeles',
  'Africa/Casablanca',
  'Africa/Cairo',
  'Africa/Monrovia',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Asia/Tehran',
  'Asia/Jerusalem',
  'Asia/Shanghai',
  'Asia/Tokyo',
  'Asia/Pyongyang',
  'Australia/Lord_Howe',
  'Australia/Adelaide',
  'Australia/Eucla',
  'Pacific/Apia',
  'Pacific/Chatham',
  'Pacific/Kiritimati',
  'Antarctica/Troll'
] as const

const FIRST = Date.UTC(1900, 0, 1)
const LAST = Date.UTC(2100, 0, 1)
const EPOCH_DATE = Temporal.PlainDate.from('1970-01-01')

const zoned = (zone: string, t: number): Temporal.ZonedDateTime => Temporal.Instant.fromEpochMilliseconds(t).toZonedDateTimeISO(zone)

/** The bucket of `unit` that Temporal's local wall clock at `t` names (before the rule that indices never go back). */
const wallIndex = (zone: string, unit: Unit, t: number): number => {
  const local = zoned(zone, t)
  const length = SUB_DAY[unit]
  if (length !== undefined) {
    const offset = local.offsetNanoseconds / 1e6
    return Math.floor((t + (((offset % length) + length) % length)) / length)
  }
  const date = local.toPlainDate()
  const epochDay = EPOCH_DATE.until(date, { largestUnit: 'days' }).days
  switch (unit) {
    case 'days':
      return epochDay
    case 'weeks':
      return Math.floor((epochDay - (date.dayOfWeek - 1) + 3) / 7)
    case 'months':
      return (date.year - 1970) * 12 + date.month - 1
    default:
      return date.year - 1970
  }
}

/** Temporal's offset changes in `[from, to]`, newest first. */
const changesBetween = (zone: string, from: number, to: number): ReadonlyArray<number> => {
  const out: number[] = []
  for (let change = zoned(zone, Math.min(to + 1, Calendar.MAX_INSTANT)).getTimeZoneTransition('previous'); change !== null && change.epochMilliseconds >= from; change = change.getTimeZoneTransition('previous')) {
    out.push(change.epochMilliseconds)
  }
  return out
}

/**
 * Temporal's bucket index: the wall clock's, except that where clocks fall back across a boundary
 * the repeated time stays in the later bucket (DESIGN.md): never below the index just before an
 * offset change of the two days before `t` (`changes`: at least those, newest first).
 */
const oracleIndex = (zone: string, unit: Unit, t: number, changes: ReadonlyArray<number>): number => {
  let index = wallIndex(zone, unit, t)
  for (const change of changes) {
    if (change > t) continue
    if (change <= t - 2 * DAY) break
    index = Math.max(index, wallIndex(zone, unit, change - 1))
  }
  return index
}

/**
 * Where Temporal starts bucket `i`, which holds `t`: the start of its first local date (days and
 * coarser), or (hours, minutes, seconds) the first instant Temporal gives an index of at least `i`,
 * found by bisection from two bucket lengths and two hours earlier.
 */
const oracleStart = (zone: string, unit: Unit, i: number, t: number, changes: ReadonlyArray<number>): number => {
  if (SUB_DAY[unit] === undefined) {
    // The bucket's own first date: after a fall-back across midnight, `t` may still show the day before.
    const first =
      unit === 'days'
        ? EPOCH_DATE.add({ days: i })
        : unit === 'weeks'
          ? EPOCH_DATE.add({ days: 7 * i - 3 })
          : unit === 'months'
            ? Temporal.PlainDate.from({ year: 1970 + Math.floor(i / 12), month: (((i % 12) + 12) % 12) + 1, day: 1 })
            : Temporal.PlainDate.from({ year: 1970 + i, month: 1, day: 1 })
    return first.toZonedDateTime(zone).epochMilliseconds
  }
  let lo = t - 2 * SUB_DAY[unit]! - 2 * HOUR
  let hi = t
  expect(oracleIndex(zone, unit, lo, changes)).toBeLessThan(i)
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2)
    if (oracleIndex(zone, unit, mid, changes) >= i) hi = mid
    else lo = mid
  }
  return hi
}

/** A random instant of 1900–2100, or one at most two hours from one of the zone's offset changes. */
const instantIn = (zone: string): fc.Arbitrary<number> =>
  fc.oneof(
    fc.integer({ min: FIRST, max: LAST }),
    fc.tuple(fc.integer({ min: FIRST, max: LAST }), fc.integer({ min: -2 * HOUR, max: 2 * HOUR })).map(([t, d]) => {
      const next = zoned(zone, t).getTimeZoneTransition('next')
      return next === null || next.epochMilliseconds > LAST ? t : next.epochMilliseconds + d
    })
  )

/** Always checked: a fall-back across midnight (St John's, 00:01 to 23:01), Lord Howe's half-hour shifts, a skipped day, a missing midnight. */
const hardCases = [
  { zone: 'America/St_Johns', t: Date.parse('1995-10-29T02:31:00Z') },
  { zone: 'America/St_Johns', t: Date.parse('1995-10-29T03:15:00Z') },
  { zone: 'Australia/Lord_Howe', t: Date.parse('2024-10-05T15:45:00Z') },
  { zone: 'Australia/Lord_Howe', t: Date.parse('2024-04-06T15:15:00Z') },
  { zone: 'Pacific/Apia', t: Date.parse('2011-12-30T10:00:00Z') },
  { zone: 'America/Sao_Paulo', t: Date.parse('2015-10-18T03:30:00Z') }
]

const zoneAndInstant = fc.constantFrom(...zones).chain((zone) => instantIn(zone).map((t) => ({ zone, t })))

describe('the calendar engine against Temporal, 32 zones, 1900–2100', () => {
  it.each(TimeUnit.all)('%s: every bucket index and bucket start agrees', (unit) => {
    fc.assert(
      fc.property(zoneAndInstant, ({ zone, t }) => {
        const grid = Calendar.grid('calendar', zone, unit)
        const index = grid.index(t)
        const changes = changesBetween(zone, t - 2 * DAY - 2 * HOUR - 2 * (SUB_DAY[unit] ?? 0), t)
        expect(index, `index of ${new Date(t).toISOString()} in ${zone}`).toBe(oracleIndex(zone, unit, t, changes))
        expect(grid.start(index), `start of bucket ${index} (${new Date(t).toISOString()} in ${zone})`).toBe(oracleStart(zone, unit, index, t, changes))
      }),
      { numRuns: 400, examples: hardCases.map((c) => [c]) }
    )
  })

  it('days: every bucket index agrees anywhere in the range of instants (local mean time, BC years, year 275760)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.integer({ min: Calendar.MIN_INSTANT, max: Calendar.MAX_INSTANT }), (zone, t) => {
        const changes = changesBetween(zone, t - 2 * DAY, t)
        expect(Calendar.grid('calendar', zone, 'days').index(t), `${t} in ${zone}`).toBe(oracleIndex(zone, 'days', t, changes))
      }),
      { numRuns: 500 }
    )
  })
})

describe('time zone names, as Temporal writes them', () => {
  const names = [
    'UTC', 'utc', 'Etc/UTC', 'etc/gmt+5', 'Etc/Zulu', 'GMT', 'europe/berlin', 'Asia/Calcutta', 'Asia/Kolkata', 'asia/calcutta', 'US/Eastern',
    'us/pacific', 'EST5EDT', 'PST8PDT', 'EST', 'nz-chat', 'gb-eire', 'W-SU', 'ROC', 'Eire', 'america/port_of_spain', 'america/indiana/knox',
    'America/Argentina/ComodRivadavia', 'antarctica/dumontdurville', 'Antarctica/South_Pole', 'SystemV/AST4', '+01', '+0100', '+01:00', '-05:30',
    '-00:00', '+23:59', '+24:00', '+01:00:00', '\u221201:00', 'CST', 'ACT', 'Mars/Olympus_Mons', 'Factory', 'Z', ' UTC', 'UTC ', ''
  ]
  it.each(names)('%j', (name) => {
    let temporal: string | undefined
    try {
      temporal = zoned(name, 0).timeZoneId
    } catch {
      temporal = undefined
    }
    const layout = Layout.make({ days: 1 }, { timeZone: name })
    if (temporal === undefined) expect(E.isLeft(layout) && layout.left._tag).toBe('UnknownTimeZone')
    else expect(E.isRight(layout) && layout.right.timeZone).toBe(temporal)
  })
})
