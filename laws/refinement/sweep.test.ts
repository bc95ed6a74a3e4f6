// Refinement law: the counter table's sweep (src/store/table/CounterTable.ts) drops exactly the
// entries whose every bucket has left its window. The table skips a pass while no entry can have
// expired (it keeps a bound below every entry's head in its longest-lived unit); a property checks
// that the skip never hides an expired entry: through random records (now, in the past, into sealed
// and open entries), counters put in from outside, seals, deletions, partial sweeps that keep some
// entries, and clock moves forwards (by up to two years) and backwards, a full sweep drops the same
// names as examining every entry with the rule itself (`isExpired`).
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { Counter, Layout } from 'tiny-counter'
import { compile } from 'tiny-counter/internal/compiled'
import { CounterTable } from 'tiny-counter/store/table/CounterTable'
import { indicesAt, isExpired } from 'tiny-counter/store/table/expiry'

const H = 3_600_000
const D = 24 * H
const orThrow = <A>(r: E.Either<Error, A>): A => {
  if (E.isLeft(r)) throw r.left
  return r.right
}
const layouts = [
  orThrow(Layout.make({ minutes: 60, hours: 24, days: 32, months: 12 }, { timeZone: 'Europe/Berlin' })),
  orThrow(Layout.make({ seconds: 90, minutes: 30 }, { timeZone: 'UTC' })),
  orThrow(Layout.make({ hours: 48, days: 7 }, { timeZone: 'UTC', alignment: 'uniform' }))
]

type Step =
  | { kind: 'record'; name: string; n: number; ago: number; now: boolean }
  | { kind: 'set'; name: string; ago: number; empty: boolean }
  | { kind: 'advance'; ms: number }
  | { kind: 'back'; ms: number }
  | { kind: 'partialSweep'; budget: number; keep: string }
  | { kind: 'seal' | 'fullSweep' }
  | { kind: 'delete'; name: string }

const name = fc.constantFrom('a', 'b', 'c', 'd', 'e')
const ago = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3 * H }), fc.integer({ min: 0, max: 800 * D }))
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('record' as const), name, n: fc.integer({ min: 0, max: 3 }), ago, now: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('set' as const), name, ago, empty: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.oneof(fc.integer({ min: 1, max: 2 * H }), fc.integer({ min: 1, max: 60 * D }), fc.integer({ min: 1, max: 730 * D })) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('back' as const), ms: fc.integer({ min: 1, max: 400 * D }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('partialSweep' as const), budget: fc.integer({ min: 1, max: 3 }), keep: name }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('seal' as const, 'fullSweep' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), name }) }
)

describe('the table sweep', () => {
  it('drops exactly the entries whose every bucket has expired, whatever it skipped before', () => {
    fc.assert(
      fc.property(fc.constantFrom(...layouts), fc.array(step, { maxLength: 60 }), (layout, steps) => {
        const compiled = compile(layout)
        const table = new CounterTable(layout)
        let now = Date.UTC(2026, 2, 28, 12)
        /** The names a sweep examining every entry drops at `now`. */
        const expired = (): string[] =>
          [...table].filter(([, counter]) => isExpired(counter.heads, compiled, indicesAt(compiled, now))).map(([n]) => n).sort()
        const fullSweep = (): void => {
          const expected = expired()
          expect(table.sweep(now, () => true).sort()).toEqual(expected)
        }
        for (const s of steps) {
          if (s.kind === 'record') table.record(s.name, now - s.ago, s.n, s.now)
          else if (s.kind === 'set') table.set(s.name, s.empty ? Counter.empty(layout) : orThrow(Counter.singleton(layout, now - s.ago, 1)))
          else if (s.kind === 'advance') now += s.ms
          else if (s.kind === 'back') now -= s.ms
          else if (s.kind === 'partialSweep') {
            const before = expired()
            const dropped = table.sweep(now, (n) => n !== s.keep, s.budget)
            for (const n of dropped) expect(before).toContain(n)
          } else if (s.kind === 'seal') table.seal()
          else if (s.kind === 'delete') table.delete(s.name)
          else fullSweep()
        }
        fullSweep()
        expect(expired()).toEqual([])
      }),
      { numRuns: 300 }
    )
  })
})
