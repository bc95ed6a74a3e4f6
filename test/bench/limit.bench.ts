/**
 * The rate-limit cases: `checkAndRecord(key)` under `atMost(key, 10, 'minutes')` and
 * `atMost(key, 100, 'hours')` on the store of `store.bench.ts` (default layout, Berlin, system
 * clock), cycling through 1,000 keys that start with the store history; side by side with
 * rate-limiter-flexible's `RateLimiterMemory.consume(key)` (one limit: 10 points per 60 s).
 *
 * Our limit is measured built once per key and reused (`apis[k].checkAndRecord(key)`), and built
 * on every call as in the examples (`store.limit().atMost(...).atMost(...).checkAndRecord(key)`).
 * `consume` returns a promise: it is measured awaited, one call after the other, in an async loop;
 * ours is measured in the same shape (`await` on each result, which costs a microtask turn as an
 * awaited promise does) and, for reference, in a plain synchronous loop.
 *
 * Two workloads, each reported with its share of calls passed and refused:
 * - `paced`: time moves 40 ms per call (`Date.now` replaced, in the case process only, by a clock
 *   the loop moves; `SystemClock` and rate-limiter-flexible both read `Date.now`), so each key is
 *   called every 40 s: 1.5 calls a minute and 90 an hour, under every limit. This is the workload
 *   of the target: a limiter passes most calls. (On the real clock a loop calls each key
 *   thousands of times a minute, and nearly every call is refused.)
 * - `realtime`: the machine's clock, unpaced: after the first cycles nearly every call is refused.
 */
import { RateLimiterMemory } from 'rate-limiter-flexible'
import type { EventStore, LimitBuilder } from 'tiny-counter'
import type { AsyncBody, Body, Prepared } from './harness.ts'
import type { StoreHistory } from './store.bench.ts'
import { exerciseStore, storeWithHistory } from './store.bench.ts'

export type Scenario = 'paced' | 'realtime'
export type LimitVariant = 'reused/sync' | 'per-call/sync' | 'reused/await' | 'per-call/await' | 'rlf/await' | 'record-only/sync'

/** Milliseconds the clock moves per call in the paced workload. */
export const PACED_STEP_MS = 40
export const PER_MINUTE = 10
export const PER_HOUR = 100

/** The moving clock of the paced workload; `Date.now` reads it once `pace` is called. */
let pacedNow = 0
const realNow = Date.now
const pace = (): void => {
  pacedNow = realNow()
  Date.now = () => pacedNow
}

/** Passes and refusals of the timed rounds. */
const tally = { passed: 0, refused: 0 }
const counting = (prepared: Prepared): Prepared => ({
  ...prepared,
  afterWarmup: () => {
    tally.passed = 0
    tally.refused = 0
  },
  report: () => ({ passed: tally.passed, refused: tally.refused })
})

const limitOf = (store: EventStore, key: string): LimitBuilder => store.limit().atMost(key, PER_MINUTE, 'minutes').atMost(key, PER_HOUR, 'hours')

/** A refusal must be a `LimitExceeded`: anything else is a broken case. */
const refusal = (left: { readonly _tag: string }): number => {
  if (left._tag !== 'LimitExceeded') throw left
  return 1
}

const setUp = (history: StoreHistory, scenario: Scenario): { store: EventStore; keys: ReadonlyArray<string>; step: number } => {
  const store = storeWithHistory(history)
  exerciseStore(store, history.names)
  if (scenario === 'paced') pace()
  return { store, keys: history.names, step: scenario === 'paced' ? PACED_STEP_MS : 0 }
}

const ours = (history: StoreHistory, scenario: Scenario, reuse: boolean, awaited: boolean): Prepared => {
  const { store, keys, step } = setUp(history, scenario)
  const apis = keys.map((key) => limitOf(store, key))
  let next = 0
  if (!awaited) {
    const body: Body = (ops) => {
      let k = next
      let passed = 0
      let refused = 0
      for (let i = 0; i < ops; i++) {
        pacedNow += step
        const key = keys[k]!
        const r = reuse ? apis[k]!.checkAndRecord(key) : limitOf(store, key).checkAndRecord(key)
        if (r._tag === 'Right') passed++
        else refused += refusal(r.left)
        if (++k === keys.length) k = 0
      }
      next = k
      tally.passed += passed
      tally.refused += refused
      return passed
    }
    return counting({ body })
  }
  const body: AsyncBody = async (ops) => {
    let k = next
    let passed = 0
    let refused = 0
    for (let i = 0; i < ops; i++) {
      pacedNow += step
      const key = keys[k]!
      const r = await (reuse ? apis[k]!.checkAndRecord(key) : limitOf(store, key).checkAndRecord(key))
      if (r._tag === 'Right') passed++
      else refused += refusal(r.left)
      if (++k === keys.length) k = 0
    }
    next = k
    tally.passed += passed
    tally.refused += refused
    return passed
  }
  return counting({ async: true, body })
}

/** `store.record(key)` alone, under the same pacing: what the record part of `checkAndRecord` costs. */
const recordOnly = (history: StoreHistory, scenario: Scenario): Prepared => {
  const { store, keys, step } = setUp(history, scenario)
  let next = 0
  const body: Body = (ops) => {
    let k = next
    for (let i = 0; i < ops; i++) {
      pacedNow += step
      const r = store.record(keys[k]!)
      if (r._tag === 'Left') throw r.left
      if (++k === keys.length) k = 0
    }
    next = k
    tally.passed += ops
    return k
  }
  return counting({ body })
}

const rlf = (history: StoreHistory, scenario: Scenario): Prepared => {
  const keys = history.names
  const step = scenario === 'paced' ? PACED_STEP_MS : 0
  if (scenario === 'paced') pace()
  const limiter = new RateLimiterMemory({ points: PER_MINUTE, duration: 60 })
  let next = 0
  const body: AsyncBody = async (ops) => {
    let k = next
    let passed = 0
    let refused = 0
    for (let i = 0; i < ops; i++) {
      pacedNow += step
      try {
        await limiter.consume(keys[k]!)
        passed++
      } catch (e) {
        if (e instanceof Error) throw e // a refusal rejects with a RateLimiterRes, not an Error
        refused++
      }
      if (++k === keys.length) k = 0
    }
    next = k
    tally.passed += passed
    tally.refused += refused
    return passed
  }
  return counting({ async: true, body })
}

export interface LimitCase {
  readonly id: string
  readonly prepare: (history: StoreHistory) => Prepared
}

export const limitCaseId = (scenario: Scenario, variant: LimitVariant): string => `limit/${scenario}/${variant}`

/** The variants of each workload, side by side (`record-only/sync` is a reference, paced only). */
export const limitVariants = (scenario: Scenario): ReadonlyArray<LimitVariant> => [
  'reused/await',
  'per-call/await',
  'rlf/await',
  'reused/sync',
  'per-call/sync',
  ...(scenario === 'paced' ? (['record-only/sync'] as const) : [])
]

export const limitCases: ReadonlyArray<LimitCase> = (['paced', 'realtime'] as const).flatMap((scenario) =>
  limitVariants(scenario).map((variant): LimitCase => {
    const id = limitCaseId(scenario, variant)
    switch (variant) {
      case 'reused/sync':
        return { id, prepare: (h) => ours(h, scenario, true, false) }
      case 'per-call/sync':
        return { id, prepare: (h) => ours(h, scenario, false, false) }
      case 'reused/await':
        return { id, prepare: (h) => ours(h, scenario, true, true) }
      case 'per-call/await':
        return { id, prepare: (h) => ours(h, scenario, false, true) }
      case 'rlf/await':
        return { id, prepare: (h) => rlf(h, scenario) }
      case 'record-only/sync':
        return { id, prepare: (h) => recordOnly(h, scenario) }
    }
  })
)
