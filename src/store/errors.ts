/**
 * The typed errors of the store: refused event names and instants, auto-persistence that cannot
 * run, and storage that failed (raised by the store's persistence and by the storage backends).
 * `RecordRefusal` and `ImportRefusal` gather what recording and importing can refuse.
 */
import type { InvalidCount, InvalidDuration, InvalidInstant } from '../errors.js'
import { TinyCounterError } from '../errors.js'
import type { DecodeError } from '../codec/errors.js'
import { describe, describeDuration } from '../internal/describe.js'

/**
 * A record into a store after `close()`: what it recorded would never be persisted, so it is
 * refused and nothing changes (queries still answer).
 *
 * @example
 * import { EventStore, MemoryStorage } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const store = await EventStore.builder().withStorage(new MemoryStorage()).build()
 * await store.close()
 * const refused = store.record('late')
 * assert.ok(E.isLeft(refused) && refused.left._tag === 'StoreClosed')
 * assert.ok(E.isLeft(store.limit().atMost('late', 5, 'minutes').checkAndRecord('late')))
 * assert.deepEqual(store.events(), [])
 */
export class StoreClosed extends TinyCounterError {
  readonly _tag = 'StoreClosed'
  constructor(readonly event: unknown) {
    super(`cannot record ${describe(event)}: the store is closed`)
    this.name = this._tag
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
    this.name = this._tag
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
  /** `reason`: why the store's storage cannot hold the name (`Storage.invalidKey`), when that is why. */
  constructor(readonly event: unknown, reason?: string) {
    super(reason === undefined ? `an event name must be a non-empty string, got ${describe(event)}` : `the event name ${describe(event)} cannot be stored: ${reason}`)
    this.name = this._tag
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
    this.name = this._tag
  }
}

/**
 * A `maxEvents` bound the builder refuses: not a positive integer, or given with storage (an event
 * evicted from memory would come back empty and overwrite its stored copy).
 *
 * @example
 * import { EventStore, MemoryStorage } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const refused = EventStore.builder().maxEvents(0).buildEither()
 * assert.ok(E.isLeft(refused) && refused.left._tag === 'InvalidMaxEvents')
 * const stored = await EventStore.builder().withStorage(new MemoryStorage()).maxEvents(100).buildEither()
 * assert.ok(E.isLeft(stored) && stored.left._tag === 'InvalidMaxEvents')
 */
export class InvalidMaxEvents extends TinyCounterError {
  readonly _tag = 'InvalidMaxEvents'
  constructor(readonly maxEvents: unknown, reason: string) {
    super(`invalid maxEvents ${describe(maxEvents)}: ${reason}`)
    this.name = this._tag
  }
}

/**
 * A storage that holds the other kind of counter than the store being opened: replicated counters
 * (written by a store built with `.replicaId(id)`) opened by a store without a replica id, or
 * plain counters opened by a store with one. The build is refused and nothing is written: the two
 * merge differently (by maximum, by addition), and mixing them would count wrong. To turn plain
 * counters into a replicated store, `importAll` them into one on a new storage (docs/SYNC.md).
 *
 * @example
 * import { EventStore, MemoryStorage } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const storage = new MemoryStorage()
 * const phone = await EventStore.builder().withStorage(storage).replicaId('phone').build()
 * phone.record('app_launch')
 * await phone.close()
 * const plain = await EventStore.builder().withStorage(storage).buildEither()
 * assert.ok(E.isLeft(plain) && plain.left._tag === 'StoredKindMismatch' && plain.left.stored === 'replicated')
 * assert.match(plain.left.message, /"app_launch" holds a replicated counter/)
 */
export class StoredKindMismatch extends TinyCounterError {
  readonly _tag = 'StoredKindMismatch'
  constructor(
    /** The first stored key of the other kind. */
    readonly key: string,
    /** What that key holds. */
    readonly stored: 'plain' | 'replicated'
  ) {
    super(
      stored === 'replicated'
        ? `stored event ${JSON.stringify(key)} holds a replicated counter: open this storage with .replicaId(id)`
        : `stored event ${JSON.stringify(key)} holds a plain counter: open this storage without .replicaId(id), or importAll its counters into a replicated store (docs/SYNC.md)`
    )
    this.name = this._tag
  }
}

/**
 * Another store writes under the same replica id into the same storage: found by a persist, which
 * saw this replica's stored copy changed since this store last read or wrote it. Replicated counters
 * keep the maximum per replica and bucket, so two writers of one id would lose each other's counts:
 * the persist is refused (a `StorageError` whose `cause` is this error), nothing is written and the
 * store's events stay dirty. Give each process its own replica id (docs/SYNC.md).
 *
 * @example
 * import { EventStore, MemoryStorage, StorageError } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const storage = new MemoryStorage()
 * const first = await EventStore.builder().withStorage(storage).replicaId('server-1').build()
 * const second = await EventStore.builder().withStorage(storage).replicaId('server-1').build() // a mistake
 * first.record('request')
 * second.record('request')
 * assert.ok(E.isRight(await first.persist()))
 * const refused = await second.persist()
 * assert.ok(E.isLeft(refused) && refused.left.cause instanceof Error)
 * assert.equal((refused.left.cause as { _tag?: string })._tag, 'ReplicaIdConflict')
 * assert.equal(second.isDirty(), true)
 */
export class ReplicaIdConflict extends TinyCounterError {
  readonly _tag = 'ReplicaIdConflict'
  constructor(
    readonly replicaId: string,
    /** The event whose stored copy showed it. */
    readonly event: string
  ) {
    super(`another store writes under replica id ${JSON.stringify(replicaId)} into this storage (event ${JSON.stringify(event)} changed since this store read it): each process needs its own replica id`)
    this.name = this._tag
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
   * When a backend applies the writes of a batch one by one (`FilePerEvent`): every key whose
   * write failed; the other writes were made. Empty when nothing says which writes were made.
   */
  readonly failedKeys: ReadonlyArray<string>
  /**
   * Keys whose write was made although it could not be confirmed durable (`FilePerEvent`: the
   * directory's sync failed after the renames): the new bytes are in place, so a store takes them
   * as written rather than adding them twice.
   */
  readonly landedKeys: ReadonlyArray<string>
  constructor(
    readonly key: string | undefined,
    override readonly cause: unknown,
    readonly operation?: string,
    failedKeys?: ReadonlyArray<string>,
    landedKeys?: ReadonlyArray<string>
  ) {
    super(storageMessage(key, cause, operation) + (failedKeys !== undefined && failedKeys.length > 1 ? ` (and ${failedKeys.length - 1} more: ${failedKeys.slice(1, 4).map((k) => JSON.stringify(k)).join(', ')}${failedKeys.length > 4 ? ', ...' : ''})` : ''))
    this.name = this._tag
    this.failedKeys = failedKeys ?? []
    this.landedKeys = landedKeys ?? []
  }
}

/** `storage could not save "launch": disk full`, or `storage failed for "launch": ...` without an operation. */
const storageMessage = (key: string | undefined, cause: unknown, operation: string | undefined): string => {
  const action = operation !== undefined ? `could not ${operation}` : key !== undefined ? 'failed for' : 'failed'
  const subject = key === undefined ? '' : ` ${JSON.stringify(key)}`
  const reason = cause instanceof Error ? cause.message : typeof cause === 'string' ? cause : describeDuration(cause)
  return `storage ${action}${subject}: ${reason}`
}

/** Why a recording was refused. */
export type RecordRefusal = InvalidEventName | InvalidCount | InvalidInstant | InvalidDuration | FutureEvent | StoreClosed

/** Why an import or merge was refused. */
export type ImportRefusal = InvalidEventName | DecodeError
