/**
 * The bundle section of `npm run bench`: what a web app and a Node program pay to load the library.
 *
 * - sizes: each case of `test/bundle/bundles.ts` (the small core in Europe/Berlin, the whole main
 *   entry, the other browser-safe entries with their peers) bundled by esbuild for the browser,
 *   minified and gzipped, against the budgets of the issue (the bundle test enforces them too);
 * - import cost: the wall time of `node --input-type=module -e "await import('tiny-counter')"`
 *   minus that of `node -e 0`, started in turn from a compiled copy of the package (`ROUNDS` times
 *   each after two warm-up rounds; medians).
 */
import { spawnSync } from 'node:child_process'
import { bundle, cases, kilobytes, packageCopy } from '../bundle/bundles.ts'
import { median } from './harness.ts'
import type { BundleRow } from './readme.ts'

const ROUNDS = 21

/** Milliseconds of one `node` run with `args`, started in `cwd`. */
const timeNode = (args: ReadonlyArray<string>, cwd: string): number => {
  const started = process.hrtime.bigint()
  const run = spawnSync(process.execPath, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] })
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${run.stderr.toString()}`)
  return ms
}

/** What the section measured: the table's rows, the import cost as a sentence, and its checks. */
export interface BundleFigures {
  readonly rows: ReadonlyArray<BundleRow>
  readonly importCost: string
  readonly checks: ReadonlyArray<readonly [string, boolean | undefined, string]>
}

export const bundleSection = async (): Promise<BundleFigures> => {
  console.log('bundle: esbuild, platform browser, ESM, minified, gzip level 9, from a compiled copy of the package;')
  console.log(`import cost: node --input-type=module -e "await import('tiny-counter')" vs node -e 0, ${ROUNDS} runs each in turn\n`)
  const copy = packageCopy()
  try {
    const rows: BundleRow[] = []
    for (const c of cases) {
      const bundled = await bundle(copy.dir, c.source)
      if (bundled.nodeImports.length > 0 || bundled.warnings.length > 0) {
        throw new Error(`${c.name}: ${[...bundled.nodeImports, ...bundled.warnings].join('; ')}`)
      }
      rows.push({ entry: c.name, minified: bundled.minified, gzip: bundled.gzip, budget: c.gzipBudget })
      console.log(`${c.name}: ${kilobytes(bundled.minified)} minified, ${kilobytes(bundled.gzip)} gzip`)
    }
    const importing = ['--input-type=module', '-e', "await import('tiny-counter')"]
    const bare = ['-e', '0']
    for (let i = 0; i < 2; i++) {
      timeNode(importing, copy.dir)
      timeNode(bare, copy.dir)
    }
    const withImport: number[] = []
    const without: number[] = []
    for (let i = 0; i < ROUNDS; i++) {
      withImport.push(timeNode(importing, copy.dir))
      without.push(timeNode(bare, copy.dir))
    }
    const cost = median(withImport.map((ms, i) => ms - without[i]!))
    const importCost = `\`import('tiny-counter')\` in Node costs ${cost.toFixed(0)} ms over \`node -e 0\` (${median(withImport).toFixed(0)} ms against ${median(without).toFixed(0)} ms, medians of ${ROUNDS} runs each)`
    console.log(`\n${importCost}\n`)
    return {
      rows,
      importCost,
      checks: [
        ...rows.map((r): readonly [string, boolean | undefined, string] => [
          `browser bundle, ${r.entry}${r.budget === undefined ? ' [for reference]' : ` at most ${kilobytes(r.budget)} gzip`}`,
          r.budget === undefined ? undefined : r.gzip <= r.budget,
          `${kilobytes(r.gzip)} gzip (${kilobytes(r.minified)} minified)`
        ]),
        ["import('tiny-counter') in Node over node -e 0 [for reference]", undefined, `${cost.toFixed(0)} ms`]
      ]
    }
  } finally {
    copy.remove()
  }
}
