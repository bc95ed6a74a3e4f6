// Law 3: rotate is idempotent, composes to the later instant, distributes over merge and never
// moves a counter backwards.
import * as fc from 'fast-check'
import { describe, it } from 'vitest'
import { RUNS, rotation } from './drivers.js'

describe('rotate', () => {
  for (const [name, property] of Object.entries(rotation())) it(name, () => fc.assert(property, RUNS))
})
