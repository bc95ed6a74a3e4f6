/**
 * The typed errors of the pure core. Each is an `Error` with a `_tag` to match on and a message
 * that says what was wrong; they travel as the left side of an `Either`, and the few programming
 * errors (an instant that is not an integer epoch millisecond) are thrown.
 */
import { describe, describeDuration } from './internal/describe.js'

/**
 * Base of every error of the library: an `Error` with a discriminating `_tag`.
 *
 * @example
 * import { Counter, Layout, TinyCounterError } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const refused = Counter.record(Counter.empty(Layout.utc), 0, -1)
 * assert.ok(E.isLeft(refused) && refused.left instanceof TinyCounterError)
 */
export abstract class TinyCounterError extends Error {
  abstract readonly _tag: string
}

/**
 * A count that is not a non-negative safe integer (negative, fractional, NaN, infinite, too big).
 *
 * @example
 * import { Counter, Layout } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const refused = Counter.record(Counter.empty(Layout.utc), 0, 1.5)
 * assert.ok(E.isLeft(refused) && refused.left._tag === 'InvalidCount')
 */
export class InvalidCount extends TinyCounterError {
  readonly _tag = 'InvalidCount'
  constructor(readonly count: unknown) {
    super(`a count must be a non-negative safe integer, got ${describe(count)}`)
    this.name = this._tag
  }
}

/**
 * An instant that is not an integer number of epoch milliseconds within Temporal's range.
 *
 * @example
 * import { Counter, Layout } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const refused = Counter.record(Counter.empty(Layout.utc), Number.NaN, 1)
 * assert.ok(E.isLeft(refused) && refused.left._tag === 'InvalidInstant')
 */
export class InvalidInstant extends TinyCounterError {
  readonly _tag = 'InvalidInstant'
  constructor(readonly instant: unknown) {
    super(`an instant must be an integer number of epoch milliseconds within ±8.64e15, got ${describe(instant)}`)
    this.name = this._tag
  }
}

/**
 * A bucket count in a layout that is not an integer from 1 to `Layout.MAX_BUCKETS` (100,000).
 *
 * @example
 * import { Layout } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const refused = Layout.make({ days: 0 }, { timeZone: 'UTC' })
 * assert.ok(E.isLeft(refused) && refused.left._tag === 'InvalidBucketCount')
 */
export class InvalidBucketCount extends TinyCounterError {
  readonly _tag = 'InvalidBucketCount'
  constructor(readonly unit: string, readonly buckets: unknown) {
    super(`the bucket count of ${unit} must be an integer from 1 to 100000, got ${describe(buckets)}`)
    this.name = this._tag
  }
}

/**
 * A name that is not one of the time units.
 *
 * @example
 * import { Layout } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const refused = Layout.make({ fortnights: 2 } as never, { timeZone: 'UTC' })
 * assert.ok(E.isLeft(refused) && refused.left._tag === 'UnknownUnit')
 */
export class UnknownUnit extends TinyCounterError {
  readonly _tag = 'UnknownUnit'
  constructor(readonly unit: unknown) {
    super(`unknown time unit ${describe(unit)}: use seconds, minutes, hours, days, weeks, months or years`)
    this.name = this._tag
  }
}

/**
 * A time zone that is not a known IANA name (or fixed offset such as `+05:30`).
 *
 * @example
 * import { Layout } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const refused = Layout.make({ days: 7 }, { timeZone: 'Mars/Olympus_Mons' })
 * assert.ok(E.isLeft(refused) && refused.left._tag === 'UnknownTimeZone')
 */
export class UnknownTimeZone extends TinyCounterError {
  readonly _tag = 'UnknownTimeZone'
  constructor(readonly timeZone: unknown) {
    super(`unknown time zone ${describe(timeZone)}: use an IANA name such as "Europe/Berlin"`)
    this.name = this._tag
  }
}

/**
 * A layout that tracks no unit at all, or an alignment other than calendar or uniform.
 *
 * @example
 * import { Layout } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const refused = Layout.make({}, { timeZone: 'UTC' })
 * assert.ok(E.isLeft(refused) && refused.left._tag === 'InvalidLayout')
 */
export class InvalidLayout extends TinyCounterError {
  readonly _tag = 'InvalidLayout'
  constructor(reason: string) {
    super(`invalid layout: ${reason}`)
    this.name = this._tag
  }
}

/**
 * A query window whose bounds are not non-negative integers with `from <= to`.
 *
 * @example
 * import { Window } from 'tiny-counter'
 * assert.throws(() => Window.last(-1, 'days'), { name: 'InvalidWindow' })
 */
export class InvalidWindow extends TinyCounterError {
  readonly _tag = 'InvalidWindow'
  constructor(readonly from: unknown, readonly to: unknown) {
    super(`a window needs integer bounds 0 <= from <= to, got from ${describe(from)} to ${describe(to)}`)
    this.name = this._tag
  }
}

/**
 * A duration that is negative, not finite, or has no fixed length (months, years).
 *
 * @example
 * import { Duration } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const refused = Duration.toMillis({ hours: -3 })
 * assert.ok(E.isLeft(refused) && refused.left._tag === 'InvalidDuration')
 */
export class InvalidDuration extends TinyCounterError {
  readonly _tag = 'InvalidDuration'
  constructor(readonly duration: unknown, reason: string) {
    super(`invalid duration ${describeDuration(duration)}: ${reason}`)
    this.name = this._tag
  }
}

/**
 * A replica id that is not a string of 1 to 256 characters in well-formed Unicode (a replicated
 * counter's writers are named by it: each device or server records under its own id).
 *
 * @example
 * import { Layout, Replicated } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const refused = Replicated.record(Replicated.empty(Layout.utc), '', Date.UTC(2026, 0, 1), 1)
 * assert.ok(E.isLeft(refused) && refused.left._tag === 'InvalidReplicaId')
 */
export class InvalidReplicaId extends TinyCounterError {
  readonly _tag = 'InvalidReplicaId'
  constructor(readonly replica: unknown) {
    super(`a replica id must be a string of 1 to 256 characters, without a lone surrogate, got ${describe(replica)}`)
    this.name = this._tag
  }
}

/**
 * An hour outside 0–23 (or not an integer) in a schedule.
 *
 * @example
 * import { Schedule } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const refused = Schedule.hours(9, 25)
 * assert.ok(E.isLeft(refused) && refused.left._tag === 'InvalidHour')
 */
export class InvalidHour extends TinyCounterError {
  readonly _tag = 'InvalidHour'
  constructor(readonly hour: unknown) {
    super(`an hour must be an integer from 0 to 23, got ${describe(hour)}`)
    this.name = this._tag
  }
}

/**
 * A schedule whose start hour is not before its end hour.
 *
 * @example
 * import { Schedule } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const refused = Schedule.hours(17, 9)
 * assert.ok(E.isLeft(refused) && refused.left._tag === 'InvalidRange')
 */
export class InvalidRange extends TinyCounterError {
  readonly _tag = 'InvalidRange'
  constructor(readonly start: number, readonly end: number) {
    super(`a schedule's start hour must be before its end hour, got ${start} to ${end}`)
    this.name = this._tag
  }
}

/** The errors a layout constructor can return. */
export type LayoutError = InvalidBucketCount | UnknownUnit | UnknownTimeZone | InvalidLayout

/** The errors recording into a counter can return. */
export type RecordError = InvalidCount | InvalidInstant
