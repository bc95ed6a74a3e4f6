/**
 * How many events a run of one unit's buckets holds: the one place that counts "the last k
 * buckets". The pure queries (`Query.ts`), the limits (`Limit.ts`) and the store's rings
 * (`store/table/rings.ts`) all count through `runSum`, each with its own way of laying out the
 * older buckets.
 */
import type { Counter } from '../Counter.js'
import type { Compiled } from './compiled.js'

/**
 * The count of buckets `from <= i < to` of one unit, bucket 0 being the current one (not
 * saturated). The unit's newest stored bucket is bucket `shift`; its older stored buckets
 * `j = 1 .. stored` (bucket `shift + j`) are `older[(first + j - 1) mod older.length]`: a counter's
 * newest-first array (`first` 0, `stored` its length) or a ring (`stored` its length).
 */
export const runSum = (newest: number, older: ReadonlyArray<number>, first: number, stored: number, shift: number, from: number, to: number): number => {
  const last = shift + 1 + stored
  const end = to < last ? to : last
  let i = from > shift ? from : shift
  if (i >= end) return 0
  let sum = 0
  if (i === shift) {
    sum = newest
    i++
  }
  const m = older.length
  let k = first + (i - shift - 1)
  if (k >= m) k -= m
  for (; i < end; i++) {
    sum += older[k]!
    if (++k === m) k = 0
  }
  return sum
}

/** The absolute index of bucket 0 of a unit at `at` (never before the counter's head). */
export const currentIndex = (counter: Counter | undefined, compiled: Compiled, position: number, at: number): number => {
  const index = compiled.grids[position]!.indexOf(at)
  if (counter === undefined || counter.heads.length === 0) return index
  const head = counter.heads[position]!
  return index > head ? index : head
}

/** The count of the `buckets` newest buckets of unit `position` at `at`, the current one first. */
export const countIn = (counter: Counter | undefined, compiled: Compiled, position: number, at: number, buckets: number): number => {
  if (counter === undefined || counter.heads.length === 0) return 0
  const shift = currentIndex(counter, compiled, position, at) - counter.heads[position]!
  const older = counter.older[position]!
  return runSum(counter.newest[position]!, older, 0, older.length, shift, 0, buckets)
}

/** The count of bucket `i` (0 = the one holding `current`) of unit `position`. */
export const bucketAt = (counter: Counter | undefined, position: number, current: number, i: number): number => {
  if (counter === undefined || counter.heads.length === 0) return 0
  const j = i - (current - counter.heads[position]!)
  if (j === 0) return counter.newest[position]!
  const older = counter.older[position]!
  return j >= 1 && j <= older.length ? older[j - 1]! : 0
}
