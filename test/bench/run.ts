/**
 * `npm run bench`: the core operations on the default layout, side by side, against the targets.
 *
 * For each operation (record, 7-day sum) the three variants (calendar, uniform, typed-array
 * baseline) run in three fresh child processes at once and take turns round by round (see
 * `harness.ts`); this is repeated for several passes with new processes. A variant's figure is the
 * median of all its rounds; a ratio is the median of the ratios of rounds of the same cycle.
 *
 * Options: `--passes N` (default 3), `--cycles N` timed rounds per process (default 20), `--ops N`
 * operations per round (default 100000), `--strict` (exit code 1 when a target is missed).
 */
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import type { CaseProcess } from './harness.ts'
import { interleave, median, startCase } from './harness.ts'
import type { History, Op, Variant } from './core.bench.ts'
import { TIME_ZONE, buildHistory, cases } from './core.bench.ts'

const TARGET_NS = 300
const TARGET_RATIO = 1.3
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

const childScript = fileURLToPath(new URL('./child.ts', import.meta.url))
const start = (id: string, history?: History): Promise<CaseProcess> => startCase(id, childScript, [id], history ?? null)

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

const main = async (): Promise<void> => {
  const cpus = os.cpus()
  console.log('tiny-counter core benchmark')
  console.log(`node ${process.version}, ${cpus[0]?.model ?? 'unknown CPU'} x${cpus.length}`)
  console.log(`default layout (60 minutes, 24 hours, 32 days, 12 months), ${TIME_ZONE}, one second between operations`)
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

  const checks: ReadonlyArray<readonly [string, boolean, string]> = [
    ['record (calendar) under 300 ns', ns('record', 'calendar') < TARGET_NS, `${ns('record', 'calendar').toFixed(1)} ns`],
    ['7-day sum (calendar) under 300 ns', ns('sum7', 'calendar') < TARGET_NS, `${ns('sum7', 'calendar').toFixed(1)} ns`],
    ['record: calendar within 1.3x of uniform', ratio('record', 'calendar', 'uniform') <= TARGET_RATIO, `${ratio('record', 'calendar', 'uniform').toFixed(2)}x`],
    ['7-day sum: calendar within 1.3x of uniform', ratio('sum7', 'calendar', 'uniform') <= TARGET_RATIO, `${ratio('sum7', 'calendar', 'uniform').toFixed(2)}x`]
  ]
  console.log('')
  for (const [what, ok, value] of checks) console.log(`${ok ? 'PASS' : 'MISS'}  ${what}: ${value}`)
  if (args.includes('--strict') && checks.some(([, ok]) => !ok)) process.exitCode = 1
}

await main()
