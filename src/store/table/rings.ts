/**
 * In-place recording for counters a store owns alone (Clojure's "transients"): the store copies a
 * counter once when it takes ownership, then records into that copy without copying anything.
 * A counter stops being owned the moment it can be seen from outside (exported, persisted, kept as
 * a sync baseline): the store turns it back into a plain `Counter` then, and every value anyone
 * else holds stays immutable. Recording into an owned counter and reading it back always gives
 * what `Counter.record` gives (property tests check it).
 *
 * An owned counter keeps each unit's older buckets in a ring: the bucket of absolute index `i`
 * lives in slot `-i mod (length - 1)`, so that going back in time goes up the slots, the order in
 * which `runSum` (core `internal/windowCount.ts`) reads a run of buckets. When the unit moves forward, the buckets that leave the
 * window are exactly those whose slots the new buckets take, so a move of one bucket writes one
 * slot. (`Counter` keeps them newest first, where the same move shifts every older bucket: 59
 * numbers for the minutes of the default layout, on every minute a key is used.) A unit whose
 * older buckets are all zero has no ring at all until one is needed, so that an event recorded
 * only "now" stays as small as its `Counter`.
 */
import type { Counter } from '../../Counter.js'
import type { Compiled } from '../../internal/compiled.js'
import { compile } from '../../internal/compiled.js'
import { NO_COUNTS as NO_RING, saturated, zerosOf } from '../../internal/counts.js'
import { runSum } from '../../internal/windowCount.js'

/** A counter whose arrays belong to one store and change in place. */
export interface Owned {
  readonly layout: Counter['layout']
  /** Absolute index of each unit's newest bucket. */
  readonly heads: number[]
  /** Count of each unit's newest bucket. */
  readonly newest: number[]
  /**
   * Each unit's older buckets by slot (see above); an empty array while they are all zero. While
   * every unit's is, the array itself is shared by every such counter (`noRings`) and frozen: it
   * is copied before a ring is put in it (`ringOf`), which saves a key recorded only "now" 36 bytes.
   */
  rings: number[][]
}

/** The shared, frozen rings of a counter of `units` units whose older buckets are all zero, by `units`. */
const noRingsByUnits: Array<number[][]> = []
const noRings = (units: number): number[][] =>
  (noRingsByUnits[units] ??= Object.freeze(Array.from({ length: units }, () => NO_RING)) as number[][])

/** The slot of absolute index `i` in a ring of `m >= 1` slots: `-i mod m`, for any integer `i` (bucket indices are negative before 1970). */
const slotOf = (i: number, m: number): number => {
  const r = i % m
  return r === 0 ? 0 : r < 0 ? -r : m - r
}

/** A private, mutable copy of a non-empty counter. */
export const own = (counter: Counter): Owned => {
  const { lengths } = compile(counter.layout)
  return {
    layout: counter.layout,
    heads: counter.heads.slice(),
    newest: counter.newest.slice(),
    rings: counter.older.map((older, u) => {
      if (older.length === 0) return NO_RING as number[]
      const m = lengths[u]! - 1
      const head = counter.heads[u]!
      const ring = zerosOf(m).slice()
      for (let j = 1; j <= older.length && j <= m; j++) ring[slotOf(head - j, m)] = older[j - 1]!
      return ring
    })
  }
}

/** A private, mutable counter of `layout` holding `n` events at `at` and nothing else (what `Counter.singleton` holds). */
export const fresh = (layout: Counter['layout'], at: number, n: number): Owned => {
  const { grids } = compile(layout)
  return {
    layout,
    heads: grids.map((grid) => grid.indexOf(at)),
    newest: grids.map(() => n),
    rings: noRings(grids.length)
  }
}

/** The plain, immutable counter an owned one holds (trailing zeros left out, as `Counter` keeps them). */
export const toCounter = (self: Owned): Counter => {
  const { lengths } = compile(self.layout)
  return {
    layout: self.layout,
    heads: self.heads.slice(),
    newest: self.newest.slice(),
    older: self.rings.map((ring, u) => {
      if (ring.length === 0) return NO_RING
      const m = lengths[u]! - 1
      const head = self.heads[u]!
      let end = m
      while (end > 0 && ring[slotOf(head - end, m)] === 0) end--
      if (end === 0) return NO_RING
      const older: number[] = []
      for (let j = 1; j <= end; j++) older.push(ring[slotOf(head - j, m)]!)
      return older
    })
  }
}

/**
 * Records `n` at `at` into an owned counter, exactly as `Counter.record` would; with `clamp`, a
 * unit whose newest bucket is after `at`'s counts `n` in that newest bucket instead (a clock that
 * stepped back: `docs/DESIGN.md`, "Clock steps"). `compiled` is the counter's layout compiled (a
 * table passes the one it holds).
 */
export const recordInPlace = (self: Owned, at: number, n: number, clamp = false, compiled: Compiled = compile(self.layout)): void => {
  const { grids, lengths } = compiled
  for (let u = 0; u < grids.length; u++) {
    const index = grids[u]!.indexOf(at)
    const head = self.heads[u]!
    if (index === head) {
      if (n !== 0) self.newest[u] = saturated(self.newest[u]! + n)
    } else if (index > head) {
      moveForward(self, u, lengths[u]! - 1, index - head)
      self.heads[u] = index
      self.newest[u] = n
    } else if (n !== 0 && clamp) {
      self.newest[u] = saturated(self.newest[u]! + n)
    } else if (n !== 0 && head - index < lengths[u]!) {
      const ring = ringOf(self, u, lengths[u]! - 1)
      const slot = slotOf(index, ring.length)
      ring[slot] = saturated(ring[slot]! + n)
    }
  }
}

/**
 * Moves unit `u` (with `m` older buckets) `by >= 1` buckets forward: the newest bucket becomes
 * older bucket `by - 1`, the `by - 1` buckets after it start at zero, and what passes the end is
 * dropped, which is exactly what the slots written over held.
 */
const moveForward = (self: Owned, u: number, m: number, by: number): void => {
  const newest = self.newest[u]!
  let ring = self.rings[u]!
  if (ring.length === 0) {
    if (newest === 0 || by > m) return // the older buckets stay all zero
    ring = ringOf(self, u, m)
  }
  const first = slotOf(self.heads[u]!, m)
  const cleared = by - 1 < m ? by - 1 : m
  let slot = first
  for (let k = 0; k < cleared; k++) {
    if (--slot < 0) slot = m - 1
    ring[slot] = 0
  }
  if (by <= m) ring[first] = newest
}

/** The ring of unit `u` (with `m >= 1` older buckets), made when it is first needed. */
const ringOf = (self: Owned, u: number, m: number): number[] => {
  const ring = self.rings[u]!
  if (ring.length !== 0) return ring
  if (Object.isFrozen(self.rings)) self.rings = self.rings.slice()
  return (self.rings[u] = zerosOf(m).slice())
}

/**
 * The number of events in the `buckets` newest buckets of unit `position` at `at`, the current
 * bucket first: what the limits count, read from the ring without making a `Counter`. The same
 * answer as `countIn` (core `internal/windowCount.ts`) on the counter `toCounter` gives.
 */
export const windowCount = (self: Owned, compiled: Compiled, position: number, at: number, buckets: number): number => {
  const index = compiled.grids[position]!.indexOf(at)
  const head = self.heads[position]!
  const shift = index > head ? index - head : 0
  // A run that reaches no older bucket (the current minute, say) leaves the ring unread: one
  // object less to bring in from memory for a key checked after a thousand others.
  if (buckets - shift <= 1) return shift < buckets ? self.newest[position]! : 0
  const ring = self.rings[position]!
  const m = ring.length
  const first = m === 0 ? 0 : slotOf(head - 1, m)
  return runSum(self.newest[position]!, ring, first, m, shift, 0, buckets)
}
