/**
 * Schedules: hours of the day and days of the week, in UTC, in the store's ("local") time zone or
 * in a named IANA zone. A schedule is plain data; `contains` says whether an instant falls inside,
 * and `nextChange` gives the exact instant it next starts or stops matching, which makes the
 * `retryAfter` of `during` and `outsideOf` limits exact across daylight-saving changes.
 */
import * as E from '#fp-ts/Either'
import { isInstant } from './Counter.js'
import { InvalidHour, InvalidInstant, InvalidRange, UnknownTimeZone } from './errors.js'
import { DAY_MS } from './internal/civil.js'
import { canonicalTimeZone, segmentAt } from './internal/zoneOffsets.js'

/** Where a schedule reads the wall clock: UTC, the store's zone, or a named zone. */
export type Zone = { readonly _tag: 'Utc' } | { readonly _tag: 'Local' } | { readonly _tag: 'Named'; readonly timeZone: string }

/** The hours `start <= hour < end` of every day. */
export interface Hours {
  readonly _tag: 'Hours'
  readonly start: number
  readonly end: number
  readonly zone: Zone
}

/** Days of the week, ISO numbered: 1 is Monday, 7 is Sunday. */
export interface Days {
  readonly _tag: 'Days'
  readonly days: ReadonlyArray<number>
  readonly zone: Zone
}

/** When something may (`during`) or may not (`outsideOf`) happen. */
export type Schedule = Hours | Days

const HOUR_MS = 3_600_000
const UTC: Zone = { _tag: 'Utc' }
const LOCAL: Zone = { _tag: 'Local' }

const isHour = (h: unknown): h is number => Number.isInteger(h) && (h as number) >= 0 && (h as number) <= 23

const hoursIn = (start: number, end: number, zone: Zone): E.Either<InvalidHour | InvalidRange, Schedule> => {
  if (!isHour(start)) return E.left(new InvalidHour(start))
  if (!isHour(end)) return E.left(new InvalidHour(end))
  if (start >= end) return E.left(new InvalidRange(start, end))
  return E.right({ _tag: 'Hours', start, end, zone })
}

const named = (timeZone: string): E.Either<UnknownTimeZone, Zone> => {
  const canonical = canonicalTimeZone(timeZone)
  return canonical === undefined ? E.left(new UnknownTimeZone(timeZone)) : E.right({ _tag: 'Named', timeZone: canonical })
}

/**
 * The hours `start <= hour < end` in UTC (`0 <= start < end <= 23`); refuses other hours with
 * `InvalidHour` and a start not before the end with `InvalidRange`.
 *
 * @example
 * import { Schedule } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const business = Schedule.hours(9, 17)
 * assert.ok(E.isRight(business))
 * assert.equal(Schedule.contains(business.right, Date.UTC(2026, 0, 5, 16, 59), 'UTC'), true)
 * assert.equal(Schedule.contains(business.right, Date.UTC(2026, 0, 5, 17), 'UTC'), false)
 */
export const hours = (start: number, end: number): E.Either<InvalidHour | InvalidRange, Schedule> => hoursIn(start, end, UTC)

/**
 * The hours `start <= hour < end` on the wall clock of the store's time zone.
 *
 * @example
 * import { Schedule } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const business = Schedule.hoursLocalTz(9, 17)
 * assert.ok(E.isRight(business))
 * // 08:30 UTC is 09:30 in Berlin in winter.
 * assert.equal(Schedule.contains(business.right, Date.UTC(2026, 0, 5, 8, 30), 'Europe/Berlin'), true)
 */
export const hoursLocalTz = (start: number, end: number): E.Either<InvalidHour | InvalidRange, Schedule> => hoursIn(start, end, LOCAL)

/**
 * The hours `start <= hour < end` on the wall clock of a named IANA zone.
 *
 * @example
 * import { Schedule } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const tokyo = Schedule.hoursInZone(9, 17, 'Asia/Tokyo')
 * assert.ok(E.isRight(tokyo))
 * assert.equal(Schedule.contains(tokyo.right, Date.UTC(2026, 0, 5, 1), 'UTC'), true) // 10:00 in Tokyo
 * assert.ok(E.isLeft(Schedule.hoursInZone(9, 17, 'Asia/Atlantis')))
 */
export const hoursInZone = (start: number, end: number, timeZone: string): E.Either<InvalidHour | InvalidRange | UnknownTimeZone, Schedule> =>
  E.flatMap(named(timeZone), (zone) => hoursIn(start, end, zone))

const WEEKDAYS: ReadonlyArray<number> = [1, 2, 3, 4, 5]
const WEEKEND: ReadonlyArray<number> = [6, 7]

const daysIn = (days: ReadonlyArray<number>, zone: Zone): Schedule => ({ _tag: 'Days', days, zone })

/**
 * Monday to Friday, in UTC.
 *
 * @example
 * import { Schedule } from 'tiny-counter'
 * assert.equal(Schedule.contains(Schedule.weekdays(), Date.UTC(2026, 0, 9, 23), 'UTC'), true) // a Friday
 * assert.equal(Schedule.contains(Schedule.weekdays(), Date.UTC(2026, 0, 10), 'UTC'), false) // a Saturday
 */
export const weekdays = (): Schedule => daysIn(WEEKDAYS, UTC)

/**
 * Monday to Friday, in the store's time zone.
 *
 * @example
 * import { Schedule } from 'tiny-counter'
 * // Friday 23:30 UTC is already Saturday in Berlin.
 * assert.equal(Schedule.contains(Schedule.weekdaysLocalTz(), Date.UTC(2026, 0, 9, 23, 30), 'Europe/Berlin'), false)
 */
export const weekdaysLocalTz = (): Schedule => daysIn(WEEKDAYS, LOCAL)

/**
 * Saturday and Sunday, in UTC.
 *
 * @example
 * import { Schedule } from 'tiny-counter'
 * assert.equal(Schedule.contains(Schedule.weekends(), Date.UTC(2026, 0, 11, 12), 'UTC'), true) // a Sunday
 */
export const weekends = (): Schedule => daysIn(WEEKEND, UTC)

/**
 * Saturday and Sunday, in the store's time zone.
 *
 * @example
 * import { Schedule } from 'tiny-counter'
 * // Sunday 23:30 in New York is Monday 04:30 UTC.
 * assert.equal(Schedule.contains(Schedule.weekendsLocalTz(), Date.UTC(2026, 0, 12, 4, 30), 'America/New_York'), true)
 */
export const weekendsLocalTz = (): Schedule => daysIn(WEEKEND, LOCAL)

/**
 * Monday to Friday on the wall clock of a named IANA zone.
 *
 * @example
 * import { Schedule } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const weekdays = Schedule.weekdaysInZone('Pacific/Auckland')
 * assert.ok(E.isRight(weekdays))
 * // Sunday 20:00 UTC is already Monday morning in Auckland.
 * assert.equal(Schedule.contains(weekdays.right, Date.UTC(2026, 0, 11, 20), 'UTC'), true)
 */
export const weekdaysInZone = (timeZone: string): E.Either<UnknownTimeZone, Schedule> =>
  E.map((zone: Zone) => daysIn(WEEKDAYS, zone))(named(timeZone))

/**
 * Saturday and Sunday on the wall clock of a named IANA zone.
 *
 * @example
 * import { Schedule } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const weekend = Schedule.weekendsInZone('America/Los_Angeles')
 * assert.ok(E.isRight(weekend))
 * // Monday 05:00 UTC is still Sunday evening in Los Angeles.
 * assert.equal(Schedule.contains(weekend.right, Date.UTC(2026, 0, 12, 5), 'UTC'), true)
 */
export const weekendsInZone = (timeZone: string): E.Either<UnknownTimeZone, Schedule> =>
  E.map((zone: Zone) => daysIn(WEEKEND, zone))(named(timeZone))

/** The zone's name (`undefined` for a schedule built by hand without a zone: `UnknownTimeZone` follows). */
const zoneName = (zone: Zone | undefined, localZone: string): string =>
  zone?._tag === 'Utc' ? 'UTC' : zone?._tag === 'Local' ? localZone : (zone?.timeZone as string)

const matchesLocal = (schedule: Schedule, local: number): boolean => {
  const day = Math.floor(local / DAY_MS)
  if (schedule._tag === 'Hours') {
    const hour = Math.floor((local - day * DAY_MS) / HOUR_MS)
    return hour >= schedule.start && hour < schedule.end
  }
  const isoWeekday = ((((day + 3) % 7) + 7) % 7) + 1 // 1970-01-01 was a Thursday (4)
  return schedule.days.includes(isoWeekday)
}

/**
 * Whether the instant `at` falls inside the schedule; `localZone` is the zone of `Local` schedules.
 * Throws `InvalidInstant` for an `at` that is not an integer epoch millisecond within ±8.64e15, and
 * `UnknownTimeZone` for a zone that `Layout.make` would refuse (`localZone`, or the zone of a
 * schedule built by hand).
 *
 * @example
 * import { Schedule } from 'tiny-counter'
 * assert.equal(Schedule.contains(Schedule.weekends(), Date.UTC(2026, 0, 10), 'UTC'), true)
 * assert.throws(() => Schedule.contains(Schedule.weekends(), Number.NaN, 'UTC'), { name: 'InvalidInstant' })
 * assert.throws(() => Schedule.contains(Schedule.weekendsLocalTz(), 0, 'Mars/Olympus_Mons'), { name: 'UnknownTimeZone' })
 */
export const contains = (schedule: Schedule, at: number, localZone: string): boolean => {
  if (!isInstant(at)) throw new InvalidInstant(at)
  const zone = zoneName(schedule.zone, localZone)
  return matchesLocal(schedule, at + segmentAt(zone, at).offset)
}

/**
 * The first instant after `at` at which `contains` changes its answer: waiting until then flips
 * the schedule, a millisecond less does not. Wall-clock hours and offset changes are walked one by
 * one, so daylight-saving days are exact. Throws `InvalidInstant` and `UnknownTimeZone` as
 * `contains` does.
 *
 * @example
 * import { Schedule } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const business = E.getOrElseW(() => Schedule.weekdays())(Schedule.hoursLocalTz(9, 17))
 * // Sunday 30 March 2025, 08:00 in Berlin (DST began at 02:00): opens at 09:00 CEST, 07:00 UTC.
 * assert.equal(Schedule.nextChange(business, Date.UTC(2025, 2, 30, 6), 'Europe/Berlin'), Date.UTC(2025, 2, 30, 7))
 */
export const nextChange = (schedule: Schedule, at: number, localZone: string): number => {
  const zone = zoneName(schedule.zone, localZone)
  const inside = contains(schedule, at, localZone)
  let t = at
  // Membership can only change on a wall-clock hour mark or an offset change: at most 8 days away.
  for (let step = 0; step < 8 * 26 + 16; step++) {
    const segment = segmentAt(zone, t)
    const local = t + segment.offset
    const mark = (Math.floor(local / HOUR_MS) + 1) * HOUR_MS - segment.offset
    const next = Math.min(mark, segment.end)
    if (matchesLocal(schedule, next + segmentAt(zone, next).offset) !== inside) return next
    t = next
  }
  return Infinity
}
