/**
 * Rate limits as data, decided by a pure function: constraints (`atMost`, `atLeast`, `cooldown`,
 * `within`, `during`, `outsideOf`) are plain values, and `check` evaluates a set of them against
 * counters at an instant, returning `Either` with the failed constraint and an exact `retryAfter`,
 * so that a reducer can decide without a store. Laws (checked in tests): recording more at the same
 * instant never turns a refusal into a pass; waiting `retryAfter` makes the same check pass, and
 * waiting a millisecond less does not.
 */
import * as E from '#fp-ts/Either'
import * as O from './internal/option.js'
import type { Counter } from './Counter.js'
import { MAX_COUNT, isCount, isInstant } from './Counter.js'
import type { DurationInput } from './Duration.js'
import { toMillis as durationMillis } from './Duration.js'
import type { Layout } from './Layout.js'
import type { Schedule } from './Schedule.js'
import { contains, nextChange } from './Schedule.js'
import type { TimeUnit } from './TimeUnit.js'
import { isTimeUnit, nominalMillis } from './TimeUnit.js'
import type { InvalidDuration, InvalidHour, InvalidRange, UnknownTimeZone } from './errors.js'
import { InvalidCount, InvalidInstant, InvalidWindow, TinyCounterError, UnknownUnit } from './errors.js'
import type { Compiled } from './internal/compiled.js'
import { compile } from './internal/compiled.js'
import type { BucketGrid } from './internal/grids.js'
import type { Span } from './internal/spans.js'
import { admits, spanBuckets, spanPosition, unansweredBecause } from './internal/spans.js'
import { bucketAt, countIn, currentIndex } from './internal/windowCount.js'

export type { Span } from './internal/spans.js'

// -------------------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------------------

/** A window as users write it: a unit (its current bucket), `[k, unit]`, or a duration. */
export type WindowInput = TimeUnit | readonly [number, TimeUnit] | DurationInput

/** One rule of a limit. Every rule of a limit must pass. */
export type Constraint =
  | { readonly _tag: 'AtMost'; readonly event: string; readonly limit: number; readonly span: Span }
  | { readonly _tag: 'AtLeast'; readonly event: string; readonly limit: number; readonly span: Span }
  | { readonly _tag: 'Cooldown'; readonly event: string; readonly millis: number }
  | { readonly _tag: 'Within'; readonly event: string; readonly millis: number }
  | { readonly _tag: 'During'; readonly schedule: Schedule }
  | { readonly _tag: 'OutsideOf'; readonly schedule: Schedule }

/**
 * A refusal: the checked event, the first constraint that failed, and how long to wait before the
 * same check passes (`none` when waiting alone cannot make it pass: `atLeast`, `within`, or slots
 * held by pending reservations).
 *
 * @example
 * import { Counter, Layout, Limit } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const at = Date.UTC(2026, 0, 5, 10, 0, 30)
 * const rules = [Limit.atMost('api', 1, 'minutes')]
 * const used = E.getOrElseW(() => Counter.empty(Layout.utc))(Counter.singleton(Layout.utc, at))
 * const decision = Limit.check(rules, { api: used }, 'api', at, Layout.utc)
 * assert.ok(E.isLeft(decision) && decision.left._tag === 'LimitExceeded')
 * assert.deepEqual(decision.left.retryAfter, O.some(30_000)) // the minute bucket ends at 10:01
 */
export class LimitExceeded extends TinyCounterError {
  readonly _tag = 'LimitExceeded'
  constructor(
    readonly event: string,
    readonly constraint: Constraint,
    readonly retryAfter: O.Option<number>
  ) {
    // A refusal is an answer, not a bug: skip the stack trace, which costs more than the check,
    // and write the message only when someone reads it (see below).
    const stackTraceLimit = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    super()
    Error.stackTraceLimit = stackTraceLimit
  }
}
Object.defineProperties(LimitExceeded.prototype, {
  name: { value: 'LimitExceeded', writable: true, configurable: true },
  message: {
    get(this: LimitExceeded): string {
      const { event, constraint, retryAfter } = this
      return `${event} refused by ${describeConstraint(constraint)}${O.isSome(retryAfter) ? `; retry in ${retryAfter.value} ms` : ''}`
    },
    configurable: true
  }
})

/**
 * A constraint that cannot be evaluated against a layout: its unit is not tracked, no tracked unit
 * divides its duration, or its window is longer than the tracked buckets.
 *
 * @example
 * import { Layout, Limit } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const decision = Limit.check([Limit.atMost('api', 5, 'weeks')], {}, 'api', Date.UTC(2026, 0, 1), Layout.utc)
 * assert.ok(E.isLeft(decision) && decision.left._tag === 'UntrackedWindow')
 */
export class UntrackedWindow extends TinyCounterError {
  readonly _tag = 'UntrackedWindow'
  constructor(
    readonly constraint: Constraint,
    reason: string
  ) {
    super(`${describeConstraint(constraint)} cannot be checked: ${reason}`)
    this.name = this._tag
  }
}

/** Why a limit check failed: refused, the limit does not fit the layout, or the instant is not one (`InvalidInstant`). */
export type LimitError = LimitExceeded | UntrackedWindow | InvalidInstant

/** Why a constraint could not be built. */
export type ConstraintError = InvalidCount | InvalidWindow | InvalidDuration | UnknownUnit | InvalidHour | InvalidRange | UnknownTimeZone

/**
 * What a check reads: counters by event name, slots held by pending reservations, and optionally
 * a way to count a window without a `Counter`.
 *
 * - `counterOf(event)`: the event's counter (`undefined` when unknown).
 * - `pendingOf(event)`: slots held for the event by reservations not yet settled (0 without it);
 *   an `atMost` counts them as used.
 * - `countIn(event, unit, buckets, at)`: the number of events in the `buckets` newest buckets of
 *   `unit` at `at`, the current bucket first: exactly what `counterOf(event)` holds there (0 for an
 *   unknown event). Without it the check reads `counterOf`; a store passes its own, which counts
 *   from the form it keeps its counters in. A refusal still reads `counterOf` to find `retryAfter`.
 *
 * @example
 * import { Counter, Layout, Limit, Query, Window } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const at = Date.UTC(2026, 0, 5, 10, 15)
 * const api = E.getOrElseW(() => Counter.empty(Layout.utc))(Counter.singleton(Layout.utc, at, 3))
 * const state: Limit.LimitState = {
 *   counterOf: (event) => (event === 'api' ? api : undefined),
 *   pendingOf: () => 1,
 *   countIn: (event, unit, buckets, when) =>
 *     event === 'api' ? O.getOrElse(() => 0)(Query.sum(api, Window.last(buckets, unit), when)) : 0
 * }
 * assert.ok(E.isRight(Limit.check([Limit.atMost('api', 5, 'minutes')], state, 'api', at, Layout.utc)))
 * assert.ok(E.isLeft(Limit.check([Limit.atMost('api', 4, 'minutes')], state, 'api', at, Layout.utc))) // 3 + 1 held
 */
export interface LimitState {
  readonly counterOf: (event: string) => Counter | undefined
  readonly pendingOf?: (event: string) => number
  readonly countIn?: (event: string, unit: TimeUnit, buckets: number, at: number) => number
}

// -------------------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------------------

const span = (window: WindowInput): E.Either<ConstraintError, Span> => {
  if (typeof window === 'string') {
    return isTimeUnit(window) ? E.right({ _tag: 'Buckets', unit: window, buckets: 1 }) : E.left(new UnknownUnit(window))
  }
  if (Array.isArray(window)) {
    const [buckets, unit] = window as readonly [number, TimeUnit]
    if (!isTimeUnit(unit)) return E.left(new UnknownUnit(unit))
    if (!Number.isSafeInteger(buckets) || buckets <= 0) return E.left(new InvalidWindow(0, buckets))
    return E.right({ _tag: 'Buckets', unit, buckets })
  }
  return E.flatMap(durationMillis(window as DurationInput), (millis) =>
    millis > 0 ? E.right<ConstraintError, Span>({ _tag: 'Duration', millis }) : E.left(new InvalidWindow(0, millis))
  )
}

/** A count rule without its event: the limit and the window. */
const countRule = (tag: 'AtMost' | 'AtLeast', limit: number, window: WindowInput): E.Either<ConstraintError, PolicyRule> => {
  if (!isCount(limit)) return E.left(new InvalidCount(limit))
  const s = span(window)
  return E.isLeft(s) ? s : E.right({ _tag: tag, limit, span: s.right })
}

const counted = (tag: 'AtMost' | 'AtLeast', event: string, limit: number, window: WindowInput): E.Either<ConstraintError, Constraint> => {
  const rule = countRule(tag, limit, window)
  return E.isLeft(rule) ? rule : E.right(onEvent(rule.right, event))
}

/**
 * Passes while the event's count in the window, plus its pending reservations, is below `limit`:
 * `limit` calls are allowed. The window is a unit (its current bucket: "this minute"), `[k, unit]`
 * (the last k buckets) or a duration (the largest tracked second, minute, hour or day unit that
 * divides it exactly: 90 minutes are 90 minute buckets).
 *
 * @example
 * import { Limit } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * assert.ok(E.isRight(Limit.atMost('api', 10, 'minutes')))
 * assert.ok(E.isRight(Limit.atMost('api', 100, [7, 'days'])))
 * assert.ok(E.isRight(Limit.atMost('api', 100, { days: 7 })))
 * assert.ok(E.isLeft(Limit.atMost('api', -1, 'minutes')))
 */
export const atMost = (event: string, limit: number, window: WindowInput): E.Either<ConstraintError, Constraint> =>
  counted('AtMost', event, limit, window)

/**
 * Passes when the event's count in the window is at least `limit` (a prerequisite, such as a login
 * today). Pending reservations do not count: they have not happened yet.
 *
 * @example
 * import { Limit } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * assert.ok(E.isRight(Limit.atLeast('user_login', 1, 'days')))
 */
export const atLeast = (event: string, limit: number, window: WindowInput): E.Either<ConstraintError, Constraint> =>
  counted('AtLeast', event, limit, window)

/**
 * Passes when the event was never seen, or when the start of the bucket holding its last
 * occurrence (in the finest unit that holds it) is at least `duration` ago. Buckets cannot say more:
 * the cooldown may end up to one bucket of that unit early (a minute with the default layout), and
 * once passing it keeps passing as time goes on.
 *
 * @example
 * import { Limit } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * assert.ok(E.isRight(Limit.cooldown('password_reset', { hours: 1 })))
 */
export const cooldown = (event: string, duration: DurationInput): E.Either<ConstraintError, Constraint> =>
  E.map((millis: number): Constraint => ({ _tag: 'Cooldown', event, millis }))(durationMillis(duration))

/**
 * Passes when the event was seen less than `duration` ago, counting from the start of the bucket
 * holding its last occurrence in the finest unit that holds it (so it never passes for an event that
 * is really older).
 *
 * @example
 * import { Limit } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * assert.ok(E.isRight(Limit.within('cart_updated', { minutes: 30 })))
 */
export const within = (event: string, duration: DurationInput): E.Either<ConstraintError, Constraint> =>
  E.map((millis: number): Constraint => ({ _tag: 'Within', event, millis }))(durationMillis(duration))

/**
 * Passes while the schedule matches.
 *
 * @example
 * import { Limit, Schedule } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * assert.ok(E.isRight(Limit.during(Schedule.weekdays())))
 */
export const during = (schedule: Schedule): E.Either<ConstraintError, Constraint> => E.right({ _tag: 'During', schedule })

/**
 * Passes while the schedule does not match.
 *
 * @example
 * import { Limit, Schedule } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * assert.ok(E.isRight(Limit.outsideOf(Schedule.weekendsLocalTz())))
 */
export const outsideOf = (schedule: Schedule): E.Either<ConstraintError, Constraint> => E.right({ _tag: 'OutsideOf', schedule })

// -------------------------------------------------------------------------------------------------
// policies: a limit defined once, applied to any key
// -------------------------------------------------------------------------------------------------

/**
 * A rule of a policy: a constraint without its event (it counts the key the policy is applied to),
 * or a schedule.
 */
export type PolicyRule =
  | { readonly _tag: 'AtMost'; readonly limit: number; readonly span: Span }
  | { readonly _tag: 'AtLeast'; readonly limit: number; readonly span: Span }
  | { readonly _tag: 'Cooldown'; readonly millis: number }
  | { readonly _tag: 'Within'; readonly millis: number }
  | { readonly _tag: 'During'; readonly schedule: Schedule }
  | { readonly _tag: 'OutsideOf'; readonly schedule: Schedule }

/** A schedule, or the `Either` that `Schedule.hours` (and the other checked constructors) return. */
export type ScheduleInput = Schedule | E.Either<InvalidHour | InvalidRange | UnknownTimeZone, Schedule>

const toSchedule = (input: ScheduleInput): E.Either<InvalidHour | InvalidRange | UnknownTimeZone, Schedule> =>
  input._tag === 'Left' || input._tag === 'Right' ? input : E.right(input)

/**
 * The constraint a policy rule puts on one event (a schedule stays as it is).
 *
 * @example
 * import { Limit } from 'tiny-counter'
 * assert.deepEqual(Limit.onEvent({ _tag: 'Cooldown', millis: 60_000 }, 'reset:42'), { _tag: 'Cooldown', event: 'reset:42', millis: 60_000 })
 */
export const onEvent = (rule: PolicyRule, event: string): Constraint => {
  switch (rule._tag) {
    case 'AtMost':
    case 'AtLeast':
      return { _tag: rule._tag, event, limit: rule.limit, span: rule.span }
    case 'Cooldown':
    case 'Within':
      return { _tag: rule._tag, event, millis: rule.millis }
    case 'During':
    case 'OutsideOf':
      return rule
  }
}

/**
 * A limit defined once and applied to any key: `Limit.policy().atMost(10, 'minutes')` counts
 * whichever key it is checked with, so one policy serves every user of a server
 * (`store.limit(perUser).checkAndRecord('api:' + userId)`). Each rule has the meaning of the
 * constraint of the same name (`Limit.atMost`, ...) on that key. Immutable plain rules: each method
 * returns a new policy, and an invalid rule is kept as its error, returned by every check.
 *
 * @example
 * import { EventStore, Limit, TestClock } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 0, 5, 10))).timeZone('UTC').build()
 * const perUser = Limit.policy().atMost(2, 'minutes').atMost(100, 'hours')
 * const api = store.limit(perUser)
 * assert.ok(E.isRight(api.checkAndRecord('api:alice')))
 * assert.ok(E.isRight(api.checkAndRecord('api:alice')))
 * assert.ok(E.isLeft(api.checkAndRecord('api:alice'))) // two a minute for alice
 * assert.ok(E.isRight(api.checkAndRecord('api:bob'))) // bob has his own count
 */
export class Policy {
  /**
   * The policies after a count rule whose window is a unit name, by unit and limit: made once and
   * shared, so that a limit built on every call (`store.limit().atMost(key, 10, 'minutes')...`)
   * reaches the very policy of the call before, and the plan a store keeps for it. A policy is an
   * immutable value: sharing changes nothing but the work. At most `MAX_SHARED_AFTER` per unit.
   */
  private atMostAfter: Map<string, Map<number, Policy>> | undefined
  private atLeastAfter: Map<string, Map<number, Policy>> | undefined
  /** The count rule added last and the policy it gave: a limit built per call adds the same one each time. */
  private lastKind: 'AtMost' | 'AtLeast' | undefined
  private lastWindow: string | undefined
  private lastLimit = 0
  private lastNext: Policy | undefined

  /** Use `Limit.policy()`. @internal */
  constructor(
    /** The rules, in the order they were added (an invalid one as its error). */
    readonly rules: ReadonlyArray<E.Either<ConstraintError, PolicyRule>>
  ) {}

  private then(rule: E.Either<ConstraintError, PolicyRule>): Policy {
    return new Policy([...this.rules, rule])
  }

  /** `then` the count rule, shared when the window is a unit name (see `atMostAfter`). */
  private thenCount(kind: 'AtMost' | 'AtLeast', limit: number, window: WindowInput): Policy {
    if (typeof window !== 'string') return this.then(countRule(kind, limit, window))
    if (window === this.lastWindow && limit === this.lastLimit && kind === this.lastKind) return this.lastNext!
    const byUnit = kind === 'AtMost' ? (this.atMostAfter ??= new Map()) : (this.atLeastAfter ??= new Map())
    let byLimit = byUnit.get(window)
    if (byLimit === undefined) byUnit.set(window, (byLimit = new Map()))
    let next = byLimit.get(limit)
    if (next === undefined) {
      next = this.then(countRule(kind, limit, window))
      if (byLimit.size < MAX_SHARED_AFTER) byLimit.set(limit, next)
    }
    this.lastKind = kind
    this.lastWindow = window
    this.lastLimit = limit
    return (this.lastNext = next)
  }

  /**
   * At most `limit` events of the key in the window (a unit, `[k, unit]` or a duration), its pending
   * reservations included: `Limit.atMost` on the key.
   *
   * @example
   * import { Limit } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * assert.deepEqual(Limit.policy().atMost(10, 'minutes').rules, [E.right({ _tag: 'AtMost', limit: 10, span: { _tag: 'Buckets', unit: 'minutes', buckets: 1 } })])
   */
  atMost(limit: number, window: WindowInput): Policy {
    return this.thenCount('AtMost', limit, window)
  }

  /**
   * At least `limit` events of the key in the window: `Limit.atLeast` on the key.
   *
   * @example
   * import { Limit } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * assert.ok(E.isRight(Limit.policy().atLeast(1, 'days').rules[0]!))
   * assert.ok(E.isLeft(Limit.policy().atLeast(-1, 'days').rules[0]!)) // InvalidCount
   */
  atLeast(limit: number, window: WindowInput): Policy {
    return this.thenCount('AtLeast', limit, window)
  }

  /**
   * The key never seen, or last seen at least `duration` ago: `Limit.cooldown` on the key.
   *
   * @example
   * import { EventStore, Limit } from 'tiny-counter'
   * const store = EventStore.create()
   * const oncePerHour = store.limit(Limit.policy().cooldown({ hours: 1 }))
   * assert.equal(oncePerHour.allowed('reset:alice'), true)
   * store.record('reset:alice')
   * assert.equal(oncePerHour.allowed('reset:alice'), false)
   * assert.equal(oncePerHour.allowed('reset:bob'), true)
   */
  cooldown(duration: DurationInput): Policy {
    return this.then(E.map((millis: number): PolicyRule => ({ _tag: 'Cooldown', millis }))(durationMillis(duration)))
  }

  /**
   * The key seen less than `duration` ago: `Limit.within` on the key.
   *
   * @example
   * import { EventStore, Limit } from 'tiny-counter'
   * const store = EventStore.create()
   * const active = store.limit(Limit.policy().within({ minutes: 30 }))
   * assert.equal(active.allowed('session:alice'), false)
   * store.record('session:alice')
   * assert.equal(active.allowed('session:alice'), true)
   */
  within(duration: DurationInput): Policy {
    return this.then(E.map((millis: number): PolicyRule => ({ _tag: 'Within', millis }))(durationMillis(duration)))
  }

  /**
   * Only while the schedule matches (a schedule, or the `Either` that `Schedule.hours` returns).
   *
   * @example
   * import { EventStore, Limit, Schedule, TestClock } from 'tiny-counter'
   * const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 0, 5, 8))).timeZone('UTC').build()
   * assert.equal(store.limit(Limit.policy().during(Schedule.hours(9, 17))).allowed('api:alice'), false)
   */
  during(schedule: ScheduleInput): Policy {
    return this.then(E.flatMap(toSchedule(schedule), during))
  }

  /**
   * Only while the schedule does not match.
   *
   * @example
   * import { EventStore, Limit, Schedule, TestClock } from 'tiny-counter'
   * const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 0, 5, 8))).timeZone('UTC').build()
   * assert.equal(store.limit(Limit.policy().outsideOf(Schedule.hours(9, 17))).allowed('backup:alice'), true)
   */
  outsideOf(schedule: ScheduleInput): Policy {
    return this.then(E.flatMap(toSchedule(schedule), outsideOf))
  }

  /**
   * The policy's rules as constraints on one key, for `Limit.check` (a reducer, say).
   *
   * @example
   * import { Counter, Layout, Limit } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * const at = Date.UTC(2026, 0, 5, 10)
   * const perUser = Limit.policy().atMost(1, 'minutes')
   * const used = E.getOrElseW(() => Counter.empty(Layout.utc))(Counter.singleton(Layout.utc, at))
   * assert.ok(E.isLeft(Limit.check(perUser.on('api:42'), { 'api:42': used }, 'api:42', at, Layout.utc)))
   * assert.ok(E.isRight(Limit.check(perUser.on('api:7'), { 'api:42': used }, 'api:7', at, Layout.utc)))
   */
  on(event: string): ReadonlyArray<E.Either<ConstraintError, Constraint>> {
    return this.rules.map((rule) => (E.isLeft(rule) ? rule : E.right(onEvent(rule.right, event))))
  }
}

const NO_RULES = new Policy([])
const MAX_SHARED_AFTER = 256

/**
 * A policy without rules, to add rules to: `Limit.policy().atMost(10, 'minutes').atMost(100, 'hours')`.
 *
 * @example
 * import { EventStore, Limit } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const perUser = Limit.policy().atMost(10, 'minutes').atMost(100, 'hours')
 * const store = EventStore.create()
 * const userId = 42
 * assert.ok(E.isRight(store.limit(perUser).checkAndRecord('api:' + userId)))
 * assert.deepEqual(store.events(), ['api:42'])
 */
export const policy = (): Policy => NO_RULES

// -------------------------------------------------------------------------------------------------
// evaluation
// -------------------------------------------------------------------------------------------------

/** A count window resolved against a layout: the unit's position and how many buckets. */
interface Resolved {
  readonly position: number
  readonly buckets: number
}

const resolve = (compiled: Compiled, layout: Layout, constraint: Constraint, s: Span): E.Either<UntrackedWindow, Resolved> => {
  const position = spanPosition(compiled, layout, s)
  return position < 0 ? E.left(new UntrackedWindow(constraint, unansweredBecause(compiled, s))) : E.right({ position, buckets: spanBuckets(layout, s, position) })
}

/** The count of `event` in the `buckets` newest buckets of unit `position` at `at`, read as `state` offers it. */
const countOf = (state: LimitState, event: string, compiled: Compiled, position: number, at: number, buckets: number): number =>
  state.countIn !== undefined ? state.countIn(event, compiled.units[position]!, buckets, at) : countIn(state.counterOf(event), compiled, position, at, buckets)

/**
 * `grid.start(i)` remembered: a calendar grid finds a bucket's first instant by a search, and a
 * refused check asks for the same few bucket starts again and again (a pure function of the grid
 * and the index, so remembering it changes nothing but the time taken).
 */
const starts = new WeakMap<BucketGrid, Map<number, number>>()
const MAX_REMEMBERED_STARTS = 256
const startOf = (grid: BucketGrid, i: number): number => {
  let known = starts.get(grid)
  if (known === undefined) starts.set(grid, (known = new Map()))
  const found = known.get(i)
  if (found !== undefined) return found
  const start = grid.start(i)
  if (known.size >= MAX_REMEMBERED_STARTS) known.clear()
  known.set(i, start)
  return start
}

/** The absolute index of the newest non-zero bucket of the finest unit holding data, with its unit. */
const newestOccurrence = (counter: Counter | undefined, compiled: Compiled, at: number): { position: number; index: number } | undefined => {
  if (counter === undefined || counter.heads.length === 0) return undefined
  for (let u = 0; u < compiled.grids.length; u++) {
    const older = counter.older[u]!
    const current = currentIndex(counter, compiled, u, at)
    const shift = current - counter.heads[u]!
    // Stored bucket j: 0 is the newest, j >= 1 is older[j - 1].
    for (let j = 0; j <= older.length && j + shift < compiled.lengths[u]!; j++) {
      if ((j === 0 ? counter.newest[u]! : older[j - 1]!) > 0) return { position: u, index: counter.heads[u]! - j }
    }
  }
  return undefined
}

/** `undefined` when the constraint passes at `at`; otherwise the wait until it could (or `none`). */
type Outcome = undefined | O.Option<number>
const PASS: Outcome = undefined

const evaluate = (constraint: Constraint, state: LimitState, at: number, layout: Layout, compiled: Compiled): E.Either<UntrackedWindow, Outcome> => {
  switch (constraint._tag) {
    case 'AtMost':
    case 'AtLeast':
      return E.map(({ position, buckets }: Resolved): Outcome => {
        const atLeast = constraint._tag === 'AtLeast'
        const pending = atLeast ? 0 : (state.pendingOf?.(constraint.event) ?? 0)
        if (admits(atLeast, constraint.limit, countOf(state, constraint.event, compiled, position, at, buckets), pending)) return PASS
        if (atLeast) return O.none
        // The newest j buckets stay while older ones leave the window; find the most that may stay.
        const counter = state.counterOf(constraint.event)
        const current = currentIndex(counter, compiled, position, at)
        let kept = 0
        let j = -1
        for (let i = 0; i < buckets; i++) {
          if (admits(false, constraint.limit, kept, pending)) j = i
          kept += bucketAt(counter, position, current, i)
        }
        if (j < 0) return O.none
        // Bucket j leaves the window when bucket current + buckets - j begins.
        return O.some(startOf(compiled.grids[position]!, current + buckets - j) - at)
      })(resolve(compiled, layout, constraint, constraint.span))
    case 'Cooldown': {
      const last = newestOccurrence(state.counterOf(constraint.event), compiled, at)
      if (last === undefined) return E.right(PASS)
      const grid = compiled.grids[last.position]!
      const start = startOf(grid, last.index)
      if (at - start >= constraint.millis) return E.right(PASS)
      // Until then nothing changes, unless the unit forgets the bucket first: look again at that time.
      const forgotten = startOf(grid, last.index + compiled.lengths[last.position]!)
      return E.right(O.some(Math.min(start + constraint.millis, forgotten) - at))
    }
    case 'Within': {
      const last = newestOccurrence(state.counterOf(constraint.event), compiled, at)
      if (last === undefined) return E.right(O.none)
      const start = startOf(compiled.grids[last.position]!, last.index)
      return E.right(at - start < constraint.millis ? PASS : O.none)
    }
    case 'During':
    case 'OutsideOf': {
      const inside = contains(constraint.schedule, at, layout.timeZone)
      if (inside === (constraint._tag === 'During')) return E.right(PASS)
      return E.right(O.some(nextChange(constraint.schedule, at, layout.timeZone) - at))
    }
  }
}

/** Whether `evaluate` finds that a constraint other than a count passes at `at`. */
const otherPasses = (constraint: Constraint, state: LimitState, at: number, layout: Layout, compiled: Compiled): boolean => {
  const outcome = evaluate(constraint, state, at, layout, compiled)
  return E.isRight(outcome) && outcome.right === PASS
}

/** Whether every constraint passes at `at`, without allocating (the common case of a check). */
const allPass = (constraints: ReadonlyArray<Constraint>, state: LimitState, at: number, layout: Layout, compiled: Compiled): boolean => {
  for (let i = 0; i < constraints.length; i++) {
    const constraint = constraints[i]!
    if (constraint._tag === 'AtMost' || constraint._tag === 'AtLeast') {
      const position = spanPosition(compiled, layout, constraint.span)
      if (position < 0) return false
      const atLeast = constraint._tag === 'AtLeast'
      const count = countOf(state, constraint.event, compiled, position, at, spanBuckets(layout, constraint.span, position))
      if (!admits(atLeast, constraint.limit, count, atLeast ? 0 : (state.pendingOf?.(constraint.event) ?? 0))) return false
    } else if (!otherPasses(constraint, state, at, layout, compiled)) {
      return false
    }
  }
  return true
}

/** A check that passed. */
const PASSED: E.Either<never, void> = E.right(undefined)

const MAX_ROUNDS = 64

/**
 * Decides whether `event` may happen at `at` under every constraint. A refusal names the first
 * constraint that fails now, with `retryAfter`: the shortest wait after which every constraint
 * passes (found by jumping to the time each failing constraint would pass, until all do), or `none`
 * when waiting alone cannot help. `counters` is a record of counters by name or a `LimitState`.
 * An `at` that is not an integer epoch millisecond within ±8.64e15 is refused (`InvalidInstant`).
 *
 * @example
 * import { Counter, Layout, Limit } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const at = Date.UTC(2026, 0, 5, 10, 15)
 * const rules = [Limit.atMost('api', 10, 'minutes'), Limit.atMost('api', 100, 'hours')]
 * let api = Counter.empty(Layout.utc)
 * for (let i = 0; i < 10; i++) api = E.getOrElse(() => api)(Counter.record(api, at))
 * const refused = Limit.check(rules, { api }, 'api', at, Layout.utc)
 * assert.ok(E.isLeft(refused) && refused.left._tag === 'LimitExceeded')
 * assert.deepEqual(refused.left.retryAfter, O.some(60_000))
 * assert.ok(E.isRight(Limit.check(rules, { api }, 'api', at + 60_000, Layout.utc)))
 */
export const check = (
  rules: ReadonlyArray<E.Either<ConstraintError, Constraint> | Constraint>,
  counters: LimitState | Readonly<Record<string, Counter>>,
  event: string,
  at: number,
  layout: Layout
): E.Either<LimitError | ConstraintError, void> => {
  const constraints: Constraint[] = []
  for (const rule of rules) {
    if ('_tag' in rule && (rule._tag === 'Left' || rule._tag === 'Right')) {
      if (E.isLeft(rule)) return rule
      constraints.push(rule.right)
    } else constraints.push(rule as Constraint)
  }
  return decide(constraints, toState(counters), event, at, layout)
}

const toState = (counters: LimitState | Readonly<Record<string, Counter>>): LimitState =>
  typeof (counters as LimitState).counterOf === 'function'
    ? (counters as LimitState)
    : { counterOf: (event) => (Object.prototype.hasOwnProperty.call(counters, event) ? (counters as Record<string, Counter>)[event] : undefined) }

/**
 * `check` for constraints that are already built (the store's hot path).
 *
 * @example
 * import { Layout, Limit } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const rule = Limit.atMost('api', 1, 'minutes')
 * assert.ok(E.isRight(rule))
 * assert.ok(E.isRight(Limit.decide([rule.right], { counterOf: () => undefined }, 'api', Date.UTC(2026, 0, 1), Layout.utc)))
 */
export const decide = (
  constraints: ReadonlyArray<Constraint>,
  state: LimitState,
  event: string,
  at: number,
  layout: Layout
): E.Either<LimitError, void> => {
  if (!isInstant(at)) return E.left(new InvalidInstant(at))
  const compiled = compile(layout)
  // The common case first: every constraint passes now, decided without allocating. Otherwise the
  // constraints are evaluated again below, which finds the refusal and the wait (evaluating is pure).
  if (allPass(constraints, state, at, layout, compiled)) return PASSED
  let failed: Constraint | undefined
  let t = at
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let wait = 0
    for (const constraint of constraints) {
      const outcome = evaluate(constraint, state, t, layout, compiled)
      if (E.isLeft(outcome)) return outcome
      if (outcome.right === PASS) continue
      failed ??= constraint
      if (O.isNone(outcome.right)) return E.left(new LimitExceeded(event, failed, O.none))
      if (outcome.right.value > wait) wait = outcome.right.value
    }
    if (failed === undefined) return E.right(undefined)
    if (wait === 0) return E.left(new LimitExceeded(event, failed, O.some(t - at)))
    t += wait
    // No constraint passes past Temporal's last instant (a schedule that never changes waits forever).
    if (!isInstant(t)) break
  }
  return E.left(new LimitExceeded(event, failed!, O.none))
}

/**
 * The usage of the first `atMost` constraint: events in its window plus pending reservations,
 * the limit, and what remains (never below 0); `none` when there is no `atMost` constraint;
 * `InvalidInstant` for an `at` that is not an instant.
 *
 * @example
 * import { Counter, Layout, Limit } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const at = Date.UTC(2026, 0, 5, 10, 15)
 * const api = E.getOrElseW(() => Counter.empty(Layout.utc))(Counter.singleton(Layout.utc, at, 30))
 * const rule = Limit.atMost('api', 100, 'hours')
 * assert.ok(E.isRight(rule))
 * assert.deepEqual(Limit.usage([rule.right], { counterOf: () => api }, at, Layout.utc), E.right(O.some({ count: 30, limit: 100, remaining: 70 })))
 */
export const usage = (
  constraints: ReadonlyArray<Constraint>,
  state: LimitState,
  at: number,
  layout: Layout
): E.Either<UntrackedWindow | InvalidInstant, O.Option<{ readonly count: number; readonly limit: number; readonly remaining: number }>> => {
  if (!isInstant(at)) return E.left(new InvalidInstant(at))
  const first = constraints.find((c) => c._tag === 'AtMost')
  if (first === undefined || first._tag !== 'AtMost') return E.right(O.none)
  const compiled = compile(layout)
  return E.map(({ position, buckets }: Resolved) => {
    const count = Math.min(MAX_COUNT, countOf(state, first.event, compiled, position, at, buckets) + (state.pendingOf?.(first.event) ?? 0))
    return O.some({ count, limit: first.limit, remaining: Math.max(0, first.limit - count) })
  })(resolve(compiled, layout, first, first.span))
}

/**
 * A short description of a constraint, for messages and logs.
 *
 * @example
 * import { Limit } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const rule = Limit.atMost('api', 10, [2, 'minutes'])
 * assert.ok(E.isRight(rule) && Limit.describeConstraint(rule.right) === 'atMost(api, 10 per 2 minutes)')
 */
export const describeConstraint = (constraint: Constraint): string => {
  const window = (s: Span): string => (s._tag === 'Duration' ? `${s.millis} ms` : s.buckets === 1 ? s.unit.replace(/s$/, '') : `${s.buckets} ${s.unit}`)
  switch (constraint._tag) {
    case 'AtMost':
    case 'AtLeast':
      return `${constraint._tag === 'AtMost' ? 'atMost' : 'atLeast'}(${constraint.event}, ${constraint.limit} per ${window(constraint.span)})`
    case 'Cooldown':
      return `cooldown(${constraint.event}, ${constraint.millis} ms)`
    case 'Within':
      return `within(${constraint.event}, ${constraint.millis} ms)`
    case 'During':
      return `during(${JSON.stringify(constraint.schedule)})`
    case 'OutsideOf':
      return `outsideOf(${JSON.stringify(constraint.schedule)})`
  }
}
