/**
 * The bounds a valid counter keeps beyond its shape, so that every operation on a decoded value
 * takes time and memory linear in its buckets: at most `Layout.MAX_BUCKETS` buckets per unit and
 * `Layout.MAX_TOTAL_BUCKETS` in all, and each head within the instant range of its unit
 * (`Calendar.indexRange`: the buckets that hold an instant within ±8.64e15 ms). The codecs check
 * them after the one-pass fast path, and name the offending field when one is broken.
 */
import type { Counter } from '../../Counter.js'
import type { Layout } from '../../Layout.js'
import { MAX_TOTAL_BUCKETS, isBucketCount } from '../../Layout.js'
import { compile } from '../../internal/compiled.js'

/** Why a layout's bucket counts break the bounds, or `undefined` when they keep them. */
export const bucketsProblem = (layout: Layout): string | undefined => {
  let total = 0
  for (const { unit, buckets } of layout.tracks) {
    if (!isBucketCount(buckets)) return `${unit} may hold 1 to 100000 buckets, got ${buckets}`
    total += buckets
  }
  return total > MAX_TOTAL_BUCKETS ? `a layout holds at most ${MAX_TOTAL_BUCKETS} buckets in all, got ${total}` : undefined
}

/** The position of the first head outside its unit's instant range and why, or `undefined`. */
export const headProblem = (layout: Layout, heads: ReadonlyArray<number>): { readonly unit: number; readonly message: string } | undefined => {
  const { grids, units } = compile(layout)
  for (let u = 0; u < heads.length && u < units.length; u++) {
    const unit = units[u]!
    const [first, last] = grids[u]!.indexRange()
    const head = heads[u]!
    if (head < first || head > last) {
      return { unit: u, message: `the ${unit} head ${head} is outside the instant range of ${unit} (${first} to ${last})` }
    }
  }
  return undefined
}

/** Layouts seen to keep the bounds (decoded layouts are shared, so this is mostly one hit). */
const boundedLayouts = new WeakSet<Layout>()

/** Whether a counter of a valid shape keeps the bounds. */
export const isBounded = (counter: Counter): boolean => {
  if (!boundedLayouts.has(counter.layout)) {
    if (bucketsProblem(counter.layout) !== undefined) return false
    boundedLayouts.add(counter.layout)
  }
  return headProblem(counter.layout, counter.heads) === undefined
}
