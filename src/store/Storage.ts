/**
 * The storage contract: an async map from event names (keys) to opaque bytes, which a `Formatter`
 * fills. Backends (`MemoryStorage`, `FilePerEvent`, `tiny-counter/sqlite`, or your own) implement
 * it and reject with a `StorageError`; a key is a non-empty, well-formed Unicode string.
 */
import { hasLoneSurrogate } from '../internal/unicode.js'

/**
 * One change of a batch: store `data` under `key`, or delete `key`.
 *
 * @example
 * import { MemoryStorage } from 'tiny-counter'
 * import type { Write } from 'tiny-counter'
 * const storage = new MemoryStorage()
 * const writes: ReadonlyArray<Write> = [{ key: 'a', data: new Uint8Array([1]) }, { key: 'b', data: new Uint8Array([2]) }, { key: 'a', delete: true }]
 * await storage.batch(writes)
 * assert.deepEqual(await storage.listKeys(), ['b'])
 */
export type Write = { readonly key: string; readonly data: Uint8Array } | { readonly key: string; readonly delete: true }

/**
 * What a backend gives, in place of bytes, for a value it holds but cannot give as bytes (a SQLite
 * row whose data another program wrote as TEXT, INTEGER or REAL): no bytes, and `unreadable` says
 * why. A store opening on the storage reports it by that reason, as the `DecodeError` of its key in
 * `loadErrors` (rather than what decoding no bytes would say), and the next persist of the event
 * replaces it. Read as bytes, it is empty.
 *
 * @example
 * import { EventStore, MemoryStorage } from 'tiny-counter'
 * import type { Storage, UnreadableValue } from 'tiny-counter'
 * const row: UnreadableValue = Object.assign(new Uint8Array(0), { unreadable: 'the row holds TEXT, not bytes' })
 * const storage: Storage = { ...new MemoryStorage(), loadAll: async () => [['launch', row]] }
 * const store = await EventStore.builder().withStorage(storage).build()
 * assert.deepEqual(store.loadErrors.map((error) => [error._tag, error.message]), [['DecodeError', 'cannot decode "launch" at the top: the row holds TEXT, not bytes']])
 */
export type UnreadableValue = Uint8Array & { readonly unreadable: string }

/**
 * A read-modify-write as one transaction: reads the bytes stored under `keys`, passes them to
 * `compute` in the order of `keys` (`undefined` for a key with none), which says what to write
 * (synchronously: nothing else may happen in between), and applies those writes, with no other
 * writer of the same storage (another process or tab included) between the read and the write.
 * Several processes that persist through `update`, each adding its own changes to what is stored,
 * lose nothing. `MemoryStorage`, `FilePerEvent` (a lock file), `Sqlite` (`BEGIN IMMEDIATE`) and
 * `IndexedDbStorage` (one IndexedDB transaction) have it.
 *
 * @example
 * import { MemoryStorage } from 'tiny-counter'
 * import type { Update } from 'tiny-counter'
 * const storage = new MemoryStorage()
 * const update: Update = storage.update
 * const increment = () => update(['n'], ([n]) => [{ key: 'n', data: new Uint8Array([(n?.[0] ?? 0) + 1]) }])
 * await increment()
 * await increment()
 * assert.deepEqual(await storage.load('n'), new Uint8Array([2]))
 */
export type Update = (keys: ReadonlyArray<string>, compute: (current: ReadonlyArray<Uint8Array | undefined>) => ReadonlyArray<Write>) => Promise<void>

/**
 * Where a store keeps its counters. Every method is a bound function, so `storage.load` can be
 * passed around; every failure is a rejection with a `StorageError`.
 *
 * @example
 * import { MemoryStorage } from 'tiny-counter'
 * import type { Storage } from 'tiny-counter'
 * const storage: Storage = new MemoryStorage()
 * await storage.save('launch', new Uint8Array([1, 2, 3]))
 * assert.deepEqual(await storage.load('launch'), new Uint8Array([1, 2, 3]))
 * assert.equal(await storage.load('unknown'), undefined)
 * await storage.delete('launch')
 * assert.deepEqual(await storage.listKeys(), [])
 * await storage.save('a', new Uint8Array([1]))
 * assert.deepEqual(await storage.loadAll?.(), [['a', new Uint8Array([1])]])
 * await storage.close()
 */
export interface Storage {
  /** The bytes stored under `key` (an `UnreadableValue` for a value that is not bytes), or `undefined` when there are none. */
  readonly load: (key: string) => Promise<Uint8Array | undefined>
  /** Stores `data` under `key`, replacing what was there; atomic: a crash leaves the old or the new bytes. */
  readonly save: (key: string, data: Uint8Array) => Promise<void>
  /** Removes `key`; removing a key that is not there is fine. */
  readonly delete: (key: string) => Promise<void>
  /** Every stored key, sorted. */
  readonly listKeys: () => Promise<ReadonlyArray<string>>
  /**
   * Optional: every stored key with its bytes, sorted by key (the order of `listKeys`), read in one
   * go (one query, or many reads at once). A store opening on this storage uses it when it is
   * there, and `listKeys` then `load` for each key otherwise.
   */
  readonly loadAll?: () => Promise<ReadonlyArray<readonly [string, Uint8Array]>>
  /** Applies every write as one transaction where the backend can (SQLite), else one by one, each atomic. */
  readonly batch: (writes: ReadonlyArray<Write>) => Promise<void>
  /**
   * Optional: a read-modify-write of some keys as one transaction, also against other processes
   * sharing the storage (see `Update`). `MemoryStorage`, `FilePerEvent` (a lock file) and `Sqlite`
   * (`BEGIN IMMEDIATE`) have it.
   */
  readonly update?: Update
  /**
   * Optional: why this storage cannot hold a key, or `undefined` when it can; a store refuses
   * such an event name when it is recorded. Without it, `invalidStorageKey` is the rule.
   */
  readonly invalidKey?: (key: string) => string | undefined
  /** Releases what the backend holds (SQLite's connection, after which calls reject); memory and files hold nothing and stay usable. */
  readonly close: () => Promise<void>
}

/**
 * Why a value cannot be a storage key, or `undefined` when it can: a key is a non-empty string
 * without lone surrogates (so that it survives UTF-8, which files and SQLite store).
 *
 * @example
 * import { invalidStorageKey } from 'tiny-counter'
 * assert.equal(invalidStorageKey('Ünïcödé/events:1'), undefined)
 * assert.match(invalidStorageKey('') ?? '', /non-empty/)
 * assert.match(invalidStorageKey('\uD800') ?? '', /lone surrogate/)
 */
export const invalidStorageKey = (key: unknown): string | undefined =>
  typeof key !== 'string' || key.length === 0
    ? 'a storage key must be a non-empty string'
    : hasLoneSurrogate(key)
      ? 'a storage key must be well-formed Unicode, without a lone surrogate'
      : undefined
