/**
 * In-place recording for counters a store owns alone (Clojure's "transients"): the store copies a
 * counter once when it takes ownership, then records into it without copying its arrays each time.
 * A counter stops being owned the moment it can be seen from outside (exported, persisted, kept as
 * a sync baseline), so every value anyone else holds stays immutable. The result of an in-place
 * record is always equal to `Counter.record` on a copy (a property test checks it).
 */
import type { Counter } from '../Counter.js'
import { MAX_COUNT } from '../Counter.js'
import { compile } from './compiled.js'
import { zerosOf } from './counts.js'

/** A counter whose arrays belong to one store and may be changed in place. */
export interface Owned {
  readonly layout: Counter['layout']
  readonly heads: number[]
  readonly newest: number[]
  readonly older: number[][]
}

/** A private, mutable copy of a non-empty counter. */
export const own = (counter: Counter): Owned => ({
  layout: counter.layout,
  heads: counter.heads.slice(),
  newest: counter.newest.slice(),
  older: counter.older.map((older) => older.slice())
})

/** Records `n` at `at` into an owned, non-empty counter, exactly as `Counter.record` would. */
export const recordInPlace = (self: Owned, at: number, n: number): void => {
  const { grids, lengths } = compile(self.layout)
  for (let u = 0; u < grids.length; u++) {
    const index = grids[u]!.indexOf(at)
    const head = self.heads[u]!
    if (index === head) {
      if (n !== 0) self.newest[u] = saturated(self.newest[u]! + n)
    } else if (index > head) {
      self.older[u] = shiftInPlace(self.newest[u]!, self.older[u]!, index - head, lengths[u]!)
      self.heads[u] = index
      self.newest[u] = n
    } else if (n !== 0 && head - index < lengths[u]!) {
      self.older[u] = addInPlace(self.older[u]!, head - index - 1, n)
    }
  }
}

const saturated = (n: number): number => (n > MAX_COUNT ? MAX_COUNT : n)

// Arrays change length in place only to shrink. To grow, one new exact-size array is made with
// `concat`: `push` would leave up to half the length again in spare capacity, which a counter keeps
// for as long as it lives, and a longer `length` would leave holes (a holey array is read more
// slowly everywhere). A counter grows only while it fills up; in steady state (every bucket
// counted) the arrays keep their length and no runtime call or allocation happens.

/**
 * The older buckets after the unit moves `by >= 1` buckets forward, for a unit of `length` buckets
 * whose newest bucket held `newest` (it becomes older bucket `by - 1`); what passes the end is
 * dropped, trailing zeros too. Returns the array holding the result (`older`, or a longer copy).
 */
const shiftInPlace = (newest: number, older: number[], by: number, length: number): number[] => {
  const room = length - 1
  let end = by > room ? 0 : Math.min(older.length, room - by)
  while (end > 0 && older[end - 1] === 0) end--
  if (end === 0 && (newest === 0 || by > room)) {
    older.length = 0
    return older
  }
  const target = by + end
  const out = older.length < target ? older.concat(zerosOf(target - older.length)) : older
  if (out.length > target) out.length = target
  for (let i = end - 1; i >= 0; i--) out[by + i] = out[i]!
  for (let i = 0; i < by - 1; i++) out[i] = 0
  out[by - 1] = newest
  return out
}

/** Adds `n` at `position`; returns the array holding the result (`counts`, or a longer copy). */
const addInPlace = (counts: number[], position: number, n: number): number[] => {
  if (position < counts.length) {
    counts[position] = saturated(counts[position]! + n)
    return counts
  }
  const out = counts.concat(zerosOf(position + 1 - counts.length))
  out[position] = n
  return out
}
