// Every public function, class and method of src/ has TSDoc with an `@example` (and every example
// runs: see examples.test.ts). Internal modules (any `internal/` folder, and the store's private
// `table/`), private members and declarations marked `@internal` are exempt.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { root } from './extract.mjs'

const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return name === 'internal' || name === 'table' ? [] : sources(path)
    return path.endsWith('.ts') && !path.endsWith('index.ts') ? [path] : []
  })

/** Public functions and methods: exported consts bound to functions, classes and their public methods. */
const undocumented = (path: string): string[] => {
  const lines = readFileSync(path, 'utf8').split('\n')
  const missing: string[] = []
  let inExportedClass = false
  lines.forEach((line, i) => {
    if (/^export (abstract )?class /.test(line)) inExportedClass = true
    else if (/^\S/.test(line) && !line.startsWith('}')) inExportedClass = /^export (abstract )?class /.test(line)
    const declaration =
      line.match(/^export (?:const (\w+)(?::[^=]*)? = (?:\(|dual|function|<)|function (\w+)|(?:abstract )?class (\w+))/) ??
      (inExportedClass ? line.match(/^ {2}(?:static )?(?!private|protected|constructor|readonly _tag)(\w+)(?:<[^>]*>)?\(/) : null)
    if (declaration === null) return
    const name = declaration.slice(1).find((group) => group !== undefined)!
    let j = i - 1
    while (j >= 0 && /^\s*(@|\/\/)/.test(lines[j]!)) j--
    const end = j
    if (!/\*\/\s*$/.test(lines[end] ?? '')) return void missing.push(`${relative(root, path)}:${i + 1} ${name} (no TSDoc)`)
    while (j >= 0 && !/\/\*\*/.test(lines[j]!)) j--
    const comment = lines.slice(j, end + 1).join('\n')
    if (!/@example/.test(comment) && !/@see-example/.test(comment) && !/@internal\b/.test(comment)) missing.push(`${relative(root, path)}:${i + 1} ${name}`)
  })
  return missing
}

describe('documentation coverage', () => {
  it('gives every public function, class and method an example', () => {
    expect(sources(join(root, 'src')).flatMap(undocumented)).toEqual([])
  })
})
