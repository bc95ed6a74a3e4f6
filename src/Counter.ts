/**
 * A counter: the counts of one event in buckets of each tracked unit, as a readonly plain value.
 *
 * Each tracked unit keeps the absolute index of its newest bucket (its head), the count of that
 * bucket, and the counts of its older buckets, newest first, without trailing zeros (a missing
 * bucket counts 0). The newest bucket is kept apart because that is where recording "now" lands:
 * a record into the current buckets copies one number per unit, not every bucket. Every counter
 * carries its layout. Laws (checked in `laws/`): `merge` is associative and commutative with `empty` as
 * identity; `record(c, t, n)` equals `merge(c, singleton(t, n))`; `rotate` is idempotent, composes
 * to the later instant and distributes over `merge`; no unit ever holds more buckets than its layout.
 */
import * as E from '#fp-ts/Either'
import type * as Eq_ from '#fp-ts/Eq'
import type { Monoid } from '#fp-ts/Monoid'
import type { Layout } from './Layout.js'
import { Eq as LayoutEq } from './Layout.js'
import type { RecordError } from './errors.js'
import { InvalidCount, InvalidInstant } from './errors.js'
import { compile } from './internal/compiled.js'
import { MAX_INSTANT, MIN_INSTANT } from './internal/grids.js'
import { NO_COUNTS, sameNumbers, saturated, zerosOf } from './internal/counts.js'
import { dual } from './internal/dual.js'

// -------------------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------------------

/**
 * The counts of one event. Plain readonly data: it survives `JSON.stringify`, `structuredClone`,
 * Redux's serializability check and Immer's auto-freeze.
 *
 * @example
 * import { Counter, Layout } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const counter = E.getOrElseW(() => Counter.empty(Layout.utc))(Counter.singleton(Layout.utc, Date.UTC(2026, 0, 1, 9), 2))
 * assert.deepEqual(JSON.parse(JSON.stringify(counter)), counter)
 */
export interface Counter {
  readonly layout: Layout
  /** Absolute index of the newest bucket of each track; empty for the empty counter. */
  readonly heads: ReadonlyArray<number>
  /** Count of the newest bucket of each track (bucket 0); empty for the empty counter. */
  readonly newest: ReadonlyArray<number>
  /**
   * Counts of the older buckets of each track, newest first (bucket 1, 2, ...), trailing zeros
   * left out; empty for the empty counter.
   */
  readonly older: ReadonlyArray<ReadonlyArray<number>>
}

/** The largest count: sums and counts saturate here instead of losing precision. */
export const MAX_COUNT = Number.MAX_SAFE_INTEGER

/**
 * Whether a value is a non-negative safe integer, the only kind of count a counter accepts.
 *
 * @example
 * import { Counter } from 'tiny-counter'
 * assert.equal(Counter.isCount(3), true)
 * assert.equal(Counter.isCount(-1), false)
 * assert.equal(Counter.isCount(0.5), false)
 */
export const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0

/**
 * Whether a value is an instant the core accepts: an integer epoch millisecond within ±8.64e15.
 *
 * @example
 * import { Counter } from 'tiny-counter'
 * assert.equal(Counter.isInstant(Date.UTC(2026, 0, 1)), true)
 * assert.equal(Counter.isInstant(Number.NaN), false)
 */
export const isInstant = (t: unknown): t is number =>
  Number.isSafeInteger(t) && (t as number) >= MIN_INSTANT && (t as number) <= MAX_INSTANT

/**
 * Whether a value has the shape of a counter (a quick structural check, not a full validation).
 *
 * @example
 * import { Counter, Layout } from 'tiny-counter'
 * assert.equal(Counter.isCounter(Counter.empty(Layout.utc)), true)
 * assert.equal(Counter.isCounter({ _tag: 'Ever' }), false)
 */
export const isCounter = (u: unknown): u is Counter =>
  typeof u === 'object' && u !== null && 'heads' in u && 'older' in u && 'layout' in u

/**
 * Each unit's buckets in one array, newest first (bucket 0 is the newest), trailing zeros left
 * out: the counter as a table, as the version 1 formats stored it.
 *
 * @example
 * import { Counter, Layout } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const at = Date.UTC(2026, 0, 5, 10)
 * const counter = E.getOrElseW(() => Counter.empty(Layout.utc))(Counter.singleton(Layout.utc, at - 2 * 3_600_000, 4))
 * assert.deepEqual(Counter.toBuckets(Counter.rotate(counter, at))[1], [0, 0, 4]) // hours: now, 1 h ago, 2 h ago
 */
export const toBuckets = (self: Counter): ReadonlyArray<ReadonlyArray<number>> =>
  self.older.map((older, u) => {
    const newest = self.newest[u]!
    return older.length === 0 ? (newest === 0 ? NO_COUNTS : [newest]) : [newest, ...older]
  })

/**
 * The counter with these heads and buckets (each unit's newest first, as `toBuckets` gives them);
 * trailing zeros are dropped. No validation: decode outside data with `CounterCodec`.
 *
 * @example
 * import { Counter, Layout } from 'tiny-counter'
 * const counter = Counter.fromBuckets(Layout.utc, [29_000_000, 483_000, 20_000, 657], [[1], [2, 0, 1], [3, 0, 0], [3]])
 * assert.deepEqual(counter.newest, [1, 2, 3, 3])
 * assert.deepEqual(counter.older, [[], [0, 1], [], []])
 * assert.ok(Counter.Eq.equals(Counter.fromBuckets(counter.layout, counter.heads, Counter.toBuckets(counter)), counter))
 */
export const fromBuckets = (layout: Layout, heads: ReadonlyArray<number>, buckets: ReadonlyArray<ReadonlyArray<number>>): Counter => {
  if (heads.length === 0) return empty(layout)
  return {
    layout,
    heads,
    newest: buckets.map((counts) => counts[0] ?? 0),
    older: buckets.map((counts) => {
      let end = counts.length
      while (end > 1 && counts[end - 1] === 0) end--
      return end <= 1 ? NO_COUNTS : counts.slice(1, end)
    })
  }
}

// -------------------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------------------

/**
 * The counter with no data: the identity of `merge`.
 *
 * @example
 * import { Counter, Layout } from 'tiny-counter'
 * const counter = Counter.empty(Layout.utc)
 * assert.equal(Counter.isEmpty(counter), true)
 */
export const empty = (layout: Layout): Counter => ({ layout, heads: [], newest: [], older: [] })

/**
 * Whether a counter is the empty one (never recorded into, never rotated).
 *
 * @example
 * import { Counter, Layout } from 'tiny-counter'
 * assert.equal(Counter.isEmpty(Counter.empty(Layout.utc)), true)
 */
export const isEmpty = (self: Counter): boolean => self.heads.length === 0

/**
 * A counter holding `n` events (default 1) at instant `at`, or the reason it cannot.
 *
 * @example
 * import { Counter, Layout, Query, Window } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const at = Date.UTC(2026, 2, 14, 15, 9)
 * const counter = Counter.singleton(Layout.utc, at, 3)
 * assert.ok(E.isRight(counter))
 * assert.deepEqual(Query.sum(counter.right, Window.last(1, 'hours'), at), O.some(3))
 */
export const singleton = (layout: Layout, at: number, n: number = 1): E.Either<RecordError, Counter> => {
  if (!isInstant(at)) return E.left(new InvalidInstant(at))
  if (!isCount(n)) return E.left(new InvalidCount(n))
  return E.right(singletonUnsafe(layout, at, n))
}

const singletonUnsafe = (layout: Layout, at: number, n: number): Counter => {
  const { grids } = compile(layout)
  const heads: number[] = []
  const newest: number[] = []
  const older: Array<ReadonlyArray<number>> = []
  for (let u = 0; u < grids.length; u++) {
    heads.push(grids[u]!.indexOf(at))
    newest.push(n)
    older.push(NO_COUNTS)
  }
  return { layout, heads, newest, older }
}

// -------------------------------------------------------------------------------------------------
// transformations
// -------------------------------------------------------------------------------------------------

/**
 * Adds `n` events (default 1) at instant `at`: each unit adds them to the bucket holding `at`, and a
 * unit whose buckets no longer reach back to `at` drops them (a coarser unit may still keep them).
 * An instant later than the newest bucket first rotates the counter forward. A count that is not a
 * non-negative safe integer, or an instant that is not an integer epoch millisecond, is refused and
 * nothing changes.
 *
 * @example
 * import { Counter, Layout, Query, Window } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * import { pipe } from 'fp-ts/lib/function.js'
 * const now = Date.UTC(2026, 5, 1, 12)
 * const counter = pipe(
 *   Counter.singleton(Layout.utc, now - 3 * 3_600_000, 1),   // three hours ago
 *   E.flatMap(Counter.record(now - 90 * 86_400_000, 5)),    // 90 days ago: too old for days
 *   E.flatMap(Counter.record(now))
 * )
 * assert.ok(E.isRight(counter))
 * assert.deepEqual(Query.sum(counter.right, Window.last(24, 'hours'), now), O.some(2))
 * assert.deepEqual(Query.sum(counter.right, Window.last(32, 'days'), now), O.some(2))
 * assert.deepEqual(Query.sum(counter.right, Window.last(12, 'months'), now), O.some(7))
 */
export const record: {
  (at: number, n?: number): (self: Counter) => E.Either<RecordError, Counter>
  (self: Counter, at: number, n?: number): E.Either<RecordError, Counter>
} = function (a: any, b?: any, c?: any): any {
  // The hottest function of the library dispatches by itself rather than through `dual`, whose
  // wrapper every dual function shares: here V8 sees `recordInto` alone and inlines it.
  return isCounter(a) ? recordInto(a, b, c) : (self: Counter) => recordInto(self, a, b)
}

const recordInto = (self: Counter, at: number, n: number = 1): E.Either<RecordError, Counter> => {
  if (!isInstant(at)) return E.left(new InvalidInstant(at))
  if (!isCount(n)) return E.left(new InvalidCount(n))
  return E.right(isEmpty(self) ? singletonUnsafe(self.layout, at, n) : advance(self, at, n))
}

/**
 * Moves every unit forward so that its newest bucket is the one holding `at`; buckets that fall
 * off the end are dropped. Never moves backwards: rotating to an earlier instant changes nothing.
 * The empty counter stays empty. Throws `InvalidInstant` for a value that is not an integer epoch
 * millisecond: that is a bug in the caller, not data.
 *
 * @example
 * import { Counter, Layout, Query, Window } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const monday = Date.UTC(2026, 0, 5, 10)
 * const counter = E.getOrElseW(() => Counter.empty(Layout.utc))(Counter.singleton(Layout.utc, monday, 4))
 * const later = Counter.rotate(counter, monday + 2 * 3_600_000)
 * assert.deepEqual(later.newest[1], 0) // hours: now
 * assert.deepEqual(later.older[1], [0, 4]) // an hour ago, two hours ago
 * assert.deepEqual(Query.sum(later, Window.last(1, 'days'), monday + 2 * 3_600_000), O.some(4))
 */
export const rotate: {
  (at: number): (self: Counter) => Counter
  (self: Counter, at: number): Counter
} = dual(
  isCounter,
  (self: Counter, at: number): Counter => {
    if (!isInstant(at)) throw new InvalidInstant(at)
    return isEmpty(self) ? self : advance(self, at, 0)
  }
)

/**
 * Record `n` (possibly 0) at `at` into a non-empty counter; returns `self` when nothing changes.
 * This is the hot path of `record`: per unit, one cached grid look-up. A record into the newest
 * buckets (the common case: "now") copies the array of newest counts alone; the older buckets of a
 * unit are copied only when it moves to a new bucket or an older bucket receives the events.
 */
const advance = (self: Counter, at: number, n: number): Counter => {
  const { grids, lengths } = compile(self.layout)
  const heads = self.heads
  let newHeads: number[] | undefined
  let newest: number[] | undefined
  let older: Array<ReadonlyArray<number>> | undefined
  for (let u = 0; u < grids.length; u++) {
    const index = grids[u]!.indexOf(at)
    const head = heads[u]!
    if (index === head) {
      if (n === 0) continue
      newest ??= self.newest.slice()
      newest[u] = saturated(newest[u]! + n)
    } else if (index > head) {
      newHeads ??= heads.slice()
      newHeads[u] = index
      newest ??= self.newest.slice()
      older ??= self.older.slice()
      older[u] = olderAfter(self.newest[u]!, self.older[u]!, index - head, lengths[u]!)
      newest[u] = n
    } else if (n !== 0 && head - index < lengths[u]!) {
      older ??= self.older.slice()
      older[u] = addAt(self.older[u]!, head - index - 1, n)
    }
  }
  if (newHeads === undefined && newest === undefined && older === undefined) return self
  return { layout: self.layout, heads: newHeads ?? heads, newest: newest ?? self.newest, older: older ?? self.older }
}

/**
 * Adds two counters bucket by bucket after aligning both to the later head; the result has the
 * layout of `self` (`that` is converted first when its layout differs). Counts saturate at
 * `MAX_COUNT`. Associative and commutative, with `empty` as identity.
 *
 * @example
 * import { Counter, Layout, Query, Window } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const at = Date.UTC(2026, 3, 1, 8)
 * const phone = E.getOrElseW(() => Counter.empty(Layout.utc))(Counter.singleton(Layout.utc, at - 86_400_000, 100))
 * const laptop = E.getOrElseW(() => Counter.empty(Layout.utc))(Counter.singleton(Layout.utc, at, 50))
 * const both = Counter.merge(phone, laptop)
 * assert.deepEqual(Query.sum(both, Window.last(7, 'days'), at), O.some(150))
 * assert.deepEqual([both.newest[2], both.older[2]], [50, [100]]) // days: today, yesterday
 */
export const merge: {
  (that: Counter): (self: Counter) => Counter
  (self: Counter, that: Counter): Counter
} = dual(
  (_, argumentCount) => argumentCount >= 2,
  (self: Counter, that: Counter): Counter => {
    const other = convert(that, self.layout)
    if (isEmpty(other)) return self
    if (isEmpty(self)) return other
    const { lengths } = compile(self.layout)
    const heads: number[] = []
    const newest: number[] = []
    const older: Array<ReadonlyArray<number>> = []
    for (let u = 0; u < lengths.length; u++) {
      const a = self.heads[u]!
      const b = other.heads[u]!
      const head = a > b ? a : b
      heads.push(head)
      newest.push(saturated((a === head ? self.newest[u]! : 0) + (b === head ? other.newest[u]! : 0)))
      older.push(added(olderAfter(self.newest[u]!, self.older[u]!, head - a, lengths[u]!), olderAfter(other.newest[u]!, other.older[u]!, head - b, lengths[u]!)))
    }
    return { layout: self.layout, heads, newest, older }
  }
)

/**
 * Re-expresses a counter in another layout: more buckets keep the data and add zeros, fewer keep
 * the most recent, units the new layout adds start at zero, units it drops are dropped. When the
 * alignment or time zone changes, each unit keeps its counts newest first and its newest bucket
 * becomes the one holding the start of the old newest bucket.
 *
 * @example
 * import { Counter, Layout, Query, Window } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const at = Date.UTC(2026, 6, 20, 12)
 * const week = E.getOrElseW(() => { throw new Error() })(Layout.make({ days: 7 }, { timeZone: 'UTC' }))
 * const threeDays = E.getOrElseW(() => { throw new Error() })(Layout.make({ days: 3, weeks: 4 }, { timeZone: 'UTC' }))
 * let counter = Counter.empty(week)
 * for (let day = 0; day < 7; day++) counter = E.getOrElse(() => counter)(Counter.record(counter, at - day * 86_400_000, 1))
 * const shrunk = Counter.convert(counter, threeDays)
 * assert.deepEqual(Query.sum(shrunk, Window.last(7, 'days'), at), O.some(3))
 * assert.deepEqual(Query.sum(shrunk, Window.last(4, 'weeks'), at), O.some(0))
 */
export const convert: {
  (layout: Layout): (self: Counter) => Counter
  (self: Counter, layout: Layout): Counter
} = dual(
  (_, argumentCount) => argumentCount >= 2,
  (self: Counter, layout: Layout): Counter => {
    if (self.layout === layout) return self
    // Built as a literal (not a spread): every counter then shares one object shape, which keeps
    // the property reads of the hot paths monomorphic.
    if (LayoutEq.equals(self.layout, layout)) return { layout, heads: self.heads, newest: self.newest, older: self.older }
    if (isEmpty(self)) return empty(layout)
    const from = compile(self.layout)
    const to = compile(layout)
    const sameGrids = self.layout.alignment === layout.alignment && self.layout.timeZone === layout.timeZone
    // New units start at the bucket holding the start of the finest old unit's newest bucket.
    const anchor = from.grids[0]!.startOf(self.heads[0]!)
    const heads: number[] = []
    const newest: number[] = []
    const older: Array<ReadonlyArray<number>> = []
    layout.tracks.forEach((track, u) => {
      const old = from.position[track.unit]
      if (old < 0) {
        heads.push(to.grids[u]!.indexOf(anchor))
        newest.push(0)
        older.push(NO_COUNTS)
        return
      }
      const head = self.heads[old]!
      heads.push(sameGrids ? head : to.grids[u]!.indexOf(from.grids[old]!.startOf(head)))
      newest.push(self.newest[old]!)
      older.push(truncated(self.older[old]!, track.buckets - 1))
    })
    return { layout, heads, newest, older }
  }
)

// -------------------------------------------------------------------------------------------------
// instances
// -------------------------------------------------------------------------------------------------

/**
 * Equality of counters: same layout, heads and counts.
 *
 * @example
 * import { Counter, Layout } from 'tiny-counter'
 * const a = Counter.singleton(Layout.utc, Date.UTC(2026, 0, 1), 1)
 * const b = Counter.singleton(Layout.utc, Date.UTC(2026, 0, 1), 1)
 * assert.ok(a._tag === 'Right' && b._tag === 'Right' && Counter.Eq.equals(a.right, b.right))
 */
export const Eq: Eq_.Eq<Counter> = {
  equals: (x, y) =>
    x === y ||
    (LayoutEq.equals(x.layout, y.layout) &&
      sameNumbers(x.heads, y.heads) &&
      sameNumbers(x.newest, y.newest) &&
      x.older.length === y.older.length &&
      x.older.every((older, u) => sameNumbers(older, y.older[u]!)))
}

/**
 * The commutative monoid of counters of one layout: `concat` is `merge` (both sides converted to
 * the layout), `empty` is the empty counter.
 *
 * @example
 * import { Counter, Layout, Query, Window } from 'tiny-counter'
 * import { concatAll } from 'fp-ts/lib/Monoid.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const at = Date.UTC(2026, 8, 9, 9)
 * const servers = [1, 2, 3].map((n) => E.getOrElseW(() => Counter.empty(Layout.utc))(Counter.singleton(Layout.utc, at, n)))
 * const total = concatAll(Counter.getMonoid(Layout.utc))(servers)
 * assert.deepEqual(Query.sum(total, Window.last(1, 'hours'), at), O.some(6))
 */
export const getMonoid = (layout: Layout): Monoid<Counter> => ({
  concat: (x, y) => merge(convert(x, layout), y),
  empty: empty(layout)
})

// -------------------------------------------------------------------------------------------------
// bucket arrays (newest first, no trailing zeros)
// -------------------------------------------------------------------------------------------------

/**
 * The older buckets of a unit after it moves `by >= 0` buckets forward, for a unit of `length`
 * buckets whose newest bucket held `newest`: the old newest bucket becomes bucket `by` (older
 * bucket `by - 1`), and what passes the end is dropped.
 */
const olderAfter = (newest: number, older: ReadonlyArray<number>, by: number, length: number): ReadonlyArray<number> => {
  if (by === 0) return older
  const room = length - 1 // older buckets a unit holds
  // Older buckets kept: the old newest (at position by - 1) and the old older ones after it.
  let end = by > room ? 0 : Math.min(older.length, room - by)
  while (end > 0 && older[end - 1] === 0) end--
  if (end === 0) {
    if (newest === 0 || by > room) return NO_COUNTS
    // Only the old newest bucket stays: by - 1 zeros, then it.
    const out = zerosOf(by).slice() // exact size
    out[by - 1] = newest
    return out
  }
  // One exact-size array: a slice when `older` is long enough (the steady state), values slid inside it.
  const out = older.length >= by + end ? older.slice(0, by + end) : older.concat(zerosOf(by + end - older.length))
  for (let i = end - 1; i >= 0; i--) out[by + i] = out[i]!
  for (let i = 0; i < by - 1; i++) out[i] = 0
  out[by - 1] = newest
  return out
}

/** `counts` with `n` added at `position` (which must be within the layout's length). */
const addAt = (counts: ReadonlyArray<number>, position: number, n: number): ReadonlyArray<number> => {
  if (n === 0) return counts
  if (position < counts.length) {
    const out = counts.slice()
    out[position] = saturated(out[position]! + n)
    return out
  }
  // One exact-size array (`push` would leave spare capacity that a stored counter keeps).
  const out = counts.concat(zerosOf(position + 1 - counts.length))
  out[position] = n
  return out
}

/** The bucket-wise saturating sum of two bucket arrays. */
const added = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): ReadonlyArray<number> => {
  if (b.length === 0) return a
  if (a.length === 0) return b
  const [long, short] = a.length >= b.length ? [a, b] : [b, a]
  const out = long.slice()
  for (let i = 0; i < short.length; i++) out[i] = saturated(out[i]! + short[i]!)
  return out
}

/** The newest `length` buckets of `counts`. */
const truncated = (counts: ReadonlyArray<number>, length: number): ReadonlyArray<number> => {
  if (counts.length <= length) return counts
  let end = length
  while (end > 0 && counts[end - 1] === 0) end--
  return end === 0 ? NO_COUNTS : counts.slice(0, end)
}
