// Law 8: a counter answers sum, countNonzero and buckets as a naive model that keeps every record
// and asks Temporal where each one falls, in five zones with DST, half hours and a skipped day.
import * as fc from 'fast-check'
import { describe, it } from 'vitest'
import { RUNS, model } from './drivers.js'

describe('the model', () => {
  for (const [name, property] of Object.entries(model())) it(name, () => fc.assert(property, RUNS))
})
