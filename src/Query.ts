/**
 * Pure queries over a counter at an instant. `none` means no data: the unit is not tracked (or,
 * for the "seen" queries and `averageNonzero`, nothing was ever counted); `some(0)` means tracked
 * and zero. A query at an instant earlier than the counter's newest bucket reads from that bucket:
 * time never runs backwards inside a counter.
 *
 * Every query throws `InvalidInstant` for an `at` that is not an instant, and `InvalidWindow` or
 * `UnknownUnit` for a window that `Window.range` would refuse (one built by hand).
 *
 * Laws (checked in `laws/`): `sum` is a monoid homomorphism from `merge` to saturating addition;
 * a window's sum never exceeds the sum over `ever` for counters built by recording.
 */
import * as O from './internal/option.js'
import type { Counter } from './Counter.js'
import { MAX_COUNT, isCounter, isInstant } from './Counter.js'
import type { TimeUnit } from './TimeUnit.js'
import type { Window } from './Window.js'
import { ever } from './Window.js'
import { InvalidInstant } from './errors.js'
import type { Compiled } from './internal/compiled.js'
import { compile, positionOf } from './internal/compiled.js'
import { NO_COUNTS, someCount } from './internal/counts.js'
import { dual } from './internal/dual.js'
import { runSum } from './internal/windowCount.js'
import { checkBuckets } from './internal/windows.js'

// -------------------------------------------------------------------------------------------------
// reading a window
// -------------------------------------------------------------------------------------------------

/**
 * The stored counts of one unit seen from an instant: bucket `i` is stored bucket `i - shift`, and
 * stored bucket `j` is `newest` for `j = 0`, `older[j - 1]` after (see `stored`).
 */
interface View {
  readonly position: number
  readonly newest: number
  readonly older: ReadonlyArray<number>
  /** Buckets between the counter's newest bucket and the current one. */
  readonly shift: number
  /** Absolute index of bucket 0. */
  readonly current: number
  readonly from: number
  /** Exclusive end, clamped to the unit's bucket count. */
  readonly to: number
}

const viewOf = (self: Counter, compiled: Compiled, position: number, at: number, from: number, to: number): View => {
  const index = compiled.grids[position]!.indexOf(at)
  const length = compiled.lengths[position]!
  const end = to < length ? to : length
  if (self.heads.length === 0) return { position, newest: 0, older: NO_COUNTS, shift: 0, current: index, from, to: end }
  const head = self.heads[position]!
  return index > head
    ? { position, newest: self.newest[position]!, older: self.older[position]!, shift: index - head, current: index, from, to: end }
    : { position, newest: self.newest[position]!, older: self.older[position]!, shift: 0, current: head, from, to: end }
}

const windowView = (self: Counter, window: Window, at: number): View | undefined => {
  if (!isInstant(at)) throw new InvalidInstant(at)
  const compiled = compile(self.layout)
  if (window?._tag === 'Ever') {
    const position = everPosition(self, compiled, at)
    return viewOf(self, compiled, position, at, 0, compiled.lengths[position]!)
  }
  // A window built by hand is checked as Window.range checks one: negative or fractional bounds
  // would read buckets that do not exist, an unknown unit would read as an untracked one; no window
  // at all (null) has no unit.
  checkBuckets(window?.unit, window?.from, window?.to)
  const position = positionOf(compiled, window.unit)
  return position < 0 ? undefined : viewOf(self, compiled, position, at, window.from, window.to)
}

/** The position of the unit whose oldest bucket starts earliest at `at` (ties: the coarser). */
const everPosition = (self: Counter, compiled: Compiled, at: number): number => {
  const { grids, lengths } = compiled
  let best = grids.length - 1
  if (best === 0) return 0
  let earliest = Infinity
  for (let u = grids.length - 1; u >= 0; u--) {
    const index = grids[u]!.indexOf(at)
    const head = self.heads.length === 0 ? index : self.heads[u]!
    const start = grids[u]!.startOf((index > head ? index : head) - lengths[u]! + 1)
    if (start < earliest) {
      earliest = start
      best = u
    }
  }
  return best
}

/** Stored bucket `j` of a view (`0 <= j <= older.length`). */
const stored = (view: View, j: number): number => (j === 0 ? view.newest : view.older[j - 1]!)

const sumOf = (view: View): number => {
  const sum = runSum(view.newest, view.older, 0, view.older.length, view.shift, view.from, view.to)
  return sum > MAX_COUNT ? MAX_COUNT : sum
}

const nonzeroOf = (view: View): number => {
  const end = Math.min(view.to, view.shift + 1 + view.older.length)
  let nonzero = 0
  for (let i = Math.max(view.from, view.shift); i < end; i++) if (stored(view, i - view.shift) > 0) nonzero++
  return nonzero
}

const countAt = (view: View, i: number): number => {
  const j = i - view.shift
  return j >= 0 && j <= view.older.length ? stored(view, j) : 0
}

// -------------------------------------------------------------------------------------------------
// aggregations
// -------------------------------------------------------------------------------------------------

/**
 * The number of events in the window, saturating at `MAX_COUNT`; `none` when the unit is not tracked.
 *
 * @example
 * import { Counter, Layout, Query, Window } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * import { pipe } from 'fp-ts/lib/function.js'
 * const now = Date.UTC(2026, 4, 20, 18)
 * const counter = E.getOrElseW(() => Counter.empty(Layout.utc))(Counter.singleton(Layout.utc, now, 2))
 * assert.deepEqual(Query.sum(counter, Window.last(7, 'days'), now), O.some(2))
 * assert.deepEqual(pipe(counter, Query.sum(Window.last(7, 'days'), now)), O.some(2))
 * assert.deepEqual(Query.sum(counter, Window.last(1, 'weeks'), now), O.none) // weeks are not tracked
 * assert.throws(() => Query.sum(counter, { _tag: 'Buckets', unit: 'days', from: -1, to: 7 }, now), { name: 'InvalidWindow' })
 */
export const sum: {
  (window: Window, at: number): (self: Counter) => O.Option<number>
  (self: Counter, window: Window, at: number): O.Option<number>
} = function (a: any, b?: any, c?: any): any {
  // Dispatches by itself rather than through `dual` (as `Counter.record` does): the hottest query.
  return isCounter(a) ? sumIn(a, b, c) : (self: Counter) => sumIn(self, a, b)
}

const sumIn = (self: Counter, window: Window, at: number): O.Option<number> => {
  const view = windowView(self, window, at)
  return view === undefined ? O.none : someCount(sumOf(view))
}

/**
 * The sum divided by the number of buckets in the window, zeros included; `none` when the unit is
 * not tracked or the window holds no bucket.
 *
 * @example
 * import { Counter, Layout, Query, Window } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const now = Date.UTC(2026, 4, 20, 18)
 * const counter = E.getOrElseW(() => Counter.empty(Layout.utc))(Counter.singleton(Layout.utc, now, 14))
 * assert.deepEqual(Query.average(counter, Window.last(28, 'days'), now), O.some(0.5))
 */
export const average: {
  (window: Window, at: number): (self: Counter) => O.Option<number>
  (self: Counter, window: Window, at: number): O.Option<number>
} = dual(isCounter, (self: Counter, window: Window, at: number): O.Option<number> => {
  const view = windowView(self, window, at)
  return view === undefined || view.to <= view.from ? O.none : O.some(sumOf(view) / (view.to - view.from))
})

/**
 * The sum divided by the number of non-zero buckets; `none` when there is none.
 *
 * @example
 * import { Counter, Layout, Query, Window } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * import { pipe } from 'fp-ts/lib/function.js'
 * const now = Date.UTC(2026, 4, 20, 18)
 * const counter = pipe(
 *   Counter.singleton(Layout.utc, now - 2 * 86_400_000, 4),
 *   E.flatMap(Counter.record(now, 2)),
 *   E.getOrElseW(() => Counter.empty(Layout.utc))
 * )
 * assert.deepEqual(Query.averageNonzero(counter, Window.last(28, 'days'), now), O.some(3))
 * assert.deepEqual(Query.averageNonzero(Counter.empty(Layout.utc), Window.last(28, 'days'), now), O.none)
 */
export const averageNonzero: {
  (window: Window, at: number): (self: Counter) => O.Option<number>
  (self: Counter, window: Window, at: number): O.Option<number>
} = dual(isCounter, (self: Counter, window: Window, at: number): O.Option<number> => {
  const view = windowView(self, window, at)
  if (view === undefined) return O.none
  const nonzero = nonzeroOf(view)
  return nonzero === 0 ? O.none : O.some(sumOf(view) / nonzero)
})

/**
 * The number of buckets in the window that hold at least one event ("active on 15 of 28 days").
 *
 * @example
 * import { Counter, Layout, Query, Window } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const now = Date.UTC(2026, 4, 20, 18)
 * let counter = Counter.empty(Layout.utc)
 * for (const daysAgo of [0, 1, 5, 5, 9]) {
 *   counter = E.getOrElse(() => counter)(Counter.record(counter, now - daysAgo * 86_400_000))
 * }
 * assert.deepEqual(Query.countNonzero(counter, Window.last(28, 'days'), now), O.some(4))
 */
export const countNonzero: {
  (window: Window, at: number): (self: Counter) => O.Option<number>
  (self: Counter, window: Window, at: number): O.Option<number>
} = dual(isCounter, (self: Counter, window: Window, at: number): O.Option<number> => {
  const view = windowView(self, window, at)
  return view === undefined ? O.none : someCount(nonzeroOf(view))
})

/**
 * Every bucket of the window as `[index, count]`, index 0 (the current period) first.
 *
 * @example
 * import { Counter, Layout, Query, Window } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const now = Date.UTC(2026, 4, 20, 18)
 * const counter = E.getOrElseW(() => Counter.empty(Layout.utc))(Counter.singleton(Layout.utc, now - 86_400_000, 3))
 * assert.deepEqual(Query.buckets(counter, Window.last(3, 'days'), now), O.some([[0, 0], [1, 3], [2, 0]]))
 */
export const buckets: {
  (window: Window, at: number): (self: Counter) => O.Option<ReadonlyArray<readonly [number, number]>>
  (self: Counter, window: Window, at: number): O.Option<ReadonlyArray<readonly [number, number]>>
} = dual(isCounter, (self: Counter, window: Window, at: number): O.Option<ReadonlyArray<readonly [number, number]>> => {
  const view = windowView(self, window, at)
  if (view === undefined) return O.none
  const out: Array<readonly [number, number]> = []
  for (let i = view.from; i < view.to; i++) out.push([i, countAt(view, i)])
  return O.some(out)
})

// -------------------------------------------------------------------------------------------------
// first and last seen
// -------------------------------------------------------------------------------------------------

/** Milliseconds from the middle of bucket `i` of a view (cut at `at`) to `at`, never negative. */
const sinceMiddleOf = (self: Counter, view: View, i: number, at: number): number => {
  const grid = compile(self.layout).grids[view.position]!
  const absolute = view.current - i
  const start = grid.startOf(absolute)
  const end = Math.max(start, Math.min(grid.startOf(absolute + 1), at))
  return Math.max(0, Math.round(at - (start + end) / 2))
}

const newestNonzero = (view: View): number => {
  for (let j = 0; j <= view.older.length; j++) {
    if (stored(view, j) > 0) return j + view.shift < view.to ? j + view.shift : -1
  }
  return -1
}

const oldestNonzero = (view: View): number => {
  for (let j = Math.min(view.older.length + 1, view.to - view.shift) - 1; j >= 0; j--) {
    if (stored(view, j) > 0) return j + view.shift
  }
  return -1
}

/**
 * Milliseconds since the newest event, estimated from the finest unit that holds data as the time
 * since the middle of its newest non-zero bucket (cut at `at`): off by at most half a bucket of that
 * unit. `none` when nothing was ever counted.
 *
 * @example
 * import { Counter, Layout, Query } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const recorded = Date.UTC(2026, 1, 3, 10, 15)
 * const counter = E.getOrElseW(() => Counter.empty(Layout.utc))(Counter.singleton(Layout.utc, recorded))
 * // Ten minutes later: the minute bucket 10:15 is the newest, its middle is 10:15:30.
 * assert.deepEqual(Query.lastSeen(counter, recorded + 10 * 60_000), O.some(9 * 60_000 + 30_000))
 * assert.deepEqual(Query.lastSeen(Counter.empty(Layout.utc), recorded), O.none)
 */
export const lastSeen: {
  (at: number): (self: Counter) => O.Option<number>
  (self: Counter, at: number): O.Option<number>
} = dual(isCounter, (self: Counter, at: number): O.Option<number> => {
  if (!isInstant(at)) throw new InvalidInstant(at)
  const compiled = compile(self.layout)
  for (let u = 0; u < compiled.grids.length; u++) {
    const view = viewOf(self, compiled, u, at, 0, compiled.lengths[u]!)
    const i = newestNonzero(view)
    if (i >= 0) return O.some(sinceMiddleOf(self, view, i, at))
  }
  return O.none
})

/**
 * Milliseconds since the oldest event still held, estimated as the time since the middle of the
 * oldest non-zero bucket of the unit that reaches furthest back: off by at most half a bucket of
 * that unit, and never less than `lastSeen`. `none` when nothing is held.
 *
 * @example
 * import { Counter, Layout, Query } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const now = Date.UTC(2026, 6, 15, 12)
 * const counter = E.getOrElseW(() => Counter.empty(Layout.utc))(Counter.singleton(Layout.utc, Date.UTC(2026, 3, 10)))
 * // Months reach furthest back; April 2026's middle is 16 April, 00:00 UTC: 90.5 days before now.
 * assert.deepEqual(Query.firstSeen(counter, now), O.some(90.5 * 86_400_000))
 */
export const firstSeen: {
  (at: number): (self: Counter) => O.Option<number>
  (self: Counter, at: number): O.Option<number>
} = dual(isCounter, (self: Counter, at: number): O.Option<number> => {
  const view = windowView(self, ever, at)!
  const i = oldestNonzero(view)
  if (i < 0) return O.none
  // The first occurrence is never more recent than the last: a coarse unit's estimate can be.
  const first = sinceMiddleOf(self, view, i, at)
  const last = lastSeen(self, at)
  return O.some(O.isSome(last) && last.value > first ? last.value : first)
})

/**
 * Like {@link firstSeen}, in one unit; `none` when the unit is not tracked or holds nothing. Throws
 * `UnknownUnit` for a unit that is not a `TimeUnit`.
 *
 * @example
 * import { Counter, Layout, Query } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const now = Date.UTC(2026, 6, 15, 12)
 * const counter = E.getOrElseW(() => Counter.empty(Layout.utc))(Counter.singleton(Layout.utc, now - 3 * 86_400_000))
 * assert.deepEqual(Query.firstSeenIn(counter, 'days', now), O.some(3 * 86_400_000))
 * assert.deepEqual(Query.firstSeenIn(counter, 'weeks', now), O.none)
 * assert.throws(() => Query.firstSeenIn(counter, 'fortnights' as never, now), { name: 'UnknownUnit' })
 */
export const firstSeenIn: {
  (unit: TimeUnit, at: number): (self: Counter) => O.Option<number>
  (self: Counter, unit: TimeUnit, at: number): O.Option<number>
} = dual(isCounter, (self: Counter, unit: TimeUnit, at: number): O.Option<number> => {
  // Every bucket of the unit (a window is clamped to the unit's buckets), its unit checked as a window's.
  const view = windowView(self, { _tag: 'Buckets', unit, from: 0, to: MAX_COUNT }, at)
  if (view === undefined) return O.none
  const i = oldestNonzero(view)
  return i < 0 ? O.none : O.some(sinceMiddleOf(self, view, i, at))
})
