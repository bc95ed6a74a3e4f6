/**
 * How many events the newest buckets of one unit hold at an instant: what the limits count. Shared
 * by the pure evaluation (`Limit.ts`) and the store's table of counters (`entries.ts`), which
 * answers the same question from the counters it owns without making a `Counter` of them.
 */
import type { Counter } from '../Counter.js'
import type { LimitState } from '../Limit.js'
import type { Compiled } from './compiled.js'

/** The newest bucket index of a unit at `at` (never before the counter's head). */
export const currentIndex = (counter: Counter | undefined, compiled: Compiled, position: number, at: number): number => {
  const index = compiled.grids[position]!.indexOf(at)
  if (counter === undefined || counter.heads.length === 0) return index
  const head = counter.heads[position]!
  return index > head ? index : head
}

/** The count of buckets `current`, `current - 1`, ... (`buckets` of them) of a unit. */
export const windowSum = (counter: Counter | undefined, position: number, current: number, buckets: number): number => {
  if (counter === undefined || counter.heads.length === 0) return 0
  // Stored bucket j (0: newest, j >= 1: older[j - 1]) is bucket j + shift of the window.
  const shift = current - counter.heads[position]!
  if (shift >= buckets) return 0
  const older = counter.older[position]!
  const end = Math.min(older.length, buckets - shift - 1)
  let sum = counter.newest[position]!
  for (let j = 0; j < end; j++) sum += older[j]!
  return sum
}

/** The count of the `buckets` newest buckets of unit `position` at `at` (the current one first). */
export const countIn = (counter: Counter | undefined, compiled: Compiled, position: number, at: number, buckets: number): number =>
  windowSum(counter, position, currentIndex(counter, compiled, position, at), buckets)

/**
 * The key of the store's own way to count (`Entries.windowCount`), offered beside its `LimitState`:
 * the same answers as `countIn` on `counterOf(event)`, read from the counters it owns as they are.
 * A symbol, so that it stays out of the public `LimitState`.
 */
export const COUNT_IN: unique symbol = Symbol('tiny-counter/countIn')

/** A `LimitState` that counts windows itself. */
export interface CountingState extends LimitState {
  readonly [COUNT_IN]: (event: string, compiled: Compiled, position: number, at: number, buckets: number) => number
}
