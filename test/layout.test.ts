// Layouts: what is tracked, the defaults, and every way a layout is refused.
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { Layout } from 'tiny-counter'

const refusal = (result: E.Either<Error & { _tag: string }, unknown>): string =>
  E.isLeft(result) ? `${result.left._tag}: ${result.left.message}` : 'accepted'

describe('Layout.make', () => {
  it('orders tracks finest first and defaults to calendar alignment', () => {
    const layout = Layout.make({ years: 2, seconds: 120, days: 7 }, { timeZone: 'Asia/Kolkata' })
    expect(layout).toEqual(
      E.right({
        tracks: [{ unit: 'seconds', buckets: 120 }, { unit: 'days', buckets: 7 }, { unit: 'years', buckets: 2 }],
        alignment: 'calendar',
        timeZone: 'Asia/Kolkata'
      })
    )
  })

  it('canonicalises the time zone and accepts uniform alignment', () => {
    const layout = Layout.make({ hours: 24 }, { timeZone: 'utc', alignment: 'uniform' })
    expect(E.isRight(layout) && layout.right.timeZone).toBe('UTC')
    expect(E.isRight(layout) && layout.right.alignment).toBe('uniform')
  })

  it('defaults to the system time zone', () => {
    const layout = Layout.make({ days: 7 })
    expect(E.isRight(layout) && layout.right.timeZone).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone)
  })

  it.each([
    ['a count of 0', { days: 0 }, {}, /^InvalidBucketCount: the bucket count of days must be an integer from 1 to 100000, got 0/],
    ['a negative count', { hours: -3 }, {}, /^InvalidBucketCount: .*got -3/],
    ['a fractional count', { minutes: 1.5 }, {}, /^InvalidBucketCount: .*got 1.5/],
    ['NaN', { minutes: Number.NaN }, {}, /^InvalidBucketCount: .*got NaN/],
    ['a string count', { days: '7' as unknown as number }, {}, /^InvalidBucketCount: .*got "7"/],
    ['an unknown unit', { fortnights: 2 } as never, {}, /^UnknownUnit: unknown time unit "fortnights"/],
    ['an unknown time zone', { days: 7 }, { timeZone: 'Mars/Olympus_Mons' }, /^UnknownTimeZone: unknown time zone "Mars\/Olympus_Mons"/],
    ['no unit', {}, {}, /^InvalidLayout: invalid layout: track at least one unit/],
    ['more than 100,000 buckets of a unit', { minutes: 100_001 }, {}, /^InvalidBucketCount: .*got 100001/],
    ['2^53 - 1 buckets', { minutes: Number.MAX_SAFE_INTEGER }, {}, /^InvalidBucketCount: .*got 9007199254740991/],
    ['more than 200,000 buckets in all', { seconds: 100_000, minutes: 100_000, hours: 24 }, {}, /^InvalidLayout: invalid layout: at most 200000 buckets in all, got 200024/],
    ['an unknown alignment', { days: 7 }, { alignment: 'lunar' as never }, /^InvalidLayout: .*alignment must be "calendar" or "uniform"/]
  ])('refuses %s with a typed error', (_case, counts, options, message) => {
    expect(refusal(Layout.make(counts, { timeZone: 'UTC', ...options }))).toMatch(message)
  })
})

describe('the default layout', () => {
  it('tracks 60 minutes, 24 hours, 32 days and 12 months: 128 buckets', () => {
    const layout = Layout.standard({ timeZone: 'Europe/Berlin' })
    expect(layout.tracks.map((t) => [t.unit, t.buckets])).toEqual([['minutes', 60], ['hours', 24], ['days', 32], ['months', 12]])
    expect(layout.tracks.reduce((n, t) => n + t.buckets, 0)).toBe(128)
    expect(Layout.Eq.equals(Layout.utc, Layout.standard({ timeZone: 'UTC' }))).toBe(true)
  })

  it('throws the typed error for an unknown zone', () => {
    expect(() => Layout.standard({ timeZone: 'Nowhere/Special' })).toThrow(/UnknownTimeZone|unknown time zone/)
  })
})
