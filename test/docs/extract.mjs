// Collects every runnable example of the project: the `@example` blocks of the TSDoc in `src/`,
// and the ```ts blocks of README.md and docs/**/*.md (except the generated docs/api/, see below).
// Writes each as a module under test/docs/generated/ so that `tsc` type-checks it and vitest runs
// it (test/docs/examples.test.ts).
// Examples may use `assert` (node:assert/strict) without importing it.
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const generatedDir = join(root, 'test', 'docs', 'generated')

const walk = (dir, keep) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? walk(path, keep) : keep(path) ? [path] : []
  })

const slug = (text) => text.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '')

/** The `@example` blocks of one TypeScript source, named after the declaration they document. */
const tsdocExamples = (path) => {
  const text = readFileSync(path, 'utf8')
  const out = []
  // Every doc comment, named after the first identifier of the declaration that follows it.
  const keywords = /^(?:export|declare|abstract|const|function|class|interface|type|let|static|readonly|async|get|set|private|protected|public|override)$/
  for (const match of text.matchAll(/\/\*\*([\s\S]*?)\*\/\s*([^\n]*)/g)) {
    // `get`/`set` are names when a parenthesis follows (`set(instant)`), keywords otherwise.
    const tokens = [...match[2].matchAll(/([A-Za-z_$][\w$]*)(\s*\()?/g)]
    const name = tokens.find(([, word, paren]) => paren !== undefined || !keywords.test(word))?.[1] ?? 'anonymous'
    const lines = match[1].split('\n').map((line) => line.replace(/^\s*\* ?/, ''))
    let current
    lines.forEach((line) => {
      if (/^@example\b/.test(line)) {
        current = []
        out.push({ name, lines: current })
      } else if (/^@\w+/.test(line)) current = undefined
      else if (current) current.push(line)
    })
  }
  return out.map(({ name, lines }, i) => ({
    id: `${slug(relative(root, path))}__${name}_${i}`,
    source: `${relative(root, path)} (${name})`,
    code: lines.join('\n').trim()
  }))
}

/** The ```ts blocks of one markdown file. */
const markdownExamples = (path) => {
  const text = readFileSync(path, 'utf8')
  return [...text.matchAll(/^```(?:ts|typescript)\s*\n([\s\S]*?)^```/gm)].map((match, i) => ({
    id: `${slug(relative(root, path))}__${i}`,
    source: `${relative(root, path)} (block ${i + 1}, line ${text.slice(0, match.index).split('\n').length})`,
    code: match[1].trim()
  }))
}

// docs/api/ holds the generated API pages (`npm run docs:api`, TypeDoc): their ```ts blocks are the
// TSDoc `@example` blocks of src/, collected above from the sources themselves. Taking them again
// from the pages would run every example twice, under names that change as TypeDoc lays out pages.
export const apiDocsDir = join(root, 'docs', 'api')

export const collectExamples = () => [
  ...walk(join(root, 'src'), (p) => p.endsWith('.ts')).flatMap(tsdocExamples),
  ...[join(root, 'README.md'), ...walk(join(root, 'docs'), (p) => p.endsWith('.md') && !p.startsWith(apiDocsDir + sep))]
    .filter((p) => { try { return statSync(p).isFile() } catch { return false } })
    .flatMap(markdownExamples)
]

const prelude = (code) =>
  /\bassert\b/.test(code) && !/import\s+(?:\{[^}]*\}|\w+|\*\s+as\s+\w+)\s+from\s+'node:assert/.test(code)
    ? "import assert from 'node:assert/strict'\n"
    : ''

export const writeExamples = () => {
  const examples = collectExamples()
  rmSync(generatedDir, { recursive: true, force: true })
  mkdirSync(generatedDir, { recursive: true })
  for (const example of examples) {
    writeFileSync(join(generatedDir, `${example.id}.ts`), `// From ${example.source}\n${prelude(example.code)}${example.code}\nexport {}\n`)
  }
  return examples.map((example) => ({ ...example, file: join(generatedDir, `${example.id}.ts`) }))
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const examples = writeExamples()
  console.log(`extracted ${examples.length} examples into ${relative(root, generatedDir)}`)
}
