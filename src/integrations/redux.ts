/**
 * Redux Toolkit binding (`tiny-counter/redux`): a slice of counters by event name whose actions
 * carry their instant, so reducers stay pure and can be replayed; selectors for every query; and
 * thunks that read the clock once to check a limit, or validate synced counters with the io-ts codec.
 * A slice made with a replica id keeps its events as replicated counters too, and merges copies
 * from elsewhere idempotently (`mergedReplicated`): see docs/SYNC.md.
 */
import type { CaseReducer, Draft, PayloadAction, Slice, ThunkAction, UnknownAction } from '@reduxjs/toolkit'
import { createSlice, current, isDraft } from '@reduxjs/toolkit'
import * as E from '#fp-ts/Either'
import type * as O from '#fp-ts/Option'
import type { Clock } from '../Clock.js'
import { SystemClock } from '../Clock.js'
import type { Counter } from '../Counter.js'
import type { Replicated } from '../Replicated.js'
import type { Layout } from '../Layout.js'
import { standard } from '../Layout.js'
import type { TimeUnit } from '../TimeUnit.js'
import type { Window } from '../Window.js'
import { InvalidReplicaId } from '../errors.js'
import type { DecodeError } from '../codec/errors.js'
import type { ImportRefusal } from '../store/EventStore.js'
import type { ReplicatedCounters, VersionVectors } from '../store/SyncedStore.js'
import * as CounterState from './CounterState.js'

export * as CounterState from './CounterState.js'

type State = CounterState.CounterState

/** What `createCounterSlice` needs; everything has a default. */
export interface CounterSliceOptions<Name extends string> {
  /** The slice's name and reducer path (default `'counters'`). */
  readonly name?: Name
  /** The layout of every counter in the slice (default `Layout.standard()`); synced counters are converted to it. */
  readonly layout?: Layout
  /** The clock `checkAndRecord` and `mergeReplicated` read, once per call (default `SystemClock`). Reducers never read it. */
  readonly clock?: Clock
  /**
   * The replica id this slice records under (one writer per id: a device, a tab). With it, the
   * state also holds each event as a `Replicated` (`state.replicated`), and `mergedReplicated`
   * merges copies from elsewhere idempotently. Without it, the slice is a plain one.
   */
  readonly replicaId?: string
}

/** `count` events (default 1) of `event` happened at `at` (epoch ms). */
export interface Recorded {
  readonly event: string
  readonly at: number
  readonly count?: number
}

/** Every counter moves to `at` (epoch ms), dropping the buckets that fall out. */
export interface Rotated {
  readonly at: number
}

/** Counters by event name from elsewhere (another device, a backup): validated by the reducer. */
export interface Synced {
  readonly counters: Readonly<Record<string, unknown>>
}

/** Replicated counters by event name from elsewhere (another device, `selectReplicated` of another slice): validated by the reducer. */
export interface SyncedReplicated {
  readonly replicated: Readonly<Record<string, unknown>>
  /**
   * The instant of the merge (epoch ms), which the thunk `mergeReplicated` reads from the slice's
   * clock: a value whose heads lie more than a day after it is refused and the state stays as it
   * was. Without it the reducer cannot tell (it reads no clock): dispatching `mergedReplicated`
   * yourself, give it.
   */
  readonly at?: number
}

/** The slice's case reducers; each leaves the state as it was when its payload is invalid or missing (`null`, none). */
export type CounterCaseReducers = {
  recorded: CaseReducer<State, PayloadAction<Recorded>>
  rotated: CaseReducer<State, PayloadAction<Rotated>>
  merged: CaseReducer<State, PayloadAction<Synced>>
  imported: CaseReducer<State, PayloadAction<Synced>>
  mergedReplicated: CaseReducer<State, PayloadAction<SyncedReplicated>>
}

/** The slice's selectors: one per query, `none` for an event the state does not hold. */
export type CounterSelectors = {
  selectCounter: (state: State, event: string) => O.Option<Counter>
  selectSum: (state: State, event: string, window: Window, at: number) => O.Option<number>
  selectAverage: (state: State, event: string, window: Window, at: number) => O.Option<number>
  selectAverageNonzero: (state: State, event: string, window: Window, at: number) => O.Option<number>
  selectCountNonzero: (state: State, event: string, window: Window, at: number) => O.Option<number>
  selectBuckets: (state: State, event: string, window: Window, at: number) => O.Option<ReadonlyArray<readonly [number, number]>>
  selectLastSeen: (state: State, event: string, at: number) => O.Option<number>
  selectFirstSeen: (state: State, event: string, at: number) => O.Option<number>
  selectFirstSeenIn: (state: State, event: string, unit: TimeUnit, at: number) => O.Option<number>
  /** What to send a peer: every event's replicated counter, or only what a peer that has seen `since` lacks. */
  selectReplicated: (state: State, since?: VersionVectors) => E.Either<InvalidReplicaId | DecodeError, ReplicatedCounters>
  /** What this slice has seen, per event and replica: send it to a peer, which answers with its `selectReplicated(state, since)`. */
  selectVersionVectors: (state: State) => VersionVectors
}

/** A thunk of the slice: it reads the slice at `state[name]`. */
export type CounterThunk<Name extends string, A> = ThunkAction<A, { readonly [K in Name]: State }, unknown, UnknownAction>

/** A Redux Toolkit slice of counters, with its layout and its thunks. */
export interface CounterSlice<Name extends string = 'counters'> extends Slice<State, CounterCaseReducers, Name, Name, CounterSelectors> {
  readonly layout: Layout
  /**
   * Reads the clock once, checks the rules against the slice's counters at that instant and
   * dispatches `recorded({ event, at })` only when they pass; returns the decision.
   */
  readonly checkAndRecord: (rules: CounterState.Rules, event: string) => CounterThunk<Name, E.Either<CounterState.CheckRefusal, void>>
  /** Validates counters from elsewhere and dispatches `merged` with them, or returns why not (dispatching nothing). */
  readonly mergeCounters: (input: unknown) => CounterThunk<Name, E.Either<ImportRefusal, void>>
  /** Validates counters from elsewhere and dispatches `imported` with them, or returns why not (dispatching nothing). */
  readonly importCounters: (input: unknown) => CounterThunk<Name, E.Either<ImportRefusal, void>>
  /**
   * Reads the clock once, validates replicated counters from elsewhere and dispatches
   * `mergedReplicated` with them and that instant, or returns why not (dispatching nothing):
   * `InvalidReplicaId` in a slice made without a replica id, a `DecodeError` at `heads` for a value
   * more than a day ahead of the clock (a peer whose clock runs far ahead).
   */
  readonly mergeReplicated: (input: unknown) => CounterThunk<Name, E.Either<CounterState.ReplicatedRefusal, void>>
}

const DONE: E.Either<never, void> = E.right(undefined)

/**
 * Applies a pure change to the slice state. Inside Immer (as in every slice reducer) the changed
 * counters are assigned into the draft, so the reducer composes with others; outside, the new
 * state is returned. A refused change leaves the state as it was.
 */
const update = (state: Draft<State>, change: (before: State) => E.Either<unknown, State>): State | undefined => {
  if (!isDraft(state)) {
    const plain = state as State
    return E.getOrElse(() => plain)(change(plain))
  }
  const before = current(state) as State
  const after = change(before)
  if (E.isLeft(after) || after.right === before) return undefined
  const draft = state.counters as Record<string, Counter>
  for (const [event, counter] of Object.entries(after.right.counters)) if (before.counters[event] !== counter) draft[event] = counter
  const replicated = after.right.replicated
  if (replicated !== undefined && state.replicated !== undefined && replicated !== before.replicated) {
    const events = state.replicated.events as Record<string, Replicated>
    for (const [event, r] of Object.entries(replicated.events)) if (before.replicated?.events[event] !== r) events[event] = r
  }
  return undefined
}

/**
 * The payload of an action as the case reducers read it. A hand-made or replayed action may carry
 * none, or `null`: read as an object with no field, which the pure functions refuse at run time
 * like any invalid field (they check every one), so the state stays as it was.
 */
const payloadOf = <P>(action: PayloadAction<P>): P => action.payload ?? ({} as P)

/**
 * Records into the slice state, touching one counter: in a draft, the counter is read as it is
 * (through `current`, which gives an unchanged draft's own object, not a copy) and only the new one
 * is assigned, so the cost does not depend on how many events the state holds beyond the copy
 * Immer makes of the record of counters.
 */
const recordInto = (state: Draft<State>, layout: Layout, { event, at, count = 1 }: Recorded): State | undefined => {
  if (!isDraft(state)) {
    const plain = state as State
    return E.getOrElse(() => plain)(CounterState.record(plain, layout, event, at, count))
  }
  const counters = current(state.counters) as State['counters']
  const draft = state.counters as Record<string, Counter>
  const next = CounterState.recordedCounter({ counters }, layout, event, at, count)
  if (E.isRight(next) && next.right !== counters[event]) draft[event] = next.right
  return undefined
}

/**
 * A slice of counters by event name, all of one layout: actions `recorded`, `rotated`, `merged`
 * and `imported` (each carrying everything it needs, the instant included, so reducers are pure),
 * a selector per query, and the thunks `checkAndRecord`, `mergeCounters` and `importCounters`.
 * State, actions and counters are plain data: they pass Redux Toolkit's serializability and
 * immutability checks.
 *
 * With `replicaId`, the state also holds each event as a `Replicated` (`state.replicated`, whose
 * values are the counters the selectors read), `recorded` adds to that replica, and
 * `mergedReplicated` (or the thunk `mergeReplicated`, which validates first) merges copies from
 * elsewhere by the replicated merge: the same payload dispatched twice changes nothing the second
 * time. `selectReplicated(state, since?)` gives what to send, and `selectVersionVectors` what to
 * ask with. In that slice `merged` adds to this replica's own counts and `imported` is refused (see
 * `CounterState.mergeAll`, `CounterState.importAll`). Without a replica id `mergedReplicated`
 * changes nothing and `mergeReplicated` returns `InvalidReplicaId`.
 *
 * @example
 * import { configureStore } from '@reduxjs/toolkit'
 * import { Layout, Limit, TestClock, Window } from 'tiny-counter'
 * import { createCounterSlice } from 'tiny-counter/redux'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const clock = TestClock.at(Date.UTC(2026, 0, 5, 9))
 * const counters = createCounterSlice({ layout: Layout.utc, clock })
 * const store = configureStore({ reducer: { counters: counters.reducer } })
 * store.dispatch(counters.actions.recorded({ event: 'launch', at: clock.now(), count: 2 }))
 * const { selectSum } = counters.selectors
 * assert.deepEqual(selectSum(store.getState(), 'launch', Window.last(7, 'days'), clock.now()), O.some(2))
 * const rules = [Limit.atMost('api', 1, 'minutes')]
 * assert.ok(E.isRight(store.dispatch(counters.checkAndRecord(rules, 'api'))))
 * assert.ok(E.isLeft(store.dispatch(counters.checkAndRecord(rules, 'api'))))
 *
 * // Two devices, each a slice with its own replica id, syncing through any channel:
 * const device = (replicaId: string) => {
 *   const slice = createCounterSlice({ layout: Layout.utc, clock, replicaId })
 *   return { slice, store: configureStore({ reducer: { counters: slice.reducer } }) }
 * }
 * const [phone, laptop] = [device('phone'), device('laptop')]
 * phone.store.dispatch(phone.slice.actions.recorded({ event: 'launch', at: clock.now(), count: 2 }))
 * const payload = JSON.parse(JSON.stringify(E.getOrElseW(() => ({}))(phone.slice.selectors.selectReplicated(phone.store.getState()))))
 * assert.ok(E.isRight(laptop.store.dispatch(laptop.slice.mergeReplicated(payload))))
 * assert.ok(E.isRight(laptop.store.dispatch(laptop.slice.mergeReplicated(payload)))) // a retry: counted once
 * assert.deepEqual(laptop.slice.selectors.selectSum(laptop.store.getState(), 'launch', Window.last(1, 'days'), clock.now()), O.some(2))
 * const refused = laptop.store.dispatch(laptop.slice.mergeReplicated({ launch: { heads: 'oops' } }))
 * assert.ok(E.isLeft(refused) && refused.left._tag === 'DecodeError')
 */
export const createCounterSlice = <Name extends string = 'counters'>(options: CounterSliceOptions<Name> = {}): CounterSlice<Name> => {
  const name = options.name ?? ('counters' as Name)
  const layout = options.layout ?? standard()
  const clock = options.clock ?? SystemClock
  const slice = createSlice<State, CounterCaseReducers, Name, CounterSelectors, Name>({
    name,
    initialState: options.replicaId === undefined ? CounterState.initial : CounterState.initialReplicated(options.replicaId),
    reducers: {
      // A slice with a replica id records into the replicated counter too (its counter is its value).
      recorded:
        options.replicaId === undefined
          ? (state, action) => recordInto(state, layout, payloadOf(action))
          : (state, action) => {
              const { event, at, count } = payloadOf(action)
              return update(state, (s) => CounterState.record(s, layout, event, at, count))
            },
      rotated: (state, action) => update(state, (s) => CounterState.rotate(s, payloadOf(action).at)),
      merged: (state, action) => update(state, (s) => CounterState.mergeAll(s, layout, payloadOf(action).counters)),
      imported: (state, action) => update(state, (s) => CounterState.importAll(s, layout, payloadOf(action).counters)),
      mergedReplicated: (state, action) => {
        const { replicated, at } = payloadOf(action)
        return update(state, (s) => CounterState.mergeReplicated(s, layout, replicated, at))
      }
    },
    selectors: {
      selectCounter: CounterState.counter,
      selectSum: CounterState.sum,
      selectAverage: CounterState.average,
      selectAverageNonzero: CounterState.averageNonzero,
      selectCountNonzero: CounterState.countNonzero,
      selectBuckets: CounterState.buckets,
      selectLastSeen: CounterState.lastSeen,
      selectFirstSeen: CounterState.firstSeen,
      selectFirstSeenIn: CounterState.firstSeenIn,
      selectReplicated: (state, since?: VersionVectors) => CounterState.exportReplicated(state, since === undefined ? {} : { since }),
      selectVersionVectors: CounterState.versionVectors
    }
  })
  const { recorded, merged, imported, mergedReplicated } = slice.actions
  const synced =
    (action: typeof merged | typeof imported) =>
    (input: unknown): CounterThunk<Name, E.Either<ImportRefusal, void>> =>
    (dispatch, getState) => {
      const decoded = CounterState.decode(input, layout)
      if (E.isLeft(decoded)) return decoded
      // A slice with a replica id refuses imports (its counts only grow): say so, dispatching nothing.
      if (action === imported) {
        const refused = CounterState.importAll(slice.selectSlice(getState()), layout, {})
        if (E.isLeft(refused)) return refused
      }
      dispatch(action({ counters: decoded.right }))
      return DONE
    }
  return Object.assign(slice, {
    layout,
    checkAndRecord:
      (rules: CounterState.Rules, event: string): CounterThunk<Name, E.Either<CounterState.CheckRefusal, void>> =>
      (dispatch, getState) => {
        const at = clock.now()
        const checked = CounterState.checkAndRecord(slice.selectSlice(getState()), layout, rules, event, at)
        if (E.isLeft(checked)) return checked
        dispatch(recorded({ event, at }))
        return DONE
      },
    mergeCounters: synced(merged),
    importCounters: synced(imported),
    mergeReplicated:
      (input: unknown): CounterThunk<Name, E.Either<CounterState.ReplicatedRefusal, void>> =>
      (dispatch, getState) => {
        if (slice.selectSlice(getState()).replicated === undefined) return E.left(new InvalidReplicaId(undefined))
        const at = clock.now()
        const decoded = CounterState.decodeReplicated(input, layout, at)
        if (E.isLeft(decoded)) return decoded
        dispatch(mergedReplicated({ replicated: decoded.right, at }))
        return DONE
      }
  })
}
