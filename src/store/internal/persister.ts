/**
 * Moves a store's counters to and from a `Storage`. Loading validates every stored value and
 * converts it to the store's layout; a value that fails to decode is reported with its key, never
 * half-loaded, and the other events still load; a value of the other kind (a replicated counter
 * for a plain store, or the reverse) refuses the whole load (`StoredKindMismatch`). Persists run
 * one at a time; an event stays dirty unless the write of exactly its current counter succeeded.
 *
 * What is written for an event, and how it joins what is stored, is the `Encoding`'s business:
 * plain counters (`CounterEncoding`, here) or replicated ones (`ReplicatedEncoding`). On a storage
 * with `update` (every backend of this package) a persist is a read-modify-write in one
 * transaction, so several processes persisting into one storage lose nothing. For plain counters
 * it **adds** this store's changes since its last persist to what is stored: for each event, the
 * stored counter (as another process may have left it) plus the difference between the store's
 * counter and the one it last read or wrote (its baseline). Without `update`, a persist writes the
 * store's values over what is stored.
 */
import * as E from '#fp-ts/Either'
import type { Counter } from '../../Counter.js'
import { convert, merge, rotate } from '../../Counter.js'
import { difference, hasCounts } from './delta.js'
import { inSlices } from './slices.js'
import type { Layout } from '../../Layout.js'
import { BincodeFormat } from '../../codec/BincodeFormat.js'
import type { Formatter } from '../../codec/Formatter.js'
import { JsonFormat } from '../../codec/JsonFormat.js'
import { ReplicatedBincodeFormat, ReplicatedJsonFormat } from '../../codec/ReplicatedFormat.js'
import type { DecodeError } from '../../codec/errors.js'
import { StorageError, StoredKindMismatch } from '../errors.js'
import type { Storage, Write } from '../Storage.js'

/** The counters of a store by event name, as persistence reads and updates them. */
export interface PersistedCounters extends Iterable<readonly [string, Counter]> {
  get(name: string): Counter | undefined
  set(name: string, counter: Counter): unknown
  delete(name: string): boolean
}

/** The parts of a store that persistence reads and updates. */
export interface Persisted {
  readonly counters: PersistedCounters
  readonly dirty: Set<string>
}

/** What loading found: the values that decoded, and an error for each value that did not. */
export interface Loaded<A = Counter> {
  readonly counters: Map<string, A>
  readonly errors: ReadonlyArray<DecodeError>
}

/** How one kind of stored value is read: its decoding, and the formats of the other kind (to recognise a mismatch). */
export interface Reading<A> {
  readonly decode: (key: string, bytes: Uint8Array) => E.Either<DecodeError, A>
  readonly kind: 'plain' | 'replicated'
}

/** The formats of each kind, tried on a value that fails to decode: does it hold the other kind? */
const FORMATS_OF: Readonly<Record<'plain' | 'replicated', ReadonlyArray<{ readonly deserialize: (key: string, bytes: Uint8Array) => E.Either<DecodeError, unknown> }>>> = {
  plain: [BincodeFormat, JsonFormat],
  replicated: [ReplicatedBincodeFormat, ReplicatedJsonFormat]
}

/** The plain counters of a `Formatter`, converted to `layout`. */
export const plainReading = (format: Formatter, layout: Layout): Reading<Counter> => ({
  decode: (key, bytes) => E.map((counter: Counter) => convert(counter, layout))(format.deserialize(key, bytes)),
  kind: 'plain'
})

/** The most keys one `update` of a persist reads and writes (a persist of more makes several). */
const UPDATE_CHUNK = 1_000

const asStorageError = (key: string | undefined, cause: unknown): StorageError =>
  cause instanceof StorageError ? cause : new StorageError(key, cause)

/**
 * Reads every stored value: with the storage's `loadAll` when it has one (one query, or many reads
 * at once), else with `listKeys` and a `load` per key. Rejects only when the storage itself fails;
 * a value of the other kind refuses the load (`StoredKindMismatch`).
 */
export const load = async <A>(storage: Storage, reading: Reading<A>): Promise<E.Either<StorageError | StoredKindMismatch, Loaded<A>>> => {
  const counters = new Map<string, A>()
  const errors: DecodeError[] = []
  let mismatch: StoredKindMismatch | undefined
  const other = reading.kind === 'plain' ? 'replicated' : 'plain'
  const add = (key: string, bytes: Uint8Array): boolean => {
    const decoded = reading.decode(key, bytes)
    if (E.isRight(decoded)) counters.set(key, decoded.right)
    else if (FORMATS_OF[other].some((format) => E.isRight(format.deserialize(key, bytes)))) mismatch = new StoredKindMismatch(key, other)
    else errors.push(decoded.left)
    return mismatch === undefined
  }
  if (storage.loadAll !== undefined) {
    let entries: ReadonlyArray<readonly [string, Uint8Array]>
    try {
      entries = await storage.loadAll()
    } catch (cause) {
      return E.left(asStorageError(undefined, cause))
    }
    await inSlices(entries.length, (i) => add(entries[i]![0], entries[i]![1]))
    return mismatch === undefined ? E.right({ counters, errors }) : E.left(mismatch)
  }
  let keys: ReadonlyArray<string>
  try {
    keys = await storage.listKeys()
  } catch (cause) {
    return E.left(asStorageError(undefined, cause))
  }
  for (const key of keys) {
    let bytes: Uint8Array | undefined
    try {
      bytes = await storage.load(key)
    } catch (cause) {
      return E.left(asStorageError(key, cause))
    }
    if (bytes !== undefined && !add(key, bytes)) return E.left(mismatch!)
  }
  return E.right({ counters, errors })
}

/**
 * One event as a persist took it, at the call: its name, the table's counter (the event stays
 * dirty unless the table still holds it after the write) and what the encoding writes of it.
 */
export interface Captured<V> {
  readonly name: string
  readonly counter: Counter
  readonly value: V
}

/**
 * What a store writes for its events, and how it joins what is stored: plain or replicated
 * counters. (Methods, not closures per event: a persist of 10,000 events makes no garbage of them.)
 */
export interface Encoding<V> {
  /** Takes `name`, whose table counter is `counter`, as it is now. */
  capture(name: string, counter: Counter): Captured<V>
  /** The bytes of a captured event (encoded after the call, in slices). */
  serialize(captured: Captured<V>): Uint8Array
  /**
   * Inside the transaction: the bytes to write given the `stored` ones, or `undefined` to write
   * `serialize`'s. May throw a `StorageError` that refuses the whole write.
   */
  over(captured: Captured<V>, stored: Uint8Array): Uint8Array | undefined
  /** Notes that the captured event was written. */
  written(captured: Captured<V>): void
  /** Notes that `name`'s stored copy was deleted. */
  deleted(name: string): void
  /** Notes that `name`'s counter was replaced as a whole (`importAll`, `delete` then record). */
  replace(name: string): void
}

/** Plain counters through a `Formatter`, added to what is stored (see the top of this module). */
export class CounterEncoding implements Encoding<Counter> {
  /**
   * Each event's counter as this store last read it from the storage or wrote it there: what a
   * persist subtracts to find the store's own changes.
   */
  private readonly baselines = new Map<string, Counter>()
  /** Events whose counter was replaced (`importAll`): the next persist writes it over what is stored. */
  private readonly replaced = new Set<string>()

  constructor(
    readonly format: Formatter,
    loaded: Iterable<readonly [string, Counter]> = []
  ) {
    for (const [name, counter] of loaded) this.baselines.set(name, counter)
  }

  capture(name: string, counter: Counter): Captured<Counter> {
    return { name, counter, value: counter }
  }

  serialize({ counter }: Captured<Counter>): Uint8Array {
    return this.format.serialize(counter)
  }

  /** The stored counter plus the counter's difference from its baseline; a stored value that does not decode is replaced. */
  over({ name, counter }: Captured<Counter>, bytes: Uint8Array): Uint8Array | undefined {
    if (this.replaced.has(name)) return undefined
    const stored = this.format.deserialize(name, bytes)
    if (E.isLeft(stored)) return undefined // a value no one can read: replaced by the store's counter
    const baseline = this.baselines.get(name)
    const mine = baseline === undefined ? counter : difference(counter, baseline)
    return this.format.serialize(merge(convert(stored.right, counter.layout), mine))
  }

  written({ name, counter }: Captured<Counter>): void {
    this.baselines.set(name, counter)
    this.replaced.delete(name)
  }

  deleted(name: string): void {
    this.baselines.delete(name)
  }

  replace(name: string): void {
    this.replaced.add(name)
  }
}

/** Serialises persists so that two never interleave their writes. */
export class Persister {
  private queue: Promise<unknown> = Promise.resolve()

  constructor(
    readonly storage: Storage,
    readonly encoding: Encoding<unknown>
  ) {}

  /** Notes that `name`'s counter was replaced as a whole: see `Encoding.replace`. */
  replace(name: string): void {
    this.encoding.replace(name)
  }

  private exclusive<A>(task: () => Promise<A>): Promise<A> {
    const run = this.queue.then(task, task)
    this.queue = run.catch(() => undefined)
    return run
  }

  /**
   * Writes the named events as they are at the call, in one batch, after any persist already
   * running; then clears the dirty flag of each event whose counter is still the one written.
   */
  write(state: Persisted, names: (state: Persisted) => Iterable<string>, deletes: ReadonlyArray<string> = []): Promise<E.Either<StorageError, void>> {
    // The events as they are at the call (counters never change once handed out); encoded below, in slices.
    const written: Array<Captured<unknown>> = []
    for (const name of names(state)) {
      const counter = state.counters.get(name)
      if (counter !== undefined) written.push(this.encoding.capture(name, counter))
    }
    if (written.length === 0 && deletes.length === 0) return Promise.resolve(E.right(undefined))
    const { update } = this.storage
    return this.exclusive(async () => {
      const writes: Write[] = deletes.map((key) => ({ key, delete: true as const }))
      let unwritable: StorageError | undefined
      await inSlices(written.length, (i) => {
        const captured = written[i]!
        try {
          writes.push({ key: captured.name, data: this.encoding.serialize(captured) })
          return true
        } catch (cause) {
          unwritable = asStorageError(captured.name, cause)
          return false
        }
      })
      if (unwritable !== undefined) return E.left(unwritable)
      if (writes.length === 0) return E.right(undefined)
      let failure: StorageError | undefined
      /** How many writes landed in transactions that committed before one failed. */
      let landed = 0
      try {
        if (update === undefined) await this.storage.batch(writes)
        else {
          // In transactions of `UPDATE_CHUNK` keys: `compute` runs synchronously inside each, and
          // 100,000 events in one would hold the event loop for a second.
          for (let from = 0; from < writes.length; from += UPDATE_CHUNK) {
            const chunk = writes.slice(from, from + UPDATE_CHUNK)
            await update(
              chunk.map(({ key }) => key),
              (current) => chunk.map((write, k) => this.over(write, from + k - deletes.length, written, current[k]))
            )
            landed = from + chunk.length
          }
        }
      } catch (cause) {
        failure = asStorageError(writes.length === 1 ? writes[0]!.key : undefined, cause)
        // Earlier transactions committed: those writes landed, and count as written below.
        if (landed > 0 && failure.failedKeys.length === 0) failure = new StorageError(failure.key, failure.cause, failure.operation, writes.slice(landed).map(({ key }) => key))
        // A backend that applies each write on its own (FilePerEvent) names the ones that failed:
        // the others landed. Any other failure leaves every event dirty.
        if (failure.failedKeys.length === 0 || failure.failedKeys.length >= writes.length) return E.left(failure)
      }
      const failed = new Set(failure?.failedKeys ?? [])
      for (const key of deletes) if (!failed.has(key)) this.encoding.deleted(key)
      for (const captured of written) {
        if (failed.has(captured.name)) continue
        this.encoding.written(captured)
        if (state.counters.get(captured.name) === captured.counter) state.dirty.delete(captured.name)
      }
      return failure === undefined ? E.right(undefined) : E.left(failure)
    })
  }

  /** The write of `write` over the stored `bytes`: a delete as it is; an event joined with what is stored (see `Captured.over`). */
  private over(write: Write, i: number, written: ReadonlyArray<Captured<unknown>>, bytes: Uint8Array | undefined): Write {
    if (i < 0 || bytes === undefined) return write
    const data = this.encoding.over(written[i]!, bytes)
    return data === undefined ? write : { key: write.key, data }
  }

  /**
   * Advances every counter to `now`, deletes those left without any count (from memory and from
   * storage), and writes the dirty rest.
   */
  compact(state: Persisted, now: number): Promise<E.Either<StorageError, void>> {
    const empty: string[] = []
    for (const [name, counter] of state.counters) {
      const rotated = rotate(counter, now)
      if (!hasCounts(rotated)) empty.push(name)
      else if (rotated !== counter) state.counters.set(name, rotated)
    }
    for (const name of empty) {
      state.counters.delete(name)
      state.dirty.delete(name)
    }
    return this.write(state, (s) => [...s.dirty], empty)
  }
}
