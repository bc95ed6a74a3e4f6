// Values that are no duration: an instant (a Date, a Temporal.Instant), a time of day, an object or
// array without a single duration field. `Duration.toMillis` used to read them as 0 ms, so that a
// `cooldown('reset', someInstant)` passed at once; now each is an `InvalidDuration`, and so is every
// store call that takes a duration.
import { Temporal } from '@js-temporal/polyfill'
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { describe, expect, it } from 'vitest'
import { Duration, EventStore, Limit, TestClock } from 'tiny-counter'

const saturday = Date.UTC(2026, 0, 10, 12)
const NO_DURATIONS: ReadonlyArray<readonly [string, unknown]> = [
  ['a Date', new Date(saturday)],
  ['a Temporal.Instant', Temporal.Instant.fromEpochMilliseconds(saturday)],
  ['a Temporal.ZonedDateTime', Temporal.Instant.fromEpochMilliseconds(saturday).toZonedDateTimeISO('UTC')],
  ['a Temporal.PlainTime', Temporal.PlainTime.from('03:00')],
  ['{}', {}],
  ['[]', []]
]
const tag = (r: E.Either<{ _tag: string }, unknown>): string => (E.isLeft(r) ? r.left._tag : 'Right')

describe('Duration.toMillis of a value that is no duration', () => {
  it.each(NO_DURATIONS)('%s: InvalidDuration', (_, value) => {
    expect(tag(Duration.toMillis(value as Duration.DurationInput))).toBe('InvalidDuration')
  })

  it('zero durations are still durations', () => {
    for (const zero of [0, { hours: 0 }, { months: 0 }, Temporal.Duration.from({ hours: 0 })]) expect(Duration.toMillis(zero)).toEqual(E.right(0))
    expect(Duration.toMillis({ hours: 1.5 })).toEqual(E.right(5_400_000))
    expect(tag(Duration.toMillis({ hours: '3' } as never))).toBe('InvalidDuration')
  })

  it.each(NO_DURATIONS)('%s given to the store: cooldown, within, recordAgo and expiresAfter refuse it, nothing recorded', (_, value) => {
    const clock = TestClock.at(saturday)
    const store = EventStore.builder().withClock(clock).timeZone('UTC').build()
    store.record('reset')
    const d = value as Duration.DurationInput
    expect(tag(store.limit().cooldown('reset', d).check('reset'))).toBe('InvalidDuration')
    expect(tag(store.limit().within('reset', d).check('reset'))).toBe('InvalidDuration')
    expect(tag(Limit.check([Limit.cooldown('reset', d)], {}, 'reset', saturday, store.layout))).toBe('InvalidDuration')
    expect(tag(store.recordAgo('backup', d))).toBe('InvalidDuration')
    expect(tag(store.limit().atMost('api', 5, 'hours').reserve('api', { expiresAfter: d }))).toBe('InvalidDuration')
    expect(store.events()).toEqual(['reset'])
    expect(store.query('reset').lastDays(1).sum()).toEqual(O.some(1))
  })
})
