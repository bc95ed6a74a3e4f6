/**
 * The rate-limit cases: `checkAndRecord(key)` under `atMost(key, 10, 'minutes')` and
 * `atMost(key, 100, 'hours')` on the store of `store.bench.ts` (default layout, Berlin, system
 * clock), cycling through 1,000 keys that start with the store history; side by side with
 * rate-limiter-flexible's `RateLimiterMemory.consume(key)` (one limit: 10 points per 60 s), and with
 * a naive sliding log (`SlidingLog`): what a developer writes by hand, per key an array of
 * timestamps; a call drops those older than an hour, counts those of the last minute and the last
 * hour, refuses when 10 (100) calls passed in them, else pushes now.
 *
 * Our limit is measured built once per key and reused (`apis[k].checkAndRecord(key)`), built
 * on every call as in the examples (`store.limit().atMost(...).atMost(...).checkAndRecord(key)`),
 * and as a key-free policy defined once and applied to each key
 * (`store.limit(perKey).checkAndRecord(key)`, `perKey = Limit.policy().atMost(10, 'minutes')
 * .atMost(100, 'hours')`).
 * `consume` returns a promise: it is measured awaited, one call after the other, in an async loop;
 * ours and the sliding log are measured in the same shape (`await` on each result, which costs a
 * microtask turn as an awaited promise does) and in a plain synchronous loop. The target compares
 * each as a caller uses it: ours synchronously (it returns its answer), `consume` awaited (it
 * returns a promise). The peers start empty; the warm-up rounds bring them to their steady state.
 *
 * Our windows are calendar buckets ("this minute", "this hour"), the log's slide ("the last 60 s");
 * they decide alike on the paced workload, where no limit is reached. `verifySlidingLog` checks
 * that before anything is timed, and also on 10 keys called every 400 ms from the start of an
 * hour, where both limits refuse and the two kinds of window still hold the same calls.
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
import { Limit } from 'tiny-counter'
import type { EventStore, LimitBuilder } from 'tiny-counter'
import type { AsyncBody, Body, Prepared } from './harness.ts'
import type { StoreHistory } from './store.bench.ts'
import { EVENT_NAMES, defaultStore, eventNames, exerciseStore, storeWithHistory } from './store.bench.ts'

export type Scenario = 'paced' | 'realtime'
export type LimitVariant =
  | 'policy/sync'
  | 'reused/sync'
  | 'per-call/sync'
  | 'reused/await'
  | 'per-call/await'
  | 'rlf/await'
  | 'naive/await'
  | 'naive/sync'
  | 'record-only/sync'

/** Milliseconds the clock moves per call in the paced workload. */
export const PACED_STEP_MS = 40
export const PER_MINUTE = 10
export const PER_HOUR = 100
const MINUTE = 60_000
const HOUR = 60 * MINUTE

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
/** The same two windows as a key-free policy, defined once. */
const perKey = Limit.policy().atMost(PER_MINUTE, 'minutes').atMost(PER_HOUR, 'hours')

/** How our limit is built: once per key and reused, on every call, or a policy applied to each key. */
type Built = 'reused' | 'per-call' | 'policy'

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

const ours = (history: StoreHistory, scenario: Scenario, built: Built, awaited: boolean): Prepared => {
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
        const r = built === 'reused' ? apis[k]!.checkAndRecord(key) : built === 'policy' ? store.limit(perKey).checkAndRecord(key) : limitOf(store, key).checkAndRecord(key)
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
      const r = await (built === 'reused' ? apis[k]!.checkAndRecord(key) : built === 'policy' ? store.limit(perKey).checkAndRecord(key) : limitOf(store, key).checkAndRecord(key))
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

/**
 * The naive peer: a sliding log as a developer writes it by hand. Per key an array of the
 * timestamps of the calls that passed, oldest first; a call drops those older than an hour, counts
 * those of the last minute and the last hour, and refuses when `perMinute` (`perHour`) calls passed
 * in them, else records now. Reads `Date.now()`, as the store's `SystemClock` and rate-limiter-flexible do.
 */
export class SlidingLog {
  private readonly log = new Map<string, number[]>()

  constructor(
    private readonly perMinute: number,
    private readonly perHour: number
  ) {}

  /** Whether `key` may happen now; when it may, records it. */
  checkAndRecord(key: string): boolean {
    const now = Date.now()
    const lastHour = (this.log.get(key) ?? []).filter((t) => t > now - HOUR)
    this.log.set(key, lastHour)
    const lastMinute = lastHour.filter((t) => t > now - MINUTE).length
    if (lastMinute >= this.perMinute || lastHour.length >= this.perHour) return false
    lastHour.push(now)
    return true
  }
}

const naive = (history: StoreHistory, scenario: Scenario, awaited: boolean): Prepared => {
  const keys = history.names
  const step = scenario === 'paced' ? PACED_STEP_MS : 0
  if (scenario === 'paced') pace()
  const log = new SlidingLog(PER_MINUTE, PER_HOUR)
  let next = 0
  if (!awaited) {
    const body: Body = (ops) => {
      let k = next
      let passed = 0
      for (let i = 0; i < ops; i++) {
        pacedNow += step
        if (log.checkAndRecord(keys[k]!)) passed++
        if (++k === keys.length) k = 0
      }
      next = k
      tally.passed += passed
      tally.refused += ops - passed
      return passed
    }
    return counting({ body })
  }
  const body: AsyncBody = async (ops) => {
    let k = next
    let passed = 0
    for (let i = 0; i < ops; i++) {
      pacedNow += step
      if (await log.checkAndRecord(keys[k]!)) passed++
      if (++k === keys.length) k = 0
    }
    next = k
    tally.passed += passed
    tally.refused += ops - passed
    return passed
  }
  return counting({ async: true, body })
}

/** What `verifySlidingLog` found: calls compared and calls passed, in each of its two runs. */
export interface SlidingLogAgreement {
  readonly pacedCalls: number
  readonly pacedPassed: number
  readonly denseCalls: number
  readonly densePassed: number
  readonly denseKeys: number
}

/**
 * Checks that the sliding log decides as our limit does, call by call, on the clock of the paced
 * workload (run it in a process of its own: it replaces `Date.now`). Two runs, each on a fresh
 * store (no history: the log has none) and a fresh log:
 * - the paced workload itself: the 1,000 keys in turn, 40 ms per call, for 250,000 calls (nearly
 *   three hours, across hour boundaries);
 * - 10 keys in turn at 40 ms per call from the start of an hour, so each key is called every 400 ms,
 *   for two hours: the minute limit refuses after 10 calls a minute and the hour limit after 10
 *   minutes. As 400 ms divides a minute and the run starts on an hour (Berlin is a whole number of
 *   hours from UTC), the last 60 s (3,600 s) and the current minute (hour) hold the same calls.
 * Returns what it compared, or a description of the first disagreement.
 */
export const verifySlidingLog = (): SlidingLogAgreement | string => {
  pace()
  /** Calls passed in all, and in the first minute; or the first disagreement. */
  const run = (what: string, keys: ReadonlyArray<string>, calls: number, from: number): { passed: number; firstMinute: number } | string => {
    const store = defaultStore()
    const log = new SlidingLog(PER_MINUTE, PER_HOUR)
    pacedNow = from
    let passed = 0
    let firstMinute = 0
    for (let i = 0; i < calls; i++) {
      if (i === MINUTE / PACED_STEP_MS) firstMinute = passed
      pacedNow += PACED_STEP_MS
      const key = keys[i % keys.length]!
      const r = limitOf(store, key).checkAndRecord(key)
      if (r._tag === 'Left' && r.left._tag !== 'LimitExceeded') return `${what}: ${r.left.message}`
      const ours = r._tag === 'Right'
      if (log.checkAndRecord(key) !== ours) {
        return `${what}: call ${i} (${key} at ${new Date(pacedNow).toISOString()}): ours ${ours ? 'passed' : 'refused'}, the sliding log ${ours ? 'refused' : 'passed'}`
      }
      if (ours) passed++
    }
    return { passed, firstMinute }
  }
  const pacedCalls = 250_000
  const paced = run('paced', eventNames(EVENT_NAMES), pacedCalls, realNow())
  if (typeof paced === 'string') return paced
  const denseKeys = eventNames(10, 'dense_')
  const denseCalls = (2 * HOUR) / PACED_STEP_MS
  const dense = run('dense', denseKeys, denseCalls, Math.ceil(realNow() / HOUR) * HOUR - PACED_STEP_MS)
  if (typeof dense === 'string') return dense
  // Both limits must have refused: 10 calls a minute per key, and 100 an hour.
  const expected = { passed: 2 * PER_HOUR * denseKeys.length, firstMinute: PER_MINUTE * denseKeys.length }
  if (dense.passed !== expected.passed || dense.firstMinute !== expected.firstMinute) {
    return `dense: ${dense.passed} calls passed (${dense.firstMinute} in the first minute), expected ${expected.passed} (${expected.firstMinute})`
  }
  return { pacedCalls, pacedPassed: paced.passed, denseCalls, densePassed: dense.passed, denseKeys: denseKeys.length }
}

export interface LimitCase {
  readonly id: string
  readonly prepare: (history: StoreHistory) => Prepared
}

export const limitCaseId = (scenario: Scenario, variant: LimitVariant): string => `limit/${scenario}/${variant}`

/** The variants of each workload, side by side (`record-only/sync` is a reference, paced only). */
export const limitVariants = (scenario: Scenario): ReadonlyArray<LimitVariant> => [
  'policy/sync',
  'reused/await',
  'per-call/await',
  'rlf/await',
  'naive/await',
  'reused/sync',
  'per-call/sync',
  'naive/sync',
  ...(scenario === 'paced' ? (['record-only/sync'] as const) : [])
]

export const limitCases: ReadonlyArray<LimitCase> = (['paced', 'realtime'] as const).flatMap((scenario) =>
  limitVariants(scenario).map((variant): LimitCase => {
    const id = limitCaseId(scenario, variant)
    switch (variant) {
      case 'policy/sync':
        return { id, prepare: (h) => ours(h, scenario, 'policy', false) }
      case 'reused/sync':
        return { id, prepare: (h) => ours(h, scenario, 'reused', false) }
      case 'per-call/sync':
        return { id, prepare: (h) => ours(h, scenario, 'per-call', false) }
      case 'reused/await':
        return { id, prepare: (h) => ours(h, scenario, 'reused', true) }
      case 'per-call/await':
        return { id, prepare: (h) => ours(h, scenario, 'per-call', true) }
      case 'rlf/await':
        return { id, prepare: (h) => rlf(h, scenario) }
      case 'naive/await':
        return { id, prepare: (h) => naive(h, scenario, true) }
      case 'naive/sync':
        return { id, prepare: (h) => naive(h, scenario, false) }
      case 'record-only/sync':
        return { id, prepare: (h) => recordOnly(h, scenario) }
    }
  })
)
