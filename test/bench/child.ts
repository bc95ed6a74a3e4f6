/**
 * The entry of one case process (started by `run.ts` through `harness.ts`): `child.ts CASE_ID`.
 * `verify` checks the typed-array baseline against the library (when prepared) instead of timing.
 */
import { serve } from './harness.ts'
import { cases, verifyBaseline } from './core.bench.ts'

const id = process.argv[2]
if (id === 'verify') {
  serve(() => {
    const problem = verifyBaseline()
    if (problem !== undefined) throw new Error(`the typed-array baseline disagrees with the library: ${problem}`)
    return () => 0
  })
} else {
  const found = cases.find((c) => c.id === id)
  if (found === undefined) throw new Error(`unknown case ${String(id)}; known: ${cases.map((c) => c.id).join(', ')}`)
  serve(found.prepare)
}
