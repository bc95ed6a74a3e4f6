// Law 2: recording is merging a singleton, so records commute; the data-last forms used with
// pipe give what the data-first forms give.
import * as fc from 'fast-check'
import { describe, it } from 'vitest'
import { RUNS, recording } from './drivers.js'

describe('record', () => {
  for (const [name, property] of Object.entries(recording())) it(name, () => fc.assert(property, RUNS))
})
