/**
 * Zustand binding (`tiny-counter/zustand`): a slice creator for a vanilla store, whose actions read
 * the clock once and return `Either`; the `CounterState` functions as selectors; and a storage for
 * zustand's `persist` that validates rehydrated counters with the io-ts codec and refuses bad ones.
 */
import * as E from '#fp-ts/Either'
import type { PersistOptions, PersistStorage, StateStorage, StorageValue } from 'zustand/middleware'
import type { StateCreator, StoreMutatorIdentifier } from 'zustand/vanilla'
import type { Clock } from '../Clock.js'
import { SystemClock } from '../Clock.js'
import type { Layout } from '../Layout.js'
import { standard } from '../Layout.js'
import { DecodeError } from '../codec/errors.js'
import type { InvalidInstant } from '../errors.js'
import type { ImportRefusal } from '../store/EventStore.js'
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
}

/** The slice: counters by event name, and the actions. */
export type CounterSlice = CounterState.CounterState & CounterActions

/** What `counterSlice` needs; everything has a default. */
export interface CounterSliceOptions {
  /** The layout of every counter (default `Layout.standard()`); synced counters are converted to it. */
  readonly layout?: Layout
  /** The clock the actions read (default `SystemClock`). */
  readonly clock?: Clock
}

const DONE: E.Either<never, void> = E.right(undefined)

/**
 * A slice creator for a Zustand store: `counters` and the actions `record`, `recordCount`,
 * `recordAt`, `recordCountAt`, `rotate`, `checkAndRecord`, `mergeAll` and `importAll`. Query the
 * state with the `CounterState` functions. Works alone, in a bigger store made of slices, and
 * under the `immer` and `persist` middlewares.
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
 */
export const counterSlice =
  <T extends CounterSlice = CounterSlice, Mis extends [StoreMutatorIdentifier, unknown][] = []>(options: CounterSliceOptions = {}): StateCreator<T, Mis, [], CounterSlice> =>
  (set, get) => {
    const layout = options.layout ?? standard()
    const clock = options.clock ?? SystemClock
    // The middlewares change the types of `set` and `get`, not what a partial state does.
    const setCounters = set as unknown as (partial: CounterState.CounterState) => void
    const state = (): CounterState.CounterState => ({ counters: (get as unknown as () => CounterSlice)().counters })
    const commit = <L>(change: (before: CounterState.CounterState) => E.Either<L, CounterState.CounterState>): E.Either<L, void> => {
      const before = state()
      const after = change(before)
      if (E.isLeft(after)) return after
      if (after.right.counters !== before.counters) setCounters({ counters: after.right.counters })
      return DONE
    }
    const recordCountAt = (event: string, count: number, at: number) => commit((s) => CounterState.record(s, layout, event, at, count))
    return {
      counters: CounterState.initial.counters,
      record: (event) => recordCountAt(event, 1, clock.now()),
      recordCount: (event, count) => recordCountAt(event, count, clock.now()),
      recordAt: (event, at) => recordCountAt(event, 1, at),
      recordCountAt,
      rotate: () => commit((s) => CounterState.rotate(s, clock.now())),
      checkAndRecord: (rules, event) => commit((s) => CounterState.checkAndRecord(s, layout, rules, event, clock.now())),
      mergeAll: (input) => commit((s) => CounterState.mergeAll(s, layout, input)),
      importAll: (input) => commit((s) => CounterState.importAll(s, layout, input))
    }
  }

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

/** The persisted state with its counters validated and converted, or why it is refused. */
const decodeState = (name: string, state: unknown, layout: Layout): E.Either<ImportRefusal, CounterState.CounterState> => {
  if (!isObject(state)) return E.left(new DecodeError(name, 'state', `expected the persisted state (an object), got ${JSON.stringify(state) ?? String(state)}`))
  if (!('counters' in state)) return E.left(new DecodeError(name, 'state.counters', 'the persisted state holds no counters'))
  return E.map((counters: CounterState.CounterState['counters']) => ({ ...state, counters }))(CounterState.decode(state.counters, layout))
}

const orThrow = <A>(result: E.Either<Error, A>): A => {
  if (E.isLeft(result)) throw result.left
  return result.right
}

const localStorage = (): StateStorage => {
  const found = (globalThis as { localStorage?: StateStorage }).localStorage
  if (found === undefined) throw new Error('no localStorage here: give counterStorage a storage')
  return found
}

/**
 * A `PersistStorage` for zustand's `persist`: JSON text in a `StateStorage` (localStorage by
 * default, or anything with `getItem`, `setItem` and `removeItem`, sync or async). Reading stored
 * state of the current version validates its counters with the io-ts codec and converts them to
 * the layout; text that is not JSON, or counters that do not decode, make reading fail with a
 * `DecodeError`, which `persist` hands to `onRehydrateStorage` and never loads. State stored with
 * another version is passed on as it is, for `migrate` (see `persistCounters`, which validates
 * what `migrate` returns).
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
  const text = options.storage ?? localStorage
  const parse = (name: string, stored: string | null): StorageValue<S> | null => {
    if (stored === null) return null
    let value: unknown
    try {
      value = JSON.parse(stored)
    } catch (error) {
      throw new DecodeError(name, '', `not JSON: ${error instanceof Error ? error.message : String(error)}`)
    }
    if (!isObject(value) || !('state' in value)) throw new DecodeError(name, '', 'expected { state, version } as persist writes it')
    // persist migrates a value of another version and loads any other as it is: validate those.
    if (typeof value.version === 'number' && value.version !== version) return value as StorageValue<S>
    return { ...value, state: orThrow(decodeState(name, value.state, layout)) as S }
  }
  return {
    getItem: (name) => {
      const stored = text().getItem(name)
      return isPromiseLike(stored) ? Promise.resolve(stored).then((s) => parse(name, s as string | null)) : parse(name, stored)
    },
    setItem: (name, value) => text().setItem(name, JSON.stringify(value)),
    removeItem: (name) => text().removeItem(name)
  }
}

/** What `persistCounters` needs: the `persist` name, an error handler, and optionally a migration. */
export interface PersistCountersOptions extends CounterStorageOptions {
  /** The key the state is stored under. */
  readonly name: string
  /**
   * Turns state stored with an older `version` into `{ counters, ... }` of the current one; what it
   * returns is validated too. Without it, state of another version is refused.
   */
  readonly migrate?: (persisted: unknown, version: number) => unknown
  /** Told when stored state is refused (a `DecodeError`) or reading it failed; that state is not loaded. */
  readonly onError: (error: unknown) => void
}

/**
 * Options for zustand's `persist` that keep the counters and validate everything loaded: the
 * `counterStorage`, `partialize` to the counters, the version, a `migrate` whose result goes
 * through the codec as well, and `onRehydrateStorage` calling `onError` with whatever was refused.
 * Spread it and add your own options (a `partialize` that keeps more than `counters`, say).
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
  const layout = options.layout ?? standard()
  const version = options.version ?? 0
  const validated = (state: unknown): CounterState.CounterState => orThrow(decodeState(options.name, state, layout))
  return {
    name: options.name,
    version,
    storage: counterStorage({ ...options, layout, version }),
    partialize: (state) => ({ counters: state.counters }),
    migrate: (persisted, from) => {
      if (options.migrate === undefined) {
        throw new DecodeError(options.name, 'version', `stored with version ${from}, read with version ${version}, and no migrate was given`)
      }
      const migrated = options.migrate(persisted, from)
      return isPromiseLike(migrated) ? migrated.then(validated) : validated(migrated)
    },
    onRehydrateStorage: () => (_state, error) => {
      if (error !== undefined) options.onError(error)
    }
  }
}
