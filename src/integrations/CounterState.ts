/**
 * Counters by event name as plain state, `{ counters }`, and the pure operations that a Redux
 * reducer, a Zustand action or React's `useReducer` share: record, rotate, limit-checked record,
 * import and merge (validated with the io-ts codec, all or nothing), and queries by event name.
 * Time is always an argument; refused input returns `Left` and the state is left as it was.
 *
 * A state made with a replica id (`initialReplicated(id)`) also keeps, per event, a `Replicated`
 * counter (`state.replicated.events`): every operation keeps `counters[event]` equal to its
 * `Replicated.value`, records go to the state's own replica, and `mergeReplicated` merges copies
 * from elsewhere by the replicated (idempotent) merge, so a payload merged twice counts once.
 */
import * as E from '#fp-ts/Either'
import * as O from '#fp-ts/Option'
import type { Counter } from '../Counter.js'
import * as Counters from '../Counter.js'
import type { Layout } from '../Layout.js'
import type { Constraint, ConstraintError, LimitError } from '../Limit.js'
import * as Limit from '../Limit.js'
import * as Query from '../Query.js'
import type { Replicated } from '../Replicated.js'
import * as Replicas from '../Replicated.js'
import type { TimeUnit } from '../TimeUnit.js'
import type { Window } from '../Window.js'
import { compile } from '../internal/compiled.js'
import { decode as decodeCounter } from '../codec/CounterCodec.js'
import { decode as decodeReplicatedCounter, decodeSince } from '../codec/ReplicatedCodec.js'
import type { RecordError } from '../errors.js'
import { InvalidInstant, InvalidReplicaId } from '../errors.js'
import { DecodeError } from '../codec/errors.js'
import { InvalidEventName } from '../store/errors.js'
import type { ImportRefusal } from '../store/EventStore.js'
import type { ReplicatedCounters, VersionVectors } from '../store/SyncedStore.js'
import { futureHeadCheck } from '../store/internal/futureHeads.js'

// -------------------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------------------

/**
 * What a state made with a replica id keeps beside its counters: the id it records under, and per
 * event the replicated counter (its own replica and those merged from elsewhere). Plain data.
 */
export interface ReplicatedEvents {
  /** The replica id this state records under: one writer (a device, a tab) per id. */
  readonly replicaId: string
  /** Per event, the replicated counter whose `Replicated.value` is `counters[event]`. */
  readonly events: ReplicatedCounters
}

/**
 * Counters by event name, all of one layout: plain data that survives JSON, Redux and Immer. A
 * state made with a replica id also holds `replicated` (see `initialReplicated`).
 */
export interface CounterState {
  readonly counters: Readonly<Record<string, Counter>>
  readonly replicated?: ReplicatedEvents
}

/** Why a record was refused: a bad event name, count or instant (or, in a replicated state, replica id). */
export type RecordRefusal = InvalidEventName | RecordError | InvalidReplicaId

/**
 * Why replicated counters from elsewhere were refused: they do not decode or lie more than a day
 * after the instant of the merge (a `DecodeError`), the state has no replica id, or the instant
 * given for the merge is not one (`InvalidInstant`).
 */
export type ReplicatedRefusal = ImportRefusal | InvalidReplicaId | InvalidInstant

/** Why a limit-checked record was refused. */
export type CheckRefusal = LimitError | ConstraintError | RecordRefusal

/** A limit's rules, as `Limit.atMost(...)` and the others return them, or already built. */
export type Rules = ReadonlyArray<E.Either<ConstraintError, Constraint> | Constraint>

/** The state with no counter. */
export const initial: CounterState = { counters: {} }

/** A non-empty string; not `__proto__`, which cannot be an own key of plain state that is assigned to. */
const isEventName = (event: unknown): event is string => typeof event === 'string' && event.length > 0 && event !== '__proto__'

const counterOf = (state: CounterState, event: string): Counter | undefined =>
  Object.prototype.hasOwnProperty.call(state.counters, event) ? state.counters[event] : undefined

const withCounters = <S extends CounterState>(state: S, counters: Readonly<Record<string, Counter>>): S => ({ ...state, counters })

/**
 * The state made with a replica id and holding no counter: records go to the replica `replicaId`,
 * and `mergeReplicated` takes copies from elsewhere. Throws `InvalidReplicaId` for an id that is not
 * a string of 1 to 256 characters without a lone surrogate (a bug in the caller).
 *
 * @example
 * import { Layout, Replicated, Window } from 'tiny-counter'
 * import { CounterState } from 'tiny-counter/zustand'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const at = Date.UTC(2026, 0, 5, 9)
 * const phone = CounterState.initialReplicated('phone')
 * const next = E.getOrElseW(() => phone)(CounterState.record(phone, Layout.utc, 'launch', at, 2))
 * assert.deepEqual(CounterState.sum(next, 'launch', Window.last(1, 'days'), at), O.some(2))
 * assert.deepEqual(Replicated.versionVector(next.replicated!.events.launch!), [{ id: 'phone', born: at, seq: 1 }])
 * assert.throws(() => CounterState.initialReplicated(''))
 */
export const initialReplicated = (replicaId: string): CounterState => {
  if (!Replicas.isReplicaId(replicaId)) throw new InvalidReplicaId(replicaId)
  return { counters: {}, replicated: { replicaId, events: {} } }
}

const replicatedOf = (replicated: ReplicatedEvents, event: string): Replicated | undefined =>
  Object.prototype.hasOwnProperty.call(replicated.events, event) ? replicated.events[event] : undefined

/** The state with these events' replicated counters replaced, and their counters with their values. */
const withReplicated = <S extends CounterState>(state: S, replicated: ReplicatedEvents, changed: ReadonlyArray<readonly [string, Replicated]>): S => {
  if (changed.length === 0) return state
  const counters: Record<string, Counter> = { ...state.counters }
  const events: Record<string, Replicated> = { ...replicated.events }
  for (const [event, r] of changed) {
    events[event] = r
    counters[event] = Replicas.value(r)
  }
  return { ...state, counters, replicated: { replicaId: replicated.replicaId, events } }
}

/** The start of the newest bucket holding a count, over every unit (`undefined` when none does). */
const newestCountStart = (counter: Counter): number | undefined => {
  const { grids } = compile(counter.layout)
  let newest: number | undefined
  Counters.toBuckets(counter).forEach((counts, u) => {
    const i = counts.findIndex((n) => n > 0)
    if (i < 0) return
    const start = grids[u]!.startOf(counter.heads[u]! - i)
    if (newest === undefined || start > newest) newest = start
  })
  return newest
}

/**
 * `r` with `counts` added to the replica `id` (as if recorded there): its version goes up by one; a
 * replica that `r` does not hold yet is born at the start of the newest bucket the counts reach
 * (later than any of its expired incarnations, whose buckets are all older than the heads).
 */
const addedToReplica = (r: Replicated, id: string, counts: Counter): Replicated => {
  const total = Counters.merge(Replicas.valueOf(r, id), counts)
  const mine = O.toUndefined(Replicas.versionOf(r, id))
  const born = mine?.born ?? newestCountStart(total)
  // No count at all: only the heads move (as a plain merge rotates), and no replica is made.
  if (born === undefined) return Counters.isEmpty(total) ? r : Replicas.merge(r, Replicas.ofCounter(total, { id, born: 0, seq: 1 }))
  return Replicas.merge(Replicas.withoutReplica(r, id), Replicas.ofCounter(total, { id, born, seq: (mine?.seq ?? 0) + 1 }))
}

// -------------------------------------------------------------------------------------------------
// transformations
// -------------------------------------------------------------------------------------------------

/**
 * The counter `event` has after recording `count` events (default 1) at `at`: an unknown event
 * starts from an empty counter of `layout`; a record that changes nothing gives the counter itself.
 * What `record` puts in the state, for a reducer of one's own that assigns it into an Immer draft.
 * In a state made with a replica id it is the value of the replicated counter the record gives;
 * use `record` there, which keeps `replicated` in step.
 *
 * @example
 * import { Layout, Query, Window } from 'tiny-counter'
 * import { CounterState } from 'tiny-counter/zustand'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const at = Date.UTC(2026, 0, 5, 9)
 * const launch = CounterState.recordedCounter(CounterState.initial, Layout.utc, 'launch', at, 2)
 * assert.ok(E.isRight(launch))
 * assert.deepEqual(Query.sum(launch.right, Window.last(1, 'days'), at), O.some(2))
 * assert.ok(E.isLeft(CounterState.recordedCounter(CounterState.initial, Layout.utc, '', at)))
 */
export const recordedCounter = (state: CounterState, layout: Layout, event: string, at: number, count: number = 1): E.Either<RecordRefusal, Counter> => {
  if (!isEventName(event)) return E.left(new InvalidEventName(event))
  if (state.replicated === undefined) return Counters.record(counterOf(state, event) ?? Counters.empty(layout), at, count)
  return E.map(Replicas.value)(recordedReplica(state.replicated, layout, event, at, count))
}

const recordedReplica = (replicated: ReplicatedEvents, layout: Layout, event: string, at: number, count: number): E.Either<RecordRefusal, Replicated> =>
  Replicas.record(replicatedOf(replicated, event) ?? Replicas.empty(layout), replicated.replicaId, at, count)

const recordReplicated = <S extends CounterState>(state: S, replicated: ReplicatedEvents, layout: Layout, event: string, at: number, count: number): E.Either<RecordRefusal, S> => {
  if (!isEventName(event)) return E.left(new InvalidEventName(event))
  return E.map((next: Replicated) => (next === replicatedOf(replicated, event) ? state : withReplicated(state, replicated, [[event, next]])))(
    recordedReplica(replicated, layout, event, at, count)
  )
}

/**
 * Records `count` events (default 1) of `event` at `at`; an unknown event starts from an empty
 * counter of `layout`. The other fields of the state are kept, and so is every other counter (the
 * very same objects); a record that changes nothing returns the state itself. An event name is a
 * non-empty string other than `__proto__`. In a state made with a replica id the events go to its
 * own replica, and the event's counter becomes the value of its replicated counter.
 *
 * @example
 * import { Layout, Window } from 'tiny-counter'
 * import { CounterState } from 'tiny-counter/zustand'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const at = Date.UTC(2026, 0, 5, 9)
 * const next = CounterState.record(CounterState.initial, Layout.utc, 'launch', at, 2)
 * assert.ok(E.isRight(next))
 * assert.deepEqual(CounterState.sum(next.right, 'launch', Window.last(7, 'days'), at), O.some(2))
 * const refused = CounterState.record(next.right, Layout.utc, 'launch', at, -1)
 * assert.ok(E.isLeft(refused) && refused.left._tag === 'InvalidCount')
 */
export const record = <S extends CounterState>(state: S, layout: Layout, event: string, at: number, count: number = 1): E.Either<RecordRefusal, S> =>
  state.replicated !== undefined ? recordReplicated(state, state.replicated, layout, event, at, count) : E.map((next: Counter) => (next === counterOf(state, event) ? state : withCounters(state, { ...state.counters, [event]: next })))(
    recordedCounter(state, layout, event, at, count)
  )

/**
 * Rotates every counter to `at`: buckets that fall out of the layout are dropped, and nothing
 * ever moves backwards. A state that does not change is returned as it is. In a state made with a
 * replica id the replicated counters rotate (a replica left with no count is dropped).
 *
 * @example
 * import { Counter, Layout } from 'tiny-counter'
 * import { CounterState } from 'tiny-counter/zustand'
 * import * as E from 'fp-ts/lib/Either.js'
 * const at = Date.UTC(2026, 0, 5, 9)
 * const recorded = E.getOrElseW(() => CounterState.initial)(CounterState.record(CounterState.initial, Layout.utc, 'launch', at))
 * const later = CounterState.rotate(recorded, at + 3_600_000)
 * assert.ok(E.isRight(later))
 * assert.deepEqual(Counter.toBuckets(later.right.counters.launch!)[1], [0, 1]) // hours: this one, the one before
 * const back = CounterState.rotate(later.right, at) // earlier: nothing moves
 * assert.ok(E.isRight(back) && back.right === later.right)
 * assert.ok(E.isLeft(CounterState.rotate(recorded, Number.NaN)))
 */
export const rotate = <S extends CounterState>(state: S, at: number): E.Either<InvalidInstant, S> => {
  if (!Counters.isInstant(at)) return E.left(new InvalidInstant(at))
  const replicated = state.replicated
  if (replicated !== undefined) {
    const changed: Array<readonly [string, Replicated]> = []
    for (const [event, r] of Object.entries(replicated.events)) {
      const next = Replicas.rotate(r, at)
      if (next !== r) changed.push([event, next])
    }
    return E.right(withReplicated(state, replicated, changed))
  }
  let changed = false
  const counters: Record<string, Counter> = {}
  for (const [event, counter] of Object.entries(state.counters)) {
    const next = Counters.rotate(counter, at)
    changed ||= next !== counter
    counters[event] = next
  }
  return E.right(changed ? withCounters(state, counters) : state)
}

/**
 * Records one `event` at `at` if every rule passes there (`Limit.check` over the state's
 * counters), and records nothing otherwise: the refusal says which rule failed and when to retry.
 *
 * @example
 * import { Layout, Limit } from 'tiny-counter'
 * import { CounterState } from 'tiny-counter/zustand'
 * import * as E from 'fp-ts/lib/Either.js'
 * const at = Date.UTC(2026, 0, 5, 9, 0, 15)
 * const rules = [Limit.atMost('api', 1, 'minutes')]
 * const once = CounterState.checkAndRecord(CounterState.initial, Layout.utc, rules, 'api', at)
 * assert.ok(E.isRight(once))
 * const twice = CounterState.checkAndRecord(once.right, Layout.utc, rules, 'api', at)
 * assert.ok(E.isLeft(twice) && twice.left._tag === 'LimitExceeded')
 * assert.ok(E.isRight(CounterState.checkAndRecord(once.right, Layout.utc, rules, 'api', at + 45_000)))
 */
export const checkAndRecord = <S extends CounterState>(state: S, layout: Layout, rules: Rules, event: string, at: number): E.Either<CheckRefusal, S> => {
  if (!isEventName(event)) return E.left(new InvalidEventName(event))
  if (!Counters.isInstant(at)) return E.left(new InvalidInstant(at))
  const checked = Limit.check(rules, state.counters, event, at, layout)
  return E.isLeft(checked) ? checked : record(state, layout, event, at)
}

/**
 * Validates counters by event name from outside (a sync payload, a backup, a rehydrated store)
 * with the io-ts codec and converts them to `layout`. The first event name that is not a
 * non-empty string (or is `__proto__`), or value that is not a counter, refuses the whole input.
 *
 * @example
 * import { Counter, Layout } from 'tiny-counter'
 * import { CounterState } from 'tiny-counter/zustand'
 * import * as E from 'fp-ts/lib/Either.js'
 * const phone = E.getOrElseW(() => Counter.empty(Layout.utc))(Counter.singleton(Layout.utc, Date.UTC(2026, 0, 5), 3))
 * const payload = JSON.parse(JSON.stringify({ launch: phone }))
 * assert.deepEqual(CounterState.decode(payload, Layout.utc), E.right({ launch: phone }))
 * const refused = CounterState.decode({ launch: { ...phone, heads: 'oops' } }, Layout.utc)
 * assert.ok(E.isLeft(refused) && refused.left._tag === 'DecodeError' && refused.left.key === 'launch')
 * assert.ok(E.isLeft(CounterState.decode([phone], Layout.utc)))
 */
export const decode = (input: unknown, layout: Layout): E.Either<ImportRefusal, Readonly<Record<string, Counter>>> =>
  decodeByEvent(input, 'counters', 'counters', (event, value) => E.map((c: Counter) => Counters.convert(c, layout))(decodeCounter(event, value)))

/**
 * Values by event name from outside, each decoded by `decodeOne`: the first event name that is not
 * one, or value that does not decode, refuses the whole input. `key` and `what` name the input.
 */
const decodeByEvent = <A>(input: unknown, key: string, what: string, decodeOne: (event: string, value: unknown) => E.Either<DecodeError, A>): E.Either<ImportRefusal, Readonly<Record<string, A>>> => {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return E.left(new DecodeError(key, '', `expected ${what} by event name (an object), got ${Array.isArray(input) ? 'an array' : input === null ? 'null' : typeof input}`))
  }
  const values: Record<string, A> = {}
  for (const [event, value] of Object.entries(input)) {
    if (!isEventName(event)) return E.left(new InvalidEventName(event))
    const decoded = decodeOne(event, value)
    if (E.isLeft(decoded)) return decoded
    values[event] = decoded.right
  }
  return E.right(values)
}

/**
 * Replaces the counters of the events in `input` (validated by {@link decode}); other events stay.
 * Refused (a `DecodeError`) in a state made with a replica id: replicated counts only grow, so
 * peers would never take a smaller count; merge there (`mergeAll`, `mergeReplicated`) instead.
 *
 * @example
 * import { Counter, Layout, Window } from 'tiny-counter'
 * import { CounterState } from 'tiny-counter/zustand'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const at = Date.UTC(2026, 0, 5, 9)
 * const mine = E.getOrElseW(() => CounterState.initial)(CounterState.record(CounterState.initial, Layout.utc, 'launch', at, 100))
 * const backup = { launch: E.getOrElseW(() => Counter.empty(Layout.utc))(Counter.singleton(Layout.utc, at, 4)) }
 * const restored = CounterState.importAll(mine, Layout.utc, backup)
 * assert.ok(E.isRight(restored))
 * assert.deepEqual(CounterState.sum(restored.right, 'launch', Window.ever, at), O.some(4))
 * assert.ok(E.isLeft(CounterState.importAll(mine, Layout.utc, { launch: 'garbage' })))
 */
export const importAll = <S extends CounterState>(state: S, layout: Layout, input: unknown): E.Either<ImportRefusal, S> =>
  state.replicated !== undefined
    ? E.left(new DecodeError('counters', '', 'a state with a replica id cannot replace counts (replicated counts only grow): merge them instead'))
    : E.map((incoming: Readonly<Record<string, Counter>>) =>
    Object.keys(incoming).length === 0 ? state : withCounters(state, { ...state.counters, ...incoming })
  )(decode(input, layout))

/**
 * Adds the counters in `input` (validated by {@link decode}) to the state's: merging is
 * commutative and associative, so two devices that exchange their counters agree. In a state made
 * with a replica id the counts are added to its own replica, as if recorded there (as a store built
 * with `.replicaId(id)` does): merging them again adds them again. Sync replicated states with
 * `mergeReplicated`, which counts a payload once however often it comes.
 *
 * @example
 * import { Layout, Window } from 'tiny-counter'
 * import { CounterState } from 'tiny-counter/zustand'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const at = Date.UTC(2026, 0, 5, 9)
 * const phone = E.getOrElseW(() => CounterState.initial)(CounterState.record(CounterState.initial, Layout.utc, 'launch', at, 100))
 * const laptop = E.getOrElseW(() => CounterState.initial)(CounterState.record(CounterState.initial, Layout.utc, 'launch', at - 86_400_000, 50))
 * const both = CounterState.mergeAll(phone, Layout.utc, JSON.parse(JSON.stringify(laptop.counters)))
 * assert.ok(E.isRight(both))
 * assert.deepEqual(CounterState.sum(both.right, 'launch', Window.last(7, 'days'), at), O.some(150))
 */
export const mergeAll = <S extends CounterState>(state: S, layout: Layout, input: unknown): E.Either<ImportRefusal, S> =>
  E.map((incoming: Readonly<Record<string, Counter>>) => {
    const events = Object.keys(incoming)
    const replicated = state.replicated
    if (replicated !== undefined) {
      const changed: Array<readonly [string, Replicated]> = []
      for (const event of events) {
        const held = replicatedOf(replicated, event)
        const before = held ?? Replicas.empty(layout)
        const after = addedToReplica(before, replicated.replicaId, incoming[event]!)
        // An event merged in is held from then on, as in a plain state, even with no count.
        if (after !== before || held === undefined) changed.push([event, after])
      }
      return withReplicated(state, replicated, changed)
    }
    if (events.length === 0) return state
    const counters: Record<string, Counter> = { ...state.counters }
    for (const event of events) {
      const existing = counterOf(state, event)
      counters[event] = existing === undefined ? incoming[event]! : Counters.merge(existing, incoming[event]!)
    }
    return withCounters(state, counters)
  })(decode(input, layout))

// -------------------------------------------------------------------------------------------------
// replicated sync: a state made with a replica id, and copies of it from elsewhere
// -------------------------------------------------------------------------------------------------

/**
 * Validates replicated counters by event name from outside (a sync payload, what another tab
 * persisted) with `ReplicatedCodec` and converts them to `layout`. The first event name that is
 * not a non-empty string (or is `__proto__`), or value that is not a replicated counter, refuses the
 * whole input with an `InvalidEventName` or a `DecodeError` naming the event and the field.
 * With `at`, the instant of the merge (epoch ms, read from your clock), a value whose newest
 * bucket starts more than a day after it (a peer whose clock runs years ahead) is refused too,
 * with a `DecodeError` naming the event at `heads`, as an `EventStore`'s `mergeReplicated` refuses
 * it; an `at` that is not an instant is refused with `InvalidInstant`.
 *
 * @example
 * import { Layout, Replicated } from 'tiny-counter'
 * import { CounterState } from 'tiny-counter/zustand'
 * import * as E from 'fp-ts/lib/Either.js'
 * const r = E.getOrElseW(() => Replicated.empty(Layout.utc))(Replicated.record(Replicated.empty(Layout.utc), 'phone', Date.UTC(2026, 0, 5), 3))
 * const decoded = CounterState.decodeReplicated(JSON.parse(JSON.stringify({ launch: r })), Layout.utc)
 * assert.ok(E.isRight(decoded) && Replicated.Eq.equals(decoded.right.launch!, r))
 * const refused = CounterState.decodeReplicated({ launch: { ...r, heads: 'oops' } }, Layout.utc)
 * assert.ok(E.isLeft(refused) && refused.left._tag === 'DecodeError' && refused.left.key === 'launch')
 */
export const decodeReplicated = (input: unknown, layout: Layout, at?: number): E.Either<ImportRefusal | InvalidInstant, ReplicatedCounters> => {
  if (at !== undefined && !Counters.isInstant(at)) return E.left(new InvalidInstant(at))
  // Heads far ahead would expire every bucket the state holds and take its records into the future.
  const ahead = at === undefined ? undefined : futureHeadCheck(layout, at)
  return decodeByEvent(input, 'replicated', 'replicated counters', (event, value) =>
    E.flatMap((r: Replicated) => {
      const converted = Replicas.convert(r, layout)
      const refused = ahead?.(event, converted)
      return refused === undefined ? E.right(converted) : E.left(refused)
    })(decodeReplicatedCounter(event, value))
  )
}

/**
 * Merges replicated counters from elsewhere (validated by {@link decodeReplicated}) into a state
 * made with a replica id, by `Replicated.merge`: the maximum per replica and bucket. Merging the
 * same payload twice, an older one after a newer one, or one that came through a hub changes
 * nothing the second time (the very same state is returned). All or nothing; refused with
 * `InvalidReplicaId` in a state made without a replica id. Give `at`, the instant of the merge
 * (epoch ms, read from your clock): a value whose heads lie more than a day after it is refused
 * (see `decodeReplicated`), which the state cannot tell by itself, having no clock. The slices
 * pass it: Zustand's `mergeReplicated` action reads the slice's clock, Redux's thunk puts it in
 * the action.
 *
 * @example
 * import { Layout, Window } from 'tiny-counter'
 * import { CounterState } from 'tiny-counter/zustand'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const at = Date.UTC(2026, 0, 5, 9)
 * const orThrow = <A>(e: E.Either<Error, A>): A => E.getOrElseW((error: Error) => { throw error })(e)
 * const phone = orThrow(CounterState.record(CounterState.initialReplicated('phone'), Layout.utc, 'launch', at, 2))
 * const laptop = orThrow(CounterState.record(CounterState.initialReplicated('laptop'), Layout.utc, 'launch', at, 1))
 * const payload = JSON.parse(JSON.stringify(orThrow(CounterState.exportReplicated(phone))))
 * const once = orThrow(CounterState.mergeReplicated(laptop, Layout.utc, payload))
 * const twice = orThrow(CounterState.mergeReplicated(once, Layout.utc, payload)) // a retry
 * assert.equal(twice, once)
 * assert.deepEqual(CounterState.sum(twice, 'launch', Window.last(1, 'days'), at), O.some(3))
 * assert.ok(E.isLeft(CounterState.mergeReplicated(CounterState.initial, Layout.utc, payload)))
 */
export const mergeReplicated = <S extends CounterState>(state: S, layout: Layout, input: unknown, at?: number): E.Either<ReplicatedRefusal, S> => {
  const replicated = state.replicated
  if (replicated === undefined) return E.left(new InvalidReplicaId(undefined))
  return E.map((incoming: ReplicatedCounters) => {
    const changed: Array<readonly [string, Replicated]> = []
    for (const [event, theirs] of Object.entries(incoming)) {
      const before = replicatedOf(replicated, event) ?? Replicas.empty(layout)
      const after = Replicas.merge(before, theirs)
      if (after !== before && !Replicas.Eq.equals(after, before)) changed.push([event, after])
    }
    return withReplicated(state, replicated, changed)
  })(decodeReplicated(input, layout, at))
}

/**
 * Every event of a state made with a replica id as a replicated counter, or with `since` (the
 * `versionVectors` of a peer, now or earlier) only what that peer lacks: the payload to send to
 * `mergeReplicated` elsewhere (another state, or an `EventStore` built with `.replicaId(id)`:
 * the format is the one of its `exportReplicated`). Refused with `InvalidReplicaId` in a state made
 * without a replica id, and with a `DecodeError` for a `since` that is no version vectors by event.
 *
 * @example
 * import { Layout } from 'tiny-counter'
 * import { CounterState } from 'tiny-counter/zustand'
 * import * as E from 'fp-ts/lib/Either.js'
 * const at = Date.UTC(2026, 0, 5, 9)
 * const orThrow = <A>(e: E.Either<Error, A>): A => E.getOrElseW((error: Error) => { throw error })(e)
 * const phone = orThrow(CounterState.record(CounterState.initialReplicated('phone'), Layout.utc, 'launch', at, 2))
 * const server = orThrow(CounterState.mergeReplicated(CounterState.initialReplicated('server'), Layout.utc, orThrow(CounterState.exportReplicated(phone))))
 * const news = orThrow(CounterState.exportReplicated(phone, { since: CounterState.versionVectors(server) }))
 * assert.equal(news.launch!.replicas.length, 0) // the server has seen everything
 * assert.ok(E.isLeft(CounterState.exportReplicated(CounterState.initial)))
 */
export const exportReplicated = (state: CounterState, options: { readonly since?: VersionVectors } = {}): E.Either<InvalidReplicaId | DecodeError, ReplicatedCounters> => {
  const replicated = state.replicated
  if (replicated === undefined) return NO_REPLICA_ID
  const since = options.since
  let answers = exported.get(replicated.events)
  if (answers === undefined) exported.set(replicated.events, (answers = { all: E.right(replicated.events) }))
  if (since === undefined) return answers.all
  if (answers.since === since) return answers.delta!
  // A peer's version vectors, decoded as the store decodes them (a delta trusts what it is given).
  const seen = decodeSince(since)
  if (E.isLeft(seen)) return seen
  const events: Record<string, Replicated> = {}
  for (const [event, r] of Object.entries(replicated.events)) {
    const vector = seen.right.get(event)
    events[event] = vector === undefined ? r : Replicas.delta(r, vector)
  }
  answers.since = since
  answers.delta = E.right(events)
  return answers.delta
}

const NO_REPLICA_ID: E.Either<InvalidReplicaId, never> = E.left(new InvalidReplicaId(undefined))

/**
 * The answers of `exportReplicated` and `versionVectors`, remembered with the events they were
 * read from (the last `since` asked about): asked again about the same state, they give the very
 * same objects, as Redux selectors should.
 */
const exported = new WeakMap<ReplicatedCounters, { readonly all: E.Either<never, ReplicatedCounters>; since?: VersionVectors; delta?: E.Either<never, ReplicatedCounters> }>()
const vectorsOf = new WeakMap<ReplicatedCounters, VersionVectors>()

/**
 * What a state made with a replica id has seen of each event, per replica: send it to a peer,
 * which answers with `exportReplicated(itsState, { since })`. Empty for a state without a replica id.
 *
 * @example
 * import { Layout } from 'tiny-counter'
 * import { CounterState } from 'tiny-counter/zustand'
 * import * as E from 'fp-ts/lib/Either.js'
 * const at = Date.UTC(2026, 0, 5, 9)
 * const phone = E.getOrElseW(() => CounterState.initial)(CounterState.record(CounterState.initialReplicated('phone'), Layout.utc, 'launch', at))
 * assert.deepEqual(CounterState.versionVectors(phone), { launch: [{ id: 'phone', born: at, seq: 1 }] })
 * assert.deepEqual(CounterState.versionVectors(CounterState.initial), {})
 */
export const versionVectors = (state: CounterState): VersionVectors => {
  const replicated = state.replicated
  if (replicated === undefined) return NO_VECTORS
  const known = vectorsOf.get(replicated.events)
  if (known !== undefined) return known
  const vectors: Record<string, Replicas.VersionVector> = {}
  for (const [event, r] of Object.entries(replicated.events)) vectors[event] = Replicas.versionVector(r)
  vectorsOf.set(replicated.events, vectors)
  return vectors
}

const NO_VECTORS: VersionVectors = {}

// -------------------------------------------------------------------------------------------------
// queries: `none` for an event the state does not hold, as for a unit the layout does not track.
// Each answer is remembered with the counter it was read from (a WeakMap keyed by the counter
// object: a replaced counter takes its answers with it), by query and window. Asked again while
// the counter is the same object, a query gives back the very same answer object: at the same
// instant without reading the counter again, at another instant when the answer is equal. That
// is what `useSelector`, `useSyncExternalStore` and zustand's `useStore` need to skip a render.
// -------------------------------------------------------------------------------------------------

interface Remembered {
  at: number
  answer: O.Option<unknown>
}

const remembered = new WeakMap<Counter, Map<string, Remembered>>()

/**
 * Immer marks its drafts with this symbol; a draft can change under one reference, so its answers
 * are never remembered (nor those of a value that is not an object, which no WeakMap can hold).
 */
const DRAFT_STATE = Symbol.for('immer-state')
const isRememberable = (c: Counter): boolean =>
  typeof c === 'object' && c !== null && (c as unknown as Readonly<Record<symbol, unknown>>)[DRAFT_STATE] === undefined

/** Equal answers: numbers, counters (by reference) and bucket lists (pair by pair). */
const sameValue = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false
  return true
}

const remember = <A>(c: Counter, key: string, at: number, ask: () => O.Option<A>): O.Option<A> => {
  if (!isRememberable(c)) return ask()
  let answers = remembered.get(c)
  if (answers === undefined) remembered.set(c, (answers = new Map()))
  const last = answers.get(key)
  if (last === undefined) {
    const answer = ask()
    answers.set(key, { at, answer })
    return answer
  }
  if (last.at !== at) {
    const answer = ask()
    last.at = at
    if (!(O.isSome(answer) ? O.isSome(last.answer) && sameValue(answer.value, last.answer.value) : O.isNone(last.answer))) last.answer = answer
  }
  return last.answer as O.Option<A>
}

/** The answer of `ask` about `event`'s counter, remembered under `key`; `none` for an unknown event. */
const answer = <A>(state: CounterState, event: string, key: string, at: number, ask: (c: Counter) => O.Option<A>): O.Option<A> => {
  const c = counterOf(state, event)
  return c === undefined ? O.none : remember(c, key, at, () => ask(c))
}

const windowKey = (window: Window): string => (window._tag === 'Ever' ? 'ever' : `${window.unit}:${window.from}:${window.to}`)

/**
 * The counter of `event`, or `none`; the same `Option` object for the same counter.
 *
 * @example
 * import { Layout } from 'tiny-counter'
 * import { CounterState } from 'tiny-counter/zustand'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * assert.deepEqual(CounterState.counter(CounterState.initial, 'launch'), O.none)
 * assert.deepEqual(CounterState.counter({ counters: Object.create({ constructor: 1 }) }, 'constructor'), O.none)
 * const state = E.getOrElseW(() => CounterState.initial)(CounterState.record(CounterState.initial, Layout.utc, 'launch', Date.UTC(2026, 0, 5)))
 * assert.equal(CounterState.counter(state, 'launch'), CounterState.counter(state, 'launch'))
 */
export const counter = (state: CounterState, event: string): O.Option<Counter> => answer(state, event, 'counter', 0, O.some)

const inWindow =
  <A>(name: string, query: (self: Counter, window: Window, at: number) => O.Option<A>) =>
  (state: CounterState, event: string, window: Window, at: number): O.Option<A> =>
    answer(state, event, `${name}|${windowKey(window)}`, at, (c) => query(c, window, at))

/**
 * `Query.sum` of `event`'s counter; `none` for an unknown event.
 *
 * @example
 * import { Layout, Window } from 'tiny-counter'
 * import { CounterState } from 'tiny-counter/zustand'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const at = Date.UTC(2026, 0, 5, 9)
 * const state = E.getOrElseW(() => CounterState.initial)(CounterState.record(CounterState.initial, Layout.utc, 'launch', at, 3))
 * assert.deepEqual(CounterState.sum(state, 'launch', Window.last(7, 'days'), at), O.some(3))
 * assert.deepEqual(CounterState.sum(state, 'unknown', Window.last(7, 'days'), at), O.none)
 */
export const sum: (state: CounterState, event: string, window: Window, at: number) => O.Option<number> = inWindow('sum', Query.sum)

/**
 * `Query.average` of `event`'s counter (zeros included); `none` for an unknown event.
 *
 * @example
 * import { Layout, Window } from 'tiny-counter'
 * import { CounterState } from 'tiny-counter/zustand'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const at = Date.UTC(2026, 0, 5, 9)
 * const state = E.getOrElseW(() => CounterState.initial)(CounterState.record(CounterState.initial, Layout.utc, 'launch', at, 14))
 * assert.deepEqual(CounterState.average(state, 'launch', Window.last(28, 'days'), at), O.some(0.5))
 */
export const average: (state: CounterState, event: string, window: Window, at: number) => O.Option<number> = inWindow('average', Query.average)

/**
 * `Query.averageNonzero` of `event`'s counter; `none` for an unknown event or no active bucket.
 *
 * @example
 * import { Layout, Window } from 'tiny-counter'
 * import { CounterState } from 'tiny-counter/zustand'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const at = Date.UTC(2026, 0, 5, 9)
 * const state = E.getOrElseW(() => CounterState.initial)(CounterState.record(CounterState.initial, Layout.utc, 'launch', at, 14))
 * assert.deepEqual(CounterState.averageNonzero(state, 'launch', Window.last(28, 'days'), at), O.some(14))
 */
export const averageNonzero: (state: CounterState, event: string, window: Window, at: number) => O.Option<number> = inWindow('averageNonzero', Query.averageNonzero)

/**
 * `Query.countNonzero` of `event`'s counter: active buckets; `none` for an unknown event.
 *
 * @example
 * import { Layout, Window } from 'tiny-counter'
 * import { CounterState } from 'tiny-counter/zustand'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const at = Date.UTC(2026, 0, 5, 9)
 * const state = E.getOrElseW(() => CounterState.initial)(CounterState.record(CounterState.initial, Layout.utc, 'launch', at, 14))
 * assert.deepEqual(CounterState.countNonzero(state, 'launch', Window.last(28, 'days'), at), O.some(1))
 */
export const countNonzero: (state: CounterState, event: string, window: Window, at: number) => O.Option<number> = inWindow('countNonzero', Query.countNonzero)

/**
 * `Query.buckets` of `event`'s counter, `[index, count]` newest first; `none` for an unknown event.
 *
 * @example
 * import { Layout, Window } from 'tiny-counter'
 * import { CounterState } from 'tiny-counter/zustand'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const at = Date.UTC(2026, 0, 5, 9)
 * const state = E.getOrElseW(() => CounterState.initial)(CounterState.record(CounterState.initial, Layout.utc, 'launch', at - 86_400_000, 2))
 * assert.deepEqual(CounterState.buckets(state, 'launch', Window.last(2, 'days'), at), O.some([[0, 0], [1, 2]]))
 */
export const buckets: (state: CounterState, event: string, window: Window, at: number) => O.Option<ReadonlyArray<readonly [number, number]>> = inWindow('buckets', Query.buckets)

/**
 * `Query.lastSeen` of `event`'s counter: milliseconds since its newest event, within half a bucket.
 *
 * @example
 * import { Layout } from 'tiny-counter'
 * import { CounterState } from 'tiny-counter/zustand'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const at = Date.UTC(2026, 0, 5, 9, 15)
 * const state = E.getOrElseW(() => CounterState.initial)(CounterState.record(CounterState.initial, Layout.utc, 'launch', at))
 * assert.deepEqual(CounterState.lastSeen(state, 'launch', at + 10 * 60_000), O.some(9.5 * 60_000))
 * assert.deepEqual(CounterState.lastSeen(state, 'unknown', at), O.none)
 */
export const lastSeen = (state: CounterState, event: string, at: number): O.Option<number> =>
  answer(state, event, 'lastSeen', at, (c) => Query.lastSeen(c, at))

/**
 * `Query.firstSeen` of `event`'s counter: milliseconds since its oldest event still held.
 *
 * @example
 * import { Layout } from 'tiny-counter'
 * import { CounterState } from 'tiny-counter/zustand'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const at = Date.UTC(2026, 0, 5, 9, 15)
 * const state = E.getOrElseW(() => CounterState.initial)(CounterState.record(CounterState.initial, Layout.utc, 'launch', at))
 * const later = at + 10 * 60_000
 * // Months reach furthest back: the estimate is the middle of January so far.
 * assert.deepEqual(CounterState.firstSeen(state, 'launch', later), O.some((later - Date.UTC(2026, 0, 1)) / 2))
 */
export const firstSeen = (state: CounterState, event: string, at: number): O.Option<number> =>
  answer(state, event, 'firstSeen', at, (c) => Query.firstSeen(c, at))

/**
 * `Query.firstSeenIn` of `event`'s counter, in one unit; `none` for an unknown event or unit.
 *
 * @example
 * import { Layout } from 'tiny-counter'
 * import { CounterState } from 'tiny-counter/zustand'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const at = Date.UTC(2026, 0, 5, 12)
 * const state = E.getOrElseW(() => CounterState.initial)(CounterState.record(CounterState.initial, Layout.utc, 'launch', at - 3 * 86_400_000))
 * assert.deepEqual(CounterState.firstSeenIn(state, 'launch', 'days', at), O.some(3 * 86_400_000))
 * assert.deepEqual(CounterState.firstSeenIn(state, 'launch', 'weeks', at), O.none)
 */
export const firstSeenIn = (state: CounterState, event: string, unit: TimeUnit, at: number): O.Option<number> =>
  answer(state, event, `firstSeenIn|${unit}`, at, (c) => Query.firstSeenIn(c, unit, at))
