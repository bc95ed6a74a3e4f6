/**
 * A storage in one IndexedDB database of the browser: one object store of byte arrays keyed by
 * event name. A batch is one IndexedDB transaction (all of it is written, or none), `loadAll` is
 * two requests (the keys, the values), an `update` of many keys reads them as a range in two
 * requests where that range holds at most twice as many records, and every failure (an open that is blocked, a quota, an
 * aborted transaction, a closed connection) rejects with a `StorageError`.
 */
import { StorageError } from '../store/errors.js'
import type { Storage, Update, Write } from '../store/Storage.js'
import { invalidStorageKey } from '../store/Storage.js'
import type { IdbDatabase, IdbFactory, IdbKeyRangeMaker, IdbObjectStore, IdbOpenRequest, IdbRequest, IdbTransaction } from './platform.js'
import { platform } from './platform.js'

export type { Update } from '../store/Storage.js'

/** The name of the one object store in the database. */
const OBJECT_STORE = 'events'
/** The version of the database's schema (one object store, out-of-line string keys). */
const VERSION = 1

/**
 * An `update` of at least this many keys reads them as a range where it can (`readMany`); fewer
 * are read with a `get` each. Measured (docs/BROWSER.md, "Persisting many events"): from about
 * 4 to 8 keys on, the two requests of a range read answer as fast as the `get`s, in Chromium and
 * in fake-indexeddb.
 */
const MANY_KEYS = 8

/**
 * A range is read only when it holds at most this many records for each key asked for, so that it
 * never brings into memory more than twice the values asked for, however large the database (a
 * sparser one is read key by key). Reading a record of a range costs about a sixth of a `get` in
 * Chromium and half of one in fake-indexeddb: at two records a key the range is still faster in both.
 */
const RANGE_PER_KEY = 2

/** How `IndexedDbStorage.open` reaches IndexedDB. */
export interface IndexedDbOptions {
  /** The IndexedDB to use: the page's `indexedDB` by default, or another one (`fake-indexeddb` in Node). */
  readonly indexedDB?: IdbFactory
  /**
   * The key ranges of that IndexedDB (its `IDBKeyRange`): the page's by default, and none when
   * `indexedDB` is given without it. Without them, an `update` of many keys reads the whole
   * object store at once only when it holds at most twice as many records (else key by key).
   */
  readonly IDBKeyRange?: IdbKeyRangeMaker
}

/** A storage that reads everything at once and can read and write in one transaction (what `withBroadcast` needs). */
export interface TransactionalStorage extends Storage {
  readonly loadAll: () => Promise<ReadonlyArray<readonly [string, Uint8Array]>>
  readonly update: Update
}

/**
 * A `Storage` in the browser's IndexedDB: database `dbName`, object store `events`, the bytes of
 * each event stored as a `Uint8Array` under its name. Survives reloads and is shared by the tabs of
 * one origin (see `withBroadcast` to keep several tabs' stores in step).
 *
 * @example
 * import { EventStore } from 'tiny-counter'
 * import { IndexedDbStorage } from 'tiny-counter/browser'
 * import * as O from 'fp-ts/lib/Option.js'
 * const first = await EventStore.builder().withStorage(await IndexedDbStorage.open('example-app')).build()
 * first.recordCount('launch', 3)
 * await first.close() // persists in one transaction, then closes the connection
 * const again = await EventStore.builder().withStorage(await IndexedDbStorage.open('example-app')).build()
 * assert.deepEqual(again.query('launch').lastDays(1).sum(), O.some(3))
 * await again.close()
 */
export class IndexedDbStorage implements TransactionalStorage {
  private closed = false

  private constructor(
    /** The name of the IndexedDB database. */
    readonly dbName: string,
    private readonly db: IdbDatabase,
    private readonly keyRange: IdbKeyRangeMaker | undefined
  ) {
    // Another page asks for a newer version of this database: let it, and refuse from now on.
    db.onversionchange = () => void this.close()
  }

  /**
   * Opens (creating it if needed) the IndexedDB database `dbName`. Rejects with a `StorageError`
   * when IndexedDB is missing, refuses, or the open is blocked by another connection.
   *
   * @example
   * import { IndexedDbStorage, StorageError } from 'tiny-counter/browser'
   * const storage = await IndexedDbStorage.open('example-open')
   * await storage.save('launch', new Uint8Array([1, 2]))
   * assert.deepEqual(await storage.load('launch'), new Uint8Array([1, 2]))
   * await storage.close()
   * await assert.rejects(storage.load('launch'), StorageError) // closed
   * await assert.rejects(IndexedDbStorage.open('x', { indexedDB: undefined as never }), StorageError)
   */
  static open(dbName: string, options: IndexedDbOptions = {}): Promise<IndexedDbStorage> {
    return new Promise((resolve, reject) => {
      const fail = (cause: unknown): void => reject(new StorageError(undefined, cause, `open the IndexedDB database ${JSON.stringify(dbName)}`))
      let opening: IdbOpenRequest
      let keyRange: IdbKeyRangeMaker | undefined
      try {
        // Reading `indexedDB` itself throws in some sandboxed frames.
        const own = 'indexedDB' in options
        const factory = own ? options.indexedDB : platform.indexedDB
        if (factory === undefined || factory === null) return fail('there is no IndexedDB here (indexedDB is undefined)')
        // The page's key ranges belong to the page's IndexedDB only: another IndexedDB brings its own.
        keyRange = own ? options.IDBKeyRange : platform.IDBKeyRange
        opening = factory.open(dbName, VERSION)
      } catch (cause) {
        return fail(cause)
      }
      opening.onupgradeneeded = () => {
        if (!opening.result.objectStoreNames.contains(OBJECT_STORE)) opening.result.createObjectStore(OBJECT_STORE)
      }
      opening.onblocked = () => fail('the open is blocked by another connection to an older version of the database (close the other tabs)')
      opening.onerror = () => fail(opening.error)
      opening.onsuccess = () => resolve(new IndexedDbStorage(dbName, opening.result, keyRange ?? undefined))
    })
  }

  /**
   * A copy of the bytes stored under `key`, or `undefined`. Bytes stored as an `ArrayBuffer` or
   * another typed array are read as bytes; a value that is no bytes comes back as bytes that no
   * format decodes (text as its UTF-8), which the store reports as a `DecodeError`.
   *
   * @example
   * import { IndexedDbStorage } from 'tiny-counter/browser'
   * const storage = await IndexedDbStorage.open('example-load')
   * assert.equal(await storage.load('never-stored'), undefined)
   * await storage.close()
   */
  readonly load = async (key: string): Promise<Uint8Array | undefined> => {
    check(key, 'load')
    return this.run('readonly', key, 'load', (store, done) => {
      const request = store.get(key)
      request.onsuccess = () => done(storedBytes(request.result))
    })
  }

  /**
   * Stores a copy of `data` under `key`, in one transaction.
   *
   * @example
   * import { IndexedDbStorage } from 'tiny-counter/browser'
   * const storage = await IndexedDbStorage.open('example-save')
   * await storage.save('launch', new Uint8Array([7]))
   * await storage.save('launch', new Uint8Array([8]))
   * assert.deepEqual(await storage.load('launch'), new Uint8Array([8]))
   * await storage.close()
   */
  readonly save = (key: string, data: Uint8Array): Promise<void> => this.batch([{ key, data }])

  /**
   * Removes `key`; removing a key that is not there is fine.
   *
   * @example
   * import { IndexedDbStorage } from 'tiny-counter/browser'
   * const storage = await IndexedDbStorage.open('example-delete')
   * await storage.save('launch', new Uint8Array([1]))
   * await storage.delete('launch')
   * await storage.delete('never-stored')
   * assert.deepEqual(await storage.listKeys(), [])
   * await storage.close()
   */
  readonly delete = (key: string): Promise<void> => this.batch([{ key, delete: true }])

  /**
   * Every stored key, sorted (IndexedDB orders string keys by UTF-16 code units, as `sort()` does).
   *
   * @example
   * import { IndexedDbStorage } from 'tiny-counter/browser'
   * const storage = await IndexedDbStorage.open('example-keys')
   * await storage.save('b', new Uint8Array([1]))
   * await storage.save('a', new Uint8Array([2]))
   * assert.deepEqual(await storage.listKeys(), ['a', 'b'])
   * await storage.close()
   */
  readonly listKeys = async (): Promise<ReadonlyArray<string>> =>
    this.run('readonly', undefined, 'list the keys', (store, done) => {
      const request = store.getAllKeys()
      request.onsuccess = () => done(request.result.filter((key): key is string => typeof key === 'string'))
    })

  /**
   * Every stored key with a copy of its bytes, sorted by key: two requests in one transaction (all
   * the keys, then all the values, in the same order), where a cursor would take one per key
   * (three times as long in fake-indexeddb, up to twice in Chromium).
   *
   * @example
   * import { IndexedDbStorage } from 'tiny-counter/browser'
   * const storage = await IndexedDbStorage.open('example-load-all')
   * await storage.batch([{ key: 'b', data: new Uint8Array([2]) }, { key: 'a', data: new Uint8Array([1]) }])
   * assert.deepEqual(await storage.loadAll(), [['a', new Uint8Array([1])], ['b', new Uint8Array([2])]])
   * await storage.close()
   */
  readonly loadAll = async (): Promise<ReadonlyArray<readonly [string, Uint8Array]>> =>
    this.run('readonly', undefined, 'load', (store, done) => {
      const keys = store.getAllKeys()
      const values = store.getAll()
      // Requests of one transaction succeed in order: the values come last.
      values.onsuccess = () => {
        const out: Array<readonly [string, Uint8Array]> = []
        keys.result.forEach((key, i) => {
          if (typeof key === 'string') out.push([key, bytesOf(values.result[i])])
        })
        done(out)
      }
    })

  /**
   * Applies the writes in order in one IndexedDB transaction: all of them, or none (a refused
   * write, a quota or an abort leaves the database as it was).
   *
   * @example
   * import { IndexedDbStorage, StorageError } from 'tiny-counter/browser'
   * const storage = await IndexedDbStorage.open('example-batch')
   * await storage.batch([{ key: 'a', data: new Uint8Array([1]) }, { key: 'b', data: new Uint8Array([2]) }, { key: 'a', delete: true }])
   * assert.deepEqual(await storage.listKeys(), ['b'])
   * await assert.rejects(storage.batch([{ key: 'c', data: new Uint8Array([3]) }, { key: '', data: new Uint8Array([4]) }]), StorageError)
   * assert.deepEqual(await storage.listKeys(), ['b']) // nothing of the refused batch
   * await storage.close()
   */
  readonly batch = async (writes: ReadonlyArray<Write>): Promise<void> => {
    const prepared = writes.map(prepare)
    if (prepared.length === 0) return
    return this.run('readwrite', prepared.length === 1 ? prepared[0]!.key : undefined, 'save', (store, done) => {
      for (const write of prepared) apply(store, write)
      return () => done(undefined)
    })
  }

  /**
   * Reads `keys`, hands their bytes (`undefined` for a missing key) to `compute`, and applies the
   * writes it returns, all in one transaction: other tabs' writes to those keys come before or
   * after, never in between. `compute` must be synchronous (IndexedDB ends a transaction that
   * waits); if it throws, nothing is written and the promise rejects with a `StorageError`.
   *
   * Fewer than 8 keys are read with a request each. More are read where they can be as one range:
   * a request lists the keys stored between the least and the greatest of them (in the whole
   * object store without `IDBKeyRange`), stopping past twice as many as were asked for; if it did
   * not stop, one more reads those values and the keys asked for are picked out (none when no key
   * asked for is stored); if it did, each key is read on its own. Either way the reads and the
   * writes are one transaction, and memory holds at most twice the values asked for.
   *
   * @example
   * import { IndexedDbStorage } from 'tiny-counter/browser'
   * const storage = await IndexedDbStorage.open('example-update')
   * await storage.save('visits', new Uint8Array([1]))
   * const increment = () => storage.update(['visits'], ([current]) => [{ key: 'visits', data: new Uint8Array([(current?.[0] ?? 0) + 1]) }])
   * await Promise.all([increment(), increment(), increment()])
   * assert.deepEqual(await storage.load('visits'), new Uint8Array([4]))
   * await storage.close()
   */
  readonly update: Update = async (keys, compute) => {
    for (const key of keys) check(key, 'update')
    return this.run('readwrite', keys.length === 1 ? keys[0] : undefined, 'update', (store, done, abort) => {
      const write = (current: ReadonlyArray<Uint8Array | undefined>): void => {
        let prepared
        try {
          prepared = compute(current).map(prepare)
        } catch (cause) {
          return abort(cause)
        }
        for (const each of prepared) apply(store, each)
      }
      // The writes are placed only once every read has answered: all in this one transaction.
      if (keys.length < MANY_KEYS) readEach(store, keys, write)
      else readMany(store, keys, this.keyRange, write)
      return () => done(undefined)
    })
  }

  /**
   * Closes the connection; every later call rejects with a `StorageError`. Closing twice is fine.
   *
   * @example
   * import { IndexedDbStorage, StorageError } from 'tiny-counter/browser'
   * const storage = await IndexedDbStorage.open('example-close')
   * await storage.close()
   * await storage.close()
   * await assert.rejects(storage.listKeys(), StorageError)
   */
  readonly close = async (): Promise<void> => {
    if (this.closed) return
    this.closed = true
    this.db.close()
  }

  /**
   * Runs `body` in a transaction and settles with what it hands to `done`, or with a
   * `StorageError` when the transaction fails or aborts. A `body` that returns a function settles
   * when the transaction completes (writes are durable only then), calling that function.
   */
  private run<A>(
    mode: 'readonly' | 'readwrite',
    key: string | undefined,
    operation: string,
    body: (store: IdbObjectStore, done: (value: A) => void, abort: (cause: unknown) => void) => (() => void) | void
  ): Promise<A> {
    return new Promise<A>((resolve, reject) => {
      const fail = (cause: unknown): void => reject(cause instanceof StorageError ? cause : new StorageError(key, cause, operation))
      if (this.closed) return fail(`the IndexedDB database ${JSON.stringify(this.dbName)} is closed`)
      let transaction: IdbTransaction
      try {
        transaction = this.db.transaction(OBJECT_STORE, mode)
      } catch (cause) {
        return fail(cause)
      }
      let result: { readonly value: A } | undefined
      let reason: unknown
      const abort = (cause: unknown): void => {
        reason = cause
        transaction.abort()
      }
      let onComplete: (() => void) | void
      transaction.oncomplete = () => {
        if (onComplete !== undefined) onComplete()
        if (result === undefined) return fail('the transaction ended without an answer')
        resolve(result.value)
      }
      // A failed request fails its transaction, which then aborts: report the first reason.
      transaction.onabort = () => fail(reason ?? transaction.error ?? 'the transaction was aborted')
      try {
        onComplete = body(transaction.objectStore(OBJECT_STORE), (value) => void (result = { value }), abort)
      } catch (cause) {
        abort(cause)
      }
    })
  }
}

const utf8 = new TextEncoder()

/**
 * A copy of the bytes of a stored value. Bytes in another shape (an `ArrayBuffer`, a `DataView` or
 * another typed array, as other code or an older page may have put them) are those bytes; any
 * other value is what no format decodes (text its UTF-8 bytes, anything else none), so that the
 * store reports a `DecodeError` naming the key, as for damaged bytes, instead of taking the event
 * for a new one (and, unasked, writing over the value).
 */
const bytesOf = (value: unknown): Uint8Array => {
  if (value instanceof ArrayBuffer) return new Uint8Array(value.slice(0))
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice()
  return typeof value === 'string' ? utf8.encode(value) : new Uint8Array(0)
}

/** A stored value as `load` answers it and `update` hands it to `compute`: `undefined` as for a missing key (what a `get` of it answers). */
const storedBytes = (value: unknown): Uint8Array | undefined => (value === undefined ? undefined : bytesOf(value))

/** Reads `keys` with a `get` each, then hands their values, in the order of `keys`, to `then`. */
const readEach = (store: IdbObjectStore, keys: ReadonlyArray<string>, then: (values: ReadonlyArray<Uint8Array | undefined>) => void): void => {
  const current: Array<Uint8Array | undefined> = keys.map(() => undefined)
  let waiting = keys.length
  keys.forEach((key, i) => {
    const request = store.get(key)
    request.onsuccess = () => {
      current[i] = storedBytes(request.result)
      if (--waiting === 0) then(current)
    }
  })
  if (keys.length === 0) then(current)
}

/**
 * Reads many `keys` in a few requests where it can, then hands their values, in the order of
 * `keys`, to `then`. One request lists the keys stored between the least and the greatest key
 * asked for (IndexedDB orders string keys by UTF-16 code units, as `<` does), or in the whole
 * object store without `keyRange`, but at most `RANGE_PER_KEY` for each key asked for plus one. If
 * that is all of them, one more request reads their values (a `get` each costs several times as
 * much, see docs/BROWSER.md) and the keys asked for are picked out; none at all is made when no key
 * asked for is stored. If it is not (a few keys spread over a large database), each key is read on
 * its own: memory never holds more than a few times the values asked for, and the listing that
 * found out cost at most that many keys.
 */
const readMany = (
  store: IdbObjectStore,
  keys: ReadonlyArray<string>,
  keyRange: IdbKeyRangeMaker | undefined,
  then: (values: ReadonlyArray<Uint8Array | undefined>) => void
): void => {
  let [least, greatest] = [keys[0]!, keys[0]!]
  for (const key of keys) {
    if (key < least) least = key
    if (key > greatest) greatest = key
  }
  const range = keyRange?.bound(least, greatest)
  const most = RANGE_PER_KEY * keys.length
  const listing = store.getAllKeys(range, most + 1)
  listing.onsuccess = () => {
    const stored = listing.result
    if (stored.length > most) return readEach(store, keys, then)
    const wanted = new Set<unknown>(keys)
    if (!stored.some((key) => wanted.has(key))) return then(keys.map(() => undefined))
    const values = store.getAll(range)
    values.onsuccess = () => {
      // Nothing was written between the two requests: the values are those of `stored`, in order.
      const found = new Map<unknown, unknown>()
      stored.forEach((key, i) => found.set(key, values.result[i]))
      then(keys.map((key) => storedBytes(found.get(key))))
    }
  }
}

/** A write checked and with its bytes copied, ready for the object store. */
type Prepared = { readonly key: string; readonly data: Uint8Array } | { readonly key: string; readonly data: undefined }

const check = (key: string, operation: string): void => {
  const problem = invalidStorageKey(key)
  if (problem !== undefined) throw new StorageError(typeof key === 'string' ? key : undefined, problem, operation)
}

const prepare = (write: Write): Prepared => {
  if ('delete' in write) {
    check(write.key, 'delete')
    return { key: write.key, data: undefined }
  }
  check(write.key, 'save')
  if (!(write.data instanceof Uint8Array)) throw new StorageError(write.key, 'stored data must be a Uint8Array', 'save')
  return { key: write.key, data: new Uint8Array(write.data) } // a plain copy, even of a Buffer
}

const apply = (store: IdbObjectStore, write: Prepared): IdbRequest<unknown> =>
  write.data === undefined ? store.delete(write.key) : store.put(write.data, write.key)
