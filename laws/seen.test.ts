// lastSeen, firstSeen and firstSeenIn estimate times from bucket middles: each is within half a
// bucket of the true time since the newest or oldest record still held, and none when nothing is.
import * as fc from 'fast-check'
import { describe, it } from 'vitest'
import { RUNS, seen } from './drivers.js'

describe('first and last seen', () => {
  for (const [name, property] of Object.entries(seen())) it(name, () => fc.assert(property, RUNS))
})
