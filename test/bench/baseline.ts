/**
 * The yardstick: the same counting done the mutable, typed-array way. One `Float64Array` ring
 * buffer per unit (60 minutes, 24 hours, 32 days, 12 months of 30 days), each with the absolute
 * index of its newest bucket, uniform fixed-length buckets from the Unix epoch, plain arithmetic,
 * no allocation. It does what `Counter.record` and `Query.sum` do for a uniform layout (bucket 0 is
 * the newer of "now" and the newest bucket; a record older than a unit's buckets is dropped by that
 * unit), which `run.ts` checks before timing anything.
 */

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** Bucket lengths and counts of the default layout, finest first. */
export const UNIT_MILLIS = [MINUTE, HOUR, DAY, 30 * DAY] as const
export const UNIT_BUCKETS = [60, 24, 32, 12] as const
/** Position of the days ring. */
export const DAYS = 2

/** The state of a {@link TypedArrayCounter} as plain data, to hand it to another process. */
export interface TypedArrayState {
  readonly rings: ReadonlyArray<ReadonlyArray<number>>
  readonly heads: ReadonlyArray<number>
}

export class TypedArrayCounter {
  private readonly rings: ReadonlyArray<Float64Array>
  /**
   * Absolute index of each ring's newest bucket (-1 before the first record). Indices are kept as
   * int32 (`| 0`: minutes since 1970 fit until the year 6053) so that `%` is integer arithmetic.
   */
  private readonly heads: Int32Array

  constructor(state?: TypedArrayState) {
    this.rings = UNIT_BUCKETS.map((n, u) => Float64Array.from(state?.rings[u] ?? new Array<number>(n).fill(0)))
    this.heads = Int32Array.from(state?.heads ?? UNIT_BUCKETS.map(() => -1))
  }

  toJSON(): TypedArrayState {
    return { rings: this.rings.map((ring) => Array.from(ring)), heads: Array.from(this.heads) }
  }

  /** Adds `n` events at `at` to every ring, rotating a ring forward first when `at` is past its head. */
  record(at: number, n: number): void {
    for (let u = 0; u < UNIT_BUCKETS.length; u++) {
      const ring = this.rings[u]!
      const length = ring.length
      const index = Math.floor(at / UNIT_MILLIS[u]!) | 0
      let head = this.heads[u]!
      if (index > head) {
        // Zero the buckets that the ring moves onto (all of them after a long gap or the first time).
        const from = head < 0 || index - head >= length ? index - length + 1 : head + 1
        for (let i = from; i <= index; i++) ring[i % length] = 0
        this.heads[u] = head = index
      }
      if (head - index < length) {
        const slot = index % length
        ring[slot] = ring[slot]! + n
      }
    }
  }

  /** Events in buckets `from <= i < to` of unit `u`, bucket 0 being the newer of `at`'s bucket and the head. */
  sum(u: number, from: number, to: number, at: number): number {
    const ring = this.rings[u]!
    const length = ring.length
    const head = this.heads[u]!
    const index = Math.floor(at / UNIT_MILLIS[u]!) | 0
    const current = index > head ? index : head
    const end = to < length ? to : length
    let sum = 0
    for (let i = from; i < end; i++) {
      const bucket = current - i
      if (bucket <= head && bucket > head - length) sum += ring[bucket % length]!
    }
    return sum
  }
}
