/**
 * The typed errors of the pure core. Each is an `Error` with a `_tag` to match on and a message
 * that says what was wrong; they travel as the left side of an `Either`, and the few programming
 * errors (an instant that is not an integer epoch millisecond) are thrown.
 */

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
    this.name = 'InvalidCount'
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
    this.name = 'InvalidInstant'
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
    this.name = 'InvalidBucketCount'
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
    this.name = 'UnknownUnit'
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
    this.name = 'UnknownTimeZone'
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
    this.name = 'InvalidLayout'
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
    this.name = 'InvalidWindow'
  }
}

/**
 * An instant later than the store's clock: events cannot be recorded in the future.
 *
 * @example
 * import { EventStore, TestClock } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const clock = TestClock.at(Date.UTC(2026, 0, 1))
 * const store = EventStore.builder().withClock(clock).timeZone('UTC').build()
 * const refused = store.recordAt('signup', Date.UTC(2026, 0, 2))
 * assert.ok(E.isLeft(refused) && refused.left._tag === 'FutureEvent')
 */
export class FutureEvent extends TinyCounterError {
  readonly _tag = 'FutureEvent'
  constructor(readonly instant: number, readonly now: number) {
    super(`cannot record at ${new Date(instant).toISOString()}: it is later than now (${new Date(now).toISOString()})`)
    this.name = 'FutureEvent'
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
    this.name = 'InvalidDuration'
  }
}

/**
 * An event name that is not a non-empty string.
 *
 * @example
 * import { EventStore } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const refused = EventStore.create().record(42 as never)
 * assert.ok(E.isLeft(refused) && refused.left._tag === 'InvalidEventName')
 */
export class InvalidEventName extends TinyCounterError {
  readonly _tag = 'InvalidEventName'
  constructor(readonly event: unknown) {
    super(`an event name must be a non-empty string, got ${describe(event)}`)
    this.name = 'InvalidEventName'
  }
}

/**
 * A value that does not decode as a counter: `key` names the event, `path` the offending field.
 *
 * @example
 * import { EventStore } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const refused = EventStore.create().importEvent('launch', { heads: 'nope' } as never)
 * assert.ok(E.isLeft(refused) && refused.left._tag === 'DecodeError' && refused.left.key === 'launch')
 */
export class DecodeError extends TinyCounterError {
  readonly _tag = 'DecodeError'
  constructor(readonly key: string, readonly path: string, detail: string) {
    super(`cannot decode ${JSON.stringify(key)} at ${path === '' ? 'the top' : path}: ${detail}`)
    this.name = 'DecodeError'
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
    this.name = 'InvalidHour'
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
    this.name = 'InvalidRange'
  }
}

/**
 * An auto-persist interval of zero or less, or auto-persistence on a store without storage.
 *
 * @example
 * import { EventStore } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const refused = EventStore.builder().autoPersist({ seconds: 30 }).buildEither()
 * assert.ok(E.isLeft(refused) && refused.left._tag === 'InvalidAutoPersistInterval')
 */
export class InvalidAutoPersistInterval extends TinyCounterError {
  readonly _tag = 'InvalidAutoPersistInterval'
  constructor(readonly interval: unknown, reason: string) {
    super(`invalid auto-persist interval ${describeDuration(interval)}: ${reason}`)
    this.name = 'InvalidAutoPersistInterval'
  }
}

/**
 * A storage backend that failed or refused: `key` names the event when one was involved, `cause`
 * holds the underlying error (or a sentence saying why), `operation` what was being done (`save`,
 * `load`, ...), and the message puts them together.
 *
 * @example
 * import { MemoryStorage, StorageError } from 'tiny-counter'
 * const storage = new MemoryStorage()
 * await assert.rejects(storage.save('', new Uint8Array([1])), (error: unknown) =>
 *   error instanceof StorageError && error._tag === 'StorageError' && error.key === '' && /non-empty/.test(error.message))
 * assert.equal(new StorageError('launch', new Error('disk full'), 'save').message, 'storage could not save "launch": disk full')
 * assert.equal(new StorageError(undefined, 'the store has no storage').message, 'storage failed: the store has no storage')
 */
export class StorageError extends TinyCounterError {
  readonly _tag = 'StorageError'
  /**
   * Every key whose write failed, when a batch that applies its writes one by one (`FilePerEvent`)
   * failed for several; else the key, if any. The other writes of such a batch were made.
   */
  readonly failedKeys: ReadonlyArray<string>
  constructor(readonly key: string | undefined, override readonly cause: unknown, readonly operation?: string, failedKeys?: ReadonlyArray<string>) {
    super(storageMessage(key, cause, operation) + (failedKeys !== undefined && failedKeys.length > 1 ? ` (and ${failedKeys.length - 1} more: ${failedKeys.slice(1, 4).map((k) => JSON.stringify(k)).join(', ')}${failedKeys.length > 4 ? ', ...' : ''})` : ''))
    this.name = 'StorageError'
    this.failedKeys = failedKeys ?? (key === undefined ? [] : [key])
  }
}

/** `storage could not save "launch": disk full`, or `storage failed for "launch": ...` without an operation. */
const storageMessage = (key: string | undefined, cause: unknown, operation: string | undefined): string => {
  const action = operation !== undefined ? `could not ${operation}` : key !== undefined ? 'failed for' : 'failed'
  const subject = key === undefined ? '' : ` ${JSON.stringify(key)}`
  const reason = cause instanceof Error ? cause.message : typeof cause === 'string' ? cause : describeDuration(cause)
  return `storage ${action}${subject}: ${reason}`
}

/** The errors a layout constructor can return. */
export type LayoutError = InvalidBucketCount | UnknownUnit | UnknownTimeZone | InvalidLayout

/** The errors recording into a counter can return. */
export type RecordError = InvalidCount | InvalidInstant

const describeDuration = (value: unknown): string => {
  if (typeof value === 'object' && value !== null && !('toJSON' in value)) {
    try {
      return JSON.stringify(value)
    } catch {
      return String(value)
    }
  }
  return describe(value)
}

const describe = (value: unknown): string =>
  typeof value === 'string' ? JSON.stringify(value) : typeof value === 'bigint' ? `${value}n` : String(value)
