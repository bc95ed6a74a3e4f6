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

/**
 * Count constraints resolved against one layout, without their events: a limit on a key has the
 * same plan as the same limit on every other key, and the store's limits share one plan object
 * (a server checks thousands of keys in turn: one plan stays in the cache, a thousand would not).
 */
export interface CountPlan {
  readonly compiled: Compiled
  /** Per constraint, four numbers: 1 for `atLeast` (0 for `atMost`), the position, the buckets, the limit. */
  readonly numbers: ReadonlyArray<number>
}

/**
 * What a limit's count constraints count: one event for all of them (the usual `atMost(key, ...)
 * .atMost(key, ...)`), or one event per constraint.
 */
export type Counted = string | ReadonlyArray<string>

/** The event constraint `i` counts. */
export const countedBy = (counted: Counted, i: number): string => (typeof counted === 'string' ? counted : counted[i]!)

const plans = new WeakMap<Compiled, Map<string, CountPlan>>()
const MAX_SHARED_PLANS = 1024

/**
 * The plan of `constraints` in `layout` and the events they count, or `undefined` unless each is a
 * count whose window the layout tracks.
 */
export const countPlanOf = (constraints: ReadonlyArray<Constraint>, layout: Layout): { readonly plan: CountPlan; readonly counted: Counted } | undefined => {
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
  let known = plans.get(compiled)
  if (known === undefined) plans.set(compiled, (known = new Map()))
  const key = numbers.join(',')
  let plan = known.get(key)
  if (plan === undefined) {
    plan = { compiled, numbers }
    // Limits of many shapes (a quota per customer, say) are planned each on their own.
    if (known.size < MAX_SHARED_PLANS) known.set(key, plan)
  }
  return { plan, counted: events.every((event) => event === events[0]) ? events[0]! : events }
}
