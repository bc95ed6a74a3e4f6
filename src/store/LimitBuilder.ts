/**
 * `store.limit()`: a chain of constraints checked atomically against the store, at the store's
 * clock; `store.limit(policy)`: a policy defined once (`Limit.policy()`) applied to the key being
 * checked. `check` never records or creates anything; `checkAndRecord` records exactly when the
 * check passes; `reserve` holds a slot (counted by `atMost` checks) until it is committed,
 * cancelled, disposed or expired. JavaScript runs one task at a time, so a check and the record or
 * reservation that follows it cannot be interleaved by another task: exactly N reservations pass a
 * limit of N.
 *
 * Underneath, every limit is a policy (its rules without their events) and the event its rules
 * name (or none: the checked key). The store keeps one count plan per policy, and the policy after
 * a count rule written with a unit name is shared (see `Policy`), so that a limit built on every
 * call (`store.limit().atMost(key, 10, 'minutes')...`) finds the plan of the call before.
 */
import * as E from '#fp-ts/Either'
import * as O from '../internal/option.js'
import type { DurationInput } from '../Duration.js'
import { toMillis as durationMillis } from '../Duration.js'
import type { Constraint, ConstraintError, LimitError, Policy, ScheduleInput, WindowInput } from '../Limit.js'
import * as Limit from '../Limit.js'
import type { Layout } from '../Layout.js'
import type { InvalidDuration } from '../errors.js'
import { TinyCounterError } from '../errors.js'
import type { RecordRefusal } from './errors.js'
import { InvalidEventName } from './errors.js'
import type { Slot } from './internal/Reservations.js'
import type { Counted, CountPlan } from './table/CounterTable.js'
import { CANNOT_PLAN } from './table/CounterTable.js'
import { isEventName } from './internal/eventNames.js'
// The declarations of Symbol.dispose and Symbol.asyncDispose travel with this module's (no code).
export type {} from './disposable.js'

/** What a limit needs from its store. */
export interface LimitHost {
  readonly layout: Layout
  readonly now: () => number
  readonly state: Limit.LimitState
  /** `state` as a read sees it: reservations counted, the expired ones not forgotten (`usage`). */
  readonly readState: Limit.LimitState
  /** Records `count` at `at`, an instant read from `now`. */
  readonly record: (event: string, count: number, at: number) => E.Either<RecordRefusal, void>
  /** The count plan of a policy, found once per policy. */
  readonly planOf: (policy: Policy) => CountPlan | typeof CANNOT_PLAN
  /** Whether every rule of `plan` passes at `at` for the checked `key` (records nothing). */
  readonly check: (plan: CountPlan, counted: Counted, key: string, at: number) => boolean
  /**
   * Records one `key` at `at` and returns true when every rule of `plan` passes there and the store
   * can record it at once; returns false, having changed nothing, otherwise (the caller then
   * decides the long way).
   */
  readonly checkAndRecord: (plan: CountPlan, counted: Counted, key: string, at: number) => boolean
  readonly hold: (event: string, expiresAt: number) => Slot
}

/**
 * `usage` on a limit without an `atMost` constraint.
 *
 * @example
 * import { EventStore } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const usage = EventStore.create().limit().cooldown('reset', { hours: 1 }).usage('reset')
 * assert.ok(E.isLeft(usage) && usage.left._tag === 'NoAtMostConstraint')
 */
export class NoAtMostConstraint extends TinyCounterError {
  readonly _tag = 'NoAtMostConstraint'
  constructor() {
    super('usage needs an atMost constraint in the limit')
    this.name = this._tag
  }
}

/**
 * A commit of a reservation that expired, was cancelled or was already committed.
 *
 * @example
 * import { EventStore, TestClock } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const clock = TestClock.at(Date.UTC(2026, 0, 1))
 * const store = EventStore.builder().withClock(clock).timeZone('UTC').build()
 * const held = store.limit().atMost('api', 10, 'hours').reserve('api', { expiresAfter: { seconds: 30 } })
 * assert.ok(E.isRight(held))
 * clock.advance({ seconds: 31 })
 * const late = held.right.commit()
 * assert.ok(E.isLeft(late) && late.left._tag === 'ReservationSettled')
 */
export class ReservationSettled extends TinyCounterError {
  readonly _tag = 'ReservationSettled'
  constructor(readonly event: string, readonly state: 'committed' | 'cancelled' | 'expired') {
    super(`the reservation of ${event} was already ${state}; nothing was recorded`)
    this.name = this._tag
  }
}

/** What `usage` reports. */
export interface Usage {
  readonly count: number
  readonly limit: number
  readonly remaining: number
}

/** Options of `reserve`. */
export interface ReserveOptions {
  /** How long an unsettled reservation holds its slot (default: 60 seconds of the store's clock). */
  readonly expiresAfter?: DurationInput
}

/** The default lifetime of a reservation that is never committed or cancelled: 60 seconds. */
export const DEFAULT_RESERVATION_MILLIS = 60_000

/**
 * A held slot: `commit()` records the event, `cancel()` releases the slot; disposing an unsettled
 * reservation (`using`) cancels it, and one never settled expires after its lifetime.
 *
 * @example
 * import { EventStore } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const store = EventStore.create()
 * const limit = store.limit().atMost('api', 1, 'hours')
 * const first = limit.reserve('api')
 * assert.ok(E.isRight(first))
 * assert.ok(E.isLeft(limit.reserve('api'))) // the only slot is held
 * first.right.cancel()
 * assert.deepEqual(store.query('api').lastHours(1).sum(), O.some(0))
 * const second = limit.reserve('api')
 * assert.ok(E.isRight(second) && E.isRight(second.right.commit()))
 * assert.deepEqual(store.query('api').lastHours(1).sum(), O.some(1))
 */
export class Reservation {
  private state: 'pending' | 'committed' | 'cancelled' = 'pending'

  constructor(
    /** The reserved event. */
    readonly event: string,
    private readonly slot: Slot,
    private readonly host: LimitHost
  ) {}

  /** When the slot is released if the reservation is never settled (epoch ms of the store's clock). */
  get expiresAt(): number {
    return this.slot.expiresAt
  }

  /**
   * Records the event now and releases the slot; refused (`ReservationSettled`) when the
   * reservation was already committed, cancelled or expired.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * const reservation = EventStore.create().limit().atMost('api', 5, 'minutes').reserve('api')
   * assert.ok(E.isRight(reservation))
   * assert.ok(E.isRight(reservation.right.commit()))
   * assert.ok(E.isLeft(reservation.right.commit()))
   */
  commit(): E.Either<ReservationSettled | RecordRefusal, void> {
    if (this.state !== 'pending') return E.left(new ReservationSettled(this.event, this.state))
    if (!this.slot.release()) return E.left(new ReservationSettled(this.event, 'expired'))
    this.state = 'committed'
    return this.host.record(this.event, 1, this.host.now())
  }

  /**
   * Releases the slot without recording; the event exists afterwards (its sum is `some(0)`).
   * Cancelling a settled reservation does nothing.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const store = EventStore.create()
   * const reservation = store.limit().atMost('upload', 1, 'days').reserve('upload')
   * assert.ok(E.isRight(reservation))
   * reservation.right.cancel()
   * assert.deepEqual(store.query('upload').lastDays(1).sum(), O.some(0))
   */
  cancel(): void {
    if (this.state !== 'pending') return
    this.state = 'cancelled'
    this.slot.release()
    this.host.record(this.event, 0, this.host.now())
  }

  /**
   * Cancels the reservation if it is still pending: `using r = ...` releases it at the end of scope.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * const store = EventStore.create()
   * const limit = store.limit().atMost('job', 1, 'minutes')
   * {
   *   const held = limit.reserve('job')
   *   assert.ok(E.isRight(held))
   *   held.right[Symbol.dispose]() // what `using` does at the end of the block
   * }
   * assert.ok(limit.allowed('job'))
   */
  [Symbol.dispose](): void {
    this.cancel()
  }
}

/** What a rule of a policy, or a schedule, names: the checked key. */
export const KEY: unique symbol = Symbol('the checked key')

/** The events of a limit whose rules name different ones: per rule, as given, or `KEY`. */
class PerRule {
  constructor(readonly events: ReadonlyArray<unknown>) {}
}

const isPerRule = (named: unknown): named is PerRule => typeof named === 'object' && named instanceof PerRule

/**
 * What the rules count (see `Counted`), from what they name; `undefined` when a named event is not
 * an event name (such a limit is refused by the long way).
 */
const countedOf = (named: unknown): Counted | undefined => {
  // The common cases first, without `instanceof` (which costs more on a hot path than it seems).
  if (typeof named === 'string') return named.length > 0 ? named : undefined
  if (named === KEY) return null
  if (!isPerRule(named)) return undefined
  const events: Array<string | undefined> = []
  for (const event of named.events) {
    if (event !== KEY && !isEventName(event)) return undefined
    events.push(event === KEY ? undefined : event)
  }
  return events
}

/**
 * The constraints of one limit, and the ways to check them. Immutable: each constraint method
 * returns a new builder, so a limit can be built once and used for every request. Built from a
 * policy (`store.limit(perUser)`), the policy's rules count the checked key; rules added by
 * name (`atMost('global', ...)`) count the event they name.
 *
 * @example
 * import { EventStore, TestClock } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const clock = TestClock.at(Date.UTC(2026, 0, 5, 10))
 * const store = EventStore.builder().withClock(clock).timeZone('UTC').build()
 * const api = store.limit().atMost('api_call', 10, 'minutes').atMost('api_call', 100, 'hours')
 * for (let i = 0; i < 10; i++) assert.ok(E.isRight(api.checkAndRecord('api_call')))
 * const refused = api.checkAndRecord('api_call')
 * assert.ok(E.isLeft(refused) && refused.left._tag === 'LimitExceeded')
 */
export class LimitBuilder {
  /** Use `store.limit()` or `store.limit(policy)`. @internal */
  constructor(
    private readonly host: LimitHost,
    /** The rules, without their events. */
    private readonly policy: Policy,
    /**
     * The event the rules name: one for all of them (`KEY`: the checked key, as for a policy's
     * rules), or one per rule when they differ (`PerRule`). A schedule names none (`KEY`). Never
     * defaulted: `undefined` is an event name given (and refused).
     */
    private readonly named: unknown
  ) {}

  /** The event rule `i` names (`KEY`: the checked key). */
  private namedBy(i: number): unknown {
    const named = this.named
    return isPerRule(named) ? named.events[i] : named
  }

  /** A builder with one more rule, which names `event` (`KEY` for a schedule). */
  private with(policy: Policy, event: unknown): LimitBuilder {
    const rules = this.policy.rules.length
    if (!isPerRule(this.named)) {
      // One event for all the rules while each names the same one: no array to make.
      if (rules === 0 || event === KEY) return new LimitBuilder(this.host, policy, rules === 0 ? event : this.named)
      if (event === this.named) return new LimitBuilder(this.host, policy, event)
    }
    const events: unknown[] = []
    for (let i = 0; i < rules; i++) events.push(this.namedBy(i))
    events.push(event)
    return new LimitBuilder(this.host, policy, new PerRule(events))
  }

  /**
   * At most `limit` events in the window (a unit, `[k, unit]` or a duration), reservations included.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * const limit = EventStore.create().limit().atMost('api', 100, [7, 'days'])
   * assert.equal(limit.allowed('api'), true)
   */
  atMost(event: string, limit: number, window: WindowInput): LimitBuilder {
    return this.with(this.policy.atMost(limit, window), event)
  }

  /**
   * At least `limit` events in the window: a prerequisite.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * const store = EventStore.create()
   * const api = store.limit().atLeast('user_login', 1, 'days')
   * assert.equal(api.allowed('protected_api'), false)
   * store.record('user_login')
   * assert.equal(api.allowed('protected_api'), true)
   */
  atLeast(event: string, limit: number, window: WindowInput): LimitBuilder {
    return this.with(this.policy.atLeast(limit, window), event)
  }

  /**
   * The event never seen, or last seen at least `duration` ago.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * const store = EventStore.create()
   * const reset = store.limit().cooldown('password_reset', { hours: 1 })
   * assert.equal(reset.allowed('password_reset'), true)
   * store.record('password_reset')
   * assert.equal(reset.allowed('password_reset'), false)
   */
  cooldown(event: string, duration: DurationInput): LimitBuilder {
    return this.with(this.policy.cooldown(duration), event)
  }

  /**
   * The event seen less than `duration` ago.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * const store = EventStore.create()
   * const checkout = store.limit().within('cart_updated', { minutes: 30 })
   * assert.equal(checkout.allowed('checkout'), false)
   * store.record('cart_updated')
   * assert.equal(checkout.allowed('checkout'), true)
   */
  within(event: string, duration: DurationInput): LimitBuilder {
    return this.with(this.policy.within(duration), event)
  }

  /**
   * Only while the schedule matches (a schedule, or the `Either` that `Schedule.hours` returns).
   *
   * @example
   * import { EventStore, Schedule, TestClock } from 'tiny-counter'
   * const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 0, 5, 8))).timeZone('UTC').build()
   * assert.equal(store.limit().during(Schedule.hours(9, 17)).allowed('api_call'), false)
   */
  during(schedule: ScheduleInput): LimitBuilder {
    return this.with(this.policy.during(schedule), KEY)
  }

  /**
   * Only while the schedule does not match.
   *
   * @example
   * import { EventStore, Schedule, TestClock } from 'tiny-counter'
   * const store = EventStore.builder().withClock(TestClock.at(Date.UTC(2026, 0, 5, 8))).timeZone('UTC').build()
   * assert.equal(store.limit().outsideOf(Schedule.hours(9, 17)).allowed('maintenance'), true)
   */
  outsideOf(schedule: ScheduleInput): LimitBuilder {
    return this.with(this.policy.outsideOf(schedule), KEY)
  }

  /** The constraints on `event` (the checked key), or why there are none. */
  private constraints(event: string): E.Either<ConstraintError | InvalidEventName, ReadonlyArray<Constraint>> {
    if (!isEventName(event)) return E.left(new InvalidEventName(event))
    const rules = this.policy.rules
    const out: Constraint[] = []
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!
      if (E.isLeft(rule)) return rule
      const named = this.namedBy(i)
      if (named !== KEY && !isEventName(named)) return E.left(new InvalidEventName(named))
      out.push(Limit.onEvent(rule.right, named === KEY ? event : named))
    }
    return E.right(out)
  }

  /** Why `event` may not happen at `at` (decided by `Limit.decide`), or `undefined` when every constraint passes. */
  private refusal(event: string, at: number): E.Left<LimitError | ConstraintError | InvalidEventName> | undefined {
    const constraints = this.constraints(event)
    if (E.isLeft(constraints)) return constraints
    const decided = Limit.decide(constraints.right, this.host.state, event, at, this.host.layout)
    return E.isLeft(decided) ? decided : undefined
  }

  /** The count plan, when the limit has one. */
  private plan(): CountPlan | undefined {
    const plan = this.host.planOf(this.policy)
    return plan === CANNOT_PLAN ? undefined : plan
  }

  /**
   * Evaluates every constraint; never records or creates anything.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * const store = EventStore.create()
   * assert.ok(E.isRight(store.limit().atMost('api', 100, 'hours').check('api')))
   * assert.deepEqual(store.events(), [])
   */
  check(event: string): E.Either<LimitError | ConstraintError | InvalidEventName, void> {
    const at = this.host.now()
    const plan = this.plan()
    const counted = plan === undefined ? undefined : countedOf(this.named)
    if (counted !== undefined && isEventName(event) && this.host.check(plan!, counted, event, at)) return PASSED
    return this.refusal(event, at) ?? PASSED
  }

  /**
   * Records one `event` now if every constraint passes; records nothing otherwise.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const store = EventStore.create()
   * const once = store.limit().atMost('welcome_mail', 1, 'days')
   * assert.ok(E.isRight(once.checkAndRecord('welcome_mail')))
   * assert.ok(E.isLeft(once.checkAndRecord('welcome_mail')))
   * assert.deepEqual(store.query('welcome_mail').lastDays(1).sum(), O.some(1))
   */
  checkAndRecord(event: string): E.Either<LimitError | ConstraintError | RecordRefusal, void> {
    // Checked and recorded at one instant: the record lands where the check looked.
    const at = this.host.now()
    // A limit of counts alone (the usual kind) is first decided and recorded in one step by the
    // store; anything else, a refusal included, takes the general path.
    const plan = this.plan()
    const counted = plan === undefined ? undefined : countedOf(this.named)
    if (counted !== undefined && this.host.checkAndRecord(plan!, counted, event, at)) return PASSED
    return this.refusal(event, at) ?? this.host.record(event, 1, at)
  }

  /**
   * Whether the check passes, as a boolean (a refused or invalid limit is `false`).
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * const store = EventStore.create()
   * if (store.limit().atMost('api', 100, 'hours').allowed('api')) store.record('api')
   * assert.equal(store.events().length, 1)
   */
  allowed(event: string): boolean {
    return E.isRight(this.check(event))
  }

  /**
   * Events counted against the first `atMost` constraint (pending reservations included), its limit
   * and what remains (never below 0).
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * const store = EventStore.create()
   * store.recordCount('api_call', 30)
   * const usage = store.limit().atMost('api_call', 100, 'hours').usage('api_call')
   * assert.deepEqual(usage, E.right({ count: 30, limit: 100, remaining: 70 }))
   */
  usage(event: string): E.Either<NoAtMostConstraint | LimitError | ConstraintError | InvalidEventName, Usage> {
    return E.flatMap(this.constraints(event), (constraints) =>
      E.flatMap(Limit.usage(constraints, this.host.readState, this.host.now(), this.host.layout), (found) =>
        O.isNone(found) ? E.left(new NoAtMostConstraint()) : E.right(found.value)
      )
    )
  }

  /**
   * Passes the check counting pending reservations, then holds a slot for `event` until the
   * reservation is committed, cancelled, disposed or expired (default 60 s).
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * const limit = EventStore.create().limit().atMost('api', 2, 'hours')
   * const held = [limit.reserve('api'), limit.reserve('api'), limit.reserve('api')]
   * assert.deepEqual(held.map(E.isRight), [true, true, false])
   */
  reserve(event: string, options: ReserveOptions = {}): E.Either<LimitError | ConstraintError | InvalidEventName | InvalidDuration, Reservation> {
    const lifetime = options.expiresAfter === undefined ? E.right(DEFAULT_RESERVATION_MILLIS) : durationMillis(options.expiresAfter)
    if (E.isLeft(lifetime)) return lifetime
    const at = this.host.now()
    return this.refusal(event, at) ?? E.right(new Reservation(event, this.host.hold(event, at + lifetime.right), this.host))
  }
}

/** A check that passed (one shared value: `Right` of nothing). */
const PASSED: E.Either<never, void> = E.right(undefined)
