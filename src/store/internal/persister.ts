/**
 * Moves a store's counters to and from a `Storage` through a `Formatter`. Loading validates every
 * stored counter and converts it to the store's layout; a value that fails to decode is reported
 * with its key, never half-loaded, and the other events still load. Persists run one at a time; an
 * event stays dirty unless the write of exactly its current counter succeeded.
 */
import * as E from '#fp-ts/Either'
import type { Counter } from '../../Counter.js'
import { convert, rotate } from '../../Counter.js'
import { hasCounts } from './delta.js'
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
    for (const [key, bytes] of entries) add(key, bytes)
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

  constructor(
    readonly storage: Storage,
    readonly format: Formatter
  ) {}

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
    const written: Array<readonly [string, Counter]> = []
    const writes: Write[] = deletes.map((key) => ({ key, delete: true as const }))
    for (const name of names(state)) {
      const counter = state.counters.get(name)
      if (counter === undefined) continue
      let data: Uint8Array
      try {
        data = this.format.serialize(counter)
      } catch (cause) {
        return Promise.resolve(E.left(asStorageError(name, cause)))
      }
      written.push([name, counter])
      writes.push({ key: name, data })
    }
    if (writes.length === 0) return Promise.resolve(E.right(undefined))
    return this.exclusive(async () => {
      try {
        await this.storage.batch(writes)
      } catch (cause) {
        return E.left(asStorageError(writes.length === 1 ? writes[0]!.key : undefined, cause))
      }
      for (const [name, counter] of written) if (state.counters.get(name) === counter) state.dirty.delete(name)
      return E.right(undefined)
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
