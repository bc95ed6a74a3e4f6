// The browser-safe entries bundle for the web: esbuild, platform browser, ESM, minified, through
// the package's exports and imports maps (test/bundle/bundles.ts). No entry may reach a Node
// built-in, esbuild may not warn, and the small core and the main entry keep to their budgets.
// The sizes are printed; `npm run bench` writes them into the README.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PackageCopy } from './bundles.ts'
import { BROWSER_ENTRIES, bundle, cases, kilobytes, packageCopy } from './bundles.ts'

let copy: PackageCopy
beforeAll(() => {
  copy = packageCopy()
}, 120_000)
afterAll(() => copy?.remove())

describe('the browser bundles', () => {
  it.each(cases)('$name: no node: import, no warning, within budget', async ({ name, source, gzipBudget }) => {
    const bundled = await bundle(copy.dir, source)
    const largest = bundled.inputs.slice(0, 6).map(([path, bytes]) => `${path} ${kilobytes(bytes)}`)
    console.log(`${name}: ${kilobytes(bundled.minified)} minified, ${kilobytes(bundled.gzip)} gzip${gzipBudget === undefined ? '' : ` (budget ${kilobytes(gzipBudget)})`}; largest: ${largest.join(', ')}`)
    expect(bundled.nodeImports).toEqual([])
    expect(bundled.warnings).toEqual([])
    if (gzipBudget !== undefined) expect(bundled.gzip).toBeLessThanOrEqual(gzipBudget)
  })

  it('takes the ES module builds of fp-ts and io-ts, and leaves the Temporal polyfill out of the main entry', async () => {
    const main = await bundle(copy.dir, `export * from 'tiny-counter'`)
    const inputs = main.inputs.map(([path]) => path)
    expect(inputs.filter((path) => /node_modules\/(fp-ts|io-ts)\//.test(path) && !/\/es6\//.test(path))).toEqual([])
    expect(inputs.some((path) => path.includes('node_modules/fp-ts/es6/'))).toBe(true)
    expect(inputs.some((path) => path.includes('node_modules/io-ts/es6/'))).toBe(true)
    expect(inputs.filter((path) => /@js-temporal|jsbi/.test(path))).toEqual([])
  })

  it('would catch an entry that reaches for Node', async () => {
    const files = await bundle(copy.dir, `export * from 'tiny-counter/files'`)
    expect(files.nodeImports).toEqual(expect.arrayContaining([expect.stringMatching(/-> node:fs$/)]))
    expect(BROWSER_ENTRIES).not.toContain('tiny-counter/files')
  })
})
