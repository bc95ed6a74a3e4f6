// Law 1: counters of one layout form a commutative monoid under merge, with the empty counter as
// identity; getMonoid(layout) also stays associative when it converts counters of other layouts.
import * as fc from 'fast-check'
import { describe, it } from 'vitest'
import { RUNS, mergeMonoid } from './drivers.js'

describe('merge', () => {
  for (const [name, property] of Object.entries(mergeMonoid())) it(name, () => fc.assert(property, RUNS))
})
