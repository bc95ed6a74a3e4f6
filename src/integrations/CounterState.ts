/**
 * Counters by event name as plain state, `{ counters }`, and the pure operations that a Redux
 * reducer, a Zustand action or React's `useReducer` share: record, rotate, limit-checked record,
 * import and merge (validated with the io-ts codec, all or nothing), and queries by event name.
 * Time is always an argument; refused input returns `Left` and the state is left as it was.
 */
import * as E from '#fp-ts/Either'
import * as O from '#fp-ts/Option'
import type { Counter } from '../Counter.js'
import * as Counters from '../Counter.js'
import type { Layout } from '../Layout.js'
import type { Constraint, ConstraintError, LimitError } from '../Limit.js'
import * as Limit from '../Limit.js'
import * as Query from '../Query.js'
import type { TimeUnit } from '../TimeUnit.js'
import type { Window } from '../Window.js'
import { decode as decodeCounter } from '../codec/CounterCodec.js'
import type { RecordError } from '../errors.js'
import { InvalidInstant } from '../errors.js'
import { DecodeError } from '../codec/errors.js'
import { InvalidEventName } from '../store/errors.js'
import type { ImportRefusal } from '../store/EventStore.js'

// -------------------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------------------

/** Counters by event name, all of one layout: plain data that survives JSON, Redux and Immer. */
export interface CounterState {
  readonly counters: Readonly<Record<string, Counter>>
}

/** Why a record was refused: a bad event name, count or instant. */
export type RecordRefusal = InvalidEventName | RecordError

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

// -------------------------------------------------------------------------------------------------
// transformations
// -------------------------------------------------------------------------------------------------

/**
 * Records `count` events (default 1) of `event` at `at`; an unknown event starts from an empty
 * counter of `layout`. The other fields of the state are kept; a record that changes nothing
 * returns the state itself. An event name is a non-empty string other than `__proto__`.
 *
 * @example
 * import { Layout, Window } from 'tiny-counter'
 * import { CounterState } from 'tiny-counter/zustand'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const at = Date.UTC(2026, 0, 5, 9)
 * const next = CounterState.record(CounterState.initial, Layout.utc, 'launch', at, 2)
 * assert.ok(E.isRight(next))
 * assert.deepEqual(CounterState.sum(next.right, 'launch', Window.last(1, 'days'), at), O.some(2))
 * const refused = CounterState.record(next.right, Layout.utc, 'launch', at, -1)
 * assert.ok(E.isLeft(refused) && refused.left._tag === 'InvalidCount')
 */
export const record = <S extends CounterState>(state: S, layout: Layout, event: string, at: number, count: number = 1): E.Either<RecordRefusal, S> => {
  if (!isEventName(event)) return E.left(new InvalidEventName(event))
  const existing = counterOf(state, event)
  return E.map((next: Counter) => (next === existing ? state : withCounters(state, { ...state.counters, [event]: next })))(
    Counters.record(existing ?? Counters.empty(layout), at, count)
  )
}

/**
 * Rotates every counter to `at`: buckets that fall out of the layout are dropped, and nothing
 * ever moves backwards. A state that does not change is returned as it is.
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
export const decode = (input: unknown, layout: Layout): E.Either<ImportRefusal, Readonly<Record<string, Counter>>> => {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return E.left(new DecodeError('counters', '', `expected counters by event name (an object), got ${Array.isArray(input) ? 'an array' : input === null ? 'null' : typeof input}`))
  }
  const counters: Record<string, Counter> = {}
  for (const [event, value] of Object.entries(input)) {
    if (!isEventName(event)) return E.left(new InvalidEventName(event))
    const decoded = decodeCounter(event, value)
    if (E.isLeft(decoded)) return decoded
    counters[event] = Counters.convert(decoded.right, layout)
  }
  return E.right(counters)
}

/**
 * Replaces the counters of the events in `input` (validated by {@link decode}); other events stay.
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
  E.map((incoming: Readonly<Record<string, Counter>>) =>
    Object.keys(incoming).length === 0 ? state : withCounters(state, { ...state.counters, ...incoming })
  )(decode(input, layout))

/**
 * Adds the counters in `input` (validated by {@link decode}) to the state's: merging is
 * commutative and associative, so two devices that exchange their counters agree.
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
    if (events.length === 0) return state
    const counters: Record<string, Counter> = { ...state.counters }
    for (const event of events) {
      const existing = counterOf(state, event)
      counters[event] = existing === undefined ? incoming[event]! : Counters.merge(existing, incoming[event]!)
    }
    return withCounters(state, counters)
  })(decode(input, layout))

// -------------------------------------------------------------------------------------------------
// queries: `none` for an event the state does not hold, as for a unit the layout does not track
// -------------------------------------------------------------------------------------------------

/**
 * The counter of `event`, or `none`.
 *
 * @example
 * import { Layout } from 'tiny-counter'
 * import { CounterState } from 'tiny-counter/zustand'
 * import * as O from 'fp-ts/lib/Option.js'
 * assert.deepEqual(CounterState.counter(CounterState.initial, 'launch'), O.none)
 * assert.deepEqual(CounterState.counter({ counters: { toString: 1 as never } }, 'constructor'), O.none)
 */
export const counter = (state: CounterState, event: string): O.Option<Counter> => O.fromNullable(counterOf(state, event))

const inWindow =
  <A>(query: (self: Counter, window: Window, at: number) => O.Option<A>) =>
  (state: CounterState, event: string, window: Window, at: number): O.Option<A> =>
    O.flatMap((c: Counter) => query(c, window, at))(counter(state, event))

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
export const sum: (state: CounterState, event: string, window: Window, at: number) => O.Option<number> = inWindow(Query.sum)

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
export const average: (state: CounterState, event: string, window: Window, at: number) => O.Option<number> = inWindow(Query.average)

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
export const averageNonzero: (state: CounterState, event: string, window: Window, at: number) => O.Option<number> = inWindow(Query.averageNonzero)

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
export const countNonzero: (state: CounterState, event: string, window: Window, at: number) => O.Option<number> = inWindow(Query.countNonzero)

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
export const buckets: (state: CounterState, event: string, window: Window, at: number) => O.Option<ReadonlyArray<readonly [number, number]>> = inWindow(Query.buckets)

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
  O.flatMap((c: Counter) => Query.lastSeen(c, at))(counter(state, event))

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
  O.flatMap((c: Counter) => Query.firstSeen(c, at))(counter(state, event))

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
  O.flatMap((c: Counter) => Query.firstSeenIn(c, unit, at))(counter(state, event))
