/**
 * A policy's count rules resolved once against a layout, for the hot path of `checkAndRecord`:
 * which unit and how many buckets each reads, and the numbers it compares. A policy that holds
 * anything else (a schedule, a cooldown, an invalid rule, a window the layout cannot answer)
 * cannot be planned, and says so (`CANNOT_PLAN`) rather than being planned again at every call.
 * The counts are decided by the same rule and resolver as `Limit.decide` (core `internal/spans.ts`).
 */
import * as E from '#fp-ts/Either'
import type { Layout } from '../../Layout.js'
import type { Policy } from '../../Limit.js'
import type { Compiled } from '../../internal/compiled.js'
import { compile } from '../../internal/compiled.js'
import { spanBuckets, spanPosition } from '../../internal/spans.js'

/**
 * Count rules resolved against one layout, without their events: a policy on a key has the same
 * plan as on every other key, and policies of the same shape share one plan object (a server
 * checks thousands of keys in turn: one plan stays in the cache, a thousand would not).
 */
export interface CountPlan {
  readonly compiled: Compiled
  /** Per rule, four numbers: 1 for `atLeast` (0 for `atMost`), the position, the buckets, the limit. */
  readonly numbers: ReadonlyArray<number>
}

/** What a policy that cannot be planned is planned as: it is decided by `Limit.decide` every time. */
export const CANNOT_PLAN: unique symbol = Symbol('cannot be planned')

/**
 * What each rule of a plan counts, given the checked key: `null` when every rule counts the key
 * (a policy: `store.limit(perUser)`), one event for all of them (the usual `atMost(key, ...)
 * .atMost(key, ...)`), or per rule an event (`undefined`: the key).
 */
export type Counted = null | string | ReadonlyArray<string | undefined>

/** The event rule `i` counts when `key` is checked. */
export const countedBy = (counted: Counted, i: number, key: string): string =>
  counted === null ? key : typeof counted === 'string' ? counted : (counted[i] ?? key)

const shared = new WeakMap<Compiled, Map<string, CountPlan>>()
const MAX_SHARED_PLANS = 1024

/** How many policies were planned (a policy is planned once per table): read by the tests. */
let plannings = 0
export const planningCount = (): number => plannings

/** The plan of `policy` in `layout`, or `CANNOT_PLAN` unless every rule is a count whose window the layout answers. */
export const planOf = (policy: Policy, layout: Layout): CountPlan | typeof CANNOT_PLAN => {
  plannings++
  const compiled = compile(layout)
  const numbers: number[] = []
  for (const rule of policy.rules) {
    if (E.isLeft(rule) || (rule.right._tag !== 'AtMost' && rule.right._tag !== 'AtLeast')) return CANNOT_PLAN
    const { _tag, span, limit } = rule.right
    const position = spanPosition(compiled, layout, span)
    if (position < 0) return CANNOT_PLAN
    numbers.push(_tag === 'AtLeast' ? 1 : 0, position, spanBuckets(layout, span, position), limit)
  }
  let known = shared.get(compiled)
  if (known === undefined) shared.set(compiled, (known = new Map()))
  const key = numbers.join(',')
  let plan = known.get(key)
  if (plan === undefined) {
    plan = { compiled, numbers }
    // Policies of many shapes (a quota per customer, say) are planned each on their own.
    if (known.size < MAX_SHARED_PLANS) known.set(key, plan)
  }
  return plan
}
