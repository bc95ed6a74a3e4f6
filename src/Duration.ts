/**
 * The durations the store accepts from users: milliseconds, a `Temporal.Duration`, or a
 * duration-like object such as `{ hours: 3 }`. A day is 24 hours here; months and years have no
 * fixed length and are refused, as are negative durations and unknown fields.
 */
import * as E from '#fp-ts/Either'
import { InvalidDuration } from './errors.js'

/** The fields of a duration-like object, as in `Temporal.Duration`. */
export interface DurationLike {
  readonly weeks?: number
  readonly days?: number
  readonly hours?: number
  readonly minutes?: number
  readonly seconds?: number
  readonly milliseconds?: number
  readonly microseconds?: number
  readonly nanoseconds?: number
  /** Accepted only when 0: a month has no fixed length. */
  readonly months?: number
  /** Accepted only when 0: a year has no fixed length. */
  readonly years?: number
}

/** A duration as users hold it. */
export type DurationInput = number | DurationLike

const millisPer: Readonly<Record<string, number>> = {
  weeks: 604_800_000,
  days: 86_400_000,
  hours: 3_600_000,
  minutes: 60_000,
  seconds: 1_000,
  milliseconds: 1,
  microseconds: 1e-3,
  nanoseconds: 1e-6
}

/** The fields of a `Temporal.Duration` that are not lengths. */
const ignored = new Set(['sign', 'blank'])

/** What `toMillis` takes, said when it is given something else. */
const USE = 'use milliseconds, a Temporal.Duration or an object such as { hours: 3 }'

/**
 * The length of a duration in whole milliseconds (sub-millisecond parts are dropped), or
 * `InvalidDuration`: an object without a single duration field (a `Date`, a `Temporal.Instant`,
 * `{}`) is refused, not taken for zero.
 *
 * @example
 * import { Duration } from 'tiny-counter'
 * import { Temporal } from '@js-temporal/polyfill'
 * import * as E from 'fp-ts/lib/Either.js'
 * assert.deepEqual(Duration.toMillis({ hours: 3 }), E.right(10_800_000))
 * assert.deepEqual(Duration.toMillis(Temporal.Duration.from({ minutes: 90 })), E.right(5_400_000))
 * assert.deepEqual(Duration.toMillis(250), E.right(250))
 * assert.ok(E.isLeft(Duration.toMillis({ months: 1 })))
 * assert.ok(E.isLeft(Duration.toMillis(-1)))
 * assert.ok(E.isLeft(Duration.toMillis({}))) // no duration field (a Date has none either): not 0 ms
 */
export const toMillis = (input: DurationInput): E.Either<InvalidDuration, number> => {
  if (typeof input === 'number') return checked(input, input)
  if (typeof input !== 'object' || input === null) return E.left(new InvalidDuration(input, USE))
  let total = 0
  // Duration fields read: a Date or a Temporal.Instant has none of its own, and is no duration.
  let read = 0
  for (const field of fieldsOf(input)) {
    const value: unknown = (input as Record<string, unknown>)[field]
    if (value === undefined || ignored.has(field)) continue
    read++
    if (field === 'months' || field === 'years') {
      if (value === 0) continue
      return E.left(new InvalidDuration(input, `${field} have no fixed length; use days or weeks`))
    }
    const factor = millisPer[field]
    if (factor === undefined) return E.left(new InvalidDuration(input, `unknown field "${field}"`))
    // Number.isFinite is false for anything that is not a number (no coercion of "3").
    if (!Number.isFinite(value)) return E.left(new InvalidDuration(input, `${field} must be a finite number`))
    if ((value as number) < 0) return E.left(new InvalidDuration(input, 'a duration cannot be negative'))
    total += (value as number) * factor
  }
  return read === 0 ? E.left(new InvalidDuration(input, USE)) : checked(input, total)
}

/** Own fields of a plain object, or the length fields of a Temporal.Duration (getters on its prototype). */
const fieldsOf = (input: object): ReadonlyArray<string> =>
  'sign' in input && 'total' in input ? [...Object.keys(millisPer), 'months', 'years'] : Object.keys(input)

const checked = (input: unknown, ms: number): E.Either<InvalidDuration, number> => {
  if (!Number.isFinite(ms)) return E.left(new InvalidDuration(input, 'it must be a finite number of milliseconds'))
  if (ms < 0) return E.left(new InvalidDuration(input, 'a duration cannot be negative'))
  if (!Number.isSafeInteger(Math.floor(ms))) return E.left(new InvalidDuration(input, 'it is too long'))
  return E.right(Math.floor(ms))
}
