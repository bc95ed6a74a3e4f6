// The property that matters: 3 to 5 nodes (mesh, hub or chain), random records and clock moves,
// random exchanges of deltas through a network that delays, reorders, duplicates and loses
// messages (with retries); after a final full exchange every node holds the same copy, and its
// counts equal those of one store that recorded everything, for every unit and every window.
import * as fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Replicated } from 'tiny-counter'
import { RUNS } from './drivers.js'
import { networkCase, oneRecorder, run } from './network.js'
import { isWellFormed, sameCounts } from './replicated.predicates.js'

describe('replicated counters over an unreliable network', () => {
  it('every node converges to the counts of one store that recorded everything, for every unit and window', () => {
    fc.assert(
      fc.property(networkCase, (c) => {
        const outcome = run(c)
        const now = Math.max(...outcome.clocks)
        const reference = oneRecorder(c.layout, outcome.records)
        return outcome.copies.every(
          (copy) => Replicated.Eq.equals(copy, outcome.copies[0]!) && isWellFormed(copy) && sameCounts(Replicated.value(copy), reference, now)
        )
      }),
      RUNS
    )
  })

  it('the drawn runs lose, duplicate and reorder messages, move clocks past whole ranges, and go through hubs', () => {
    const cases = fc.sample(networkCase, { numRuns: 300, seed: 16 })
    const outcomes = cases.map(run)
    const share = (f: (i: number) => boolean) => cases.filter((_, i) => f(i)).length / cases.length
    expect(share((i) => outcomes[i]!.lost > 0)).toBeGreaterThan(0.3)
    expect(share((i) => cases[i]!.ops.some((op) => op._tag === 'Deliver' && op.copies === 2))).toBeGreaterThan(0.3)
    expect(share((i) => cases[i]!.ops.some((op) => op._tag === 'Retry'))).toBeGreaterThan(0.3)
    expect(share((i) => cases[i]!.topology === 'hub')).toBeGreaterThan(0.2)
    expect(share((i) => cases[i]!.ops.some((op) => op._tag === 'Tick' && op.by >= 40 * 86_400_000))).toBeGreaterThan(0.3)
  })
})
