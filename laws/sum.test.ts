// Laws 5 and 6: sum turns merge into saturating addition and empty into 0 (read after every
// instant the counters saw), and no window holds more than ever.
import * as fc from 'fast-check'
import { describe, it } from 'vitest'
import { RUNS, sums } from './drivers.js'

describe('sum', () => {
  for (const [name, property] of Object.entries(sums())) it(name, () => fc.assert(property, RUNS))
})
