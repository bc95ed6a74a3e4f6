/**
 * The difference of two counters of one layout, `later - earlier`, where `later` was built from
 * `earlier` by recording and merging (so every bucket of `later` is at least that of `earlier` once
 * both are aligned on `later`'s heads). It is what a store recorded itself since a baseline: the
 * delta that `exportDirty` hands to other devices.
 */
import type { Counter } from '../../Counter.js'
import { convert, fromBuckets, isEmpty, toBuckets } from '../../Counter.js'

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
