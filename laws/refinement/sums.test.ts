// Refinement law: the store's remembered sums (src/store/table/CounterTable.ts) refine `Query.sum`.
// The store remembers the last window sum of each event, its window compared by value, until the
// counter changes or the clock leaves the bucket the sum was read at. A property: through random
// records, clock moves (small ones that stay in a bucket, ones across Berlin's DST changes, and
// backwards),
// exports, merges and imports, every sum the store gives equals the pure `Query.sum` of a model
// counter built with the pure core at that instant.
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { Counter, EventStore, Layout, Query, TestClock, Window } from 'tiny-counter'

const M = 60_000
const H = 60 * M
const D = 24 * H
const ZONE = 'Europe/Berlin'
const layout = E.getOrElseW((e: Error) => {
  throw e
})(Layout.make({ minutes: 60, hours: 24, days: 32, months: 12 }, { timeZone: ZONE }))
const orThrow = <A>(r: E.Either<Error, A>): A => {
  if (E.isLeft(r)) throw r.left
  return r.right
}

type Op =
  | { readonly op: 'record'; readonly n: number; readonly ago: number }
  | { readonly op: 'advance'; readonly ms: number }
  | { readonly op: 'back'; readonly ms: number }
  | { readonly op: 'ask'; readonly unit: 'minutes' | 'hours' | 'days' | 'months'; readonly n: number }
  | { readonly op: 'sync' }
  | { readonly op: 'exportAll' }
  | { readonly op: 'merge'; readonly n: number }
  | { readonly op: 'import'; readonly n: number }

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('record' as const), n: fc.integer({ min: 0, max: 5 }), ago: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 40 * D })) }),
  fc.record({ op: fc.constant('advance' as const), ms: fc.oneof(fc.integer({ min: 1, max: 5_000 }), fc.integer({ min: 1, max: 2 * H }), fc.constantFrom(M, H, D, 31 * D)) }),
  // A system clock can be set back (by NTP, or by hand).
  fc.record({ op: fc.constant('back' as const), ms: fc.oneof(fc.integer({ min: 1, max: 5_000 }), fc.integer({ min: 1, max: 2 * H }), fc.constantFrom(M, H, D)) }),
  fc.record({ op: fc.constant('ask' as const), unit: fc.constantFrom('minutes' as const, 'hours' as const, 'days' as const, 'months' as const), n: fc.constantFrom(1, 7) }),
  fc.record({ op: fc.constant('ask' as const), unit: fc.constant('days' as const), n: fc.constant(7) }),
  fc.constant({ op: 'sync' as const }),
  fc.constant({ op: 'exportAll' as const }),
  fc.record({ op: fc.constant('merge' as const), n: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ op: fc.constant('import' as const), n: fc.integer({ min: 1, max: 5 }) })
)

describe('remembered window sums', () => {
  it('equal the pure sum of the same counts at every instant', () => {
    fc.assert(
      fc.property(
        // Around Berlin's switches to summer time (29 March 2026) and back (25 October 2026).
        fc.constantFrom(Date.UTC(2026, 2, 28, 20), Date.UTC(2026, 9, 24, 20), Date.UTC(2026, 0, 31, 22, 59)),
        fc.array(op, { minLength: 1, maxLength: 80 }),
        (start, ops) => {
          const clock = TestClock.at(start)
          const store = EventStore.builder().withClock(clock).timeZone(ZONE).build()
          let model = Counter.empty(layout)
          let known = false
          for (const o of ops) {
            const now = clock.now()
            switch (o.op) {
              case 'record':
                orThrow(store.recordCountAgo('e', o.n, o.ago))
                model = orThrow(Counter.record(model, now - o.ago, o.n))
                known = true
                break
              case 'advance':
                clock.advance(o.ms)
                break
              case 'back':
                clock.set(now - o.ms)
                break
              case 'ask': {
                const expected = known ? Query.sum(model, Window.last(o.n, o.unit), now) : { _tag: 'None' }
                expect(store.query('e').last(o.n, o.unit).sum()).toEqual(expected)
                break
              }
              case 'sync':
                store.exportDirty()
                store.resetDirty()
                break
              case 'exportAll':
                store.exportAll()
                break
              case 'merge': {
                const other = orThrow(Counter.singleton(layout, now, o.n))
                orThrow(store.mergeEvent('e', other))
                model = Counter.merge(model, other)
                known = true
                break
              }
              case 'import': {
                const other = orThrow(Counter.singleton(layout, now - H, o.n))
                orThrow(store.importEvent('e', other))
                model = other
                known = true
                break
              }
            }
          }
        }
      ),
      { numRuns: 500 }
    )
  })
})
