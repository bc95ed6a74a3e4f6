// The tests resolve any `tiny-counter/<path>` to src/<path>.ts (test/vitest.config.ts), so an example
// importing a path that the package does not export would pass here and fail in a real install
// (ERR_PACKAGE_PATH_NOT_EXPORTED). Every subpath that the docs, the examples and the TSDoc import
// must be one of package.json's `exports`.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { root } from './extract.mjs'

const walk = (dir: string, keep: (path: string) => boolean): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return name === 'api' || name === 'node_modules' ? [] : walk(path, keep)
    return keep(path) ? [path] : []
  })

describe('subpaths imported by the docs', () => {
  it('are all exported by package.json', () => {
    const exported = new Set(Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> }).exports))
    const files = [join(root, 'README.md'), ...walk(join(root, 'docs'), (path) => /\.(md|ts)$/.test(path)), ...walk(join(root, 'src'), (path) => path.endsWith('.ts'))]
    const imported = files.flatMap((path) =>
      [...readFileSync(path, 'utf8').matchAll(/from '(tiny-counter\/[^']+)'|import\('(tiny-counter\/[^']+)'\)/g)].map((m) => [relative(root, path), (m[1] ?? m[2])!] as const)
    )
    expect(imported.length).toBeGreaterThan(100)
    expect(imported.filter(([, path]) => !exported.has(`./${path.slice('tiny-counter/'.length)}`))).toEqual([])
  })
})
