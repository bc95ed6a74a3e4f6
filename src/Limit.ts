/**
 * Rate limits as data, decided by a pure function: constraints (`atMost`, `atLeast`, `cooldown`,
 * `within`, `during`, `outsideOf`) are plain values, and `check` evaluates a set of them against
 * counters at an instant, returning `Either` with the failed constraint and an exact `retryAfter`,
 * so that a reducer can decide without a store. Laws (checked in tests): recording more at the same
 * instant never turns a refusal into a pass; waiting `retryAfter` makes the same check pass, and
 * waiting a millisecond less does not.
 */
import * as E from '#fp-ts/Either'
import * as O from '#fp-ts/Option'
import type { Counter } from './Counter.js'
import { MAX_COUNT, isCount } from './Counter.js'
import type { DurationInput } from './Duration.js'
import { toMillis as durationMillis } from './Duration.js'
import type { Layout } from './Layout.js'
import type { Schedule } from './Schedule.js'
import { contains, nextChange } from './Schedule.js'
import type { TimeUnit } from './TimeUnit.js'
import { isTimeUnit, nominalMillis } from './TimeUnit.js'
import type { InvalidDuration, InvalidHour, InvalidRange, UnknownTimeZone } from './errors.js'
import { InvalidCount, InvalidWindow, TinyCounterError, UnknownUnit } from './errors.js'
import type { Compiled } from './internal/compiled.js'
import { compile } from './internal/compiled.js'
import { countPasses, resolvedBuckets, resolvedPosition } from './internal/countPlan.js'
import type { CountingState } from './internal/windowCount.js'
import { COUNT_IN, countIn, currentIndex, windowSum } from './internal/windowCount.js'
import type { BucketGrid } from './internal/grids.js'

// -------------------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------------------

/** The window of a count constraint: `k` buckets of a unit, or a duration resolved against a layout. */
export type Span =
  | { readonly _tag: 'Buckets'; readonly unit: TimeUnit; readonly buckets: number }
  | { readonly _tag: 'Duration'; readonly millis: number }

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
    this.name = 'UntrackedWindow'
  }
}

/** Why a limit check failed: refused, or the limit does not fit the layout. */
export type LimitError = LimitExceeded | UntrackedWindow

/** Why a constraint could not be built. */
export type ConstraintError = InvalidCount | InvalidWindow | InvalidDuration | UnknownUnit | InvalidHour | InvalidRange | UnknownTimeZone

/** What a check reads: counters by event name, and slots held by pending reservations. */
export interface LimitState {
  readonly counterOf: (event: string) => Counter | undefined
  readonly pendingOf?: (event: string) => number
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

const counted = (tag: 'AtMost' | 'AtLeast', event: string, limit: number, window: WindowInput): E.Either<ConstraintError, Constraint> => {
  if (!isCount(limit)) return E.left(new InvalidCount(limit))
  const s = span(window)
  return E.isLeft(s) ? s : E.right({ _tag: tag, event, limit, span: s.right })
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
// evaluation
// -------------------------------------------------------------------------------------------------

/** A count window resolved against a layout: the unit's position and how many buckets. */
interface Resolved {
  readonly position: number
  readonly buckets: number
}

const resolve = (compiled: Compiled, layout: Layout, constraint: Constraint, s: Span): E.Either<UntrackedWindow, Resolved> => {
  if (s._tag === 'Buckets') {
    const position = compiled.position[s.unit]
    if (position < 0) return E.left(new UntrackedWindow(constraint, `${s.unit} are not tracked`))
    if (s.buckets > compiled.lengths[position]!) {
      return E.left(new UntrackedWindow(constraint, `it needs ${s.buckets} ${s.unit} buckets, ${compiled.lengths[position]} are tracked`))
    }
    return E.right({ position, buckets: s.buckets })
  }
  for (let u = layout.tracks.length - 1; u >= 0; u--) {
    const { unit, buckets } = layout.tracks[u]!
    if (unit === 'weeks' || unit === 'months' || unit === 'years') continue
    const length = nominalMillis[unit]
    if (s.millis % length === 0 && s.millis / length <= buckets) return E.right({ position: u, buckets: s.millis / length })
  }
  return E.left(new UntrackedWindow(constraint, `no tracked second, minute, hour or day buckets divide ${s.millis} ms and reach that far`))
}

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

/** Count of bucket `i` (0 = current) of a unit at `at`. */
const bucketCount = (counter: Counter | undefined, position: number, current: number, i: number): number => {
  if (counter === undefined || counter.heads.length === 0) return 0
  const j = i - (current - counter.heads[position]!)
  if (j === 0) return counter.newest[position]!
  const older = counter.older[position]!
  return j >= 1 && j <= older.length ? older[j - 1]! : 0
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
        const counter = state.counterOf(constraint.event)
        const current = currentIndex(counter, compiled, position, at)
        const count = windowSum(counter, position, current, buckets)
        if (constraint._tag === 'AtLeast') return count >= constraint.limit ? PASS : O.none
        const pending = state.pendingOf?.(constraint.event) ?? 0
        if (count + pending < constraint.limit) return PASS
        // The newest j buckets stay while older ones leave the window; find the most that may stay.
        let kept = 0
        let j = -1
        for (let i = 0; i < buckets; i++) {
          if (kept + pending < constraint.limit) j = i
          kept += bucketCount(counter, position, current, i)
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

/**
 * Whether every constraint passes at `at`, without allocating. Consecutive count constraints on
 * one event (a limit's usual shape: `atMost(e, 10, 'minutes').atMost(e, 100, 'hours')`) look its
 * counter up once; a store counts with its own counters (`COUNT_IN`).
 */
const allPass = (constraints: ReadonlyArray<Constraint>, state: LimitState, at: number, layout: Layout, compiled: Compiled): boolean => {
  const counting = (state as Partial<CountingState>)[COUNT_IN]
  let event: string | undefined
  let counter: Counter | undefined
  for (let i = 0; i < constraints.length; i++) {
    const constraint = constraints[i]!
    if (constraint._tag === 'AtMost' || constraint._tag === 'AtLeast') {
      const position = resolvedPosition(compiled, layout, constraint.span)
      if (position < 0) return false
      const buckets = resolvedBuckets(layout, constraint.span, position)
      let count: number
      if (counting !== undefined) count = counting(constraint.event, compiled, position, at, buckets)
      else {
        if (constraint.event !== event) {
          event = constraint.event
          counter = state.counterOf(event)
        }
        count = countIn(counter, compiled, position, at, buckets)
      }
      if (!countPasses(constraint._tag === 'AtLeast', constraint.limit, count, state.pendingOf, constraint.event)) return false
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
  }
  return E.left(new LimitExceeded(event, failed!, O.none))
}

/**
 * The usage of the first `atMost` constraint: events in its window plus pending reservations,
 * the limit, and what remains (never below 0); `none` when there is no `atMost` constraint.
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
): E.Either<UntrackedWindow, O.Option<{ readonly count: number; readonly limit: number; readonly remaining: number }>> => {
  const first = constraints.find((c) => c._tag === 'AtMost')
  if (first === undefined || first._tag !== 'AtMost') return E.right(O.none)
  const compiled = compile(layout)
  return E.map(({ position, buckets }: Resolved) => {
    const counter = state.counterOf(first.event)
    const count = Math.min(MAX_COUNT, windowSum(counter, position, currentIndex(counter, compiled, position, at), buckets) + (state.pendingOf?.(first.event) ?? 0))
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
