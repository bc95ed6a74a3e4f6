// Refinement law: the store's count plans (src/store/table/countPlan.ts, decided from its rings)
// refine `Limit.decide`. Call after call, a limit of counts (named events, or a key-free policy)
// decides on the store exactly as `Limit.decide` does on a twin store's exported counters, with
// refusals, `retryAfter` and the recorded counts equal.
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { Limit } from 'tiny-counter'
import type { Rule } from '../limits.ts'
import { H, M, atMost, build, event, limitOf, orThrow, world } from '../limits.ts'

const counting = fc.oneof(atMost, atMost, fc.record({ kind: fc.constant('atLeast' as const), event, limit: fc.integer({ min: 1, max: 3 }) }))
const calls = fc.array(fc.tuple(event, fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 50 * M }), fc.integer({ min: H, max: 30 * H }))), { minLength: 1, maxLength: 25 })
const describeResult = (r: E.Either<{ _tag: string; constraint?: unknown; retryAfter?: unknown }, void>) =>
  E.isRight(r) ? 'passed' : { tag: r.left._tag, constraint: r.left.constraint, retryAfter: r.left.retryAfter }

describe('count plans refine Limit.decide', () => {
  it('a limit of counts decides on the store exactly as Limit.decide does on the same counters, call after call', () => {
    // The store decides such limits on the counters it records into in place (and records in the
    // same step); a twin store, exported before each decision, gives the pure counters.
    const pureOf = (rule: Rule) =>
      orThrow(rule.kind === 'atMost' ? Limit.atMost(rule.event, rule.limit, rule.window) : Limit.atLeast((rule as { event: string }).event, (rule as { limit: number }).limit, 'days'))
    fc.assert(
      fc.property(
        world,
        fc.array(counting, { minLength: 1, maxLength: 3 }),
        calls,
        (w, rules, calls) => {
          const { clock, store } = build(w)
          const { clock: twinClock, store: twin } = build(w)
          const limit = limitOf(store, rules)
          const constraints = rules.map(pureOf)
          for (const [checked, wait] of calls) {
            clock.advance(wait)
            twinClock.advance(wait)
            const counters = twin.exportAll()
            const pure = Limit.decide(constraints, { counterOf: (e) => counters[e] }, checked, clock.now(), twin.layout)
            expect(describeResult(limit.check(checked))).toEqual(describeResult(pure))
            expect(describeResult(limit.checkAndRecord(checked))).toEqual(describeResult(pure))
            if (E.isRight(pure)) orThrow(twin.recordAt(checked, clock.now()))
          }
          expect(store.exportAll()).toEqual(twin.exportAll())
        }
      ),
      { numRuns: 300 }
    )
  })


  it('a key-free policy decides on the store exactly as Limit.decide does with its rules on the checked key', () => {
    type CountRule = Extract<Rule, { kind: 'atMost' } | { kind: 'atLeast' }>
    const policyOf = (rules: ReadonlyArray<CountRule>): Limit.Policy =>
      rules.reduce((p, r) => (r.kind === 'atMost' ? p.atMost(r.limit, r.window) : p.atLeast(r.limit, 'days')), Limit.policy())
    fc.assert(
      fc.property(world, fc.array(counting, { minLength: 1, maxLength: 3 }), calls, (w, rules, keys) => {
        const { clock, store } = build(w)
        const { clock: twinClock, store: twin } = build(w)
        const policy = policyOf(rules)
        for (const [key, wait] of keys) {
          clock.advance(wait)
          twinClock.advance(wait)
          const counters = twin.exportAll()
          const constraints = policy.on(key).map(orThrow)
          const pure = Limit.decide(constraints, { counterOf: (e) => counters[e] }, key, clock.now(), twin.layout)
          expect(describeResult(store.limit(policy).check(key))).toEqual(describeResult(pure))
          expect(describeResult(store.limit(policy).checkAndRecord(key))).toEqual(describeResult(pure))
          if (E.isRight(pure)) orThrow(twin.recordAt(key, clock.now()))
        }
        expect(store.exportAll()).toEqual(twin.exportAll())
      }),
      { numRuns: 300 }
    )
  })
})
