/**
 * `store.limit()` of the Redis store: the constraints of `EventStore.limit()`, decided by one script
 * call against the counts and reservations of every process. The script counts the windows and
 * checks the last occurrences; the client gives it the bucket indices, and decides schedules (pure
 * functions of time) for the interval the script's instant must fall in. A refusal comes back with
 * the counters it was decided on, and the core's `Limit.decide` names the failed constraint and the
 * exact `retryAfter` from them.
 */
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import type { Counter } from '../Counter.js'
import type { DurationInput } from '../Duration.js'
import { toMillis as durationMillis } from '../Duration.js'
import type { Layout } from '../Layout.js'
import type { Constraint, ConstraintError, LimitError, LimitState, Policy, Span, WindowInput } from '../Limit.js'
import * as Limit from '../Limit.js'
import type { Schedule } from '../Schedule.js'
import { contains, nextChange } from '../Schedule.js'
import { nominalMillis } from '../TimeUnit.js'
import type { InvalidDuration, InvalidHour, InvalidRange, UnknownTimeZone } from '../errors.js'
import { InvalidEventName, StorageError } from '../store/errors.js'
import type { RecordRefusal } from '../store/errors.js'
import type { EventStore } from '../store/EventStore.js'
import type { LimitBuilder, ReserveOptions, Usage } from '../store/LimitBuilder.js'
import { DEFAULT_RESERVATION_MILLIS, NoAtMostConstraint, ReservationSettled } from '../store/LimitBuilder.js'
import { LimitExceeded, UntrackedWindow } from '../Limit.js'
import type { Attempt, Settle } from './internal/connection.js'
import type { Frame, Frames } from './internal/frame.js'
import type { KeyNames } from './internal/hash.js'
import { currentCounterOf, refusedName, storedCounterOf } from './internal/hash.js'
import { PASSED, REFUSED, REFUSED_NOW, SETTLED } from './internal/scripts.js'
import type { QueryHost } from './RedisQuery.js'

type ScriptName = 'record' | 'decide' | 'read' | 'settle'
type Reply = ReadonlyArray<unknown>
const DONE: E.Either<never, void> = E.right(undefined)

/** What a limit needs from its store. */
export interface LimitHost extends QueryHost {
  /** The names of the store's keys. */
  readonly keys: KeyNames
  readonly frames: Frames
  /** Runs a try of a call at the decision's instant, again after a `SKEW` reply (see `RedisStore`). */
  readonly timed: <A>(key: string | undefined, operation: string, attempt: Attempt, then: (reply: E.Either<StorageError, Reply>) => A | Promise<A>) => Promise<A>
  /** Runs a script, answered through `settle` (see `Connection.send`). */
  readonly send: (name: ScriptName, keys: ReadonlyArray<string>, args: ReadonlyArray<string | number>, key: string | undefined, operation: string, settle: Settle) => void
}

type ScheduleInput = Schedule | E.Either<InvalidHour | InvalidRange | UnknownTimeZone, Schedule>
const toSchedule = (input: ScheduleInput): E.Either<InvalidHour | InvalidRange | UnknownTimeZone, Schedule> =>
  input._tag === 'Left' || input._tag === 'Right' ? input : E.right(input)

/** Why a limit's answer is not a plain pass. */
export type RedisLimitError = LimitError | ConstraintError | InvalidEventName | StorageError

/** The window of a count constraint in the layout: the unit's place and how many of its buckets. */
const resolveSpan = (layout: Layout, span: Span): { readonly position: number; readonly buckets: number } | undefined => {
  if (span._tag === 'Buckets') {
    const position = layout.tracks.findIndex((t) => t.unit === span.unit)
    return position >= 0 && span.buckets <= layout.tracks[position]!.buckets ? { position, buckets: span.buckets } : undefined
  }
  // A duration: the coarsest tracked second, minute, hour or day unit that divides it and reaches that far.
  for (let u = layout.tracks.length - 1; u >= 0; u--) {
    const { unit, buckets } = layout.tracks[u]!
    const length = nominalMillis[unit]
    if (unit !== 'weeks' && unit !== 'months' && unit !== 'years' && span.millis % length === 0 && span.millis / length <= buckets) {
      return { position: u, buckets: span.millis / length }
    }
  }
  return undefined
}

/** A part of the script's constraint list that depends on the instant (cooldown, within, schedules). */
type Timed =
  | { readonly _tag: 'Seen'; readonly kind: 'C' | 'W'; readonly event: number; readonly millis: number }
  | { readonly _tag: 'Schedule'; readonly during: boolean; readonly schedule: Schedule }

/** What a limit sends the script whatever event it checks: its constraints as the script reads them. */
interface Shape {
  readonly items: ReadonlyArray<ReadonlyArray<string> | Timed>
  /** Whether every constraint counts the current bucket of the checked event (the script's short path). */
  readonly short: boolean
  /**
   * The constraints as the script reads them when nothing in them depends on the instant (else
   * `undefined`): on the short path per constraint its kind, unit and limit, else the whole list.
   */
  readonly tail: string | undefined
  /** The decision texts of the last frame, by mode (when nothing depends on the instant). */
  last: { readonly frame: Frame; readonly texts: Partial<Record<Mode, string>> } | undefined
}

/** What a decision does: check ('c'), check and record ('r'), or hold a reservation ('h'). */
type Mode = 'c' | 'r' | 'h'

/** A limit prepared for one checked event: its keys and its shape. */
interface Plan {
  readonly event: string
  readonly events: ReadonlyArray<string>
  readonly keys: ReadonlyArray<string>
  readonly shape: Shape
  /** The constraints; left out of a policy's plan for another key (only a refusal needs them). */
  readonly constraints: ReadonlyArray<Constraint> | undefined
}

/**
 * A held slot, counted by every process until it is committed, cancelled or expires.
 *
 * @example
 * import { Redis } from 'ioredis'
 * import { RedisStore } from 'tiny-counter/redis'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
 * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
 * const limit = store.limit().atMost('export', 1, 'hours')
 * const held = await limit.reserve('export')
 * assert.ok(E.isRight(held))
 * assert.ok(E.isLeft(await limit.reserve('export'))) // the only slot is held, for every process
 * assert.ok(E.isRight(await held.right.commit()))
 * assert.deepEqual(await store.query('export').lastHours(1).sum(), E.right(O.some(1)))
 * client.disconnect()
 */
export class RedisReservation {
  private state: 'pending' | 'committed' | 'cancelled' = 'pending'

  /** @internal Made by the store. */
  constructor(
    private readonly host: LimitHost,
    /** The reserved event. */
    readonly event: string,
    /** The reservation's member in the event's sorted set of reservations. */
    readonly id: string,
    /** When the slot is released if the reservation is never settled (epoch ms of the store's clock). */
    readonly expiresAt: number
  ) {}

  private settle(how: 'commit' | 'cancel'): Promise<E.Either<StorageError, boolean>> {
    const key = this.host.keys.hash(this.event)
    return this.host.timed(
      key,
      how,
      (t, sent, settle) => this.host.send('settle', [key, this.host.keys.held(this.event)], [sent, this.host.frames.at(t).text, how, this.id], key, how, settle),
      E.map((r: Reply) => r[0] !== SETTLED)
    )
  }

  /**
   * Records the event now and releases the slot; refused (`ReservationSettled`) when the
   * reservation was already committed, cancelled or expired.
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import * as E from 'fp-ts/lib/Either.js'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
   * const held = await store.limit().atMost('api', 5, 'minutes').reserve('api')
   * assert.ok(E.isRight(held))
   * assert.ok(E.isRight(await held.right.commit()))
   * const again = await held.right.commit()
   * assert.ok(E.isLeft(again) && again.left._tag === 'ReservationSettled')
   * client.disconnect()
   */
  async commit(): Promise<E.Either<ReservationSettled | StorageError, void>> {
    if (this.state !== 'pending') return E.left(new ReservationSettled(this.event, this.state))
    const settled = await this.settle('commit')
    if (E.isLeft(settled)) return settled
    if (!settled.right) return E.left(new ReservationSettled(this.event, 'expired'))
    this.state = 'committed'
    return E.right(undefined)
  }

  /**
   * Releases the slot without recording; the event exists afterwards (its sum is `some(0)`).
   * Cancelling a settled reservation does nothing.
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
   * const held = await store.limit().atMost('upload', 1, 'days').reserve('upload')
   * assert.ok(E.isRight(held))
   * await held.right.cancel()
   * assert.deepEqual(await store.query('upload').lastDays(1).sum(), E.right(O.some(0)))
   * client.disconnect()
   */
  async cancel(): Promise<E.Either<StorageError, void>> {
    if (this.state !== 'pending') return E.right(undefined)
    const settled = await this.settle('cancel')
    if (E.isLeft(settled)) return settled
    this.state = 'cancelled'
    return E.right(undefined)
  }

  /**
   * Cancels the reservation if it is still pending: `await using r = ...` releases it at the end
   * of scope. Rejects with the `StorageError` when Redis fails (the slot then expires on its own).
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import * as E from 'fp-ts/lib/Either.js'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
   * const limit = store.limit().atMost('job', 1, 'minutes')
   * const held = await limit.reserve('job')
   * assert.ok(E.isRight(held))
   * await held.right[Symbol.asyncDispose]()
   * assert.equal(await limit.allowed('job'), true)
   * client.disconnect()
   */
  async [Symbol.asyncDispose](): Promise<void> {
    const cancelled = await this.cancel()
    if (E.isLeft(cancelled)) throw cancelled.left
  }
}

/**
 * The constraints of one limit, and the ways to check them. Immutable: each constraint method
 * returns a new limit, so one can be built once and used for every request.
 *
 * @example
 * import { Redis } from 'ioredis'
 * import { RedisStore } from 'tiny-counter/redis'
 * import { TestClock } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
 * const clock = TestClock.at(Date.UTC(2026, 0, 5, 10, 0, 45))
 * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC', clock })
 * const api = store.limit().atMost('api_call', 2, 'minutes').atMost('api_call', 100, 'hours')
 * await api.checkAndRecord('api_call')
 * await api.checkAndRecord('api_call')
 * const refused = await api.checkAndRecord('api_call')
 * assert.ok(E.isLeft(refused) && refused.left._tag === 'LimitExceeded')
 * assert.deepEqual(refused.left.retryAfter, O.some(15_000))
 * client.disconnect()
 */
export class RedisLimit {
  private plan: Plan | undefined

  /** @internal Made by the store. */
  constructor(
    private readonly host: LimitHost,
    /** The key-free rules, applied to the checked key (`store.limit(policy)`). */
    private readonly policy: Policy | undefined = undefined,
    private readonly rules: ReadonlyArray<E.Either<ConstraintError, Constraint>> = [],
    /** The same limit on a local store (for the fallback). */
    private readonly local: ReadonlyArray<(builder: LimitBuilder) => LimitBuilder> = []
  ) {}

  private with(rule: E.Either<ConstraintError, Constraint>, local: (builder: LimitBuilder) => LimitBuilder): RedisLimit {
    return new RedisLimit(this.host, this.policy, [...this.rules, rule], [...this.local, local])
  }

  /**
   * At most `limit` events in the window (a unit, `[k, unit]` or a duration), reservations of
   * every process included.
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
   * assert.equal(await store.limit().atMost('api', 100, [7, 'days']).allowed('api'), true)
   * client.disconnect()
   */
  atMost(event: string, limit: number, window: WindowInput): RedisLimit {
    return this.with(Limit.atMost(event, limit, window), (b) => b.atMost(event, limit, window))
  }

  /**
   * At least `limit` events in the window: a prerequisite.
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
   * const api = store.limit().atLeast('user_login', 1, 'days')
   * assert.equal(await api.allowed('protected_api'), false)
   * await store.record('user_login')
   * assert.equal(await api.allowed('protected_api'), true)
   * client.disconnect()
   */
  atLeast(event: string, limit: number, window: WindowInput): RedisLimit {
    return this.with(Limit.atLeast(event, limit, window), (b) => b.atLeast(event, limit, window))
  }

  /**
   * The event never seen, or last seen at least `duration` ago.
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
   * const reset = store.limit().cooldown('password_reset', { hours: 1 })
   * assert.equal(await reset.allowed('password_reset'), true)
   * await store.record('password_reset')
   * assert.equal(await reset.allowed('password_reset'), false)
   * client.disconnect()
   */
  cooldown(event: string, duration: DurationInput): RedisLimit {
    return this.with(Limit.cooldown(event, duration), (b) => b.cooldown(event, duration))
  }

  /**
   * The event seen less than `duration` ago.
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
   * const checkout = store.limit().within('cart_updated', { minutes: 30 })
   * assert.equal(await checkout.allowed('checkout'), false)
   * await store.record('cart_updated')
   * assert.equal(await checkout.allowed('checkout'), true)
   * client.disconnect()
   */
  within(event: string, duration: DurationInput): RedisLimit {
    return this.with(Limit.within(event, duration), (b) => b.within(event, duration))
  }

  /**
   * Only while the schedule matches.
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import { Schedule, TestClock } from 'tiny-counter'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC', clock: TestClock.at(Date.UTC(2026, 0, 5, 8)) })
   * assert.equal(await store.limit().during(Schedule.hours(9, 17)).allowed('api_call'), false)
   * client.disconnect()
   */
  during(schedule: ScheduleInput): RedisLimit {
    return this.with(E.flatMap(toSchedule(schedule), Limit.during), (b) => b.during(schedule))
  }

  /**
   * Only while the schedule does not match.
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import { Schedule, TestClock } from 'tiny-counter'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC', clock: TestClock.at(Date.UTC(2026, 0, 5, 8)) })
   * assert.equal(await store.limit().outsideOf(Schedule.hours(9, 17)).allowed('maintenance'), true)
   * client.disconnect()
   */
  outsideOf(schedule: ScheduleInput): RedisLimit {
    return this.with(E.flatMap(toSchedule(schedule), Limit.outsideOf), (b) => b.outsideOf(schedule))
  }

  /** The constraints, once every rule and name is found valid. */
  private constraints(event: string): E.Either<ConstraintError | InvalidEventName, ReadonlyArray<Constraint>> {
    const refused = refusedName(event)
    if (refused !== undefined) return E.left(refused)
    const out: Constraint[] = []
    for (const rule of this.policy === undefined ? this.rules : [...this.policy.on(event), ...this.rules]) {
      if (E.isLeft(rule)) return rule
      const named = 'event' in rule.right ? refusedName(rule.right.event) : undefined
      if (named !== undefined) return E.left(named)
      out.push(rule.right)
    }
    return E.right(out)
  }

  /**
   * The plan for `event` (the last one is kept: a limit is usually checked on one event). A policy
   * alone names no event but the checked one, so its shape serves every key: only the keys change.
   */
  private planFor(event: string): E.Either<LimitError | ConstraintError | InvalidEventName, Plan> {
    const last = this.plan
    if (last !== undefined && last.event === event) return E.right(last)
    if (last !== undefined && this.rules.length === 0) {
      // A policy whose plan was made: its rules are valid, so only the name can be wrong.
      const refused = refusedName(event)
      if (refused !== undefined) return E.left(refused)
      const keys = this.host.keys
      return E.right((this.plan = { event, events: [event], keys: [keys.hash(event), keys.held(event)], shape: last.shape, constraints: undefined }))
    }
    const found = this.constraints(event)
    if (E.isLeft(found)) return found
    const constraints = found.right
    const layout = this.host.layout
    const events = [event]
    const place = (name: string): number => {
      const i = events.indexOf(name)
      return (i < 0 ? events.push(name) : i + 1)
    }
    const items: Array<ReadonlyArray<string> | Timed> = []
    for (const c of constraints) {
      switch (c._tag) {
        case 'AtMost':
        case 'AtLeast': {
          const resolved = resolveSpan(layout, c.span)
          if (resolved === undefined) {
            // The core says why, in its words.
            const why = Limit.decide([c], { counterOf: () => undefined }, event, 0, layout)
            return E.left(E.isLeft(why) && why.left._tag === 'UntrackedWindow' ? why.left : new UntrackedWindow(c, 'the layout does not track its window'))
          }
          items.push([c._tag === 'AtMost' ? 'M' : 'L', String(place(c.event)), String(resolved.position + 1), String(resolved.buckets), String(c.limit)])
          break
        }
        case 'Cooldown':
        case 'Within':
          items.push({ _tag: 'Seen', kind: c._tag === 'Cooldown' ? 'C' : 'W', event: place(c.event), millis: c.millis })
          break
        case 'During':
        case 'OutsideOf':
          items.push({ _tag: 'Schedule', during: c._tag === 'During', schedule: c.schedule })
          break
      }
    }
    const keys = this.host.keys.scriptKeys(events)
    const short = items.every((i) => Array.isArray(i) && i[1] === '1' && i[3] === '1')
    const lists = items.every(Array.isArray) ? (items as ReadonlyArray<ReadonlyArray<string>>) : undefined
    const tail = lists === undefined ? undefined : short ? lists.map((i) => `${i[0]} ${i[2]} ${i[4]}`).join(' ') : lists.flat().join(' ')
    return E.right((this.plan = { event, events, keys, shape: { items, short, tail, last: undefined }, constraints }))
  }

  /**
   * The decide script's first argument, for a decision at `t`: the mode and the path, the frame
   * (narrowed to the interval where the constraints' own arguments hold) and the constraints. Made
   * once per frame when nothing in it depends on the instant.
   */
  private decisionAt(shape: Shape, t: number, mode: Mode): string {
    const frames = this.host.frames
    const frame = frames.at(t)
    const tail = shape.tail
    if (tail !== undefined) {
      let last = shape.last
      if (last === undefined || last.frame !== frame) last = shape.last = { frame, texts: {} }
      return (last.texts[mode] ??= `${mode}${shape.short ? '1' : '0'} ${frame.text} ${tail}`)
    }
    let lo = frame.lo
    let hi = frame.hi
    const timeZone = this.host.layout.timeZone
    const parts = shape.items.flatMap((item): ReadonlyArray<string> => {
      if (Array.isArray(item)) return item
      const timed = item as Timed
      if (timed._tag === 'Seen') {
        // Per unit, the first bucket that starts after t - millis: a last occurrence there is "recent".
        const firsts = frames.grids.map((grid) => {
          const k = grid.index(t - timed.millis) + 1
          lo = Math.max(lo, grid.start(k - 1) + timed.millis)
          hi = Math.min(hi, grid.start(k) + timed.millis)
          return String(k)
        })
        return [timed.kind, String(timed.event), ...firsts]
      }
      const inside = contains(timed.schedule, t, timeZone)
      // The answer holds until the schedule next changes, and (looking back a second) since then.
      hi = Math.min(hi, nextChange(timed.schedule, t, timeZone))
      lo = Math.max(lo, nextChange(timed.schedule, t - 1_000, timeZone) > t ? t - 1_000 : t)
      return ['S', inside === timed.during ? '1' : '0']
    })
    return `${mode}0 ${lo} ${hi} ${frame.expireAt} ${frame.index.join(' ')} ${parts.join(' ')}`
  }

  /**
   * Decides in Redis: resolves to `then` of the instant of a pass, or of why not (one continuation
   * after Redis answers).
   */
  private decide<A>(event: string, mode: Mode, then: (decided: E.Either<RedisLimitError, number>) => A | Promise<A>, id = '', lifetime = 0): Promise<A> {
    const planned = this.planFor(event)
    if (E.isLeft(planned)) return Promise.resolve(then(planned))
    const plan = planned.right
    const key = plan.keys[0]
    return this.host.timed(
      key,
      'decide',
      (t, sent, settle) =>
        this.host.send('decide', plan.keys, mode === 'h' ? [this.decisionAt(plan.shape, t, mode), sent, id, String(lifetime)] : [this.decisionAt(plan.shape, t, mode), sent], key, 'decide', settle),
      (reply) => then(E.isLeft(reply) ? reply : reply.right[0] === PASSED ? E.right(Number(reply.right[1])) : this.refusal(plan, event, reply.right))
    )
  }

  /**
   * Why the script refused: the core says which constraint and until when, from the counts the
   * script saw. A reply the script never gives (its shape, or a constraint number out of range) is
   * a `StorageError`.
   */
  private refusal(plan: Plan, event: string, r: Reply): E.Either<RedisLimitError, never> {
    const key = plan.keys[0]
    const unexpected = (): E.Either<StorageError, never> => E.left(new StorageError(key, `unexpected reply ${JSON.stringify(r)}`, 'decide'))
    const constraints = plan.constraints ?? E.getOrElse((): ReadonlyArray<Constraint> => [])(this.constraints(event))
    const failed = constraints[Number(r[2]) - 1]
    if (failed === undefined || (r[0] !== REFUSED_NOW && r[0] !== REFUSED)) return unexpected()
    const at = Number(r[1])
    const counters = new Map<string, Counter>()
    const pending = new Map<string, number>()
    const layout = this.host.layout
    try {
      if (r[0] === REFUSED_NOW) {
        const meta = r[3]
        const counts = r.slice(5).map(Number)
        if ((meta !== null && typeof meta !== 'string') || counts.length !== layout.tracks.length || !counts.every(Number.isSafeInteger)) return unexpected()
        const counter = currentCounterOf(layout, meta, this.host.frames.at(at).index, counts)
        if (counter !== undefined) counters.set(event, counter)
        pending.set(event, Number(r[4]))
      } else {
        for (const [e, name] of plan.events.entries()) {
          const fields = r[3 + 2 * e]
          if (!Array.isArray(fields)) return unexpected()
          const hash = plan.keys[e]!
          let counter: Counter | undefined
          try {
            counter = storedCounterOf(layout, hash, fields as ReadonlyArray<string>)
          } catch (damaged) {
            // A hash the refusal read back whole holds a damaged field: as from a read.
            return E.left(new StorageError(hash, damaged, 'decide'))
          }
          if (counter !== undefined) counters.set(name, counter)
          pending.set(name, Number(r[4 + 2 * e]))
        }
      }
    } catch {
      return unexpected()
    }
    const state: LimitState = { counterOf: (name) => counters.get(name), pendingOf: (name) => pending.get(name) ?? 0 }
    const decided = Limit.decide(constraints, state, event, at, layout)
    if (E.isLeft(decided)) return decided
    return E.left(new LimitExceeded(event, failed, O.none))
  }

  /**
   * What `check` and `checkAndRecord` answer for a decision: a pass, why not, or, when Redis failed
   * and a fallback is opted into, what `onLocal` answers with the same limit on the local store.
   */
  private answer<L>(onLocal: (local: LimitBuilder) => L): (decided: E.Either<RedisLimitError, number>) => E.Either<RedisLimitError, void> | L {
    return (decided) => {
      if (E.isRight(decided)) return DONE
      const local = decided.left._tag === 'StorageError' ? this.fellBack(decided.left) : undefined
      return local === undefined ? decided : onLocal(local)
    }
  }

  /** The same limit on the fallback store, after telling its listener; `undefined` without one. */
  private fellBack(error: StorageError): LimitBuilder | undefined {
    const store = this.host.fellBack(error)
    return store === undefined ? undefined : this.local.reduce((builder, step) => step(builder), store.limit(this.policy))
  }

  /**
   * Evaluates every constraint at Redis's instant; never records or creates anything.
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import * as E from 'fp-ts/lib/Either.js'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
   * assert.ok(E.isRight(await store.limit().atMost('api', 100, 'hours').check('api')))
   * assert.deepEqual(await store.events(), E.right([]))
   * client.disconnect()
   */
  check(event: string): Promise<E.Either<RedisLimitError, void>> {
    return this.decide(event, 'c', this.answer((local) => local.check(event)))
  }

  /**
   * Records one `event` now if every constraint passes, in the same script call; records nothing
   * otherwise.
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
   * const once = store.limit().atMost('welcome_mail', 1, 'days')
   * assert.ok(E.isRight(await once.checkAndRecord('welcome_mail')))
   * assert.ok(E.isLeft(await once.checkAndRecord('welcome_mail')))
   * assert.deepEqual(await store.query('welcome_mail').lastDays(1).sum(), E.right(O.some(1)))
   * client.disconnect()
   */
  checkAndRecord(event: string): Promise<E.Either<RedisLimitError | RecordRefusal, void>> {
    return this.decide(event, 'r', this.answer((local) => local.checkAndRecord(event)))
  }

  /**
   * Whether the check passes, as a boolean: `false` when it is refused, invalid, or Redis fails
   * (use `check` to tell these apart).
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
   * if (await store.limit().atMost('api', 100, 'hours').allowed('api')) await store.record('api')
   * assert.equal(await store.limit().atMost('api', 1, 'hours').allowed('api'), false)
   * client.disconnect()
   */
  async allowed(event: string): Promise<boolean> {
    return E.isRight(await this.check(event))
  }

  /**
   * Events counted against the first `atMost` constraint (pending reservations of every process
   * included), its limit and what remains (never below 0).
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import * as E from 'fp-ts/lib/Either.js'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
   * await store.recordCount('api_call', 30)
   * assert.deepEqual(await store.limit().atMost('api_call', 100, 'hours').usage('api_call'), E.right({ count: 30, limit: 100, remaining: 70 }))
   * const none = await store.limit().cooldown('reset', { hours: 1 }).usage('reset')
   * assert.ok(E.isLeft(none) && none.left._tag === 'NoAtMostConstraint')
   * client.disconnect()
   */
  async usage(event: string): Promise<E.Either<NoAtMostConstraint | LimitError | ConstraintError | InvalidEventName | StorageError, Usage>> {
    const found = this.constraints(event)
    if (E.isLeft(found)) return found
    const first = found.right.find((c) => c._tag === 'AtMost')
    if (first === undefined || first._tag !== 'AtMost') return E.left(new NoAtMostConstraint())
    const read = await this.host.read([first.event])
    if (E.isLeft(read)) {
      const local = this.fellBack(read.left)
      return local === undefined ? read : local.usage(event)
    }
    const { counters, pending, at } = read.right
    const state: LimitState = { counterOf: (name) => counters.get(name), pendingOf: (name) => pending.get(name) ?? 0 }
    return E.flatMap(Limit.usage([first], state, at, this.host.layout), (usage) => (O.isNone(usage) ? E.left(new NoAtMostConstraint()) : E.right(usage.value)))
  }

  /**
   * Passes the check counting the pending reservations of every process, then holds a slot in
   * Redis until the reservation is committed, cancelled or expires (default 60 s), in one script
   * call. Never falls back to a local store.
   *
   * @example
   * import { Redis } from 'ioredis'
   * import { RedisStore } from 'tiny-counter/redis'
   * import * as E from 'fp-ts/lib/Either.js'
   * const client = new Redis(Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390))
   * const store = await RedisStore.connect({ client, prefix: `example:${crypto.randomUUID()}`, timeZone: 'UTC' })
   * const limit = store.limit().atMost('api', 2, 'hours')
   * const held = [await limit.reserve('api'), await limit.reserve('api'), await limit.reserve('api', { expiresAfter: { seconds: 5 } })]
   * assert.deepEqual(held.map(E.isRight), [true, true, false])
   * client.disconnect()
   */
  async reserve(event: string, options: ReserveOptions = {}): Promise<E.Either<RedisLimitError | InvalidDuration, RedisReservation>> {
    const lifetime = options.expiresAfter === undefined ? E.right(DEFAULT_RESERVATION_MILLIS) : durationMillis(options.expiresAfter)
    if (E.isLeft(lifetime)) return lifetime
    const id = crypto.randomUUID()
    return this.decide(event, 'h', E.map((at: number) => new RedisReservation(this.host, event, id, at + lifetime.right)), id, lifetime.right)
  }
}
