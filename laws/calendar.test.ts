// Law 7: the calendar grids are monotone and start() finds a bucket's first instant, in every
// zone, unit and alignment; in the model zones they also count dates as Temporal does.
import * as fc from 'fast-check'
import { describe, it } from 'vitest'
import { RUNS, calendar } from './drivers.js'

describe('calendar grids', () => {
  for (const [name, property] of Object.entries(calendar())) it(name, () => fc.assert(property, RUNS))
})
