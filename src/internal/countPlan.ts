/**
 * A limit's count constraints resolved once against a layout, for the hot path of
 * `checkAndRecord`: which unit and how many buckets each reads, and the numbers it compares. Both
 * the pure evaluation (`Limit.ts`) and the store (`entries.ts`) decide a count the same way,
 * through `countPasses`.
 */
import type { Constraint, Span } from '../Limit.js'
import type { Layout } from '../Layout.js'
import { nominalMillis } from '../TimeUnit.js'
import type { Compiled } from './compiled.js'
import { compile, positionOf } from './compiled.js'

/**
 * The position of the unit a count window reads, as `resolve` finds it, or -1 where `resolve`
 * refuses; without allocating (the hot path of a check that passes).
 */
export const resolvedPosition = (compiled: Compiled, layout: Layout, s: Span): number => {
  if (s._tag === 'Buckets') {
    const position = positionOf(compiled, s.unit)
    return position >= 0 && s.buckets <= compiled.lengths[position]! ? position : -1
  }
  for (let u = layout.tracks.length - 1; u >= 0; u--) {
    const { unit, buckets } = layout.tracks[u]!
    if (unit === 'weeks' || unit === 'months' || unit === 'years') continue
    const length = nominalMillis[unit]
    if (s.millis % length === 0 && s.millis / length <= buckets) return u
  }
  return -1
}

/** The number of buckets a count window reads at a position found by `resolvedPosition`. */
export const resolvedBuckets = (layout: Layout, s: Span, position: number): number =>
  s._tag === 'Buckets' ? s.buckets : s.millis / nominalMillis[layout.tracks[position]!.unit]

/**
 * Whether a count passes: `atLeast` needs `limit` events; `atMost` lets one more happen while the
 * events plus the slots pending reservations hold stay under `limit`.
 */
export const countPasses = (
  atLeast: boolean,
  limit: number,
  count: number,
  pendingOf: ((event: string) => number) | undefined,
  event: string
): boolean => (atLeast ? count >= limit : count + (pendingOf?.(event) ?? 0) < limit)

/** Constraints that all count events (`atMost`, `atLeast`), resolved against one layout. */
export interface CountPlan {
  readonly compiled: Compiled
  /** The event each constraint counts. */
  readonly events: ReadonlyArray<string>
  /** Per constraint, four numbers: 1 for `atLeast` (0 for `atMost`), the position, the buckets, the limit. */
  readonly numbers: ReadonlyArray<number>
}

/** The plan of `constraints` in `layout`, or `undefined` unless each is a count whose window the layout tracks. */
export const countPlanOf = (constraints: ReadonlyArray<Constraint>, layout: Layout): CountPlan | undefined => {
  const compiled = compile(layout)
  const events: string[] = []
  const numbers: number[] = []
  for (const constraint of constraints) {
    if (constraint._tag !== 'AtMost' && constraint._tag !== 'AtLeast') return undefined
    const position = resolvedPosition(compiled, layout, constraint.span)
    if (position < 0) return undefined
    events.push(constraint.event)
    numbers.push(constraint._tag === 'AtLeast' ? 1 : 0, position, resolvedBuckets(layout, constraint.span, position), constraint.limit)
  }
  return { compiled, events, numbers }
}
