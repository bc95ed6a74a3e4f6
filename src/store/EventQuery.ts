/**
 * The query builders of the store: `store.query(e).lastDays(7).sum()` and friends. A builder only
 * names what to read; the clock is read, and the counters looked up, when the answer is asked for.
 * Answers follow the pure `Query` module: `none` when the event is unknown or the unit untracked.
 */
import * as O from 'fp-ts/lib/Option.js'
import type { Counter } from '../Counter.js'
import { merge } from '../Counter.js'
import * as Query from '../Query.js'
import type { TimeUnit } from '../TimeUnit.js'
import { isTimeUnit } from '../TimeUnit.js'
import * as Window from '../Window.js'
import { UnknownUnit } from '../errors.js'

/** What a query reads from: the store's counters and its clock. */
export interface Source {
  readonly counterOf: (event: string) => Counter | undefined
  readonly now: () => number
}

/** Chooses a window; shared by the single-event, multi-event, ratio and delta builders. */
abstract class WindowChooser<R> {
  protected abstract over(window: Window.Window): R
  /** The last `n` seconds (bucket 0 is the current second). */
  lastSeconds(n: number): R {
    return this.over(Window.last(n, 'seconds'))
  }
  /** The last `n` minutes (bucket 0 is the current minute). */
  lastMinutes(n: number): R {
    return this.over(Window.last(n, 'minutes'))
  }
  /** The last `n` hours (bucket 0 is the current hour). */
  lastHours(n: number): R {
    return this.over(Window.last(n, 'hours'))
  }
  /** The last `n` days: today so far and the `n - 1` days before. */
  lastDays(n: number): R {
    return this.over(Window.last(n, 'days'))
  }
  /** The last `n` weeks: this week so far (from Monday) and the `n - 1` weeks before. */
  lastWeeks(n: number): R {
    return this.over(Window.last(n, 'weeks'))
  }
  /** The last `n` months: this month so far and the `n - 1` months before. */
  lastMonths(n: number): R {
    return this.over(Window.last(n, 'months'))
  }
  /** The last `n` years: this year so far and the `n - 1` years before. */
  lastYears(n: number): R {
    return this.over(Window.last(n, 'years'))
  }
  /** The last `n` buckets of any unit. */
  last(n: number, unit: TimeUnit): R {
    return this.over(Window.last(n, unit))
  }
  /** Every bucket of the unit that reaches furthest back. */
  ever(): R {
    return this.over(Window.ever)
  }
  /** Day buckets `from <= i < to`: `days(0, 7)` this week of days, `days(7, 14)` the one before. */
  days(from: number, to: number): R {
    return this.over(Window.days(from, to))
  }
  /** Day buckets from `from` on: `daysFrom(14).take(7)`. */
  daysFrom(from: number): { readonly take: (count: number) => R } {
    return { take: (count) => this.over(Window.days(from, from + count)) }
  }
}

/** The aggregations of one window over one counter (or none). */
export class RangeQuery {
  constructor(
    private readonly source: Source,
    private readonly read: (source: Source) => Counter | undefined,
    private readonly window: Window.Window
  ) {}
  private answer<A>(query: (c: Counter, w: Window.Window, at: number) => O.Option<A>): O.Option<A> {
    const counter = this.read(this.source)
    return counter === undefined ? O.none : query(counter, this.window, this.source.now())
  }
  /** The number of events in the window. */
  sum(): O.Option<number> {
    return this.answer(Query.sum)
  }
  /** Events per bucket, zeros included. */
  average(): O.Option<number> {
    return this.answer(Query.average)
  }
  /** Events per non-zero bucket; `none` when every bucket is zero. */
  averageNonzero(): O.Option<number> {
    return this.answer(Query.averageNonzero)
  }
  /** The number of buckets with at least one event. */
  countNonzero(): O.Option<number> {
    return this.answer(Query.countNonzero)
  }
  /** `[index, count]` for every bucket of the window, index 0 (the current period) first. */
  buckets(): O.Option<ReadonlyArray<readonly [number, number]>> {
    return this.answer(Query.buckets)
  }
}

/** `store.query(event)`: a window of one event, or when it was first and last seen. */
export class EventQuery extends WindowChooser<RangeQuery> {
  constructor(
    private readonly source: Source,
    private readonly event: string
  ) {
    super()
  }
  protected over(window: Window.Window): RangeQuery {
    return new RangeQuery(this.source, (source) => source.counterOf(this.event), window)
  }
  /** Milliseconds since the event was last seen (within half a bucket of the finest unit holding it). */
  lastSeen(): O.Option<number> {
    const counter = this.source.counterOf(this.event)
    return counter === undefined ? O.none : Query.lastSeen(counter, this.source.now())
  }
  /** Milliseconds since the oldest occurrence still held (within half a bucket of the longest unit). */
  firstSeen(): O.Option<number> {
    const counter = this.source.counterOf(this.event)
    return counter === undefined ? O.none : Query.firstSeen(counter, this.source.now())
  }
  /** Like `firstSeen`, in one unit; `none` when that unit is not tracked. Throws `UnknownUnit`. */
  firstSeenIn(unit: TimeUnit): O.Option<number> {
    if (!isTimeUnit(unit)) throw new UnknownUnit(unit)
    const counter = this.source.counterOf(this.event)
    return counter === undefined ? O.none : Query.firstSeenIn(counter, unit, this.source.now())
  }
}

/** `store.queryMany(events)`: the events that exist, counted together; `none` when none exists. */
export class ManyQuery extends WindowChooser<RangeQuery> {
  constructor(
    private readonly source: Source,
    private readonly events: ReadonlyArray<string>
  ) {
    super()
  }
  protected over(window: Window.Window): RangeQuery {
    return new RangeQuery(
      this.source,
      (source) => {
        let total: Counter | undefined
        for (const event of this.events) {
          const counter = source.counterOf(event)
          if (counter !== undefined) total = total === undefined ? counter : merge(total, counter)
        }
        return total
      },
      window
    )
  }
}

/** `store.queryRatio(numerator, denominator)`: `none` when either is unknown or the denominator is 0. */
export class RatioQuery extends WindowChooser<O.Option<number>> {
  constructor(
    private readonly source: Source,
    private readonly numerator: string,
    private readonly denominator: string
  ) {
    super()
  }
  protected over(window: Window.Window): O.Option<number> {
    const top = this.source.counterOf(this.numerator)
    const bottom = this.source.counterOf(this.denominator)
    if (top === undefined || bottom === undefined) return O.none
    const at = this.source.now()
    const n = Query.sum(top, window, at)
    const d = Query.sum(bottom, window, at)
    return O.isSome(n) && O.isSome(d) && d.value > 0 ? O.some(n.value / d.value) : O.none
  }
}

/** The net change of a window: positive minus negative; a missing side or unit counts 0. */
export class DeltaRange {
  constructor(
    private readonly source: Source,
    private readonly positive: string,
    private readonly negative: string,
    private readonly window: Window.Window
  ) {}
  private sides(query: typeof Query.sum): readonly [number, number] {
    const at = this.source.now()
    const side = (event: string): number => {
      const counter = this.source.counterOf(event)
      return counter === undefined ? 0 : O.getOrElse(() => 0)(query(counter, this.window, at))
    }
    return [side(this.positive), side(this.negative)]
  }
  /** Positive minus negative events in the window; may be negative. */
  sum(): number {
    const [positive, negative] = this.sides(Query.sum)
    return positive - negative
  }
  /** The net change per bucket of the window (zeros included); 0 for an empty window. */
  average(): number {
    const [positive, negative] = this.sides(Query.average)
    return positive - negative
  }
}

/** `store.queryDelta(positive, negative)`. */
export class DeltaQuery extends WindowChooser<DeltaRange> {
  constructor(
    private readonly source: Source,
    private readonly positive: string,
    private readonly negative: string
  ) {
    super()
  }
  protected over(window: Window.Window): DeltaRange {
    return new DeltaRange(this.source, this.positive, this.negative, window)
  }
}
