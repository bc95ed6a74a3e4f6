/**
 * Moves a store's counters to and from a `Storage` through a `Formatter`. Loading validates every
 * stored counter and converts it to the store's layout; a value that fails to decode is reported
 * with its key, never half-loaded, and the other events still load. Persists run one at a time; an
 * event stays dirty unless the write of exactly its current counter succeeded.
 *
 * On a storage with `update` (every backend of this package), a persist **adds** this store's
 * changes since its last persist to what is stored, in one transaction: for each event, the stored
 * counter (as another process may have left it) plus the difference between the store's counter
 * and the one it last read or wrote (its baseline). Several processes persisting into one storage
 * so lose nothing. Without `update`, a persist writes the store's counters over what is stored.
 */
import * as E from '#fp-ts/Either'
import type { Counter } from '../../Counter.js'
import { convert, merge, rotate } from '../../Counter.js'
import { difference, hasCounts } from './delta.js'
import { inSlices } from './slices.js'
import type { Layout } from '../../Layout.js'
import type { Formatter } from '../../codec/Formatter.js'
import type { DecodeError } from '../../codec/errors.js'
import { StorageError } from '../errors.js'
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

/** What loading found: the counters that decoded, and an error for each value that did not. */
export interface Loaded {
  readonly counters: Map<string, Counter>
  readonly errors: ReadonlyArray<DecodeError>
}

/** The most keys one `update` of a persist reads and writes (a persist of more makes several). */
const UPDATE_CHUNK = 1_000

const asStorageError = (key: string | undefined, cause: unknown): StorageError =>
  cause instanceof StorageError ? cause : new StorageError(key, cause)

/**
 * Reads every stored counter, converted to `layout`: with the storage's `loadAll` when it has one
 * (one query, or many reads at once), else with `listKeys` and a `load` per key. Rejects only when
 * the storage itself fails.
 */
export const load = async (storage: Storage, format: Formatter, layout: Layout): Promise<E.Either<StorageError, Loaded>> => {
  const counters = new Map<string, Counter>()
  const errors: DecodeError[] = []
  const add = (key: string, bytes: Uint8Array): void => {
    const decoded = format.deserialize(key, bytes)
    if (E.isLeft(decoded)) errors.push(decoded.left)
    else counters.set(key, convert(decoded.right, layout))
  }
  if (storage.loadAll !== undefined) {
    let entries: ReadonlyArray<readonly [string, Uint8Array]>
    try {
      entries = await storage.loadAll()
    } catch (cause) {
      return E.left(asStorageError(undefined, cause))
    }
    await inSlices(entries.length, (i) => add(entries[i]![0], entries[i]![1]))
    return E.right({ counters, errors })
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
    if (bytes !== undefined) add(key, bytes)
  }
  return E.right({ counters, errors })
}

/** Serialises persists so that two never interleave their writes. */
export class Persister {
  private queue: Promise<unknown> = Promise.resolve()
  /**
   * Each event's counter as this store last read it from the storage or wrote it there: what a
   * persist subtracts to find the store's own changes (see above).
   */
  private readonly baselines = new Map<string, Counter>()
  /** Events whose counter was replaced (`importAll`): the next persist writes it over what is stored. */
  private readonly replaced = new Set<string>()

  constructor(
    readonly storage: Storage,
    readonly format: Formatter,
    loaded: Iterable<readonly [string, Counter]> = []
  ) {
    for (const [name, counter] of loaded) this.baselines.set(name, counter)
  }

  /** Notes that `name`'s counter was replaced as a whole: its next persist writes it as it is. */
  replace(name: string): void {
    this.replaced.add(name)
  }

  private exclusive<A>(task: () => Promise<A>): Promise<A> {
    const run = this.queue.then(task, task)
    this.queue = run.catch(() => undefined)
    return run
  }

  /**
   * Writes the named events' counters as they are at the call, in one batch, after any persist
   * already running; then clears the dirty flag of each event whose counter is still the one written.
   */
  write(state: Persisted, names: (state: Persisted) => Iterable<string>, deletes: ReadonlyArray<string> = []): Promise<E.Either<StorageError, void>> {
    // The counters as they are at the call (they never change once handed out); encoded below, in slices.
    const written: Array<readonly [string, Counter]> = []
    for (const name of names(state)) {
      const counter = state.counters.get(name)
      if (counter !== undefined) written.push([name, counter])
    }
    if (written.length === 0 && deletes.length === 0) return Promise.resolve(E.right(undefined))
    const { update } = this.storage
    return this.exclusive(async () => {
      const writes: Write[] = deletes.map((key) => ({ key, delete: true as const }))
      let unwritable: StorageError | undefined
      await inSlices(written.length, (i) => {
        const [name, counter] = written[i]!
        try {
          writes.push({ key: name, data: this.format.serialize(counter) })
          return true
        } catch (cause) {
          unwritable = asStorageError(name, cause)
          return false
        }
      })
      if (unwritable !== undefined) return E.left(unwritable)
      if (writes.length === 0) return E.right(undefined)
      let failure: StorageError | undefined
      try {
        if (update === undefined) await this.storage.batch(writes)
        else {
          // In transactions of `UPDATE_CHUNK` keys: `compute` runs synchronously inside each, and
          // 100,000 events in one would hold the event loop for a second.
          for (let from = 0; from < writes.length; from += UPDATE_CHUNK) {
            const chunk = writes.slice(from, from + UPDATE_CHUNK)
            await update(chunk.map(({ key }) => key), (current) => this.added(chunk, written, deletes.length, current, from))
          }
        }
      } catch (cause) {
        failure = asStorageError(writes.length === 1 ? writes[0]!.key : undefined, cause)
        // A backend that applies each write on its own (FilePerEvent) names the ones that failed:
        // the others landed. Any other failure leaves every event dirty.
        if (failure.failedKeys.length === 0 || failure.failedKeys.length >= writes.length) return E.left(failure)
      }
      const failed = new Set(failure?.failedKeys ?? [])
      for (const key of deletes) if (!failed.has(key)) this.baselines.delete(key)
      for (const [name, counter] of written) {
        if (failed.has(name)) continue
        this.baselines.set(name, counter)
        this.replaced.delete(name)
        if (state.counters.get(name) === counter) state.dirty.delete(name)
      }
      return failure === undefined ? E.right(undefined) : E.left(failure)
    })
  }

  /**
   * The writes that add this store's changes to what is stored (`current`, in the order of
   * `writes`): deletes as they are; for each counter, the stored one plus the counter's difference
   * from its baseline. A stored value that does not decode is replaced by the store's counter.
   */
  private added(writes: ReadonlyArray<Write>, written: ReadonlyArray<readonly [string, Counter]>, deletes: number, current: ReadonlyArray<Uint8Array | undefined>, offset: number): ReadonlyArray<Write> {
    return writes.map((write, k) => {
      const i = offset + k
      if (i < deletes) return write
      const [name, counter] = written[i - deletes]!
      const bytes = current[i]
      if (bytes === undefined || this.replaced.has(name)) return write
      const stored = this.format.deserialize(name, bytes)
      if (E.isLeft(stored)) return write // a value no one can read: replaced by the store's counter
      const baseline = this.baselines.get(name)
      const mine = baseline === undefined ? counter : difference(counter, baseline)
      return { key: name, data: this.format.serialize(merge(convert(stored.right, counter.layout), mine)) }
    })
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
