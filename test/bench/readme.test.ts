// The README table of `npm run bench` (readme.ts): what it renders, and that it replaces only the
// text between its markers in README.md.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { BUNDLE_MARKERS, END_MARKER, START_MARKER, renderBundleTable, renderTable, replaceTable } from './readme.ts'

const info = { date: '2026-11-26', machine: 'AMD EPYC, 2 cores', node: 'v20.20.2', command: 'npm run bench' }
const rows = [
  { operation: '`store.record(name)`', ours: '250 ns', peers: 'typed arrays 90 ns', ratio: '2.78× typed arrays', target: '≤ 300 ns', ok: true },
  { operation: 'persist | load', ours: '160 ms', peers: '', ratio: '', target: '≤ 150 ms', ok: false }
]

describe('the README benchmark table', () => {
  it('gives the run, then one row per target with PASS or MISS', () => {
    const table = renderTable(rows, info)
    expect(table.split('\n')).toEqual([
      'Written by `npm run bench` on 2026-11-26: AMD EPYC, 2 cores, Node v20.20.2; 1 of 2 targets met.',
      '',
      '| operation | ours | peers | ratio | target | |',
      '|---|---|---|---|---|---|',
      '| `store.record(name)` | 250 ns | typed arrays 90 ns | 2.78× typed arrays | ≤ 300 ns | PASS |',
      '| persist \\| load | 160 ms | – | – | ≤ 150 ms | MISS |'
    ])
  })

  it('replaces what stands between the markers, and nothing else', () => {
    const readme = `# x\n\nbefore\n\n${START_MARKER}\nold table\n${END_MARKER}\n\nafter\n`
    const once = replaceTable(readme, 'new table')
    expect(once).toBe(`# x\n\nbefore\n\n${START_MARKER}\n\nnew table\n\n${END_MARKER}\n\nafter\n`)
    expect(replaceTable(once, 'new table')).toBe(once)
  })

  it('refuses a README without the markers, with them twice or out of order, and a code fence', () => {
    expect(() => replaceTable('# x\n', 't')).toThrow(/no <!-- bench:start -->/)
    expect(() => replaceTable(`${START_MARKER}\n${END_MARKER}\n${START_MARKER}\n${END_MARKER}\n`, 't')).toThrow(/exactly one/)
    expect(() => replaceTable(`${END_MARKER}\n${START_MARKER}\n`, 't')).toThrow(/exactly one/)
    expect(() => replaceTable(`${START_MARKER}\n${END_MARKER}\n`, '```ts\nx\n```')).toThrow(/code fence/)
  })

  it('has its markers in README.md, once each, in order', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    expect(() => replaceTable(readme, renderTable(rows, info))).not.toThrow()
  })
})

describe('the README bundle table', () => {
  const bundles = [
    { entry: '`tiny-counter`, every export', minified: 76_595, gzip: 24_678, budget: 35 * 1024 },
    { entry: '`tiny-counter/testing`', minified: 219_443, gzip: 67_379, budget: undefined },
    { entry: 'too big', minified: 30_000, gzip: 21_000, budget: 20 * 1024 }
  ]

  it('gives the run, then each bundle with its sizes, its budget and PASS or MISS, then the import cost', () => {
    expect(renderBundleTable(bundles, '`import` costs 40 ms', info).split('\n')).toEqual([
      "Written by `npm run bench` on 2026-11-26: esbuild, `platform: 'browser'`, ESM, minified; gzip level 9.",
      '',
      '| bundle | minified | gzip | budget (gzip) | |',
      '|---|---|---|---|---|',
      '| `tiny-counter`, every export | 74.8 KB | 24.1 KB | ≤ 35.0 KB | PASS |',
      '| `tiny-counter/testing` | 214.3 KB | 65.8 KB | – | – |',
      '| too big | 29.3 KB | 20.5 KB | ≤ 20.0 KB | MISS |',
      '',
      'On AMD EPYC, 2 cores, Node v20.20.2: `import` costs 40 ms.'
    ])
  })

  it('replaces only what stands between its own markers', () => {
    const readme = `${START_MARKER}\nbench\n${END_MARKER}\n${BUNDLE_MARKERS.start}\nold\n${BUNDLE_MARKERS.end}\n`
    expect(replaceTable(readme, 'new', BUNDLE_MARKERS)).toBe(`${START_MARKER}\nbench\n${END_MARKER}\n${BUNDLE_MARKERS.start}\n\nnew\n\n${BUNDLE_MARKERS.end}\n`)
  })

  it('has its markers in README.md, once each, in order', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    expect(() => replaceTable(readme, renderBundleTable(bundles, 'x', info), BUNDLE_MARKERS)).not.toThrow()
  })
})
