// Law 4: bucket arrays keep their length: no operation leaves a unit with more buckets than its
// layout (one head, one newest count and at most buckets - 1 older buckets, without a trailing
// zero), the bucket table round-trips, a record "now" leaves the older buckets the same arrays, and
// buckets() lists exactly the buckets of its window.
import * as fc from 'fast-check'
import { describe, it } from 'vitest'
import { RUNS, shape } from './drivers.js'

describe('bucket arrays', () => {
  for (const [name, property] of Object.entries(shape())) it(name, () => fc.assert(property, RUNS))
})
