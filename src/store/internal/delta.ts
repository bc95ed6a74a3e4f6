/**
 * The difference of two counters of one layout, `later - earlier`, where `later` was built from
 * `earlier` by recording and merging (so every bucket of `later` is at least that of `earlier` once
 * both are aligned on `later`'s heads). It is what a store recorded itself since a baseline: the
 * delta that `exportDirty` hands to other devices.
 */
import type { Counter } from '../../Counter.js'
import { convert, fromBuckets, isEmpty, toBuckets } from '../../Counter.js'
import { compile } from '../../internal/compiled.js'

export const difference = (later: Counter, earlier: Counter | undefined): Counter => {
  if (earlier === undefined || isEmpty(earlier)) return later
  const base = convert(earlier, later.layout)
  if (isEmpty(later)) return later
  // Bucket by bucket, on the tables of both (not a hot path: once per event and export).
  const earlierBuckets = toBuckets(base)
  const counts = toBuckets(later).map((counts, u) => {
    const shift = later.heads[u]! - base.heads[u]!
    const before = earlierBuckets[u]!
    return counts.map((n, i) => {
      const j = i - shift
      const old = j >= 0 && j < before.length ? before[j]! : 0
      return n > old ? n - old : 0
    })
  })
  return fromBuckets(later.layout, later.heads, counts)
}

/** Whether a counter holds any count. */
export const hasCounts = (counter: Counter): boolean => counter.newest.some((n) => n > 0) || counter.older.some((older) => older.length > 0)

/**
 * Whether `later` holds at least every count of `earlier` (same layout), bucket by bucket once
 * aligned on `later`'s heads, with no head behind: then `earlier` plus `difference(later, earlier)`
 * is `later` itself, which a persist writes without building that sum. Buckets of `earlier` that
 * fall past the end of `later`'s units are left out, as a merge leaves them. Reads the counters
 * where they are (no table of buckets is made): a persist asks it of every event.
 */
export const covers = (later: Counter, earlier: Counter): boolean => {
  if (isEmpty(earlier)) return true
  if (isEmpty(later) || later.layout !== earlier.layout) return false
  const { lengths } = compile(later.layout)
  for (let u = 0; u < lengths.length; u++) {
    const shift = later.heads[u]! - earlier.heads[u]!
    if (shift < 0) return false
    const length = lengths[u]!
    const olderBefore = earlier.older[u]!
    const olderNow = later.older[u]!
    // Bucket j of `earlier` (0: its newest, j: its older[j - 1]) is bucket j + shift of `later`.
    for (let j = 0; j <= olderBefore.length && j + shift < length; j++) {
      const before = j === 0 ? earlier.newest[u]! : olderBefore[j - 1]!
      if (before === 0) continue
      const i = j + shift
      const now = i === 0 ? later.newest[u]! : (olderNow[i - 1] ?? 0)
      if (now < before) return false
    }
  }
  return true
}
