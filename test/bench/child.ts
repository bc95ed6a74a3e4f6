/**
 * The entry of one case process (started by `run.ts` through `harness.ts`): `child.ts CASE_ID`.
 * `verify` checks the typed-array baseline against the library (when prepared) instead of timing;
 * `verify-limit` checks that the naive sliding log decides as our limit does, and reports what it
 * compared as its figures.
 */
import type { Body, Prepared } from './harness.ts'
import { serve } from './harness.ts'
import { cases, verifyBaseline } from './core.bench.ts'
import { storeCases } from './store.bench.ts'
import { limitCases, verifySlidingLog } from './limit.bench.ts'
import { memoryCases } from './memory.bench.ts'
import { replicatedCases } from './replicated.bench.ts'
import { reduxCases } from './redux.bench.ts'
import { redisCases } from './redis.bench.ts'

const all: ReadonlyArray<{ readonly id: string; readonly prepare: (data: any) => Body | Prepared | Promise<Prepared> }> = [...cases, ...storeCases, ...limitCases, ...memoryCases, ...reduxCases, ...redisCases, ...replicatedCases]

const id = process.argv[2]
if (id === 'verify') {
  serve(() => {
    const problem = verifyBaseline()
    if (problem !== undefined) throw new Error(`the typed-array baseline disagrees with the library: ${problem}`)
    return () => 0
  })
} else if (id === 'verify-limit') {
  serve(() => {
    const agreement = verifySlidingLog()
    if (typeof agreement === 'string') throw new Error(`the sliding log disagrees with our limit: ${agreement}`)
    return { body: () => 0, report: () => ({ ...agreement }) }
  })
} else {
  const found = all.find((c) => c.id === id)
  if (found === undefined) throw new Error(`unknown case ${String(id)}; known: ${all.map((c) => c.id).join(', ')}`)
  serve(found.prepare)
}
