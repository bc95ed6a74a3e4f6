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
import { SLICE_STEPS, Slice, inSlices } from './slices.js'
import type { Layout } from '../../Layout.js'
import { BincodeFormat } from '../../codec/BincodeFormat.js'
import type { Formatter } from '../../codec/Formatter.js'
import { JsonFormat } from '../../codec/JsonFormat.js'
import { ReplicatedBincodeFormat, ReplicatedJsonFormat } from '../../codec/ReplicatedFormat.js'
import { DecodeError } from '../../codec/errors.js'
import { StorageError, StoredKindMismatch } from '../errors.js'
import type { Storage, UnreadableValue, Update, Write } from '../Storage.js'
import { invalidStorageKey } from '../Storage.js'
import { sameBytes } from '../../codec/internal/bytes.js'

/** The counters of a store by event name, as persistence reads and updates them. */
export interface PersistedCounters {
  get(name: string): Counter | undefined
  has(name: string): boolean
  set(name: string, counter: Counter): unknown
  delete(name: string): boolean
  names(): IterableIterator<string>
  /** Each event with its counter; a live iteration (what changes meanwhile is seen as a `Map`'s iterator sees it). */
  [Symbol.iterator](): IterableIterator<readonly [string, Counter]>
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

/** How one kind of stored value is read: its decoding, and its kind (a value that decodes as the other kind refuses the load). */
export interface Reading<A> {
  readonly decode: (key: string, bytes: Uint8Array) => E.Either<DecodeError, A>
  readonly kind: 'plain' | 'replicated'
}

/** The formats of each kind, tried on a value that fails to decode: does it hold the other kind? */
const FORMATS_OF: Readonly<Record<'plain' | 'replicated', ReadonlyArray<{ readonly deserialize: (key: string, bytes: Uint8Array) => E.Either<DecodeError, unknown> }>>> = {
  plain: [BincodeFormat, JsonFormat],
  replicated: [ReplicatedBincodeFormat, ReplicatedJsonFormat]
}

/**
 * The plain counters of a `Formatter`, converted to `layout`; `refuse` may refuse a decoded
 * counter (a head far in the future) with the error to report.
 */
export const plainReading = (
  format: Formatter,
  layout: Layout,
  refuse: (name: string, counter: Counter) => DecodeError | undefined = () => undefined
): Reading<Counter> => ({
  decode: (key, bytes) =>
    E.chain((decoded: Counter) => {
      const counter = convert(decoded, layout)
      const refused = refuse(key, counter)
      return refused === undefined ? E.right(counter) : E.left(refused)
    })(format.deserialize(key, bytes)),
  kind: 'plain'
})

/** The most keys one `update` of a persist reads and writes (a persist of more makes several). */
const UPDATE_CHUNK = 1_000

const asStorageError = (key: string | undefined, cause: unknown): StorageError =>
  cause instanceof StorageError ? cause : new StorageError(key, cause)

/**
 * Why a stored key is no event's: a key that no store writes (empty, or not well-formed Unicode),
 * put there by something else. Reported as a value that does not decode is, and never made an event.
 */
const foreignKeyError = (key: string): DecodeError | undefined => {
  const why = invalidStorageKey(key)
  return why === undefined ? undefined : new DecodeError(key, '', `not an event's key: ${why}`)
}

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
  let entries: ReadonlyArray<readonly [string, Uint8Array]>
  let current: string | undefined // the key being read one by one, for the error
  try {
    entries = storage.loadAll !== undefined ? await storage.loadAll() : await storedOneByOne(storage, (key) => (current = key))
  } catch (cause) {
    return E.left(asStorageError(current, cause))
  }
  await inSlices(
    entries.length,
    (i) => {
      const [key, bytes] = entries[i]!
      const foreign = foreignKeyError(key)
      if (foreign !== undefined) {
        errors.push(foreign)
        return true
      }
      // A value the backend could not give as bytes is reported by why, not by what no bytes decode to.
      const { unreadable } = bytes as Partial<UnreadableValue>
      const decoded = unreadable === undefined ? reading.decode(key, bytes) : E.left(new DecodeError(key, '', unreadable))
      if (E.isRight(decoded)) counters.set(key, decoded.right)
      else if (FORMATS_OF[other].some((format) => E.isRight(format.deserialize(key, bytes)))) mismatch = new StoredKindMismatch(key, other)
      else errors.push(decoded.left)
      return mismatch === undefined
    },
    SLICE_STEPS
  )
  return mismatch === undefined ? E.right({ counters, errors }) : E.left(mismatch)
}

/** Every stored value of a storage without `loadAll`: `listKeys`, then a `load` per key (`onKey` is told which key is read). */
const storedOneByOne = async (storage: Storage, onKey: (key: string) => void): Promise<Array<readonly [string, Uint8Array]>> => {
  const entries: Array<readonly [string, Uint8Array]> = []
  for (const key of await storage.listKeys()) {
    onKey(key)
    const bytes = await storage.load(key)
    if (bytes !== undefined) entries.push([key, bytes])
  }
  return entries
}

/**
 * One event of a persist, taken when its turn came (not at the call): the table's counter then
 * (the event stays dirty unless the table still holds it after the write) and the bytes to write
 * when nothing is stored, with what the encoding needs to join them with what is stored.
 */
export interface Taken {
  readonly name: string
  readonly counter: Counter
  /** The event's bytes as a whole: written when nothing is stored, or over what is stored. */
  readonly whole: Uint8Array
  /** How many counters taking it encoded: steps of the persist's slice. */
  readonly steps: number
  /** Set when the counter replaced the event's stored one as a whole (`importAll`, `delete` then record): see `Encoding.replace`. */
  readonly replaced?: number | undefined
}

/**
 * What a store writes for its events, and how it joins what is stored: plain or replicated
 * counters. (Methods, not closures per event: a persist of 10,000 events makes no garbage of them.)
 */
export interface Encoding<T extends Taken = Taken> {
  /** Takes `name`, whose table counter is `counter`, as it is now; `joining`: the write joins what is stored (`update`). */
  take(name: string, counter: Counter, joining: boolean): T
  /**
   * Inside the transaction: the bytes to write over the `stored` ones, or `undefined` when that
   * needs a stored value decoded and `mayDecode()` says that the transaction has no time left for
   * it (the event waits for the next one). May throw a `StorageError` that refuses the whole write.
   */
  over(taken: T, stored: Uint8Array, mayDecode: () => boolean): Uint8Array | undefined
  /** Notes that the taken event was written. */
  written(taken: T): void
  /** The counter a stored value holds, or `undefined` when it does not decode (`compact` keeps such a value). */
  counterOf(name: string, stored: Uint8Array): Counter | undefined
  /** Notes that `name`'s stored copy was deleted (or that this store no longer holds the event). */
  deleted(name: string): void
  /** Notes that `name`'s counter was replaced as a whole (`importAll`, `delete` then record). */
  replace(name: string): void
}

/**
 * A plain event as a persist took it. For an event with a baseline, `expected` is the baseline's
 * bytes: a stored value that is still those bytes holds nothing but what this store last read or
 * wrote, so the store's counter (which holds all of that and what it recorded since) is written
 * as it is; compared inside the transaction, so that no counter is decoded there. Any other
 * stored value is decoded and merged with the counter's difference from `baseline`.
 */
interface CounterTaken extends Taken {
  /** The `replace` mark of the event when it was taken (`undefined`: not replaced). */
  readonly replaced: number | undefined
  readonly baseline: Counter | undefined
  readonly expected: Uint8Array | undefined
}

/** Plain counters through a `Formatter`, added to what is stored (see the top of this module). */
export class CounterEncoding implements Encoding<CounterTaken> {
  /**
   * Each event's counter as this store last read it from the storage or wrote it there: what a
   * persist subtracts to find the store's own changes.
   */
  private readonly baselines: Map<string, Counter>
  /**
   * Events whose counter was replaced (`importAll`, a delete): the next persist that takes the
   * event after the replacement writes it over what is stored. Each mark is a number, so that a
   * persist that took the event before a later replacement leaves that one in place.
   */
  private readonly replaced = new Map<string, number>()
  private replacements = 0

  /** `loaded`: the counters read from the storage (kept as the baselines: the map is this encoding's from now on). */
  constructor(
    readonly format: Formatter,
    loaded: Map<string, Counter> = new Map()
  ) {
    this.baselines = loaded
  }

  take(name: string, counter: Counter, joining: boolean): CounterTaken {
    const replaced = this.replaced.get(name)
    const whole = this.format.serialize(counter)
    const baseline = joining && replaced === undefined ? this.baselines.get(name) : undefined
    if (baseline === undefined) return { name, counter, whole, steps: 1, replaced, baseline, expected: undefined }
    return { name, counter, whole, steps: 2, replaced, baseline, expected: this.format.serialize(baseline) }
  }

  /** The stored counter plus the counter's difference from its baseline (the counter itself over the baseline's bytes); a stored value that does not decode is replaced. */
  over(taken: CounterTaken, stored: Uint8Array, mayDecode: () => boolean): Uint8Array | undefined {
    if (taken.replaced !== undefined) return taken.whole
    if (taken.expected !== undefined && sameBytes(stored, taken.expected)) return taken.whole
    if (!mayDecode()) return undefined
    const decoded = this.format.deserialize(taken.name, stored)
    if (E.isLeft(decoded)) return taken.whole // a value no one can read: replaced by the store's counter
    const mine = taken.baseline === undefined ? taken.counter : difference(taken.counter, taken.baseline)
    return this.format.serialize(merge(convert(decoded.right, taken.counter.layout), mine))
  }

  written({ name, counter, replaced }: CounterTaken): void {
    this.baselines.set(name, counter)
    if (replaced !== undefined && this.replaced.get(name) === replaced) this.replaced.delete(name)
  }

  counterOf(name: string, stored: Uint8Array): Counter | undefined {
    const decoded = this.format.deserialize(name, stored)
    return E.isRight(decoded) ? decoded.right : undefined
  }

  deleted(name: string): void {
    this.baselines.delete(name)
  }

  replace(name: string): void {
    this.replaced.set(name, ++this.replacements)
  }
}

/** Why a write could not be made: a storage failure that stops the persist, or keys that failed (the others landed). */
type Outcome = { readonly stop: StorageError } | { readonly failed: StorageError | undefined }

/**
 * Serialises persists so that two never interleave their writes. A persist works in slices (see
 * `slices.ts`): it takes each event's counter when the event's turn comes (not all at once when it
 * is called), encodes it, and writes a chunk at a time; the store records on meanwhile. An event
 * recorded before its turn is written with that record; one recorded after stays dirty (its
 * counter is no longer the one written) for the next persist, which adds only what came after
 * (the baseline is the counter written). So nothing is lost or counted twice.
 */
export class Persister {
  private queue: Promise<unknown> = Promise.resolve()

  constructor(
    readonly storage: Storage,
    readonly encoding: Encoding
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
   * After any persist already running: deletes `deletes` (those the store does not hold again by
   * then) and writes the counters of the events `names` picks now (a copy of their names: cheap),
   * each counter as it is when its turn comes; then clears the dirty flag of each event whose
   * counter is still the one written.
   */
  write(state: Persisted, names: (state: Persisted) => Iterable<string>, deletes: ReadonlyArray<string> = []): Promise<E.Either<StorageError, void>> {
    const picked = Array.from(names(state))
    if (picked.length === 0 && deletes.length === 0) return Promise.resolve(E.right(undefined))
    return this.exclusive(() => this.writeNow(state, picked, deletes))
  }

  /** `now`: the deletes are `compact`'s, each made only if what is stored holds no count at `now` either. */
  private async writeNow(state: Persisted, names: ReadonlyArray<string>, deleted: ReadonlyArray<string>, now?: number): Promise<E.Either<StorageError, void>> {
    const deletes = deleted.filter((name) => !state.counters.has(name))
    if (names.length === 0 && deletes.length === 0) return E.right(undefined)
    const { storage } = this
    // Without `update`, one batch writes every event over what is stored (nothing stored is read).
    const update: Update = storage.update ?? ((keys, compute) => storage.batch(compute(keys.map(() => undefined))))
    return this.writeAll(state, names, deletes, now, update, storage.update === undefined ? Infinity : UPDATE_CHUNK)
  }

  /** Takes the event `name` as it is now; `undefined` for an event the store no longer holds. */
  private take(state: Persisted, name: string, joining: boolean): Taken | undefined {
    const counter = state.counters.get(name)
    return counter === undefined ? undefined : this.encoding.take(name, counter, joining)
  }

  /** Once `taken` was written: the encoding notes it, and the event is clean unless it changed meanwhile. */
  private written(state: Persisted, taken: Taken): void {
    this.encoding.written(taken)
    if (state.counters.get(taken.name) === taken.counter) state.dirty.delete(taken.name)
  }

  /**
   * A persist through `update` (or through one `batch`, which reads nothing stored): in
   * transactions of at most `chunkSize` keys, each joining this store's events with what is
   * stored (see `Encoding.over`). The events of a chunk are taken and encoded just before it, in
   * slices. Inside a transaction (`compute` runs synchronously there) at most one slice of stored
   * values is decoded: the events that need more wait for the next one.
   */
  private async writeAll(
    state: Persisted,
    names: ReadonlyArray<string>,
    deletes: ReadonlyArray<string>,
    now: number | undefined,
    update: Update,
    chunkSize: number
  ): Promise<E.Either<StorageError, void>> {
    const slice = new Slice()
    const joining = this.storage.update !== undefined
    const failures: StorageError[] = []
    let landed = false
    // A failure after earlier transactions committed names the keys not written: the others landed.
    const stopped = (stop: StorageError, rest: ReadonlyArray<string>): E.Either<StorageError, void> =>
      E.left(landed && stop.failedKeys.length === 0 ? new StorageError(stop.key, stop.cause, stop.operation, rest) : stop)
    // Deletes; those of `compact` (`now`; without `update` nothing stored is read) only of what
    // holds no count at `now` (kept: what another process recorded into, or what does not decode):
    // a decode and a rotation each, so half a slice of them a transaction.
    const checked = now !== undefined && joining
    const step = checked ? SLICE_STEPS / 2 : chunkSize
    for (let from = 0; from < deletes.length; from += step) {
      const chunk = deletes.slice(from, from + step)
      const writes = chunk.map((key) => ({ key, delete: true as const }))
      const expired = (stored: Uint8Array | undefined, key: string): boolean => {
        const counter = stored === undefined ? undefined : this.encoding.counterOf(key, stored)
        return counter !== undefined && !hasCounts(rotate(counter, now!))
      }
      const outcome = await this.apply(chunk.length, chunk[0], () => update(chunk, (current) => (checked ? writes.filter(({ key }, i) => expired(current[i], key)) : writes)))
      if ('stop' in outcome) return stopped(outcome.stop, [...deletes.slice(from), ...names])
      landed = true
      const failed = new Set(outcome.failed?.failedKeys ?? [])
      // Deleted, or kept: no longer this store's either way.
      for (const key of chunk) if (!failed.has(key)) this.encoding.deleted(key)
      if (outcome.failed !== undefined) failures.push(outcome.failed)
      if (slice.spent(chunk.length)) await slice.next()
    }
    let next = 0
    let waiting: Taken[] = [] // taken, but not joined by the last transaction: the next one does
    while (next < names.length || waiting.length > 0) {
      const chunk = waiting
      while (chunk.length < chunkSize && next < names.length) {
        const name = names[next++]!
        let one: Taken | undefined
        try {
          one = this.take(state, name, joining)
        } catch (cause) {
          return E.left(asStorageError(name, cause))
        }
        if (one !== undefined) chunk.push(one)
        if (slice.spent(one?.steps ?? 1)) await slice.next() // a step: a counter encoded or decoded
      }
      if (chunk.length === 0) break
      waiting = []
      const written: Taken[] = []
      let decoded = 0
      // A join decodes and encodes: two steps of the slice, which the transaction goes on (the
      // first is always made, so that every transaction moves the persist on).
      const mayDecode = (): boolean => {
        if (decoded > 0 && slice.over) return false
        decoded++
        slice.spent(2)
        return true
      }
      const compute = (current: ReadonlyArray<Uint8Array | undefined>): ReadonlyArray<Write> => {
        // Called once per transaction; should a storage call it again, the last call is what it wrote.
        written.length = 0
        waiting = []
        decoded = 0
        const writes: Write[] = []
        chunk.forEach((taken, i) => {
          const stored = current[i]
          // Without `update`, a counter that replaced the stored one follows a delete of its key in
          // the same batch: to a storage that joins a write with what it holds (withBroadcast adds
          // this tab's counts since it last saw the key) that says "replaced"; to others it is the same.
          if (!joining && taken.replaced !== undefined) writes.push({ key: taken.name, delete: true })
          const data = stored === undefined ? taken.whole : this.encoding.over(taken, stored, mayDecode)
          if (data === undefined) waiting.push(taken)
          else {
            writes.push({ key: taken.name, data })
            written.push(taken)
          }
        })
        return writes
      }
      const outcome = await this.apply(chunk.length, chunk[0]!.name, () => update(chunk.map(({ name }) => name), compute))
      if ('stop' in outcome) return stopped(outcome.stop, [...chunk.map(({ name }) => name), ...names.slice(next)])
      landed = true
      const failed = new Set(outcome.failed?.failedKeys ?? [])
      for (const taken of written) if (!failed.has(taken.name)) this.written(state, taken)
      if (outcome.failed !== undefined) failures.push(outcome.failed)
      if (slice.over) await slice.next()
    }
    if (failures.length === 0) return E.right(undefined)
    if (failures.length === 1) return E.left(failures[0]!)
    const [first] = failures
    return E.left(new StorageError(first!.key, first!.cause, first!.operation, failures.flatMap((failure) => failure.failedKeys)))
  }

  /**
   * Runs a write of `count` keys (`only`: the key when there is one): a failure that names the
   * keys that failed (a backend that applies each write on its own, `FilePerEvent`) is `failed`
   * (the others landed), and so is one that names writes made but not known durable
   * (`landedKeys`: taken as written, so that the next persist does not add them again); any
   * other stops the persist.
   */
  private async apply(count: number, only: string | undefined, run: () => Promise<void>): Promise<Outcome> {
    try {
      await run()
      return { failed: undefined }
    } catch (cause) {
      const failure = asStorageError(count === 1 ? only : undefined, cause)
      if (failure.landedKeys.length === 0 && (failure.failedKeys.length === 0 || failure.failedKeys.length >= count)) return { stop: failure }
      return { failed: failure }
    }
  }

  /**
   * After any persist already running: advances every counter to `now`, drops those left
   * without any count from memory (`dropped` is told of each), and writes the dirty rest, in
   * slices. The stored copy of each dropped event, and of each event in `swept` (dropped by a
   * sweep), is deleted only if it holds no count at `now` either: another process sharing the
   * storage may have recorded into it, and that stays stored.
   */
  compact(state: Persisted, now: number, dropped: (name: string) => void, swept: ReadonlyArray<string> = []): Promise<E.Either<StorageError, void>> {
    return this.exclusive(async () => {
      const empty: string[] = []
      const slice = new Slice()
      for (const [name, counter] of state.counters) {
        const rotated = rotate(counter, now)
        if (!hasCounts(rotated)) {
          empty.push(name)
          state.counters.delete(name)
          state.dirty.delete(name)
          dropped(name)
        } else if (rotated !== counter) state.counters.set(name, rotated)
        if (slice.spent()) await slice.next()
      }
      return this.writeNow(state, [...state.dirty], [...empty, ...swept], now)
    })
  }
}
