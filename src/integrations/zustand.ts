/**
 * Zustand binding (`tiny-counter/zustand`): a slice creator for a vanilla store, whose actions read
 * the clock once and return `Either`; the `CounterState` functions as selectors; and a storage for
 * zustand's `persist` that validates rehydrated counters with the io-ts codec and refuses bad ones.
 * A slice made with a replica id keeps its events as replicated counters too: rehydration and
 * `syncTabs` then merge by the replicated (idempotent) merge, so nothing is counted twice.
 */
import * as E from '#fp-ts/Either'
import * as O from '#fp-ts/Option'
import type { PersistOptions, PersistStorage, StateStorage, StorageValue } from 'zustand/middleware'
import type { StateCreator, StoreMutatorIdentifier } from 'zustand/vanilla'
import type { Clock } from '../Clock.js'
import { SystemClock } from '../Clock.js'
import type { Layout } from '../Layout.js'
import { standard } from '../Layout.js'
import { DecodeError } from '../codec/errors.js'
import type { InvalidInstant } from '../errors.js'
import type { Counter } from '../Counter.js'
import * as Counters from '../Counter.js'
import type { Replicated } from '../Replicated.js'
import { isReplicaId, merge, ofCounter, valueOf, versionOf, withoutReplica } from '../Replicated.js'
import type { ReplicatedCounters } from '../store/SyncedStore.js'
import type { ImportRefusal } from '../store/EventStore.js'
import { StorageError } from '../store/errors.js'
import { difference, hasCounts } from '../store/internal/delta.js'
import * as CounterState from './CounterState.js'

export * as CounterState from './CounterState.js'

// -------------------------------------------------------------------------------------------------
// the slice
// -------------------------------------------------------------------------------------------------

/** The actions of the slice: each changes `counters` or returns why it did not. */
export interface CounterActions {
  /** Records one `event` now. */
  readonly record: (event: string) => E.Either<CounterState.RecordRefusal, void>
  /** Records `count` events now. */
  readonly recordCount: (event: string, count: number) => E.Either<CounterState.RecordRefusal, void>
  /** Records one `event` at `at` (epoch ms). */
  readonly recordAt: (event: string, at: number) => E.Either<CounterState.RecordRefusal, void>
  /** Records `count` events at `at` (epoch ms). */
  readonly recordCountAt: (event: string, count: number, at: number) => E.Either<CounterState.RecordRefusal, void>
  /** Moves every counter to now, dropping the buckets that fall out. */
  readonly rotate: () => E.Either<InvalidInstant, void>
  /** Reads the clock once, and records one `event` then only if every rule passes. */
  readonly checkAndRecord: (rules: CounterState.Rules, event: string) => E.Either<CounterState.CheckRefusal, void>
  /** Adds validated counters from elsewhere (another device) to the slice's; all or nothing. */
  readonly mergeAll: (input: unknown) => E.Either<ImportRefusal, void>
  /** Replaces the counters of the events in `input` with validated ones; all or nothing. */
  readonly importAll: (input: unknown) => E.Either<ImportRefusal, void>
  /**
   * Merges validated replicated counters from elsewhere (`CounterState.exportReplicated` of another
   * state, an `EventStore`'s `exportReplicated`) by the replicated merge: the same payload twice
   * counts once. Reads the clock once: a value whose heads lie more than a day after it (a peer
   * whose clock runs far ahead) is refused with a `DecodeError` naming the event at `heads`, as an
   * `EventStore` refuses it. All or nothing; `InvalidReplicaId` in a slice made without a replica id.
   */
  readonly mergeReplicated: (input: unknown) => E.Either<CounterState.ReplicatedRefusal, void>
}

/** The slice: counters by event name, and the actions. */
export type CounterSlice = CounterState.CounterState & CounterActions

/** What `counterSlice` needs; everything has a default. */
export interface CounterSliceOptions {
  /** The layout of every counter (default `Layout.standard()`); synced counters are converted to it. */
  readonly layout?: Layout
  /** The clock the actions read (default `SystemClock`). */
  readonly clock?: Clock
  /**
   * The replica id this slice records under (one writer per id: give each tab its own). With it,
   * the state also holds each event as a `Replicated` (`replicated`), `mergeReplicated` merges
   * copies from elsewhere, and `persistCounters` and `syncTabs` merge by the replicated merge.
   */
  readonly replicaId?: string
}

const DONE: E.Either<never, void> = E.right(undefined)

/**
 * A slice creator for a Zustand store: `counters` and the actions `record`, `recordCount`,
 * `recordAt`, `recordCountAt`, `rotate`, `checkAndRecord`, `mergeAll` and `importAll`. Query the
 * state with the `CounterState` functions. Works alone, in a bigger store made of slices, and
 * under the `immer` and `persist` middlewares.
 *
 * With `replicaId`, the slice also holds `replicated` (each event as a `Replicated`, whose value is
 * its counter), records go to that replica, and `mergeReplicated` merges copies from elsewhere
 * idempotently; `CounterState.exportReplicated(state, { since })` gives what to send. There,
 * `mergeAll` adds to this replica's own counts and `importAll` is refused (replicated counts only
 * grow). Without it, `mergeReplicated` returns `InvalidReplicaId`.
 *
 * @example
 * import { createStore } from 'zustand/vanilla'
 * import { Layout, Limit, TestClock, Window } from 'tiny-counter'
 * import { CounterState, counterSlice } from 'tiny-counter/zustand'
 * import type { CounterSlice } from 'tiny-counter/zustand'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const clock = TestClock.at(Date.UTC(2026, 0, 5, 9))
 * const store = createStore<CounterSlice>()(counterSlice({ layout: Layout.utc, clock }))
 * store.getState().recordCount('launch', 2)
 * assert.deepEqual(CounterState.sum(store.getState(), 'launch', Window.last(7, 'days'), clock.now()), O.some(2))
 * const rules = [Limit.atMost('api', 1, 'minutes')]
 * assert.ok(E.isRight(store.getState().checkAndRecord(rules, 'api')))
 * assert.ok(E.isLeft(store.getState().checkAndRecord(rules, 'api')))
 *
 * // With a replica id: a payload merged twice counts once.
 * const tab = (replicaId: string) => createStore<CounterSlice>()(counterSlice({ layout: Layout.utc, clock, replicaId }))
 * const [first, second] = [tab('tab-1'), tab('tab-2')]
 * first.getState().recordCount('launch', 3)
 * const payload = E.getOrElseW(() => ({}))(CounterState.exportReplicated(first.getState()))
 * assert.ok(E.isRight(second.getState().mergeReplicated(payload)))
 * assert.ok(E.isRight(second.getState().mergeReplicated(payload)))
 * assert.deepEqual(CounterState.sum(second.getState(), 'launch', Window.last(1, 'days'), clock.now()), O.some(3))
 */
export const counterSlice =
  <T extends CounterSlice = CounterSlice, Mis extends [StoreMutatorIdentifier, unknown][] = []>(options: CounterSliceOptions = {}): StateCreator<T, Mis, [], CounterSlice> =>
  (set, get) => {
    const layout = options.layout ?? standard()
    const clock = options.clock ?? SystemClock
    // The middlewares change the types of `set` and `get`, not what a partial state does.
    const setCounters = set as unknown as (partial: CounterState.CounterState) => void
    const state = (): CounterState.CounterState => counterStateOf((get as unknown as () => CounterSlice)())
    const commit = <L>(change: (before: CounterState.CounterState) => E.Either<L, CounterState.CounterState>): E.Either<L, void> => {
      const before = state()
      const after = change(before)
      if (E.isLeft(after)) return after
      if (after.right.counters !== before.counters || after.right.replicated !== before.replicated) setCounters(counterStateOf(after.right))
      return DONE
    }
    const initial = options.replicaId === undefined ? CounterState.initial : CounterState.initialReplicated(options.replicaId)
    // With a replica id: what this slice records itself, until persistCounters' first hydration takes it.
    const here: RecordedHere | undefined = options.replicaId === undefined ? undefined : { counts: new Map(), taken: false }
    const noteHere = (event: string, add: (before: Counter) => Counter): void => {
      if (here !== undefined && !here.taken) here.counts.set(event, add(here.counts.get(event) ?? Counters.empty(layout)))
    }
    const noteRecord = (event: string, at: number, count: number): void => noteHere(event, (before) => E.getOrElse(() => before)(Counters.record(before, at, count)))
    const recordCountAt = (event: string, count: number, at: number): E.Either<CounterState.RecordRefusal, void> => {
      const done = commit((s) => CounterState.record(s, layout, event, at, count))
      if (E.isRight(done)) noteRecord(event, at, count)
      return done
    }
    const record = (event: string) => recordCountAt(event, 1, clock.now())
    if (here !== undefined) recordedHere.set(record, here)
    return {
      ...initial,
      record,
      recordCount: (event, count) => recordCountAt(event, count, clock.now()),
      recordAt: (event, at) => recordCountAt(event, 1, at),
      recordCountAt,
      rotate: () => commit((s) => CounterState.rotate(s, clock.now())),
      checkAndRecord: (rules, event) => {
        const at = clock.now()
        const done = commit((s) => CounterState.checkAndRecord(s, layout, rules, event, at))
        if (E.isRight(done)) noteRecord(event, at, 1)
        return done
      },
      mergeAll: (input) => {
        const done = commit((s) => CounterState.mergeAll(s, layout, input))
        // With a replica id the counts went to the own replica, as if recorded here.
        if (E.isRight(done) && here !== undefined && !here.taken) {
          E.map((incoming: Readonly<Record<string, Counter>>) => Object.entries(incoming).forEach(([event, counts]) => noteHere(event, (before) => Counters.merge(before, counts))))(CounterState.decode(input, layout))
        }
        return done
      },
      importAll: (input) => commit((s) => CounterState.importAll(s, layout, input)),
      mergeReplicated: (input) => commit((s) => CounterState.mergeReplicated(s, layout, input, clock.now()))
    }
  }

/** What a slice made with a replica id recorded itself, by event (see `recordedHere`). */
interface RecordedHere {
  readonly counts: Map<string, Counter>
  /** The first hydration took the counts: no more are noted. */
  taken: boolean
}

/**
 * What each slice made with a replica id recorded itself (records, limit-checked records, plain
 * merges) by event, keyed by its `record` action (which persistCounters' merge finds in the
 * state), until the first hydration takes it: that hydration adds these counts to the stored own
 * replica, and merges the rest of memory's own replica (copies of it that came from elsewhere: a
 * server, another tab's write) by the replicated merge, so that they are not counted twice.
 */
const recordedHere = new WeakMap<CounterActions['record'], RecordedHere>()

/** What the slice of a store's state recorded itself; `undefined` for a state not made by `counterSlice` with a replica id. */
const recordedHereIn = (state: object): RecordedHere | undefined => {
  const record = (state as Partial<CounterActions>).record
  return typeof record === 'function' ? recordedHere.get(record) : undefined
}

/** The counter fields of a state: `counters`, and `replicated` when it has a replica id. */
const counterStateOf = (state: CounterState.CounterState): CounterState.CounterState =>
  state.replicated === undefined ? { counters: state.counters } : { counters: state.counters, replicated: state.replicated }

// -------------------------------------------------------------------------------------------------
// persistence
// -------------------------------------------------------------------------------------------------


/** Where `counterStorage` keeps its JSON text, and which state version it validates. */
export interface CounterStorageOptions {
  /** The layout loaded counters are converted to (default `Layout.standard()`). */
  readonly layout?: Layout
  /** The version given to `persist` (default 0, as there): stored state of another version is left to `migrate`. */
  readonly version?: number
  /** The text storage, looked up on each use (default `globalThis.localStorage`). */
  readonly storage?: () => StateStorage
}

const isPromiseLike = (u: unknown): u is PromiseLike<unknown> => typeof (u as { then?: unknown } | null)?.then === 'function'

const isObject = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === 'object' && u !== null && !Array.isArray(u)

/** `f` of a value that a storage gives now or later: now stays now (persist hydrates a sync storage at once). */
const thenOrNow = <A, B>(value: A | PromiseLike<A>, f: (a: A) => B): B | Promise<B> =>
  isPromiseLike(value) ? Promise.resolve(value).then(f) : f(value)

/**
 * The persisted state, checked to be an object holding counters and no field named like one of the
 * store's actions (`isAction`: persist puts the stored fields over the state, actions included), or
 * why it is refused.
 */
const stateObject = (name: string, state: unknown, isAction: (key: string) => boolean): E.Either<DecodeError, Readonly<Record<string, unknown>>> => {
  if (!isObject(state)) return E.left(new DecodeError(name, 'state', `expected the persisted state (an object), got ${JSON.stringify(state) ?? String(state)}`))
  if (!('counters' in state)) return E.left(new DecodeError(name, 'state.counters', 'the persisted state holds no counters'))
  const action = Object.keys(state).find(isAction)
  if (action !== undefined) return E.left(new DecodeError(name, `state.${action}`, `the persisted state holds ${JSON.stringify(action)}, the name of an action of the store (loaded, it would replace the action)`))
  return E.right(state)
}

/** The slice's actions, which `counterStorage` refuses in a stored state (it cannot see the store's state). */
const SLICE_ACTIONS: ReadonlySet<string> = new Set(
  Object.keys({ record: 0, recordCount: 0, recordAt: 0, recordCountAt: 0, rotate: 0, checkAndRecord: 0, mergeAll: 0, importAll: 0, mergeReplicated: 0 } satisfies Record<keyof CounterActions, 0>)
)

/** The persisted state with its counters validated and converted, or why it is refused. */
const decodeState = (name: string, state: unknown, layout: Layout): E.Either<CounterState.ReplicatedRefusal, CounterState.CounterState> =>
  E.flatMap((object: Readonly<Record<string, unknown>>) =>
    E.flatMap((counters: CounterState.CounterState['counters']) =>
      object.replicated === undefined
        ? E.right({ ...object, counters })
        : E.map((replicated: CounterState.ReplicatedEvents) => ({ ...object, counters, replicated }))(decodeReplicatedEvents(name, object.replicated, layout))
    )(CounterState.decode(object.counters, layout))
  )(stateObject(name, state, (key) => SLICE_ACTIONS.has(key)))

/** Stored `replicated` state, `{ replicaId, events }`, validated, or why it is refused. */
const decodeReplicatedEvents = (name: string, replicated: unknown, layout: Layout): E.Either<CounterState.ReplicatedRefusal, CounterState.ReplicatedEvents> => {
  if (!isObject(replicated) || !isReplicaId(replicated.replicaId)) return E.left(new DecodeError(name, 'state.replicated', 'expected { replicaId, events }, with a replica id of 1 to 256 characters without a lone surrogate'))
  const replicaId = replicated.replicaId
  return E.bimap(
    (error: CounterState.ReplicatedRefusal) => (error._tag === 'DecodeError' && error.path === '' ? new DecodeError(name, 'state.replicated.events', error.message) : error),
    (events: ReplicatedCounters) => ({ replicaId, events })
  )(CounterState.decodeReplicated(replicated.events, layout))
}

const orThrow = <A>(result: E.Either<Error, A>): A => {
  if (E.isLeft(result)) throw result.left
  return result.right
}

const notJson = (name: string, error: unknown): DecodeError =>
  new DecodeError(name, '', `not JSON: ${error instanceof Error ? error.message : String(error)}`)

/** What a storage gave for `name`, checked to be what persist writes: `{ state, version? }`, or nothing. */
const storedValue = (name: string, value: unknown): StorageValue<unknown> | null => {
  if (value === null || value === undefined) return null
  if (!isObject(value) || !('state' in value)) throw new DecodeError(name, '', 'expected { state, version } as persist writes it')
  return value as StorageValue<unknown>
}

/** JSON text in a `StateStorage`, as persist writes it; text that is not JSON is a `DecodeError`. */
const jsonStorage = (text: () => StateStorage): PersistStorage<unknown> => ({
  getItem: (name) =>
    thenOrNow(text().getItem(name), (stored) => {
      if (stored === null) return null
      let value: unknown
      try {
        value = JSON.parse(stored)
      } catch (error) {
        throw notJson(name, error)
      }
      return storedValue(name, value)
    }),
  setItem: (name, value) => text().setItem(name, JSON.stringify(value)),
  removeItem: (name) => text().removeItem(name)
})

const localStorage = (): StateStorage => {
  const found = (globalThis as { localStorage?: StateStorage }).localStorage
  if (found === undefined) throw new Error('no localStorage here: give counterStorage a storage')
  return found
}

/**
 * A `PersistStorage` for zustand's `persist`: JSON text in a `StateStorage` (localStorage by
 * default, or anything with `getItem`, `setItem` and `removeItem`, sync or async). Reading stored
 * state of the current version validates its counters with the io-ts codec and converts them to
 * the layout; text that is not JSON, counters that do not decode, or a field named like one of the
 * slice's actions (persist's own merge would put it over the action) make reading fail with a
 * `DecodeError`, which `persist` hands to `onRehydrateStorage` and never loads. State stored with
 * another version is passed on as it is, for `migrate`. This is the storage alone, under persist's
 * own `merge` (the stored state replaces the one in memory): `persistCounters` adds the merge that
 * keeps what was recorded while an async storage was being read, and validates what `migrate` returns.
 * Stored replicated counters (`replicated`) are validated too; but persist's own merge would take
 * the stored replica id as well, so a slice with a replica id wants `persistCounters`.
 *
 * @example
 * import { createStore } from 'zustand/vanilla'
 * import { persist } from 'zustand/middleware'
 * import { Layout, TestClock } from 'tiny-counter'
 * import { counterSlice, counterStorage } from 'tiny-counter/zustand'
 * import type { CounterSlice } from 'tiny-counter/zustand'
 * const text = new Map<string, string>([['counters', '{"state":{"counters":{"launch":{"heads":"oops"}}},"version":0}']])
 * const storage = { getItem: (k: string) => text.get(k) ?? null, setItem: (k: string, v: string) => void text.set(k, v), removeItem: (k: string) => void text.delete(k) }
 * const errors: unknown[] = []
 * const store = createStore<CounterSlice>()(
 *   persist(counterSlice({ layout: Layout.utc, clock: TestClock.at(Date.UTC(2026, 0, 5)) }), {
 *     name: 'counters',
 *     storage: counterStorage({ layout: Layout.utc, storage: () => storage }),
 *     onRehydrateStorage: () => (_state, error) => void errors.push(error)
 *   })
 * )
 * assert.deepEqual(store.getState().counters, {}) // not loaded
 * assert.equal((errors[0] as { _tag: string; key: string })._tag, 'DecodeError')
 * assert.equal((errors[0] as { key: string }).key, 'launch')
 */
export const counterStorage = <S extends CounterState.CounterState = CounterState.CounterState>(options: CounterStorageOptions = {}): PersistStorage<S> => {
  const layout = options.layout ?? standard()
  const version = options.version ?? 0
  const json = jsonStorage(options.storage ?? localStorage)
  return {
    // persist migrates a value of another version and loads any other as it is: validate those.
    getItem: (name) =>
      thenOrNow(json.getItem(name), (value) =>
        value === null || (typeof value.version === 'number' && value.version !== version)
          ? (value as StorageValue<S> | null)
          : { ...value, state: orThrow(decodeState(name, value.state, layout)) as S }
      ),
    setItem: json.setItem,
    removeItem: json.removeItem
  }
}

/** One hydration of `persistCounters`: the stored state's name, the slice's layout, and what it recorded itself. */
interface Hydration {
  /** The key the state is stored under (named in the errors). */
  readonly name: string
  /** The layout of the slice, which loaded counters are converted to. */
  readonly layout: Layout
  /** Whether this is the store's first hydration (the one that takes `here`). */
  readonly first: boolean
  /** What the slice recorded itself meanwhile (see `recordedHere`); `undefined` for a state not made by `counterSlice`. */
  readonly here: RecordedHere | undefined
}

/** A state with a replica id. */
type ReplicatedState = CounterState.CounterState & { readonly replicated: CounterState.ReplicatedEvents }

const isReplicatedState = (state: CounterState.CounterState): state is ReplicatedState => state.replicated !== undefined

/** The stored state's two kinds of counters, not yet validated. */
interface StoredCounters {
  readonly counters: unknown
  readonly replicated: unknown
}

/**
 * The stored state merged into a slice made with a replica id (see `persistCounters`): stored
 * replicated counters by the replicated merge, except on the first hydration (`firstHydration`);
 * stored plain counters (from before the replica id) become this replica's own counts on the first
 * hydration only.
 */
const rehydrateReplicated = (hydration: Hydration, mine: ReplicatedState, stored: StoredCounters): E.Either<CounterState.ReplicatedRefusal, CounterState.CounterState> => {
  const { name, layout, first } = hydration
  if (stored.replicated === undefined) {
    return first ? CounterState.mergeAll(mine, layout, stored.counters) : E.left(new DecodeError(name, 'state.replicated', 'the stored state holds no replicated counters (it was written without a replica id)'))
  }
  const decoded = decodeReplicatedEvents(name, stored.replicated, layout)
  if (E.isLeft(decoded)) return decoded
  return first ? firstHydration(hydration, mine.replicated, decoded.right.events) : CounterState.mergeReplicated(mine, layout, decoded.right.events)
}

/**
 * The first hydration of a slice with a replica id: the stored copy, then what memory holds from
 * elsewhere (merged: copies of this replica too, which the stored one may already hold), then the
 * counts recorded here since the store was made (`hydration.here`, added: they are in no copy).
 * Without `here` (a state not made by counterSlice), all of memory's own replica counts as
 * recorded here.
 */
const firstHydration = (hydration: Hydration, mine: CounterState.ReplicatedEvents, stored: ReplicatedCounters): E.Either<CounterState.ReplicatedRefusal, CounterState.CounterState> => {
  const { layout, here } = hydration
  const id = mine.replicaId
  const copies: Record<string, Replicated> = {}
  const own: Record<string, Counter> = {}
  for (const [event, r] of Object.entries(mine.events)) {
    const recorded = here === undefined ? (O.isSome(versionOf(r, id)) ? valueOf(r, id) : undefined) : here.counts.get(event)
    copies[event] = recorded === undefined ? r : withoutRecorded(r, id, recorded)
    if (recorded !== undefined) own[event] = recorded
  }
  return E.flatMap((s: CounterState.CounterState) => CounterState.mergeAll(s, layout, own))(
    E.flatMap((s: CounterState.CounterState) => CounterState.mergeReplicated(s, layout, copies))(
      CounterState.mergeReplicated(CounterState.initialReplicated(id), layout, stored)
    )
  )
}

/** `r` with the counts `recorded` taken out of its replica `id` (whose version stays): what it holds of that replica from elsewhere. */
const withoutRecorded = (r: Replicated, id: string, recorded: Counter): Replicated => {
  const others = withoutReplica(r, id)
  const version = versionOf(r, id)
  if (O.isNone(version)) return others
  const rest = difference(valueOf(r, id), recorded)
  return hasCounts(rest) ? merge(others, ofCounter(rest, version.value)) : others
}

/**
 * A storage as zustand's `createJSONStorage(...)` makes it (or any `PersistStorage`): it reads
 * whatever was stored and writes the counters; `undefined` where `createJSONStorage` found no
 * storage (then `persist` keeps the state in memory only, and says so).
 */
export type JsonStorage = PersistStorage<CounterState.CounterState, unknown> | PersistStorage<unknown, unknown>

/** What `persistCounters` needs: the `persist` name, an error handler, and optionally a migration. */
export interface PersistCountersOptions {
  /** The key the state is stored under. */
  readonly name: string
  /** The layout loaded counters are converted to (default `Layout.standard()`). */
  readonly layout?: Layout
  /** The version of the state written (default 0); stored state of another one goes through `migrate`. */
  readonly version?: number
  /**
   * Where the JSON text goes: a function giving a `StateStorage` (sync or async; looked up on each
   * use), or zustand's `createJSONStorage(...)` (default: `globalThis.localStorage`).
   */
  readonly storage?: (() => StateStorage) | JsonStorage | undefined
  /**
   * Turns state stored with an older `version` into `{ counters, ... }` of the current one; what it
   * returns is validated too (`undefined` or `null` is refused). Without it, state of another
   * version is refused.
   */
  readonly migrate?: (persisted: unknown, version: number) => unknown
  /**
   * Told when stored state is refused (a `DecodeError`) or reading it failed (that state is not
   * loaded), and when the storage refuses a write (a `StorageError` whose `cause` says why).
   */
  readonly onError: (error: unknown) => void
}

/**
 * Options for zustand's `persist` that keep the counters and validate everything loaded: the
 * storage, `partialize` to the counters, the version, a `migrate` whose result is validated as
 * well, a `merge`, and `onRehydrateStorage` calling `onError` with whatever was refused. Spread it
 * and add your own options (a `partialize` that keeps more than `counters`, say). The options are
 * for one store, as persist's `name` is.
 *
 * Rehydration never loses a record. The first hydration adds the stored counters to those in
 * memory (`Counter.merge`): events recorded while an async storage was being read are kept, and
 * until the stored state is loaded nothing is written, so the stored counters are neither
 * overwritten nor counted twice; what was recorded meanwhile is written once they are merged. A
 * later `rehydrate()` takes the stored counter of each event it finds (what this store wrote
 * itself), and keeps events that only memory holds. Stored state that does not decode (a
 * `DecodeError` naming the event and the field; also a stored field named like an action of the
 * store, which loading would replace, and a `migrate` that returns nothing), or that cannot be
 * read, goes to `onError` through `onRehydrateStorage` and leaves the counters in memory as they
 * were; writes stay held back, so the stored state is not written over, until a hydration
 * succeeds (`store.persist.rehydrate()` once it is repaired, or after
 * `store.persist.clearStorage()` gives it up), which adds what was recorded meanwhile. A write
 * the storage refuses (a full `localStorage`, a rejected promise) goes to `onError` as a
 * `StorageError`: the action has already returned `Right` and keeps its change in memory, and the
 * next write carries it.
 *
 * For a slice made with a replica id the replicated counters are stored too, and every
 * rehydration merges them by the replicated merge (`CounterState.mergeReplicated`): rehydrating
 * twice, or rehydrating what another tab wrote (see `syncTabs`), never counts anything twice. On
 * the first hydration what this replica recorded meanwhile is added to what it had stored (they
 * are disjoint: a replicated merge would keep the larger count of a bucket, not the sum), while
 * copies of this replica that came from elsewhere meanwhile (`mergeReplicated` from a server,
 * another tab's write through `syncTabs`) are merged, as they may hold what is stored. Stored
 * state from before the replica id was given (counters only) becomes this replica's own counts on
 * the first hydration, and is refused on a later one.
 *
 * @example
 * import { createStore } from 'zustand/vanilla'
 * import { persist } from 'zustand/middleware'
 * import { Counter, Layout, TestClock, Window } from 'tiny-counter'
 * import { CounterState, counterSlice, persistCounters } from 'tiny-counter/zustand'
 * import type { CounterSlice } from 'tiny-counter/zustand'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const at = Date.UTC(2026, 0, 5, 9)
 * const old = E.getOrElseW(() => Counter.empty(Layout.utc))(Counter.singleton(Layout.utc, at, 3))
 * // Version 1 stored the counters under "events"; version 2 calls them "counters".
 * const text = new Map([['app', JSON.stringify({ state: { events: { launch: old } }, version: 1 })]])
 * const storage = { getItem: (k: string) => text.get(k) ?? null, setItem: (k: string, v: string) => void text.set(k, v), removeItem: (k: string) => void text.delete(k) }
 * const store = createStore<CounterSlice>()(
 *   persist(counterSlice({ layout: Layout.utc, clock: TestClock.at(at) }), persistCounters({
 *     name: 'app',
 *     layout: Layout.utc,
 *     storage: () => storage,
 *     version: 2,
 *     migrate: (persisted) => ({ counters: (persisted as { events: unknown }).events }),
 *     onError: (error) => { throw error }
 *   }))
 * )
 * assert.deepEqual(CounterState.sum(store.getState(), 'launch', Window.last(1, 'days'), at), O.some(3))
 * assert.equal(JSON.parse(text.get('app')!).version, 2) // written back in the new version
 */
export const persistCounters = <S extends CounterState.CounterState>(options: PersistCountersOptions): PersistOptions<S, CounterState.CounterState> => {
  const { name, onError } = options
  const layout = options.layout ?? standard()
  const version = options.version ?? 0
  const given = options.storage === undefined ? jsonStorage(localStorage) : typeof options.storage === 'function' ? jsonStorage(options.storage) : options.storage
  // Until a hydration has loaded the stored state (or found none), persist's writes are held back:
  // a stored state that was not read (not yet, or refused, or unreadable) is never written over.
  let hydrated = false
  let held = false
  const refused = (error: unknown): never => {
    throw error instanceof SyntaxError ? notJson(name, error) : error
  }
  // A failed write (a full storage) goes to onError: persist's callers (the actions) return Either,
  // and nothing awaits what persist writes. The state stays in memory; the next write carries it.
  const attempt = (key: string, operation: string, run: () => unknown): void => {
    const failed = (cause: unknown): void => onError(new StorageError(key, cause, operation))
    try {
      const done = run()
      if (isPromiseLike(done)) Promise.resolve(done).then(undefined, failed)
    } catch (cause) {
      failed(cause)
    }
  }
  const save = (key: string, value: unknown): void => attempt(key, 'save', () => given?.setItem(key, value as StorageValue<CounterState.CounterState>))
  const storage: PersistStorage<unknown> | undefined = given && {
    getItem: (key) => {
      try {
        const read = given.getItem(key)
        return isPromiseLike(read) ? Promise.resolve(read).then((value) => storedValue(key, value), refused) : storedValue(key, read)
      } catch (error) {
        return refused(error)
      }
    },
    setItem: (key, value) => {
      if (hydrated) save(key, value)
      else held = true
    },
    removeItem: (key) => attempt(key, 'remove', () => given.removeItem(key))
  }
  /** The stored state validated and merged with the counters of `current` (see above), to put over `current`. */
  const loaded = (persisted: unknown, current: S, first: boolean, here: RecordedHere | undefined): CounterState.CounterState => {
    // A stored field never replaces an action of the store (a stored `record: 1`, say).
    const isAction = (key: string): boolean => typeof (current as Readonly<Record<string, unknown>>)[key] === 'function'
    const { replicated: storedReplicated, ...stored } = orThrow(stateObject(name, persisted, isAction))
    const mine = counterStateOf(current)
    const merged = orThrow(
      isReplicatedState(mine)
        ? rehydrateReplicated({ name, layout, first, here }, mine, { counters: stored.counters, replicated: storedReplicated })
        : first
          ? CounterState.mergeAll(mine, layout, stored.counters)
          : CounterState.importAll(mine, layout, stored.counters)
    )
    return { ...stored, ...merged }
  }
  return {
    name,
    version,
    // What it reads is unknown until merge has validated it.
    storage: storage as PersistStorage<CounterState.CounterState> | undefined,
    partialize: counterStateOf,
    migrate: (persisted, from) => {
      if (options.migrate === undefined) {
        return refused(new DecodeError(name, 'version', `stored with version ${from}, read with version ${version}, and no migrate was given`))
      }
      // What migrate returns is validated by merge, with everything else loaded; but nothing at all
      // would reach merge as "nothing stored", and the stored state would be written over.
      const checked = (migrated: unknown): CounterState.CounterState =>
        migrated === undefined || migrated === null ? refused(new DecodeError(name, 'version', `migrate returned ${migrated} for the state stored with version ${from}`)) : (migrated as CounterState.CounterState)
      try {
        const migrated = options.migrate(persisted, from)
        return isPromiseLike(migrated) ? Promise.resolve(migrated).then(checked, refused) : checked(migrated)
      } catch (error) {
        return refused(error)
      }
    },
    merge: (persisted, current) => {
      const first = !hydrated
      const here = recordedHereIn(current)
      const state = persisted === undefined || persisted === null ? undefined : loaded(persisted, current, first, here)
      // Loaded, or nothing stored: persist writes from now on, and what it held back is written now.
      hydrated = true
      if (first && here !== undefined) here.taken = true
      if (first && held) save(name, { state: state ?? counterStateOf(current), version })
      return state === undefined ? current : { ...current, ...state }
    },
    onRehydrateStorage: () => (_state, error) => {
      if (error !== undefined) onError(error)
    }
  }
}


// -------------------------------------------------------------------------------------------------
// several tabs
// -------------------------------------------------------------------------------------------------

/** What `syncTabs` listens to: `window`, or anything that dispatches `storage` events alike. */
export interface StorageEventTarget {
  readonly addEventListener: (type: 'storage', listener: (event: StorageEventLike) => void) => void
  readonly removeEventListener: (type: 'storage', listener: (event: StorageEventLike) => void) => void
}

/** The fields of a `StorageEvent` that `syncTabs` reads: which key another tab wrote, and the text. */
export interface StorageEventLike {
  readonly key: string | null
  readonly newValue: string | null
}

/** What `syncTabs` needs: the `persist` name, and an error handler. */
export interface SyncTabsOptions {
  /** The key the state is persisted under (the `name` given to `persistCounters`). */
  readonly name: string
  /** Told when what another tab wrote is refused (a `DecodeError`): nothing of it is merged. */
  readonly onError: (error: unknown) => void
  /** Where `storage` events arrive (default `globalThis`: the window). */
  readonly target?: StorageEventTarget
}

/**
 * Keeps the tabs of one origin in step: when another tab persists the state (zustand's `persist`
 * with `persistCounters` over `localStorage`), the browser fires a `storage` event in this one,
 * and its replicated counters are merged into this tab's slice by `mergeReplicated` (validated;
 * refused state goes to `onError`). The merge is idempotent: an event delivered twice, or an older
 * write arriving after a newer one, counts nothing twice; what this tab merged is persisted in
 * turn, so every tab converges. The slice needs a replica id of its own per tab (one writer per
 * id). Returns the function that stops listening.
 *
 * @example
 * import { createStore } from 'zustand/vanilla'
 * import { Layout, TestClock, Window } from 'tiny-counter'
 * import { CounterState, counterSlice, syncTabs } from 'tiny-counter/zustand'
 * import type { CounterSlice, StorageEventLike } from 'tiny-counter/zustand'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const clock = TestClock.at(Date.UTC(2026, 0, 5, 9))
 * const other = createStore<CounterSlice>()(counterSlice({ layout: Layout.utc, clock, replicaId: 'tab-2' }))
 * other.getState().recordCount('launch', 3)
 * // What the browser hands this tab when the other tab's persist writes localStorage:
 * const event = { key: 'app', newValue: JSON.stringify({ state: { counters: other.getState().counters, replicated: other.getState().replicated }, version: 0 }) }
 * const listeners: Array<(event: StorageEventLike) => void> = []
 * const target = { addEventListener: (_: 'storage', l: (event: StorageEventLike) => void) => void listeners.push(l), removeEventListener: () => {} }
 * const mine = createStore<CounterSlice>()(counterSlice({ layout: Layout.utc, clock, replicaId: 'tab-1' }))
 * const stop = syncTabs(mine, { name: 'app', target, onError: (error) => { throw error } })
 * listeners.forEach((listener) => listener(event))
 * listeners.forEach((listener) => listener(event)) // delivered twice: counted once
 * assert.deepEqual(CounterState.sum(mine.getState(), 'launch', Window.last(1, 'days'), clock.now()), O.some(3))
 * stop()
 */
export const syncTabs = (store: { readonly getState: () => CounterActions }, options: SyncTabsOptions): (() => void) => {
  const { name, onError } = options
  const target = options.target ?? (globalThis as unknown as Partial<StorageEventTarget>)
  if (typeof target.addEventListener !== 'function' || typeof target.removeEventListener !== 'function') {
    throw new Error('no storage events here: give syncTabs a target')
  }
  const listener = (event: StorageEventLike): void => {
    if (event.key !== name || event.newValue === null) return
    let value: unknown
    try {
      value = JSON.parse(event.newValue)
    } catch (error) {
      return onError(notJson(name, error))
    }
    const state = isObject(value) && isObject(value.state) ? value.state : undefined
    const replicated = state !== undefined && isObject(state.replicated) ? state.replicated : undefined
    if (replicated === undefined) return onError(new DecodeError(name, 'state.replicated', 'another tab wrote no replicated counters (it has no replica id)'))
    const merged = store.getState().mergeReplicated(replicated.events)
    if (E.isLeft(merged)) onError(merged.left)
  }
  target.addEventListener('storage', listener)
  return () => target.removeEventListener!('storage', listener)
}
