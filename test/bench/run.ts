/**
 * `npm run bench`: the core operations, the store, its rate limits and its memory on the default
 * layout, side by side with their peers, against the targets of DESIGN.md.
 *
 * Sections (`--only core,store,limit,memory,persistence,redux,bundle` runs some of them):
 * - core (`core.bench.ts`): `Counter.record` and a 7-day `Query.sum`, calendar vs uniform vs typed arrays;
 * - store (`store.bench.ts`): `store.record(name)` and `store.query(name).lastDays(7).sum()` over
 *   1,000 names on the system clock, vs the core on a `Map` and typed arrays on a `Map`;
 * - limit (`limit.bench.ts`): `checkAndRecord` with two `atMost` windows over 1,000 keys vs
 *   rate-limiter-flexible's `RateLimiterMemory.consume` and a naive sliding log (an array of
 *   timestamps per key), paced and on the real clock; first it checks that the log decides as ours;
 * - memory (`memory.bench.ts`): heap per tracked event over 100,000 events (`--expose-gc`);
 * - persistence (`persistence.bench.ts`): persist and load of 10,000 events with SQLite and with
 *   files, bytes per event of each format, and the files backend's floor on this disk
 *   (`--persist-reps N`, `--persist-warmup N`);
 * - replicated (`replicated.bench.ts`): `Replicated.record` and `Replicated.merge` beside
 *   `Counter.record` and `Counter.merge`, and the bytes per replica per event of both formats;
 * - redux (`redux.bench.ts`): a `recorded` dispatch on a Redux Toolkit store of 10, 1,000 and 10,000
 *   event names, `tiny-counter/redux`'s slice vs hand-written RTK slices over the same counters
 *   (production), and ours in development with the default checks, over the whole state and scoped;
 * - bundle (`bundle.bench.ts`): the browser bundles of the entries against their size budgets, and
 *   what `import('tiny-counter')` costs a Node program at start-up;
 * - redis (`redis.bench.ts`): `checkAndRecord` with two windows on a `RedisStore` vs
 *   rate-limiter-flexible's `RateLimiterRedis` (one window) and `RateLimiterUnion` (two), on a
 *   redis-server the section starts: throughput with 1 and 64 calls in flight, p50/p99 latency,
 *   round trips per decision. Its rows go to a table of their own in README.md (`REDIS_MARKERS`),
 *   written whenever the section runs.
 *
 * For each timed operation the variants run in fresh child processes at once and take turns round
 * by round (see `harness.ts`); this is repeated for several passes with new processes. A variant's
 * figure is the median of all its rounds; a ratio is the median of the ratios of rounds of the
 * same cycle. Memory cases run one process each, one after the other.
 *
 * At the end it prints one PASS, MISS or INFO line per check, and the table of the targets that
 * README.md shows (`readme.ts`): a run of every timed section writes it into README.md, between
 * `<!-- bench:start -->` and `<!-- bench:end -->`; a run of some of them (`--only`) prints it and
 * leaves README.md alone, unless `--write-readme` is given. The bundle section, complete on its
 * own, writes its table between `<!-- bundle:start -->` and `<!-- bundle:end -->` whenever it runs.
 *
 * Options: `--passes N` (default 3), `--cycles N` timed rounds per process (default 20), `--ops N`
 * operations per round (default 100000), `--events N` events of the memory cases (default
 * 100000), `--only LIST`, `--strict` (exit code 1 when a target is missed), `--write-readme`,
 * `--redis-floor` (the redis section also measures its floor: see `FLOOR_VARIANTS`).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import type { CaseProcess, Figures } from './harness.ts'
import { interleave, median, startCase } from './harness.ts'
import type { History, Op, Variant } from './core.bench.ts'
import { TIME_ZONE, buildHistory, cases } from './core.bench.ts'
import type { StoreHistory, StoreOp, StoreVariant } from './store.bench.ts'
import { EVENT_NAMES, buildStoreHistory, storeCaseId } from './store.bench.ts'
import type { LimitVariant, Scenario } from './limit.bench.ts'
import { PACED_STEP_MS, PER_HOUR, PER_MINUTE, limitCaseId, limitVariants } from './limit.bench.ts'
import type { MemoryVariant } from './memory.bench.ts'
import { MEMORY_EVENTS, memoryCaseId, memoryVariants } from './memory.bench.ts'
import { persistenceSection } from './persistence.bench.ts'
import type { ReplicatedOp, ReplicatedVariant } from './replicated.bench.ts'
import { buildReplicatedHistory, eventBytes, replicatedCaseId, replicatedRows } from './replicated.bench.ts'
import type { ReduxVariant } from './redux.bench.ts'
import { REDUX_SIZES, reduxCaseId, reduxOpsPerRound, reduxVariants } from './redux.bench.ts'
import { bundleSection } from './bundle.bench.ts'
import type { BundleRow, Markers, TableRow } from './readme.ts'
import { BENCH_MARKERS, BUNDLE_MARKERS, REDIS_MARKERS, renderBundleTable, renderTable, replaceTable } from './readme.ts'
import { redisSection } from './redis.bench.ts'

const TARGET_NS = 300
const TARGET_RATIO = 1.3
const TARGET_STORE_RECORD_NS = 300
const TARGET_STORE_SUM_NS = 150
const TARGET_LIMIT_SPEEDUP = 3
const TARGET_PER_CALL_SPEEDUP = 2
const TARGET_BYTES_PER_EVENT = 800
const TARGET_REDUX_RATIO = 1.2
/** Heap per key checked and recorded once in the rate-limiting preset (rate-limiter-flexible: ~403 B). */
const TARGET_BYTES_PER_KEY = 400
/** What is left per key once every key went idle and was swept: nothing but noise. */
const TARGET_SWEPT_BYTES_PER_KEY = 2
/** `memoryUsage()` against the measured heap. */
const TARGET_ESTIMATE_ERROR = 0.15
const WARMUP_ROUNDS = 5

const args = process.argv.slice(2)
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`)
  if (i < 0) return fallback
  const value = Number(args[i + 1])
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`--${name} needs a positive integer`)
  return value
}
const passes = option('passes', 3)
const cycles = option('cycles', 20)
const ops = option('ops', 100_000)
const memoryEvents = option('events', MEMORY_EVENTS)
const sections = ['core', 'store', 'limit', 'memory', 'persistence', 'replicated', 'redux', 'bundle', 'redis'] as const
/** The sections whose targets make the bench table (the bundle and Redis sections have tables of their own). */
const timedSections = sections.filter((s) => s !== 'bundle' && s !== 'redis')
type Section = (typeof sections)[number]
const only = ((): ReadonlySet<string> => {
  const i = args.indexOf('--only')
  if (i < 0) return new Set(sections)
  const chosen = String(args[i + 1] ?? '').split(',')
  for (const c of chosen) if (!(sections as ReadonlyArray<string>).includes(c)) throw new Error(`--only takes some of ${sections.join(',')}`)
  return new Set(chosen)
})()
const runs = (section: Section): boolean => only.has(section)
const writeReadme = args.includes('--write-readme')

const childScript = fileURLToPath(new URL('./child.ts', import.meta.url))
const start = (id: string, data?: unknown, nodeFlags: ReadonlyArray<string> = []): Promise<CaseProcess> =>
  startCase(id, childScript, [id], data ?? null, nodeFlags)

const operations: ReadonlyArray<Op> = ['record', 'sum7']
const variants: ReadonlyArray<Variant> = ['calendar', 'uniform', 'typed-array']
const labels: Record<Op, string> = { record: 'Counter.record(c, at, 1)', sum7: "Query.sum(c, last(7, 'days'), at)" }

/** Samples of one operation: per variant, per pass, per cycle. */
type Samples = Record<Variant, number[][]>

const measureOp = async (op: Op, history: History): Promise<Samples> => {
  const samples: Samples = { calendar: [], uniform: [], 'typed-array': [] }
  for (let pass = 0; pass < passes; pass++) {
    const processes = await Promise.all(variants.map((v) => start(`${op}/${v}`, history)))
    try {
      const result = await interleave(processes, { warmupRounds: WARMUP_ROUNDS, cycles, ops })
      variants.forEach((v, i) => samples[v].push([...result[i]!]))
    } finally {
      await Promise.all(processes.map((p) => p.close()))
    }
    process.stderr.write('.')
  }
  return samples
}

/** Median of the per-cycle ratios `a / b`. */
const pairedRatio = (a: number[][], b: number[][]): number => median(a.flatMap((pass, p) => pass.map((x, k) => x / b[p]![k]!)))
const all = (s: number[][]): number[] => s.flat()
const quartiles = (s: number[][]): string => {
  const sorted = all(s).sort((x, y) => x - y)
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
  return `${at(0.25).toFixed(0)}-${at(0.75).toFixed(0)}`
}

/**
 * One PASS, MISS or INFO line (`ok` undefined for a figure that is not a target); a target of this
 * file also gives its row of the README table.
 */
interface Check {
  readonly what: string
  readonly ok: boolean | undefined
  readonly value: string
  readonly row?: Omit<TableRow, 'ok'>
}
const nsText = (n: number): string => `${n.toFixed(0)} ns`
/** A ratio as the README shows it. */
const times = (r: number): string => `${r.toFixed(2)}×`

const coreSection = async (): Promise<ReadonlyArray<Check>> => {
  console.log(`core: default layout (60 minutes, 24 hours, 32 days, 12 months), ${TIME_ZONE}, one second between operations`)
  console.log(`${passes} passes x ${cycles} interleaved rounds x ${ops} ops per variant, one process per variant and pass\n`)

  // The baseline must do the library's work, or the comparison means nothing.
  await (await start('verify')).close()
  const history = buildHistory()
  const results = {} as Record<Op, Samples>
  for (const op of operations) results[op] = await measureOp(op, history)
  process.stderr.write('\n')

  const ns = (op: Op, v: Variant): number => median(all(results[op][v]))
  const ratio = (op: Op, a: Variant, b: Variant): number => pairedRatio(results[op][a], results[op][b])
  const header = ['operation (ns/op, median)', 'calendar', 'uniform', 'typed-array', 'cal/uni', 'cal/typed', 'uni/typed']
  const widths = [34, 10, 10, 12, 8, 10, 10]
  const row = (cells: ReadonlyArray<string>): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[0]!) : c.padStart(widths[i]!))).join(' ')
  console.log(row(header))
  console.log(widths.map((w) => '-'.repeat(w)).join(' '))
  for (const op of operations) {
    console.log(
      row([
        labels[op],
        ...variants.map((v) => ns(op, v).toFixed(1)),
        ...([['calendar', 'uniform'], ['calendar', 'typed-array'], ['uniform', 'typed-array']] as const).map(
          ([a, b]) => `${ratio(op, a, b).toFixed(2)}x`
        )
      ])
    )
  }
  for (const op of operations) console.log(row([`  ${op}: interquartile range`, ...variants.map((v) => quartiles(results[op][v]))]))
  console.log('')

  const readmeLabels: Record<Op, string> = { record: '`Counter.record(c, at, 1)`', sum7: "`Query.sum(c, last(7, 'days'), at)`" }
  const fast = (op: Op, what: string): Check => ({
    what: `${what} (calendar) under ${TARGET_NS} ns`,
    ok: ns(op, 'calendar') < TARGET_NS,
    value: `${ns(op, 'calendar').toFixed(1)} ns`,
    row: {
      operation: `${readmeLabels[op]}, calendar`,
      ours: nsText(ns(op, 'calendar')),
      peers: `typed arrays ${nsText(ns(op, 'typed-array'))}`,
      ratio: `${times(ratio(op, 'calendar', 'typed-array'))} typed arrays`,
      target: `< ${TARGET_NS} ns`
    }
  })
  const aligned = (op: Op, what: string): Check => ({
    what: `${what}: calendar within ${TARGET_RATIO}x of uniform`,
    ok: ratio(op, 'calendar', 'uniform') <= TARGET_RATIO,
    value: x(ratio(op, 'calendar', 'uniform')),
    row: {
      operation: `${readmeLabels[op]}, calendar vs uniform`,
      ours: nsText(ns(op, 'calendar')),
      peers: `uniform ${nsText(ns(op, 'uniform'))}`,
      ratio: `${times(ratio(op, 'calendar', 'uniform'))} uniform`,
      target: `≤ ${TARGET_RATIO}× uniform`
    }
  })
  return [fast('record', 'record'), fast('sum7', '7-day sum'), aligned('record', 'record'), aligned('sum7', '7-day sum')]
}

// -------------------------------------------------------------------------------------------------
// store, limit and memory sections
// -------------------------------------------------------------------------------------------------

/** What one interleaved comparison gives: per case, per pass, per cycle; and each case's figures, summed over passes. */
interface Comparison {
  readonly samples: ReadonlyArray<number[][]>
  readonly figures: ReadonlyArray<Record<string, number>>
}

/** Runs `ids` side by side (see `harness.ts`), `passes` times with fresh processes. */
const compare = async (ids: ReadonlyArray<string>, data: unknown, opsPerRound: number = ops): Promise<Comparison> => {
  const samples: number[][][] = ids.map(() => [])
  const figures: Array<Record<string, number>> = ids.map(() => ({}))
  for (let pass = 0; pass < passes; pass++) {
    const processes = await Promise.all(ids.map((id) => start(id, data)))
    try {
      const result = await interleave(processes, { warmupRounds: WARMUP_ROUNDS, cycles, ops: opsPerRound })
      ids.forEach((_, i) => samples[i]!.push([...result[i]!]))
      const reported: ReadonlyArray<Figures> = await Promise.all(processes.map((p) => p.figures()))
      reported.forEach((f, i) => {
        for (const [key, value] of Object.entries(f)) figures[i]![key] = (figures[i]![key] ?? 0) + value
      })
    } finally {
      await Promise.all(processes.map((p) => p.close()))
    }
    process.stderr.write('.')
  }
  return { samples, figures }
}

const table = (widths: ReadonlyArray<number>) => {
  const row = (cells: ReadonlyArray<string>): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[0]!) : c.padStart(widths[i]!))).join(' ')
  return { row, rule: (): string => widths.map((w) => '-'.repeat(w)).join(' ') }
}
const x = (r: number): string => `${r.toFixed(2)}x`

const storeOps: ReadonlyArray<StoreOp> = ['record', 'sum7', 'sum7-fresh']
const storeVariants: ReadonlyArray<StoreVariant> = ['store', 'core', 'typed-array', 'floor']
const storeLabels: Record<StoreOp, string> = {
  record: 'store.record(name)',
  sum7: 'store.query(name).lastDays(7).sum()',
  'sum7-fresh': '... not remembered (7 and 8 days in turn)'
}

const storeSection = async (history: StoreHistory): Promise<ReadonlyArray<Check>> => {
  console.log(`store: EventStore.builder().timeZone('${TIME_ZONE}').build() (default layout, SystemClock), ${EVENT_NAMES} event names`)
  console.log('taken in turn, each with a year of history in every bucket; peers on the same clock: the core on a')
  console.log('Map<string, Counter> (Counter.record / Query.sum), typed-array rings on a Map<string, TypedArrayCounter>;')
  console.log('clock+Map.get: Date.now() and the Map look-up alone, the floor of every variant (a reference, no counting)')
  console.log(`${passes} passes x ${cycles} interleaved rounds x ${ops} ops per variant, one process per variant and pass\n`)
  const results = {} as Record<StoreOp, Comparison>
  for (const op of storeOps) results[op] = await compare(storeVariants.map((v) => storeCaseId(op, v)), history)
  process.stderr.write('\n')
  const at = (v: StoreVariant): number => storeVariants.indexOf(v)
  const ns = (op: StoreOp, v: StoreVariant): number => median(all(results[op].samples[at(v)]!))
  const ratio = (op: StoreOp, a: StoreVariant, b: StoreVariant): number => pairedRatio(results[op].samples[at(a)]!, results[op].samples[at(b)]!)
  const { row, rule } = table([38, 10, 10, 10, 14, 11, 12])
  console.log(row(['operation (ns/op, median)', 'store', 'core+Map', 'typed+Map', 'clock+Map.get', 'store/core', 'store/typed']))
  console.log(rule())
  for (const op of storeOps) {
    console.log(row([storeLabels[op], ...storeVariants.map((v) => ns(op, v).toFixed(1)), x(ratio(op, 'store', 'core')), x(ratio(op, 'store', 'typed-array'))]))
  }
  for (const op of storeOps) console.log(row([`  ${op}: interquartile range`, ...storeVariants.map((v) => quartiles(results[op].samples[at(v)]!))]))
  console.log('')
  const target = (op: StoreOp, what: string, limit: number): Check => ({
    what: `${what} at most ${limit} ns`,
    ok: ns(op, 'store') <= limit,
    value: `${ns(op, 'store').toFixed(1)} ns (${x(ratio(op, 'store', 'typed-array'))} typed arrays)`,
    row: {
      operation: `\`${storeLabels[op]}\`, ${EVENT_NAMES.toLocaleString('en-US')} names`,
      ours: nsText(ns(op, 'store')),
      peers: `core on a Map ${nsText(ns(op, 'core'))}, typed arrays on a Map ${nsText(ns(op, 'typed-array'))}`,
      ratio: `${times(ratio(op, 'store', 'typed-array'))} typed arrays`,
      target: `≤ ${limit} ns`
    }
  })
  return [
    target('record', 'store.record (1,000 names, system clock)', TARGET_STORE_RECORD_NS),
    target('sum7', 'store.query(name).lastDays(7).sum()', TARGET_STORE_SUM_NS),
    {
      what: `store.query(name).lastDays(7 or 8).sum(), each time a window the event did not answer last (never remembered) [for reference]`,
      ok: undefined,
      value: `${ns('sum7-fresh', 'store').toFixed(1)} ns (${x(ratio('sum7-fresh', 'store', 'typed-array'))} typed arrays, ${x(ratio('sum7-fresh', 'store', 'core'))} the core)`
    }
  ]
}

const limitLabels: Record<LimitVariant, string> = {
  'policy/sync': 'ours, key-free policy per key, sync loop',
  'reused/await': 'ours, limit reused, await',
  'per-call/await': 'ours, limit built per call, await',
  'rlf/await': 'rate-limiter-flexible consume, await',
  'naive/await': 'naive sliding log, await',
  'reused/sync': 'ours, limit reused, sync loop',
  'per-call/sync': 'ours, limit built per call, sync loop',
  'naive/sync': 'naive sliding log, sync loop',
  'record-only/sync': '(reference) store.record(key) alone, sync'
}
const scenarioLabels: Record<Scenario, string> = {
  paced: `paced: the clock moves ${PACED_STEP_MS} ms per call (each key every ${(PACED_STEP_MS * EVENT_NAMES) / 1000} s)`,
  realtime: 'realtime: the machine clock, unpaced (nearly every call refused)'
}
/** The sliding-log variant in the same loop shape (awaited or not) as `v`. */
const logPeer = (v: LimitVariant): LimitVariant => (v.endsWith('/await') ? 'naive/await' : 'naive/sync')

const limitSection = async (history: StoreHistory): Promise<ReadonlyArray<Check>> => {
  console.log(`limit: store.limit().atMost(key, ${PER_MINUTE}, 'minutes').atMost(key, ${PER_HOUR}, 'hours').checkAndRecord(key) on the store above,`)
  console.log(`${EVENT_NAMES} keys taken in turn (each with the history), vs new RateLimiterMemory({ points: ${PER_MINUTE}, duration: 60 }).consume(key)`)
  console.log(`and vs a naive sliding log (per key an array of timestamps: drop those over an hour old, refuse at ${PER_MINUTE} in the`)
  console.log(`last minute or ${PER_HOUR} in the last hour, else push now);`)
  console.log('"await": each call awaited in turn in an async loop (rate-limiter-flexible rejects a refused call: caught);')
  console.log('speed-up = rate-limiter-flexible / variant, vs log = sliding log in the same loop shape / variant, medians of per-cycle ratios')
  console.log(`${passes} passes x ${cycles} interleaved rounds x ${ops} ops per variant, one process per variant and pass\n`)

  // The sliding log must decide as ours does, or the comparison means nothing.
  const verifier = await start('verify-limit')
  const agreed = await verifier.figures().finally(() => verifier.close())
  console.log(`the sliding log decides as ours, call by call, on fresh stores: ${agreed.pacedCalls} calls of the paced workload (${agreed.pacedPassed} passed),`)
  console.log(`and ${agreed.denseCalls} calls on ${agreed.denseKeys} keys called every ${(PACED_STEP_MS * agreed.denseKeys!) / 1000} s from the start of an hour (${agreed.densePassed} passed)\n`)

  const checks: Check[] = []
  for (const scenario of ['paced', 'realtime'] as const) {
    const variantsHere = limitVariants(scenario)
    // A refusal costs an Error (its stack trace): ten times fewer operations keep the rounds short.
    const opsHere = scenario === 'paced' ? ops : Math.max(1_000, Math.round(ops / 10))
    const result = await compare(variantsHere.map((v) => limitCaseId(scenario, v)), history, opsHere)
    process.stderr.write('\n')
    const at = (v: LimitVariant): number => variantsHere.indexOf(v)
    const ns = (v: LimitVariant): number => median(all(result.samples[at(v)]!))
    const speedupOver = (peer: LimitVariant, v: LimitVariant): number => pairedRatio(result.samples[at(peer)]!, result.samples[at(v)]!)
    const speedup = (v: LimitVariant): number => speedupOver('rlf/await', v)
    const passed = (v: LimitVariant): string => {
      const f = result.figures[at(v)]!
      const total = (f.passed ?? 0) + (f.refused ?? 0)
      return total === 0 ? '-' : `${((100 * (f.passed ?? 0)) / total).toFixed(1)}%`
    }
    const { row, rule } = table([44, 10, 12, 9, 10, 9])
    console.log(`${scenarioLabels[scenario]}; ${opsHere} ops per round`)
    console.log(row(['checkAndRecord / consume (ns/op, median)', 'ns/op', 'IQR', 'passed', 'speed-up', 'vs log']))
    console.log(rule())
    for (const v of variantsHere) {
      console.log(
        row([
          limitLabels[v],
          ns(v).toFixed(1),
          quartiles(result.samples[at(v)]!),
          v === 'record-only/sync' ? '-' : passed(v),
          v === 'rlf/await' ? '1.00x' : x(speedup(v)),
          x(speedupOver(logPeer(v), v))
        ])
      )
    }
    console.log('')
    const target = scenario === 'paced'
    // The targets compare each library as it is called: our checkAndRecord is synchronous and
    // returns its answer; consume returns a promise, which a caller has to await. A limit reused,
    // a key-free policy applied to each key: 3x; a limit built on every call (the examples'
    // style): 2x. Ours awaited too (which no caller needs) is shown for reference.
    const variantsOfTarget = ['reused/sync', 'policy/sync', 'per-call/sync', 'reused/await', 'per-call/await'] as const
    const targetOf = (v: LimitVariant): number | undefined =>
      !target ? undefined : v === 'reused/sync' || v === 'policy/sync' ? TARGET_LIMIT_SPEEDUP : v === 'per-call/sync' ? TARGET_PER_CALL_SPEEDUP : undefined
    for (const v of variantsOfTarget) {
      const how = v.startsWith('reused') ? 'limit reused' : v.startsWith('policy') ? 'key-free policy applied to each key' : 'limit built per call'
      const awaited = v.endsWith('await')
      const goal = targetOf(v)
      const isTarget = goal !== undefined
      const log = awaited ? 'naive/await' : 'naive/sync'
      checks.push({
        what: `checkAndRecord (${how}, ${awaited ? 'awaited' : 'called synchronously'}, ${scenario}) ${goal ?? TARGET_LIMIT_SPEEDUP}x faster than rate-limiter-flexible consume (awaited)${isTarget ? '' : target ? ' [for reference]' : ' [not the target workload]'}`,
        ok: isTarget ? speedup(v) >= goal : undefined,
        value: `${x(speedup(v))} (${ns(v).toFixed(1)} vs ${ns('rlf/await').toFixed(1)} ns; passed ${passed(v)} vs ${passed('rlf/await')}; sliding log in the same loop ${ns(log).toFixed(1)} ns, ${x(speedupOver(log, v))})`,
        ...(isTarget
          ? {
              row: {
                operation: `\`checkAndRecord\`, two \`atMost\`, ${how}, ${EVENT_NAMES.toLocaleString('en-US')} keys (sync; consume awaited)`,
                ours: nsText(ns(v)),
                peers: `rate-limiter-flexible ${nsText(ns('rlf/await'))}, sliding log ${nsText(ns(log))}`,
                ratio: `speed-up ${times(speedup(v))} (vs the log: ${times(speedupOver(log, v))})`,
                target: `≥ ${goal}× faster than rate-limiter-flexible`
              }
            }
          : {})
      })
    }
    if (target) {
      checks.push({
        what: `naive sliding log (awaited / sync loop, ${scenario}) vs rate-limiter-flexible awaited [for reference]`,
        ok: undefined,
        value: `${x(speedup('naive/await'))} / ${x(speedup('naive/sync'))} (${ns('naive/await').toFixed(1)} / ${ns('naive/sync').toFixed(1)} ns)`
      })
      checks.push({
        what: `store.record(key) alone (paced), the floor of checkAndRecord, vs rate-limiter-flexible awaited [for reference]`,
        ok: undefined,
        value: `${x(speedup('record-only/sync'))} (${ns('record-only/sync').toFixed(1)} ns)`
      })
    }
  }
  return checks
}

const memoryLabels: Record<MemoryVariant, string> = {
  'store/typical': 'store, events recorded 3x now',
  'store/full': 'store, every bucket non-zero',
  'core/typical': 'Map<string, Counter>, recorded 3x now',
  'typed-array': 'Map<string, TypedArrayCounter>',
  'limiter/once': 'rate-limiting store, each key once',
  'rlf/once': 'rate-limiter-flexible, each key once',
  'limiter/swept': 'the same, all idle, swept'
}

const memorySection = async (): Promise<ReadonlyArray<Check>> => {
  console.log(`memory: bytes per tracked event over ${memoryEvents} events (node --expose-gc; gc() before and after; names`)
  console.log('included; heap = heapUsed delta, buffers = arrayBuffers delta, total = both; median of 3 builds)\n')
  const figures = {} as Record<MemoryVariant, Figures>
  for (const v of memoryVariants) {
    const p = await start(memoryCaseId(v), { events: memoryEvents }, ['--expose-gc'])
    try {
      figures[v] = await p.figures()
    } finally {
      await p.close()
    }
    process.stderr.write('.')
  }
  process.stderr.write('\n')
  const { row, rule } = table([40, 8, 8, 8, 12, 10])
  console.log(row(['holding (bytes/event)', 'heap', 'buffers', 'total', 'vs typed', 'estimate']))
  console.log(rule())
  const total = (v: MemoryVariant): number => figures[v].total!
  for (const v of memoryVariants) {
    const f = figures[v]
    const estimate = f.estimate === undefined ? '' : f.estimate.toFixed(0)
    console.log(row([memoryLabels[v], f.heap!.toFixed(0), f.buffers!.toFixed(0), f.total!.toFixed(0), x(total(v) / total('typed-array')), estimate]))
  }
  // memoryUsage() against the measured heap, where a store holds keys (a swept store holds none:
  // both are then a few bytes per key of what the empty store itself takes).
  const estimated: ReadonlyArray<MemoryVariant> = ['store/typical', 'limiter/once']
  const worstEstimate = Math.max(...estimated.map((v) => Math.abs(figures[v].estimate! - total(v)) / total(v)))
  const once = total('limiter/once')
  const swept = total('limiter/swept')
  const full = figures['store/full'].nonzeroBuckets
  console.log(`  (store/full: fewest non-zero buckets of a sampled event: ${full} of 128)\n`)
  return [
    {
      what: `heap per tracked event (store, typical: recorded 3x now) at most ${TARGET_BYTES_PER_EVENT} bytes`,
      ok: total('store/typical') <= TARGET_BYTES_PER_EVENT,
      value: `${total('store/typical').toFixed(0)} bytes (${x(total('store/typical') / total('typed-array'))} typed arrays)`,
      row: {
        operation: `memory per event, recorded a few times (${memoryEvents.toLocaleString('en-US')} events)`,
        ours: `${total('store/typical').toFixed(0)} B`,
        peers: `core on a Map ${total('core/typical').toFixed(0)} B, typed arrays ${total('typed-array').toFixed(0)} B`,
        ratio: `${times(total('store/typical') / total('typed-array'))} typed arrays`,
        target: `≤ ${TARGET_BYTES_PER_EVENT} B`
      }
    },
    {
      what: `heap per key recorded once (rate-limiting preset) at most ${TARGET_BYTES_PER_KEY} bytes`,
      ok: once <= TARGET_BYTES_PER_KEY,
      value: `${once.toFixed(0)} bytes (rate-limiter-flexible ${total('rlf/once').toFixed(0)} bytes)`,
      row: {
        operation: `memory per key checked and recorded once, rate-limiting preset (${memoryEvents.toLocaleString('en-US')} keys)`,
        ours: `${once.toFixed(0)} B`,
        peers: `rate-limiter-flexible ${total('rlf/once').toFixed(0)} B`,
        ratio: `${times(once / total('rlf/once'))} rate-limiter-flexible`,
        target: `≤ ${TARGET_BYTES_PER_KEY} B`
      }
    },
    {
      what: `heap per key once every key went idle and was swept at most ${TARGET_SWEPT_BYTES_PER_KEY} bytes`,
      ok: swept <= TARGET_SWEPT_BYTES_PER_KEY,
      value: `${swept.toFixed(1)} bytes`,
      row: {
        operation: `memory per key after every key went idle, \`sweep()\` (${memoryEvents.toLocaleString('en-US')} keys)`,
        ours: `${swept.toFixed(1)} B`,
        peers: '',
        ratio: '',
        target: `≤ ${TARGET_SWEPT_BYTES_PER_KEY} B`
      }
    },
    {
      what: `memoryUsage() within ${TARGET_ESTIMATE_ERROR * 100}% of the measured heap (${estimated.join(', ')})`,
      ok: worstEstimate <= TARGET_ESTIMATE_ERROR,
      value: `worst ${(worstEstimate * 100).toFixed(1)}% off`,
      row: {
        operation: '`memoryUsage()` against the measured heap',
        ours: `${(worstEstimate * 100).toFixed(1)}% off at worst`,
        peers: '',
        ratio: '',
        target: `within ${TARGET_ESTIMATE_ERROR * 100}%`
      }
    },
    {
      what: `heap per tracked event (store, every bucket non-zero) at most ${TARGET_BYTES_PER_EVENT} bytes [for honesty: not the typical event]`,
      ok: undefined,
      value: `${total('store/full').toFixed(0)} bytes (${x(total('store/full') / total('typed-array'))} typed arrays)`
    }
  ]
}

const replicatedSection = async (): Promise<ReadonlyArray<Check>> => {
  console.log(`replicated: default layout, ${TIME_ZONE}, calendar; three replicas sharing a year of history (every third event each)`)
  console.log('record: Replicated.record(r, "phone", at, 1) vs Counter.record(c, at, 1) on the whole history, one second per operation;')
  console.log('merge: Replicated.merge(server, phone), the phone a minute of records ahead, vs Counter.merge of the two full counters')
  console.log(`${passes} passes x ${cycles} interleaved rounds x ${ops / 10} ops per variant, one process per variant and pass\n`)
  const history = buildReplicatedHistory()
  const variantsHere: ReadonlyArray<ReplicatedVariant> = ['replicated', 'counter']
  const results = {} as Record<ReplicatedOp, Comparison>
  for (const op of ['record', 'merge'] as const) results[op] = await compare(variantsHere.map((v) => replicatedCaseId(op, v)), history, ops / 10)
  process.stderr.write('\n')
  const ns = (op: ReplicatedOp, v: ReplicatedVariant): number => median(all(results[op].samples[variantsHere.indexOf(v)]!))
  const ratio = (op: ReplicatedOp): number => pairedRatio(results[op].samples[0]!, results[op].samples[1]!)
  const { row, rule } = table([44, 12, 10, 10])
  console.log(row(['operation (ns/op, median)', 'replicated', 'counter', 'ratio']))
  console.log(rule())
  for (const op of ['record', 'merge'] as const) console.log(row([op, ns(op, 'replicated').toFixed(1), ns(op, 'counter').toFixed(1), x(ratio(op))]))
  const bytes = eventBytes()
  console.log('')
  const bytesRow = table([52, 10, 10])
  console.log(bytesRow.row(['bytes of one event', 'Bincode', 'JSON']))
  console.log(bytesRow.rule())
  for (const [name, b] of [['recorded 3 times', bytes.typical], ['every bucket non-zero', bytes.full]] as const) {
    console.log(bytesRow.row([`${name}: a plain counter`, String(b.counterBincode), String(b.counterJson)]))
    console.log(bytesRow.row([`${name}: replicated, one replica`, String(b.oneReplicaBincode), String(b.oneReplicaJson)]))
    console.log(bytesRow.row([`${name}: replicated, each more replica`, b.perReplicaBincode.toFixed(1), b.perReplicaJson.toFixed(1)]))
  }
  console.log('')
  const rows = replicatedRows(ns, ratio, bytes.typical)
  return [
    ...rows.map(({ ok, ...row }): Check => ({ what: row.operation.replace(/`/g, ''), ok, value: `${row.ours} (${row.ratio})`, row })),
    {
      what: 'bytes per replica per event, every bucket non-zero (Bincode / JSON) [for reference]',
      ok: undefined,
      value: `${bytes.full.perReplicaBincode.toFixed(0)} / ${bytes.full.perReplicaJson.toFixed(0)} B (a plain counter: ${bytes.full.counterBincode} / ${bytes.full.counterJson} B)`
    }
  ]
}

/** A duration as the README shows it: ns, µs or ms, whichever reads best. */
const durationText = (ns: number): string =>
  ns < 10_000 ? nsText(ns) : ns < 10_000_000 ? `${(ns / 1_000).toFixed(1)} µs` : `${(ns / 1_000_000).toFixed(1)} ms`

const reduxLabels: Record<ReduxVariant, string> = {
  ours: 'tiny-counter/redux slice',
  natural: 'hand-written slice, natural',
  tuned: 'hand-written slice, tuned',
  'ours-dev': 'ours, development checks',
  'ours-dev-scoped': 'ours, development, scoped checks'
}

const reduxSection = async (): Promise<ReadonlyArray<Check>> => {
  console.log(`redux: store.dispatch(recorded({ event, at: Date.now() })) on configureStore({ reducer: { counters } }), names taken in turn,`)
  console.log(`default layout in ${TIME_ZONE}; production (NODE_ENV=production) unless marked development; hand-written: a createSlice`)
  console.log('whose reducer calls Counter.record and assigns the result (natural: reads the draft; tuned: reads original())')
  console.log(`${passes} passes x ${cycles} interleaved rounds per variant, one process per variant and pass\n`)
  const checks: Check[] = []
  const ours: Record<number, number> = {}
  for (const n of REDUX_SIZES) {
    const opsHere = reduxOpsPerRound(n, ops)
    const result = await compare(reduxVariants.map((v) => reduxCaseId(v, n)), null, opsHere)
    process.stderr.write('\n')
    const at = (v: ReduxVariant): number => reduxVariants.indexOf(v)
    const ns = (v: ReduxVariant): number => median(all(result.samples[at(v)]!))
    const ratio = (a: ReduxVariant, b: ReduxVariant): number => pairedRatio(result.samples[at(a)]!, result.samples[at(b)]!)
    const { row, rule } = table([36, 12, 12, 10, 10])
    console.log(`${n.toLocaleString('en-US')} names, ${opsHere} dispatches per round`)
    console.log(row(['dispatch (ns/op, median)', 'ns/op', 'IQR', '/tuned', '/natural']))
    console.log(rule())
    for (const v of reduxVariants) console.log(row([reduxLabels[v], ns(v).toFixed(0), quartiles(result.samples[at(v)]!), x(ratio(v, 'tuned')), x(ratio(v, 'natural'))]))
    console.log('')
    ours[n] = ns('ours')
    // The target is the faster hand-written slice of the two.
    const peer: ReduxVariant = ns('tuned') <= ns('natural') ? 'tuned' : 'natural'
    checks.push({
      what: `recorded dispatch, ${n} names (production): within ${TARGET_REDUX_RATIO}x of the faster hand-written RTK slice (${peer})`,
      ok: ratio('ours', peer) <= TARGET_REDUX_RATIO,
      value: `${x(ratio('ours', peer))} (${ns('ours').toFixed(0)} vs ${ns(peer).toFixed(0)} ns; the other hand-written ${ns(peer === 'tuned' ? 'natural' : 'tuned').toFixed(0)} ns)`,
      row: {
        operation: `Redux \`recorded\` dispatch, ${n.toLocaleString('en-US')} names (production)`,
        ours: durationText(ns('ours')),
        peers: `hand-written RTK slice: tuned ${durationText(ns('tuned'))}, natural ${durationText(ns('natural'))}`,
        ratio: `${times(ratio('ours', peer))} hand-written (${peer})`,
        target: `≤ ${TARGET_REDUX_RATIO}× hand-written`
      }
    })
    checks.push({
      what: `recorded dispatch, ${n} names, development checks over the whole state / scoped (ignoredPaths, disableCache) [for reference]`,
      ok: undefined,
      value: `${ns('ours-dev').toFixed(0)} / ${ns('ours-dev-scoped').toFixed(0)} ns (${x(ratio('ours-dev', 'ours'))} / ${x(ratio('ours-dev-scoped', 'ours'))} production)`
    })
  }
  const [smallest, largest] = [REDUX_SIZES[0], REDUX_SIZES[REDUX_SIZES.length - 1]!]
  checks.push({
    what: `recorded dispatch: ${largest} names vs ${smallest} (production; Immer copies the record of counters on every change) [for reference]`,
    ok: undefined,
    value: `${x(ours[largest]! / ours[smallest]!)} (${ours[smallest]!.toFixed(0)} -> ${ours[largest]!.toFixed(0)} ns)`
  })
  return checks
}

/**
 * A check of `persistence.bench.ts` (a bare `[what, ok, value, row?]`), with its README row: the
 * one it gives, or one worded from its text ("persist 10000 events (SQLite) within 150 ms").
 */
const persistenceCheck = ([what, ok, value, row]: readonly [string, boolean | undefined, string, Omit<TableRow, 'ok'>?]): Check => {
  const target = /^(persist|load) (\d+) events \(([^)]+)\) within (\d+) ms$/.exec(what)
  if (ok === undefined) return { what, ok, value }
  if (row !== undefined) return { what, ok, value, row }
  return {
    what,
    ok,
    value,
    row:
      target === null
        ? { operation: what, ours: value, peers: '', ratio: '', target: '' }
        : {
            operation: `${target[1] === 'persist' ? '`store.persist()`' : 'load (`build()`)'}, ${Number(target[2]).toLocaleString('en-US')} events, ${target[3]}`,
            ours: value,
            peers: '',
            ratio: '',
            target: `≤ ${target[4]} ms`
          }
  }
}

/** How this run was started, as a reader would type it. */
const commandLine = (): string =>
  process.env.npm_lifecycle_event === 'bench'
    ? ['npm run bench', ...(args.length > 0 ? ['--', ...args] : [])].join(' ')
    : ['npx tsx test/bench/run.ts', ...args].join(' ')

const readmePath = fileURLToPath(new URL('../../README.md', import.meta.url))

/**
 * Prints a README table of the targets and writes it into README.md between `markers`: the bench
 * table after a run of every timed section (or with `--write-readme`); the Redis table (`complete`:
 * its section ran) whenever the Redis section runs.
 */
const readmeTable = (checks: ReadonlyArray<Check>, markers: Markers = BENCH_MARKERS, complete: boolean = timedSections.every(runs)): void => {
  const rows = checks.flatMap((c): TableRow[] => (c.row !== undefined && c.ok !== undefined ? [{ ...c.row, ok: c.ok }] : []))
  if (rows.length === 0) return
  const cpus = os.cpus()
  const markdown = renderTable(rows, {
    date: new Date().toISOString().slice(0, 10),
    machine: `${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${cpus.length} cores${complete ? '' : ` (sections run: ${[...only].join(', ')})`}`,
    node: process.version,
    command: commandLine()
  })
  console.log(`\nthe README table (${markers.start}):\n\n${markdown}\n`)
  if (!complete && !writeReadme) {
    console.log(`README.md not written: only some sections ran (--only ${[...only].join(',')}); --write-readme writes the table anyway`)
    return
  }
  writeFileSync(readmePath, replaceTable(readFileSync(readmePath, 'utf8'), markdown, markers))
  console.log(`README.md: the benchmark table written${complete ? '' : ' (--write-readme: from some sections only)'}`)
}

/** Prints the bundle table and writes it into README.md. */
const bundleTable = (rows: ReadonlyArray<BundleRow>, importCost: string): void => {
  const cpus = os.cpus()
  const markdown = renderBundleTable(rows, importCost, {
    date: new Date().toISOString().slice(0, 10),
    machine: `${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${cpus.length} cores`,
    node: process.version,
    command: commandLine()
  })
  console.log(`\nthe README bundle table:\n\n${markdown}\n`)
  writeFileSync(readmePath, replaceTable(readFileSync(readmePath, 'utf8'), markdown, BUNDLE_MARKERS))
  console.log('README.md: the bundle table written')
}


const main = async (): Promise<void> => {
  const cpus = os.cpus()
  console.log('tiny-counter benchmark')
  console.log(`node ${process.version}, ${cpus[0]?.model ?? 'unknown CPU'} x${cpus.length}, sections: ${[...only].join(', ')}\n`)
  const checks: Check[] = []
  if (runs('core')) checks.push(...(await coreSection()))
  if (runs('store') || runs('limit')) {
    const history = buildStoreHistory()
    if (runs('store')) checks.push(...(await storeSection(history)))
    if (runs('limit')) checks.push(...(await limitSection(history)))
  }
  if (runs('memory')) checks.push(...(await memorySection()))
  if (runs('persistence')) checks.push(...(await persistenceSection(args)).map(persistenceCheck))
  if (runs('replicated')) checks.push(...(await replicatedSection()))
  if (runs('redux')) checks.push(...(await reduxSection()))
  const bundles = runs('bundle') ? await bundleSection() : undefined
  if (bundles !== undefined) checks.push(...bundles.checks.map(([what, ok, value]) => ({ what, ok, value })))
  // Up to 20 rounds a process: a round of 64 calls in flight lasts about 20 ms, and the machine's
  // hiccups move single rounds by a third either way, so the median needs many of them; (2 warm-up +
  // 20) x 2,000 calls still meet only new keys of the 100,000.
  const redisChecks: ReadonlyArray<Check> = runs('redis') ? await redisSection(start, passes, Math.min(cycles, 20), args.includes('--redis-floor')) : []
  for (const { what, ok, value } of [...checks, ...redisChecks]) console.log(`${ok === undefined ? 'INFO' : ok ? 'PASS' : 'MISS'}  ${what}: ${value}`)
  readmeTable(checks)
  if (bundles !== undefined) bundleTable(bundles.rows, bundles.importCost)
  if (runs('redis')) readmeTable(redisChecks, REDIS_MARKERS, true)
  if (args.includes('--strict') && [...checks, ...redisChecks].some(({ ok }) => ok === false)) process.exitCode = 1
}

await main()
