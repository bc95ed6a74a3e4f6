// The calendar engine on the days people notice: daylight-saving changes, missing midnights,
// a skipped day, half-hour zones and shifts, month ends, leap days and the uniform grid.
import { describe, expect, it } from 'vitest'
import { Calendar } from 'tiny-counter'

const H = 3_600_000
const D = 24 * H
const lengthOf = (zone: string, unit: Parameters<typeof Calendar.grid>[2], at: number): number => {
  const i = Calendar.bucketIndex('calendar', zone, unit, at)
  return Calendar.bucketEnd('calendar', zone, unit, i) - Calendar.bucketStart('calendar', zone, unit, i)
}

describe('calendar days', () => {
  it('start at local midnight and last 23 or 25 hours on DST days', () => {
    expect(Calendar.bucketStart('calendar', 'Europe/Berlin', 'days', Calendar.bucketIndex('calendar', 'Europe/Berlin', 'days', Date.UTC(2024, 5, 1, 12))))
      .toBe(Date.UTC(2024, 4, 31, 22))
    expect(lengthOf('Europe/Berlin', 'days', Date.UTC(2024, 2, 31, 12))).toBe(23 * H)
    expect(lengthOf('Europe/Berlin', 'days', Date.UTC(2024, 9, 27, 12))).toBe(25 * H)
    expect(lengthOf('America/New_York', 'days', Date.UTC(2024, 2, 10, 12))).toBe(23 * H)
    expect(lengthOf('Europe/Berlin', 'days', Date.UTC(2024, 5, 1, 12))).toBe(24 * H)
  })

  it('start at 01:00 when midnight does not exist (São Paulo, 2015-10-18)', () => {
    const i = Calendar.bucketIndex('calendar', 'America/Sao_Paulo', 'days', Date.UTC(2015, 9, 18, 12))
    expect(Calendar.bucketStart('calendar', 'America/Sao_Paulo', 'days', i)).toBe(Date.UTC(2015, 9, 18, 3))
    expect(Calendar.bucketIndex('calendar', 'America/Sao_Paulo', 'days', Date.UTC(2015, 9, 18, 3) - 1)).toBe(i - 1)
    expect(lengthOf('America/Sao_Paulo', 'days', Date.UTC(2015, 9, 18, 12))).toBe(23 * H)
  })

  it('leave an empty bucket for the day Samoa skipped (Pacific/Apia, 2011-12-30)', () => {
    const thursday = Calendar.bucketIndex('calendar', 'Pacific/Apia', 'days', Date.UTC(2011, 11, 30, 9)) // 29th, 23:00 local
    const saturday = Calendar.bucketIndex('calendar', 'Pacific/Apia', 'days', Date.UTC(2011, 11, 30, 10)) // 31st, 00:00 local
    expect(saturday - thursday).toBe(2)
    expect(Calendar.bucketStart('calendar', 'Pacific/Apia', 'days', thursday + 1)).toBe(Date.UTC(2011, 11, 30, 10))
    expect(Calendar.bucketEnd('calendar', 'Pacific/Apia', 'days', thursday + 1)).toBe(Date.UTC(2011, 11, 30, 10))
  })

  it('follow the zone: the same instant is a different day in Kolkata and New York', () => {
    const at = Date.UTC(2026, 0, 1, 20) // 01:30 on 2 January in Kolkata, 15:00 on 1 January in New York
    expect(Calendar.bucketIndex('calendar', 'Asia/Kolkata', 'days', at) - Calendar.bucketIndex('calendar', 'America/New_York', 'days', at)).toBe(1)
  })
})

describe('calendar weeks, months and years', () => {
  it('weeks start on Monday at local midnight', () => {
    const i = Calendar.bucketIndex('calendar', 'Europe/Berlin', 'weeks', Date.UTC(2026, 10, 25, 12)) // a Wednesday
    expect(Calendar.bucketStart('calendar', 'Europe/Berlin', 'weeks', i)).toBe(Date.UTC(2026, 10, 22, 23)) // Monday 23 Nov, 00:00 CET
    expect(Calendar.bucketEnd('calendar', 'Europe/Berlin', 'weeks', i)).toBe(Date.UTC(2026, 10, 29, 23))
  })

  it('months start on the 1st and have their real lengths, leap February included', () => {
    expect(lengthOf('UTC', 'months', Date.UTC(2024, 1, 29, 23))).toBe(29 * D)
    expect(lengthOf('UTC', 'months', Date.UTC(2023, 1, 28))).toBe(28 * D)
    expect(lengthOf('UTC', 'months', Date.UTC(2024, 2, 31, 23, 59))).toBe(31 * D)
    expect(lengthOf('Europe/Berlin', 'months', Date.UTC(2024, 2, 15))).toBe(31 * D - H)
    const march = Calendar.bucketIndex('calendar', 'UTC', 'months', Date.UTC(2024, 2, 1))
    expect(Calendar.bucketIndex('calendar', 'UTC', 'months', Date.UTC(2024, 2, 1) - 1)).toBe(march - 1)
  })

  it('years start on 1 January at local midnight', () => {
    const i = Calendar.bucketIndex('calendar', 'Asia/Kolkata', 'years', Date.UTC(2026, 5, 1))
    expect(Calendar.bucketStart('calendar', 'Asia/Kolkata', 'years', i)).toBe(Date.UTC(2025, 11, 31, 18, 30))
    expect(lengthOf('UTC', 'years', Date.UTC(2024, 5, 1))).toBe(366 * D)
  })
})

describe('calendar hours and minutes', () => {
  it('are real hours on the wall clock marks of half-hour zones', () => {
    const i = Calendar.bucketIndex('calendar', 'Asia/Kolkata', 'hours', Date.UTC(2026, 0, 1, 5, 45)) // 11:15 local
    expect(Calendar.bucketStart('calendar', 'Asia/Kolkata', 'hours', i)).toBe(Date.UTC(2026, 0, 1, 5, 30))
    expect(lengthOf('Asia/Kathmandu', 'hours', Date.UTC(2026, 0, 1, 5))).toBe(H)
    expect(Calendar.bucketStart('calendar', 'Asia/Kathmandu', 'hours', Calendar.bucketIndex('calendar', 'Asia/Kathmandu', 'hours', Date.UTC(2026, 0, 1, 5))))
      .toBe(Date.UTC(2026, 0, 1, 4, 15))
  })

  it('keep 60 minutes across a whole-hour DST change', () => {
    expect(lengthOf('Europe/Berlin', 'hours', Date.UTC(2024, 2, 31, 1, 30))).toBe(H)
    expect(lengthOf('Europe/Berlin', 'hours', Date.UTC(2024, 9, 27, 0, 30))).toBe(H)
    const before = Calendar.bucketIndex('calendar', 'Europe/Berlin', 'hours', Date.UTC(2024, 2, 31, 0, 59))
    expect(Calendar.bucketIndex('calendar', 'Europe/Berlin', 'hours', Date.UTC(2024, 2, 31, 1))).toBe(before + 1)
  })

  it('stretch one hour to 90 minutes at Lord Howe’s 30-minute shift, never going backwards', () => {
    // 2024-10-06 02:00 local (+10:30) jumps to 02:30 (+11): 15:30 UTC on the 5th.
    expect(lengthOf('Australia/Lord_Howe', 'hours', Date.UTC(2024, 9, 5, 15))).toBe(1.5 * H)
    const zone = 'Australia/Lord_Howe'
    let previous = -Infinity
    for (let t = Date.UTC(2024, 9, 5, 12); t < Date.UTC(2024, 9, 5, 19); t += 60_000) {
      const i = Calendar.bucketIndex('calendar', zone, 'hours', t)
      expect(i - previous === 0 || i - previous === 1 || previous === -Infinity).toBe(true)
      previous = i
    }
  })
})

describe('uniform alignment', () => {
  it('cuts fixed lengths from the Unix epoch, weeks from Monday 1969-12-29', () => {
    expect(Calendar.bucketIndex('uniform', 'Europe/Berlin', 'days', Date.UTC(1970, 0, 3, 23))).toBe(2)
    expect(Calendar.bucketIndex('uniform', 'UTC', 'weeks', Date.UTC(1970, 0, 5))).toBe(1)
    expect(Calendar.bucketStart('uniform', 'UTC', 'weeks', 0)).toBe(Date.UTC(1969, 11, 29))
    expect(Calendar.bucketEnd('uniform', 'UTC', 'months', 0)).toBe(30 * D)
    expect(Calendar.bucketEnd('uniform', 'UTC', 'years', 1)).toBe(730 * D)
  })

  it('ignores daylight-saving changes', () => {
    expect(lengthOf('Europe/Berlin', 'days', Date.UTC(2024, 2, 31, 12))).toBe(23 * H)
    const i = Calendar.bucketIndex('uniform', 'Europe/Berlin', 'days', Date.UTC(2024, 2, 31, 12))
    expect(Calendar.bucketEnd('uniform', 'Europe/Berlin', 'days', i) - Calendar.bucketStart('uniform', 'Europe/Berlin', 'days', i)).toBe(D)
  })
})

describe('grids', () => {
  it('are shared per alignment, zone and unit', () => {
    expect(Calendar.grid('calendar', 'Europe/Berlin', 'days')).toBe(Calendar.grid('calendar', 'Europe/Berlin', 'days'))
    expect(Calendar.grid('uniform', 'Europe/Berlin', 'days')).toBe(Calendar.grid('uniform', 'Asia/Tokyo', 'days'))
  })

  it('answer the same for an instant far in the past after the cache moved on', () => {
    const grid = Calendar.grid('calendar', 'America/New_York', 'days')
    const old = grid.index(Date.UTC(1999, 6, 4, 16))
    grid.index(Date.UTC(2030, 0, 1))
    expect(grid.index(Date.UTC(1999, 6, 4, 16))).toBe(old)
    expect(grid.start(old)).toBe(Date.UTC(1999, 6, 4, 4))
  })
})
