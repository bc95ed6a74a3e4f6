// The generated API pages in docs/api/ (`npm run docs:api`: TypeDoc with typedoc-plugin-markdown,
// options in test/docs/typedoc.json) are checked in. This test generates them again, with the same options,
// into a temporary directory and fails when the checked-in pages differ: a change to the public API
// or its TSDoc must come with `npm run docs:api`.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { apiDocsDir, root } from './extract.mjs'

const files = (dir: string): string[] =>
  readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name)
      return statSync(path).isDirectory() ? files(path) : [path]
    })
    .sort()

const out = mkdtempSync(join(tmpdir(), 'tiny-counter-api-'))
afterAll(() => rmSync(out, { recursive: true, force: true }))

describe('generated API pages (docs/api/)', () => {
  it('are what `npm run docs:api` generates from the sources now', () => {
    // The typedoc command of `npm run docs:api`, with only the output directory changed.
    const manifest = createRequire(join(root, 'package.json')).resolve('typedoc/package.json')
    const typedoc = join(dirname(manifest), (JSON.parse(readFileSync(manifest, 'utf8')) as { bin: { typedoc: string } }).bin.typedoc)
    execFileSync(process.execPath, [typedoc, '--options', join(root, 'test/docs/typedoc.json'), '--out', out, '--logLevel', 'Error'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    const generated = files(out).map((path) => relative(out, path))
    const checkedIn = files(apiDocsDir).map((path) => relative(apiDocsDir, path))
    const hint = 'docs/api/ is stale: run `npm run docs:api` and commit the pages'
    expect(checkedIn, hint).toEqual(generated)
    for (const path of generated) {
      expect(readFileSync(join(apiDocsDir, path), 'utf8'), `${hint} (${path})`).toBe(readFileSync(join(out, path), 'utf8'))
    }
    expect(generated).toContain('README.md')
  }, 60_000)
})

describe('links to the API pages', () => {
  it.each(['README.md', 'docs/REFERENCE.md'])('from %s lead to pages that exist', (file) => {
    const text = readFileSync(join(root, file), 'utf8')
    const links = [...text.matchAll(/\]\(((?:docs\/)?api\/[^)#\s]*)\)/g)].map((m) => m[1]!)
    expect(links.length).toBeGreaterThan(0)
    for (const link of links) expect(statSync(join(root, dirname(file), link)).isFile(), link).toBe(true)
  })
})
