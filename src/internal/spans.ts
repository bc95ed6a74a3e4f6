/**
 * The window of a count constraint (`atMost`, `atLeast`) and how it resolves against a layout:
 * which tracked unit answers it and how many of its buckets, found by one resolver that both the
 * pure evaluation (`Limit.ts`) and the store's count plans use; and the one rule that says whether
 * a count passes.
 */
import type { Layout } from '../Layout.js'
import type { TimeUnit } from '../TimeUnit.js'
import { nominalMillis } from '../TimeUnit.js'
import type { Compiled } from './compiled.js'
import { positionOf } from './compiled.js'

/** The window of a count constraint: `k` buckets of a unit, or a duration resolved against a layout. */
export type Span =
  | { readonly _tag: 'Buckets'; readonly unit: TimeUnit; readonly buckets: number }
  | { readonly _tag: 'Duration'; readonly millis: number }

/**
 * The position (in `layout.tracks`) of the unit that answers a span, or -1 when none does: a
 * `Buckets` span needs its unit tracked with at least as many buckets; a duration takes the
 * largest tracked second, minute, hour or day unit that divides it exactly and holds that many
 * buckets (weeks, months and years are calendar periods, not durations). Allocates nothing.
 */
export const spanPosition = (compiled: Compiled, layout: Layout, span: Span): number => {
  if (span._tag === 'Buckets') {
    const position = positionOf(compiled, span.unit)
    return position >= 0 && span.buckets <= compiled.lengths[position]! ? position : -1
  }
  for (let u = layout.tracks.length - 1; u >= 0; u--) {
    const { unit, buckets } = layout.tracks[u]!
    if (unit === 'weeks' || unit === 'months' || unit === 'years') continue
    const length = nominalMillis[unit]
    if (span.millis % length === 0 && span.millis / length <= buckets) return u
  }
  return -1
}

/** The number of buckets a span reads at the position `spanPosition` found. */
export const spanBuckets = (layout: Layout, span: Span, position: number): number =>
  span._tag === 'Buckets' ? span.buckets : span.millis / nominalMillis[layout.tracks[position]!.unit]

/** Why `spanPosition` found no unit for a span, in words. */
export const unansweredBecause = (compiled: Compiled, span: Span): string => {
  if (span._tag === 'Duration') return `no tracked second, minute, hour or day buckets divide ${span.millis} ms and reach that far`
  const position = positionOf(compiled, span.unit)
  return position < 0 ? `${span.unit} are not tracked` : `it needs ${span.buckets} ${span.unit} buckets, ${compiled.lengths[position]} are tracked`
}

/**
 * Whether a count passes, the one rule of every count check: `atLeast` needs `limit` events;
 * `atMost` lets one more happen while the events plus the slots pending reservations hold stay
 * under `limit` (`pending` is 0 for `atLeast`: reservations have not happened yet).
 */
export const admits = (atLeast: boolean, limit: number, count: number, pending: number): boolean =>
  atLeast ? count >= limit : count + pending < limit
