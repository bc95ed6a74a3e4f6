// `covers` (src/store/internal/delta.ts) lets a persist write a counter as it is in place of its
// baseline plus its difference from that baseline: it must say so only when the two are equal.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Counter, Layout } from 'tiny-counter'
import { counters } from 'tiny-counter/testing'
import { covers, difference } from '../../src/store/internal/delta.js'

const plusDifference = (later: Counter, earlier: Counter): Counter => Counter.merge(earlier, difference(later, earlier))

describe('covers', () => {
  it('holds for a counter made from another by merging (what recording does), and then the baseline plus the difference is the counter', () => {
    fc.assert(
      fc.property(counters(2), ([a, b]) => {
        const later = Counter.merge(a!, b!)
        expect(covers(later, a!)).toBe(true)
        expect(Counter.Eq.equals(plusDifference(later, a!), later)).toBe(true)
      }),
      { numRuns: 300 }
    )
  })

  it('is never true of two counters unless the baseline plus the difference is the later counter', () => {
    let held = 0
    fc.assert(
      fc.property(counters(3), ([a, b, c]) => {
        // Pairs that cover and pairs that do not: unrelated counters, and a counter against more than it.
        for (const [later, earlier] of [[b!, a!], [Counter.merge(a!, c!), b!], [a!, Counter.merge(a!, b!)]] as const) {
          if (!covers(later, earlier)) continue
          held++
          expect(Counter.Eq.equals(plusDifference(later, earlier), later)).toBe(true)
        }
      }),
      { numRuns: 300 }
    )
    expect(held).toBeGreaterThan(0)
  })

  it('is false for a counter with fewer counts than its baseline, or whose head is behind it', () => {
    const at = Date.UTC(2026, 4, 20, 9)
    const of = (t: number, n: number): Counter => {
      const made = Counter.singleton(Layout.utc, t, n)
      if (made._tag === 'Left') throw made.left
      return made.right
    }
    expect(covers(of(at, 3), of(at, 1))).toBe(true)
    expect(covers(of(at, 1), of(at, 3))).toBe(false)
    expect(covers(of(at - 86_400_000, 5), of(at, 1))).toBe(false) // its head is a day behind
    expect(covers(of(at + 86_400_000, 1), of(at, 1))).toBe(false) // a day later, without the baseline's count of the day before
    expect(covers(Counter.merge(of(at, 1), of(at + 86_400_000, 1)), of(at, 1))).toBe(true)
  })
})
