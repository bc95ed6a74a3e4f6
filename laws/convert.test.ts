// convert: converting to the counter's own layout changes nothing, and converting to another
// bucket count or set of units (same zone and alignment) commutes with merge.
import * as fc from 'fast-check'
import { describe, it } from 'vitest'
import { RUNS, conversion } from './drivers.js'

describe('convert', () => {
  for (const [name, property] of Object.entries(conversion())) it(name, () => fc.assert(property, RUNS))
})
