// The round-trip law of persistence, for both formats on every backend: a counter serialised,
// saved, loaded and deserialised is the counter itself (load(save(x)) = x), whatever the key.
import * as fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { afterAll, describe, expect, it } from 'vitest'
import { Counter } from 'tiny-counter'
import type { Storage } from 'tiny-counter'
import { counter, key } from './arbitraries.js'
import { backends, cleanUp, formats, temporaryDirectory } from './backends.js'

afterAll(cleanUp)

const entries = fc.uniqueArray(fc.tuple(key, counter), { minLength: 1, maxLength: 3, selector: ([k]) => k })

describe.each(backends)('$name', (backend) => {
  it.each(formats.map((format) => [format.name, format] as const))('load(save(x)) = x in %s (200 runs, with save and with batch)', async (_name, format) => {
    const storage: Storage = await backend.open(temporaryDirectory())
    try {
      await fc.assert(
        fc.asyncProperty(entries, fc.boolean(), async (written, viaBatch) => {
          if (viaBatch) await storage.batch(written.map(([k, c]) => ({ key: k, data: format.serialize(c) })))
          else for (const [k, c] of written) await storage.save(k, format.serialize(c))
          const listed = new Set(await storage.listKeys())
          for (const [k, c] of written) {
            expect(listed.has(k)).toBe(true)
            const bytes = await storage.load(k)
            expect(bytes).toBeInstanceOf(Uint8Array)
            const back = format.deserialize(k, bytes!)
            expect(back).toEqual(E.right(c))
            expect(E.isRight(back) && Counter.Eq.equals(back.right, c)).toBe(true)
          }
        }),
        { numRuns: 200 }
      )
    } finally {
      await storage.close()
    }
  })
})
