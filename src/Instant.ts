/**
 * The instants the store accepts from users: epoch milliseconds, a `Date`, or a `Temporal.Instant`
 * or `Temporal.ZonedDateTime` (any object with integer `epochMilliseconds`, so the native Temporal
 * and any polyfill work alike: the library never loads one). The core itself only ever sees
 * integer epoch milliseconds.
 */
import * as E from '#fp-ts/Either'
import { InvalidInstant } from './errors.js'
import { isInstant } from './Counter.js'

/** An instant as users hold it. */
export type InstantInput = number | Date | { readonly epochMilliseconds: number }

/**
 * The epoch milliseconds of an instant, or `InvalidInstant` (NaN, fractional, an invalid `Date`,
 * beyond Temporal's range, or not an instant at all).
 *
 * @example
 * import { Instant } from 'tiny-counter'
 * import { Temporal } from '@js-temporal/polyfill'
 * import * as E from 'fp-ts/lib/Either.js'
 * const ms = Date.UTC(2026, 0, 1)
 * assert.deepEqual(Instant.toMillis(ms), E.right(ms))
 * assert.deepEqual(Instant.toMillis(new Date(ms)), E.right(ms))
 * assert.deepEqual(Instant.toMillis(Temporal.Instant.fromEpochMilliseconds(ms)), E.right(ms))
 * assert.deepEqual(Instant.toMillis(Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO('Asia/Tokyo')), E.right(ms))
 * assert.deepEqual(Instant.toMillis({ epochMilliseconds: ms }), E.right(ms)) // any Temporal: native, polyfilled, or like one
 * assert.ok(E.isLeft(Instant.toMillis(new Date('not a date'))))
 */
export const toMillis = (input: InstantInput): E.Either<InvalidInstant, number> => {
  const ms =
    typeof input === 'number'
      ? input
      : input instanceof Date
        ? input.getTime()
        : typeof input === 'object' && input !== null && 'epochMilliseconds' in input
          ? input.epochMilliseconds
          : Number.NaN
  return isInstant(ms) ? E.right(ms) : E.left(new InvalidInstant(input))
}
