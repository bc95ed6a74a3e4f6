// The laws as pure predicates: each takes plain values and returns whether the law holds for
// them. No fast-check here (see drivers.ts), no randomness, no clock: a failing case can be
// replayed by calling the predicate with the printed counterexample. (The monoid predicates,
// associative, commutative and the identities, are tiny-counter/testing's.)
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { Calendar, Counter, Layout, Query, Window } from 'tiny-counter'
import type { Answer } from './model.js'
import { offsetChangesAt, wallClockIsWhole } from './model.js'

type C = Counter.Counter

// -------------------------------------------------------------------------------------------------
// record
// -------------------------------------------------------------------------------------------------

/** `record(c, at, n)` equals `merge(c, singleton(at, n))`. */
export const recordIsMergeWithSingleton = (c: C, at: number, n: number): boolean => {
  const recorded = Counter.record(c, at, n)
  const single = Counter.singleton(c.layout, at, n)
  return E.isRight(recorded) && E.isRight(single) && Counter.Eq.equals(recorded.right, Counter.merge(c, single.right))
}

/** Two records give the same counter in either order. */
export const recordsCommute = (c: C, first: readonly [number, number], second: readonly [number, number]): boolean => {
  const one = E.flatMap(Counter.record(first[0], first[1]))(Counter.record(c, second[0], second[1]))
  const other = E.flatMap(Counter.record(second[0], second[1]))(Counter.record(c, first[0], first[1]))
  return E.isRight(one) && E.isRight(other) && Counter.Eq.equals(one.right, other.right)
}

/**
 * Every instant `Counter.isInstant` accepts can be recorded: the record is accepted, and each
 * tracked unit's current bucket (and `ever`) holds it when read at that instant.
 */
export const acceptedInstantsCanBeRecorded = (layout: Layout.Layout, at: number): boolean => {
  if (!Counter.isInstant(at)) return false
  const recorded = Counter.record(Counter.empty(layout), at, 1)
  return (
    E.isRight(recorded) &&
    optionNumberEq(Query.sum(recorded.right, Window.ever, at), O.some(1)) &&
    layout.tracks.every((track) => optionNumberEq(Query.sum(recorded.right, Window.last(1, track.unit), at), O.some(1)))
  )
}

/** The data-last forms (for `pipe`) give what the data-first forms give. */
export const dataLastAgrees = (a: C, b: C, at: number, n: number, window: Window.Window): boolean => {
  const first = Counter.record(a, at, n)
  const last = Counter.record(at, n)(a)
  return (
    E.isRight(first) &&
    E.isRight(last) &&
    Counter.Eq.equals(first.right, last.right) &&
    Counter.Eq.equals(Counter.rotate(a, at), Counter.rotate(at)(a)) &&
    Counter.Eq.equals(Counter.merge(a, b), Counter.merge(b)(a)) &&
    optionNumberEq(Query.sum(a, window, at), Query.sum(window, at)(a))
  )
}

/** A count that is not a non-negative safe integer, or an instant that is not an integer epoch millisecond, is refused. */
export const invalidInputIsRefused = (c: C, at: number, n: number, badCount: number, badInstant: number): boolean => {
  const tagOf = (result: E.Either<{ readonly _tag: string }, C>): string | undefined => (E.isLeft(result) ? result.left._tag : undefined)
  let rotateThrows = false
  try {
    Counter.rotate(c, badInstant)
  } catch (error) {
    rotateThrows = (error as { _tag?: string })._tag === 'InvalidInstant'
  }
  return (
    tagOf(Counter.record(c, at, badCount)) === 'InvalidCount' &&
    tagOf(Counter.singleton(c.layout, at, badCount)) === 'InvalidCount' &&
    tagOf(Counter.record(c, badInstant, n)) === 'InvalidInstant' &&
    tagOf(Counter.singleton(c.layout, badInstant, n)) === 'InvalidInstant' &&
    rotateThrows
  )
}

// -------------------------------------------------------------------------------------------------
// rotate
// -------------------------------------------------------------------------------------------------

export const rotateIsIdempotent = (c: C, t: number): boolean =>
  Counter.Eq.equals(Counter.rotate(Counter.rotate(c, t), t), Counter.rotate(c, t))

export const rotateComposes = (c: C, t1: number, t2: number): boolean =>
  Counter.Eq.equals(Counter.rotate(Counter.rotate(c, t1), t2), Counter.rotate(c, Math.max(t1, t2)))

export const rotateDistributesOverMerge = (a: C, b: C, t: number): boolean =>
  Counter.Eq.equals(Counter.rotate(Counter.merge(a, b), t), Counter.merge(Counter.rotate(a, t), Counter.rotate(b, t)))

/** Rotating to an instant no later than one the counter already reached changes nothing. */
export const rotateNeverMovesBack = (c: C, t: number, reached: number): boolean =>
  t > reached || Counter.Eq.equals(Counter.rotate(c, t), c)

// -------------------------------------------------------------------------------------------------
// shape: bucket arrays keep their length
// -------------------------------------------------------------------------------------------------

const isCountValue = (n: number): boolean => Number.isSafeInteger(n) && n >= 0 && n <= Counter.MAX_COUNT

/**
 * The representation invariant: one head, one newest count and one array of older buckets per
 * track (none at all when empty); no unit holding more older buckets than its track's bucket count
 * less the newest one, no trailing zero among them, every count in `0..MAX_COUNT` (a newest count
 * may be 0).
 */
export const isWellFormed = (c: C): boolean => {
  const tracks = c.layout.tracks
  if (c.heads.length === 0) return c.newest.length === 0 && c.older.length === 0
  return (
    c.heads.length === tracks.length &&
    c.newest.length === tracks.length &&
    c.older.length === tracks.length &&
    c.heads.every(Number.isSafeInteger) &&
    c.newest.every(isCountValue) &&
    c.older.every(
      (older, u) =>
        older.length <= tracks[u]!.buckets - 1 &&
        (older.length === 0 || older[older.length - 1] !== 0) &&
        older.every(isCountValue)
    )
  )
}

/**
 * `fromBuckets(layout, heads, toBuckets(c))` gives `c` back, and `toBuckets` gives each unit's
 * newest count followed by its older ones, with no trailing zero (`[]` for a unit holding nothing).
 */
export const bucketTableRoundTrips = (c: C): boolean => {
  const table = Counter.toBuckets(c)
  const back = Counter.fromBuckets(c.layout, c.heads, table)
  return (
    Counter.Eq.equals(back, c) &&
    isWellFormed(back) &&
    table.length === c.older.length &&
    table.every((buckets, u) => {
      const expected = [c.newest[u]!, ...c.older[u]!]
      while (expected.length > 0 && expected[expected.length - 1] === 0) expected.pop()
      return buckets.length === expected.length && buckets.every((n, i) => n === expected[i])
    })
  )
}

/** Whether `at` falls in the newest bucket of every unit of a non-empty counter. */
export const inNewestBuckets = (c: C, at: number): boolean =>
  c.heads.length > 0 &&
  c.layout.tracks.every((track, u) => Calendar.grid(c.layout.alignment, c.layout.timeZone, track.unit).index(at) === c.heads[u])

/**
 * A record at an instant in the newest bucket of every unit adds `n` to each newest count (up to
 * `MAX_COUNT`) and leaves everything else alone: the very same heads array, the very same array of
 * older buckets and each unit's very same older array (`===`), not copies. That is the point of
 * keeping the newest bucket apart.
 */
export const recordNowKeepsOlderBuckets = (c: C, at: number, n: number): boolean => {
  const recorded = Counter.record(c, at, n)
  if (!inNewestBuckets(c, at) || E.isLeft(recorded)) return false
  const r = recorded.right
  return (
    r.layout === c.layout &&
    r.heads === c.heads &&
    r.older === c.older &&
    r.older.every((older, u) => older === c.older[u]) &&
    r.newest.length === c.newest.length &&
    r.newest.every((count, u) => count === Math.min(c.newest[u]! + n, Counter.MAX_COUNT))
  )
}

const deepFreeze = <A>(value: A): A => {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const inner of Object.values(value)) deepFreeze(inner)
  }
  return value
}

/**
 * Counters are plain data: they come back equal from JSON and structuredClone, and record,
 * rotate, merge and convert work on deeply frozen inputs (as Immer leaves them) without mutating them.
 */
export const isPlainData = (a: C, b: C, at: number, n: number, other: Layout.Layout): boolean => {
  const json = JSON.stringify([a, b])
  const [fa, fb] = deepFreeze(JSON.parse(json) as [C, C])
  const recorded = Counter.record(fa, at, n)
  return (
    Counter.Eq.equals(JSON.parse(JSON.stringify(a)) as C, a) &&
    Counter.Eq.equals(structuredClone(a), a) &&
    E.isRight(recorded) &&
    Counter.Eq.equals(recorded.right, E.getOrElse(() => fa)(Counter.record(a, at, n))) &&
    Counter.Eq.equals(Counter.rotate(fa, at), Counter.rotate(a, at)) &&
    Counter.Eq.equals(Counter.merge(fa, fb), Counter.merge(a, b)) &&
    Counter.Eq.equals(Counter.convert(fa, other), Counter.convert(a, other)) &&
    JSON.stringify([fa, fb]) === json
  )
}

/**
 * `buckets` over `range(unit, from, to)` lists exactly buckets `from..min(to, L) - 1` in order (so
 * `last(n, unit)` has min(n, L) entries), or is `none` when the unit is not tracked.
 */
export const bucketsSpanTheWindow = (c: C, window: Window.Buckets, at: number): boolean => {
  const listed = Query.buckets(c, window, at)
  const length = Layout.bucketsOf(c.layout, window.unit)
  if (length === 0) return O.isNone(listed)
  const end = Math.min(window.to, length)
  return (
    O.isSome(listed) &&
    listed.value.length === Math.max(0, end - window.from) &&
    listed.value.every(([i, n], k) => i === window.from + k && Number.isSafeInteger(n) && n >= 0)
  )
}

// -------------------------------------------------------------------------------------------------
// sums
// -------------------------------------------------------------------------------------------------

const optionNumberEq = (x: O.Option<number>, y: O.Option<number>): boolean =>
  O.isNone(x) ? O.isNone(y) : O.isSome(y) && x.value === y.value

const saturatingAdd = (x: number, y: number): number => Math.min(x + y, Counter.MAX_COUNT)

/** `sum(merge(a, b)) = min(sum(a) + sum(b), MAX_COUNT)`, read at an instant no earlier than anything a or b saw. */
export const sumIsMergeHomomorphism = (a: C, b: C, window: Window.Window, at: number): boolean =>
  optionNumberEq(
    Query.sum(Counter.merge(a, b), window, at),
    O.flatMap((x: number) => O.map((y: number) => saturatingAdd(x, y))(Query.sum(b, window, at)))(Query.sum(a, window, at))
  )

/** `sum(empty) = some(0)` for a tracked unit or `ever`, `none` for a unit the layout does not track. */
export const emptySumsToZero = (layout: Layout.Layout, window: Window.Window, at: number): boolean =>
  optionNumberEq(
    Query.sum(Counter.empty(layout), window, at),
    window._tag === 'Ever' || Layout.bucketsOf(layout, window.unit) > 0 ? O.some(0) : O.none
  )

/** A window never holds more than `ever`. */
export const windowWithinEver = (c: C, window: Window.Window, at: number): boolean => {
  const inWindow = Query.sum(c, window, at)
  const ever = Query.sum(c, Window.ever, at)
  return O.isSome(ever) && (O.isNone(inWindow) || inWindow.value <= ever.value)
}

/** A query at an instant no later than the newest instant a counter reached reads from the newest bucket. */
export const earlierQueriesReadTheNewestBucket = (c: C, window: Window.Window, at: number, reached: number): boolean =>
  at > reached ||
  (optionNumberEq(Query.sum(c, window, at), Query.sum(c, window, reached)) &&
    optionNumberEq(Query.countNonzero(c, window, at), Query.countNonzero(c, window, reached)))

// -------------------------------------------------------------------------------------------------
// convert
// -------------------------------------------------------------------------------------------------

export const convertToOwnLayoutIsIdentity = (c: C): boolean => Counter.Eq.equals(Counter.convert(c, c.layout), c)

/**
 * Whatever the zone and alignment of the new layout, every unit both layouts track keeps its newest
 * buckets in order (as many as the smaller layout has), and a unit only the new layout tracks is zero.
 * Read at an instant before everything, so that both counters are read from their newest buckets.
 */
export const convertKeepsNewestBuckets = (c: C, layout: Layout.Layout, early: number): boolean => {
  const converted = Counter.convert(c, layout)
  return layout.tracks.every((track) => {
    const old = Layout.bucketsOf(c.layout, track.unit)
    if (old === 0) return optionNumberEq(Query.sum(converted, Window.last(track.buckets, track.unit), early), O.some(0))
    const window = Window.last(Math.min(old, track.buckets), track.unit)
    const counts = (x: C) => O.map((bs: ReadonlyArray<readonly [number, number]>) => bs.map(([, n]) => n).join(','))(Query.buckets(x, window, early))
    const [before, after] = [counts(c), counts(converted)]
    return O.isSome(before) && O.isSome(after) && before.value === after.value
  })
}

/** Converting to more buckets and back gives the counter back. */
export const convertThereAndBackIsIdentity = (c: C, wider: Layout.Layout): boolean =>
  Counter.Eq.equals(Counter.convert(Counter.convert(c, wider), c.layout), c)

/** Converting to a layout of the same zone and alignment with no more buckets per unit commutes with merge. */
export const convertIsMergeHomomorphism = (a: C, b: C, layout: Layout.Layout): boolean =>
  Counter.Eq.equals(Counter.convert(Counter.merge(a, b), layout), Counter.merge(Counter.convert(a, layout), Counter.convert(b, layout)))

// -------------------------------------------------------------------------------------------------
// calendar
// -------------------------------------------------------------------------------------------------

export const indexIsMonotone = (grid: Calendar.Grid, t1: number, t2: number): boolean =>
  t1 > t2 || grid.index(t1) <= grid.index(t2)

/** `start(i)` is the first instant of bucket i or later: `index(start(i)) >= i > index(start(i) - 1)`. */
export const startIsFirstInstant = (grid: Calendar.Grid, i: number): boolean => {
  const start = grid.start(i)
  return grid.index(start) >= i && grid.index(start - 1) < i
}

// -------------------------------------------------------------------------------------------------
// first and last seen
// -------------------------------------------------------------------------------------------------

interface Recorded {
  readonly at: number
  readonly n: number
}

/** The non-zero records a unit still holds at `at` (no earlier than any of them): those fewer than L buckets back. */
const heldBy = (layout: Layout.Layout, track: Layout.Track, records: ReadonlyArray<Recorded>, at: number): ReadonlyArray<number> => {
  const grid = Calendar.grid(layout.alignment, layout.timeZone, track.unit)
  const now = grid.index(at)
  return records.filter((r) => r.n > 0 && now - grid.index(r.at) < track.buckets).map((r) => r.at)
}

/**
 * An estimate of the time since `t` made from the bucket holding `t` (cut at `at`) is off by at
 * most half of that (cut) bucket, and never negative.
 */
const withinHalfABucket = (layout: Layout.Layout, unit: Layout.Track['unit'], t: number, at: number, estimate: number): boolean => {
  const grid = Calendar.grid(layout.alignment, layout.timeZone, unit)
  const i = grid.index(t)
  const length = Math.min(grid.start(i + 1), at) - grid.start(i)
  return estimate >= 0 && Math.abs(estimate - (at - t)) <= length / 2 + 1
}

/**
 * `lastSeen` is `none` when no unit holds a non-zero count; otherwise it is within half a bucket
 * (of the finest unit holding data) of the time since the newest record.
 */
export const lastSeenIsWithinHalfABucket = (c: C, records: ReadonlyArray<Recorded>, at: number): boolean => {
  const seen = Query.lastSeen(c, at)
  for (const track of c.layout.tracks) {
    const held = heldBy(c.layout, track, records, at)
    if (held.length > 0) return O.isSome(seen) && withinHalfABucket(c.layout, track.unit, Math.max(...held), at, seen.value)
  }
  return O.isNone(seen)
}

/**
 * `firstSeenIn(unit)` is `none` when the unit holds no non-zero count (or is not tracked);
 * otherwise it is within half a bucket of the time since the oldest record the unit holds.
 */
export const firstSeenInIsWithinHalfABucket = (c: C, unit: Layout.Track['unit'], records: ReadonlyArray<Recorded>, at: number): boolean => {
  const seen = Query.firstSeenIn(c, unit, at)
  const track = c.layout.tracks.find((t) => t.unit === unit)
  const held = track === undefined ? [] : heldBy(c.layout, track, records, at)
  if (held.length === 0) return O.isNone(seen)
  return O.isSome(seen) && withinHalfABucket(c.layout, unit, Math.min(...held), at, seen.value)
}

/** `firstSeen` is `firstSeenIn` of the unit `ever` reads, but never less than `lastSeen`. */
export const firstSeenReadsTheEverUnit = (c: C, everUnit: Layout.Track['unit'], at: number): boolean => {
  const all = Query.firstSeen(c, at)
  const inUnit = Query.firstSeenIn(c, everUnit, at)
  const last = Query.lastSeen(c, at)
  if (O.isNone(all)) return O.isNone(inUnit)
  return O.isSome(inUnit) && O.isSome(last) && all.value === Math.max(inUnit.value, last.value)
}

// -------------------------------------------------------------------------------------------------
// the model
// -------------------------------------------------------------------------------------------------

/**
 * `sum`, `countNonzero`, `buckets`, `average` and `averageNonzero` say what the model says (all
 * `none` when it has no answer; the averages are `none` over no bucket or no non-zero bucket).
 */
export const agreesWithModel = (c: C, expected: Answer | undefined, window: Window.Window, at: number): boolean => {
  const sum = Query.sum(c, window, at)
  const nonzero = Query.countNonzero(c, window, at)
  const listed = Query.buckets(c, window, at)
  const average = Query.average(c, window, at)
  const averageNonzero = Query.averageNonzero(c, window, at)
  if (expected === undefined) return [sum, nonzero, listed, average, averageNonzero].every(O.isNone)
  const { length } = expected.buckets
  return (
    optionNumberEq(sum, O.some(expected.sum)) &&
    optionNumberEq(nonzero, O.some(expected.countNonzero)) &&
    optionNumberEq(average, length === 0 ? O.none : O.some(expected.sum / length)) &&
    optionNumberEq(averageNonzero, expected.countNonzero === 0 ? O.none : O.some(expected.sum / expected.countNonzero)) &&
    O.isSome(listed) &&
    listed.value.length === expected.buckets.length &&
    listed.value.every(([i, n], k) => i === expected.buckets[k]![0] && n === expected.buckets[k]![1])
  )
}

/**
 * Calendar seconds, minutes and hours start where the local wall clock shows a whole one
 * (src/Calendar.ts): the bucket holding `t` starts on a whole wall-clock unit, or at an offset
 * change that moved the marks (Lord Howe's autumn shift starts a 30-minute hour at 01:30), and
 * when `t` itself shows a whole unit, a bucket starts at `t`.
 */
export const subDayBucketsFollowTheWallClock = (zone: string, unit: 'seconds' | 'minutes' | 'hours', t: number): boolean => {
  const grid = Calendar.grid('calendar', zone, unit)
  const start = grid.start(grid.index(t))
  const startsWell = wallClockIsWhole(zone, unit, start) || offsetChangesAt(zone, start)
  return startsWell && (!wallClockIsWhole(zone, unit, t) || grid.index(t - 1) < grid.index(t))
}
