// Refinement law: the store's rings (src/store/table/rings.ts) refine `Counter.record`. The store
// records in place into counters only it can see. Whatever the interleaving of records, exports,
// persists, merges and resets, every value handed out stays exactly as it was handed out (and
// frozen), and the store's answers equal those of a store that copies on every record (the pure path).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Counter, EventStore, Layout, MemoryStorage, TestClock } from 'tiny-counter'
import type { Counter as CounterT } from 'tiny-counter/Counter'
import { compile } from 'tiny-counter/internal/compiled'
import { fresh, own, recordInPlace, toCounter, windowCount } from 'tiny-counter/store/table/rings'
import { countIn } from 'tiny-counter/internal/windowCount'

const H = 3_600_000
type Step =
  | { kind: 'record'; event: string; count: number; ago: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'exportAll' | 'exportDirty' | 'reset' | 'persist' | 'mergeSelf' }

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('record' as const), event: fc.constantFrom('a', 'b'), count: fc.integer({ min: 0, max: 5 }), ago: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 50 * H })) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 30 * H }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('exportAll' as const, 'exportDirty' as const, 'reset' as const, 'persist' as const, 'mergeSelf' as const) }) }
)

describe('in-place recording', () => {
  it('never changes a value once it was handed out, and answers like pure recording', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 50 }), async (steps) => {
        const clock = TestClock.at(Date.UTC(2026, 2, 28, 12)) // across Berlin's DST change
        const store = await EventStore.builder().withClock(clock.copy()).timeZone('Europe/Berlin').withStorage(new MemoryStorage()).build()
        const pure = new Map<string, CounterT>()
        const handedOut: Array<readonly [CounterT, string]> = []
        for (const s of steps) {
          if (s.kind === 'record') {
            store.recordCountAgo(s.event, s.count, s.ago)
            const at = clock.now() - s.ago
            const next = Counter.record(pure.get(s.event) ?? Counter.empty(store.layout), at, s.count)
            if (next._tag === 'Right') pure.set(s.event, next.right)
          } else if (s.kind === 'advance') clock.advance(s.ms)
          else if (s.kind === 'exportAll' || s.kind === 'exportDirty') {
            for (const c of Object.values(s.kind === 'exportAll' ? store.exportAll() : store.exportDirty())) handedOut.push([c, JSON.stringify(c)])
          } else if (s.kind === 'reset') store.resetDirty()
          else if (s.kind === 'persist') await store.persist()
          else {
            const other = EventStore.builder().withClock(clock.copy()).timeZone('Europe/Berlin').build()
            other.merge(store)
            for (const c of Object.values(other.exportAll())) handedOut.push([c, JSON.stringify(c)])
          }
        }
        for (const [value, json] of handedOut) expect(JSON.stringify(value)).toBe(json)
        for (const [event, counter] of pure) {
          const mine = store.exportAll()[event]!
          expect(Counter.Eq.equals(Counter.rotate(mine, clock.now()), Counter.rotate(counter, clock.now()))).toBe(true)
        }
        expect(Layout.Eq.equals(store.layout, Layout.standard({ timeZone: 'Europe/Berlin' }))).toBe(true)
      }),
      { numRuns: 300 }
    )
  })
})

// The owned form itself: small layouts, so that the rings wrap around within a few records.
describe('owned counters (rings)', () => {
  const M = 60_000
  const layouts = [
    Layout.make({ minutes: 4, hours: 3, days: 2 }, { timeZone: 'Europe/Berlin' }),
    Layout.make({ minutes: 1, hours: 5 }, { timeZone: 'UTC', alignment: 'uniform' }),
    Layout.make({ seconds: 7, minutes: 60, months: 2 }, { timeZone: 'America/New_York' })
  ].map((made) => {
    if (made._tag === 'Left') throw made.left
    return made.right
  })
  const origin = Date.UTC(2026, 2, 29, 0, 30) // Berlin moves to summer time at 01:00 UTC
  const move = fc.oneof(
    fc.integer({ min: -10 * M, max: 10 * M }),
    fc.integer({ min: -3 * H, max: 6 * H }),
    fc.integer({ min: -3 * 24 * H, max: 70 * 24 * H }),
    fc.constant(0)
  )
  const records = fc.array(fc.record({ by: move, n: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constant(Number.MAX_SAFE_INTEGER)) }), { minLength: 1, maxLength: 40 })

  it('records, reads back and counts windows as Counter.record and the pure count do', () => {
    fc.assert(
      fc.property(fc.constantFrom(...layouts), fc.integer({ min: -1e12, max: 1e12 }), records, (layout, shiftOrigin, steps) => {
        let at = origin + (shiftOrigin % (400 * 24 * H))
        const first = Counter.singleton(layout, at, 1)
        if (first._tag === 'Left') throw first.left
        let pure = first.right
        const owned = own(pure)
        const compiled = compile(layout)
        for (const { by, n } of steps) {
          at += by
          const next = Counter.record(pure, at, n)
          if (next._tag === 'Left') throw next.left
          pure = next.right
          recordInPlace(owned, at, n)
          expect(toCounter(owned)).toEqual(pure)
          for (let u = 0; u < compiled.units.length; u++) {
            for (let buckets = 1; buckets <= compiled.lengths[u]!; buckets++) {
              for (const when of [at, at + 59_999, at + 3 * H]) {
                expect(windowCount(owned, compiled, u, when, buckets)).toBe(countIn(pure, compiled, u, when, buckets))
              }
            }
          }
        }
        // Owning a counter and reading it back changes nothing, whatever it holds.
        expect(toCounter(own(pure))).toEqual(pure)
        // A fresh private counter holds what a singleton holds.
        const single = Counter.singleton(layout, at, 3)
        if (single._tag === 'Left') throw single.left
        expect(toCounter(fresh(layout, at, 3))).toEqual(single.right)
      }),
      { numRuns: 400 }
    )
  })
})
