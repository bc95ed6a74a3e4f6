// Law 4: bucket arrays keep their length: no operation leaves a unit with more buckets than its
// layout (or a trailing zero), and buckets() lists exactly the buckets of its window.
import * as fc from 'fast-check'
import { describe, it } from 'vitest'
import { RUNS, shape } from './drivers.js'

describe('bucket arrays', () => {
  for (const [name, property] of Object.entries(shape())) it(name, () => fc.assert(property, RUNS))
})
