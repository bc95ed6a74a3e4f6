// The examples of tiny-counter/browser, run in a real Chromium as well as in Node (where
// test/docs/examples.test.ts runs them on fake-indexeddb and an in-memory localStorage): every
// `@example` of src/browser/, every example of docs/BROWSER.md and README.md that imports
// tiny-counter/browser, and the Zustand persist example of docs/ZUSTAND.md with its storage put on
// the page's real localStorage. Each is bundled by esbuild as a user's bundler would, `assert`
// being test/browser/pages/assert.ts; the page imports them one after the other.
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { collectExamples } from '../docs/extract.mjs'
import { bundle, launch, serve } from './chromium.js'
import type { Browser, Site } from './chromium.js'

const assertShim = fileURLToPath(new URL('./pages/assert.ts', import.meta.url))

/** The Zustand example keeps its text in a Map: here the Map is a view of the real localStorage. */
const ZUSTAND_MAP = 'const text = new Map<string, string>()'
const ON_LOCAL_STORAGE =
  'const text = { get: (k: string) => localStorage.getItem(k) ?? undefined, set: (k: string, v: string) => void localStorage.setItem(k, v), delete: (k: string) => void localStorage.removeItem(k) }'

const all = collectExamples()
const zustand = all.filter((e) => e.source.startsWith('docs/ZUSTAND.md') && e.code.includes('persistCounters(') && e.code.includes(ZUSTAND_MAP))
const examples = [
  ...all.filter((e) => e.source.startsWith('src/browser') || e.source.startsWith('docs/BROWSER.md') || (e.source.startsWith('README.md') && e.code.includes("'tiny-counter/browser'"))),
  ...zustand.slice(0, 1).map((e) => ({ ...e, id: `${e.id}_localStorage`, source: `${e.source} on localStorage`, code: e.code.replace(ZUSTAND_MAP, ON_LOCAL_STORAGE) }))
]

let browser: Browser
let site: Site
let page: Page
let results: Record<string, string | null> = {}

beforeAll(async () => {
  const files: Record<string, string> = {}
  const shim = { name: 'assert-in-the-page', setup: (build: import('esbuild').PluginBuild) => build.onResolve({ filter: /^node:assert(\/strict)?$/ }, () => ({ path: assertShim })) }
  for (const example of examples) {
    const prelude = /from 'node:assert/.test(example.code) ? '' : "import assert from 'node:assert/strict'\n"
    files[`/examples/${example.id}.js`] = await bundle({ contents: `${prelude}${example.code}\nexport {}\n`, name: `${example.id}.ts` }, [shim])
  }
  files['/page.js'] = `
    const ids = ${JSON.stringify(examples.map((e) => e.id))}
    globalThis.results = {}
    for (const id of ids) {
      try {
        await import('/examples/' + id + '.js')
        globalThis.results[id] = null
      } catch (error) {
        globalThis.results[id] = String((error && error.stack) || error)
      }
    }
    globalThis.ready = true`
  site = await serve(files)
  browser = await launch()
  page = await browser.open(site.url)
  results = await page.evaluate(() => (globalThis as unknown as { results: Record<string, string | null> }).results)
}, 300_000)

afterAll(async () => {
  await browser?.close()
  await site?.close()
})

describe('the browser examples, in Chromium', () => {
  it('finds them: the TSDoc of src/browser, docs/BROWSER.md, the README and the Zustand persist example', () => {
    expect(examples.filter((e) => e.source.startsWith('src/browser')).length).toBeGreaterThan(20)
    expect(examples.filter((e) => e.source.startsWith('docs/BROWSER.md')).length).toBeGreaterThanOrEqual(3)
    expect(examples.filter((e) => e.source.startsWith('README.md')).length).toBe(1)
    expect(zustand.length).toBeGreaterThanOrEqual(1) // the example is still in docs/ZUSTAND.md, Map and all
  })

  it.each(examples.map((e) => [e.source, e.id] as const))('%s', (_source, id) => {
    expect(results[id]).toBeNull()
  })

  it('ran the Zustand example against the real localStorage', async () => {
    const stored = await page.evaluate(() => localStorage.getItem('usage'))
    expect(JSON.parse(stored!).state.counters.app_launch.heads).toBe('zero') // what the example wrote last
  })
})
