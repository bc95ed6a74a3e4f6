/**
 * In-place recording for counters a store owns alone (Clojure's "transients"): the store copies a
 * counter once when it takes ownership, then records into it without copying 128 numbers each time.
 * A counter stops being owned the moment it can be seen from outside (exported, persisted, kept as
 * a sync baseline), so every value anyone else holds stays immutable. The result of an in-place
 * record is always equal to `Counter.record` on a copy (a property test checks it).
 */
import type { Counter } from '../Counter.js'
import { MAX_COUNT } from '../Counter.js'
import { compile } from './compiled.js'

/** A counter whose arrays belong to one store and may be changed in place. */
export interface Owned {
  readonly layout: Counter['layout']
  readonly heads: number[]
  readonly counts: number[][]
}

/** A private, mutable copy of a non-empty counter. */
export const own = (counter: Counter): Owned => ({
  layout: counter.layout,
  heads: counter.heads.slice(),
  counts: counter.counts.map((counts) => counts.slice())
})

/** Records `n` at `at` into an owned, non-empty counter, exactly as `Counter.record` would. */
export const recordInPlace = (self: Owned, at: number, n: number): void => {
  const { grids, lengths } = compile(self.layout)
  for (let u = 0; u < grids.length; u++) {
    const index = grids[u]!.indexOf(at)
    const head = self.heads[u]!
    const counts = self.counts[u]!
    const length = lengths[u]!
    if (index > head) {
      shiftInPlace(counts, index - head, length)
      self.heads[u] = index
      if (n !== 0) addInPlace(counts, 0, n)
    } else if (n !== 0 && head - index < length) {
      addInPlace(counts, head - index, n)
    }
  }
}

/** Moves the counts `by` buckets towards the past, dropping what passes `length`, no trailing zeros. */
const shiftInPlace = (counts: number[], by: number, length: number): void => {
  let end = Math.min(counts.length, Math.max(0, length - by))
  while (end > 0 && counts[end - 1] === 0) end--
  if (end === 0) {
    counts.length = 0
    return
  }
  // Grown by `push` (a longer `length` would leave holes, and a holey array is read more slowly
  // everywhere), shrunk through `length`, which is a call into the runtime: in steady state (every
  // bucket counted) the length stays the same and is left alone.
  const target = by + end
  while (counts.length < target) counts.push(0)
  if (counts.length > target) counts.length = target
  for (let i = end - 1; i >= 0; i--) counts[by + i] = counts[i]!
  for (let i = 0; i < by; i++) counts[i] = 0
}

const addInPlace = (counts: number[], position: number, n: number): void => {
  if (position < counts.length) {
    const sum = counts[position]! + n
    counts[position] = sum > MAX_COUNT ? MAX_COUNT : sum
  } else {
    while (counts.length < position) counts.push(0)
    counts.push(n)
  }
}
