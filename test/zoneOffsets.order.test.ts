// The offset of an instant must not depend on what the process looked up before. The zone offset
// segments (src/internal/zoneOffsets.ts) are one cache for the whole process; with a probe every two
// weeks, an offset that changed and came back within two weeks went unseen by a search that
// started elsewhere, and an instant inside it then got the offset around it from the cache, though
// looked up first it got its own. Here each order of look-ups starts from a fresh cache (a fresh
// copy of the modules, `vi.resetModules`) and every answer is compared with Temporal's, which for
// an instant is the platform's `Intl` offset, and with the answers of the other orders.
import { Temporal } from '@js-temporal/polyfill'
import { describe, expect, it, vi } from 'vitest'

const HOUR = 3_600_000
const DAY = 24 * HOUR

/** Offset changes less than two weeks apart, the second back to the first offset (as the platform's time zone data has them). */
const SHORT_SPANS = [
  { zone: 'America/Argentina/Tucuman', around: Date.UTC(2004, 5, 7) }, // -04:00 from 1 to 13 June 2004, -03:00 around
  { zone: 'America/Recife', around: Date.UTC(2000, 9, 12) }, // summer time (-02:00) for the week of 8 October 2000
  { zone: 'Europe/Vienna', around: Date.UTC(1945, 3, 7) }, // +02:00 from 2 to 12 April 1945
  { zone: 'Africa/Tunis', around: Date.UTC(1943, 3, 21) }, // +01:00 from 17 to 25 April 1943
  { zone: 'Europe/Tirane', around: Date.UTC(1943, 3, 4) }, // +02:00 from 29 March to 10 April 1943
  { zone: 'Asia/Gaza', around: Date.UTC(2040, 9, 23) } // summer time paused for a week of October 2040 (predicted)
] as const

const temporalOffset = (zone: string, t: number): number =>
  Temporal.Instant.fromEpochMilliseconds(t).toZonedDateTimeISO(zone).offsetNanoseconds / 1e6

const localDate = (zone: string, t: number): Temporal.PlainDate => Temporal.Instant.fromEpochMilliseconds(t).toZonedDateTimeISO(zone).toPlainDate()

/**
 * The first instant whose local date (by Temporal's offset of each instant, which is Intl's) is
 * `date` or later: the start of the day's bucket. Found hour by hour, then to the millisecond. Not
 * `startOfDay()`: for a day without a midnight the polyfill searches the next offset change two
 * weeks at a time, as the cache used to (Recife's 8 October 2000 starts at 01:00 local, 03:00 UTC;
 * the polyfill's `startOfDay` answers a year later).
 */
const firstInstantOf = (zone: string, date: Temporal.PlainDate): number => {
  const reached = (t: number): boolean => Temporal.PlainDate.compare(localDate(zone, t), date) >= 0
  let hi = Date.UTC(date.year, date.month - 1, date.day) - 2 * DAY
  while (!reached(hi)) hi += HOUR
  let lo = hi - HOUR
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2)
    if (reached(mid)) hi = mid
    else lo = mid
  }
  return hi
}

/** Every hour of the 40 days around `around`, and an instant just before and just after each offset change among them. */
const instantsAround = (zone: string, around: number): number[] => {
  const hours: number[] = []
  for (let t = around - 20 * DAY; t <= around + 20 * DAY; t += HOUR) hours.push(t)
  const instants = [...hours]
  for (let k = 1; k < hours.length; k++) {
    let [lo, hi] = [hours[k - 1]!, hours[k]!]
    if (temporalOffset(zone, lo) === temporalOffset(zone, hi)) continue
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2)
      if (temporalOffset(zone, mid) === temporalOffset(zone, lo)) lo = mid
      else hi = mid
    }
    instants.push(lo, hi)
  }
  return instants
}

/** The orders of look-up: forward, backward, far away first, and the short span's middle last. */
const ordersOf = (instants: ReadonlyArray<number>, around: number): Record<string, ReadonlyArray<number>> => {
  const sorted = [...instants].sort((a, b) => a - b)
  const byDistance = [...instants].sort((a, b) => Math.abs(b - around) - Math.abs(a - around))
  return {
    forward: sorted,
    backward: [...sorted].reverse(),
    'a month before first': [around - 30 * DAY, ...sorted],
    'a month after first': [around + 30 * DAY, ...sorted],
    'two weeks before, then after, then inward': [around - 14 * DAY, around + 14 * DAY, ...byDistance],
    'every fifth, then the rest': [...sorted.filter((_, i) => i % 5 === 0), ...sorted]
  }
}

const freshSegmentAt = async (): Promise<(zone: string, t: number) => number> => {
  vi.resetModules()
  const { segmentAt } = await import('tiny-counter/internal/zoneOffsets')
  return (zone, t) => segmentAt(zone, t).offset
}

describe('zone offsets do not depend on the order of look-ups', () => {
  it.each(SHORT_SPANS)('$zone: every order of look-ups gives Temporal’s offset', async ({ zone, around }) => {
    const instants = instantsAround(zone, around)
    // The case is what it claims: two offset changes less than 14 days apart among these instants.
    const changes = instants
      .sort((a, b) => a - b)
      .filter((t, i, all) => i > 0 && temporalOffset(zone, t) !== temporalOffset(zone, all[i - 1]!))
    expect(changes.some((t, i) => i > 0 && t - changes[i - 1]! < 14 * DAY)).toBe(true)
    for (const [name, order] of Object.entries(ordersOf(instants, around))) {
      const offsetAt = await freshSegmentAt()
      const wrong = order.filter((t) => offsetAt(zone, t) !== temporalOffset(zone, t))
      expect(wrong.map((t) => new Date(t).toISOString()), `${zone}, ${name}`).toEqual([])
    }
  })

  it.each(SHORT_SPANS)('$zone: the day buckets across the short span are the same in every order, and Intl’s', async ({ zone, around }) => {
    const dates: Temporal.PlainDate[] = []
    for (let d = -20; d <= 20; d++) dates.push(localDate(zone, around + d * DAY))
    const epoch = Temporal.PlainDate.from('1970-01-01')
    const expected = dates.map((date) => ({ index: epoch.until(date).days, start: firstInstantOf(zone, date) }))
    const noons = expected.map(({ start }) => start + 12 * HOUR)
    for (const order of [noons, [...noons].reverse(), [around + 30 * DAY, ...noons], [around - 30 * DAY, ...[...noons].reverse()]]) {
      vi.resetModules()
      const { Calendar } = await import('tiny-counter')
      const days = Calendar.grid('calendar', zone, 'days')
      // Look the days up in this order, then read every day's index and start.
      for (const t of order) days.index(t)
      const found = noons.map((t) => {
        const index = Calendar.bucketIndex('calendar', zone, 'days', t)
        return { index, start: Calendar.bucketStart('calendar', zone, 'days', index) }
      })
      expect(found).toEqual(expected)
    }
  })
})
