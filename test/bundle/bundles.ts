/**
 * What a web app gets from the package: each browser-safe entry bundled by esbuild as a user's
 * bundler would (`platform: 'browser'`, ESM, minified), through the package's own `exports` and
 * `imports` maps, from the JavaScript `tsc` emits. Shared by the bundle test (which fails on a
 * `node:` import, a warning or a budget passed) and the bench (which writes the README table).
 *
 * `packageCopy()` compiles `src/` into a temporary copy of the package (its `package.json`, `dist/`
 * and a link to `node_modules`), so that neither needs a build first nor touches the real `dist/`.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { builtinModules, createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import * as esbuild from 'esbuild'

export const root = fileURLToPath(new URL('../../', import.meta.url))

/** A bundle to measure: the source of a user's module, and its budget in gzipped bytes (if any). */
export interface BundleCase {
  readonly name: string
  readonly source: string
  readonly gzipBudget?: number
}

/** The entries that must run in a browser: nothing of theirs may import `node:*`. */
export const BROWSER_ENTRIES = ['tiny-counter', 'tiny-counter/redux', 'tiny-counter/zustand', 'tiny-counter/testing', 'tiny-counter/browser'] as const

export const KB = 1024

/** The budgets: the small core and the whole main entry, gzipped (the bench reports against them). */
export const CORE_BUDGET = 20 * KB
export const MAIN_BUDGET = 35 * KB

/** The small core as an app uses it: a calendar layout in a named IANA zone, a record and a query. */
const coreSource = `import { Counter, Layout, Query, Window } from 'tiny-counter'
const layout = Layout.standard({ timeZone: 'Europe/Berlin' })
const now = Date.now()
const counter = Counter.singleton(layout, now, 1)
if (counter._tag === 'Right') console.log(Query.sum(Counter.rotate(counter.right, now), Window.last(7, 'days'), now))
`

export const cases: ReadonlyArray<BundleCase> = [
  { name: '`{ Counter, Layout, Query, Window }`, calendar days in Europe/Berlin', source: coreSource, gzipBudget: CORE_BUDGET },
  { name: '`tiny-counter`, every export', source: `export * from 'tiny-counter'`, gzipBudget: MAIN_BUDGET },
  ...BROWSER_ENTRIES.slice(1).map((entry) => ({ name: `\`${entry}\`, every export, with its peers`, source: `export * from '${entry}'` }))
]

/** A compiled copy of the package in a temporary directory; `remove()` deletes it. */
export interface PackageCopy {
  readonly dir: string
  readonly remove: () => void
}

/** Compiles `src/` (the package's `tsconfig.json`, JavaScript only) into a temporary copy of the package. */
export const packageCopy = (): PackageCopy => {
  const dir = mkdtempSync(join(tmpdir(), 'tiny-counter-bundle-'))
  writeFileSync(join(dir, 'package.json'), readFileSync(join(root, 'package.json')))
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir')
  const tsc = join(dirname(createRequire(join(root, 'package.json')).resolve('typescript/package.json')), 'bin', 'tsc')
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json'), '--outDir', join(dir, 'dist'), '--declaration', 'false', '--declarationMap', 'false', '--sourceMap', 'false'], {
    stdio: ['ignore', 'pipe', 'pipe']
  })
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** What bundling one case gave. */
export interface Bundled {
  readonly minified: number
  readonly gzip: number
  /** `importer -> specifier` of every Node built-in the bundle reached for. */
  readonly nodeImports: ReadonlyArray<string>
  readonly warnings: ReadonlyArray<string>
  /** The bundle's own inputs with their bytes in the output, largest first. */
  readonly inputs: ReadonlyArray<readonly [string, number]>
}

const builtins = new Set(builtinModules)
const isNodeBuiltin = (path: string): boolean => path.startsWith('node:') || builtins.has(path) || builtins.has(path.split('/')[0]!)

/**
 * Bundles `source` as a module of an app next to the package copy `dir`. A Node built-in is
 * recorded (and left out) instead of failing the build, so that every one is reported at once;
 * any other error throws.
 */
export const bundle = async (dir: string, source: string): Promise<Bundled> => {
  const nodeImports: string[] = []
  const result = await esbuild.build({
    stdin: { contents: source, resolveDir: dir, sourcefile: 'app.js', loader: 'js' },
    absWorkingDir: dir,
    preserveSymlinks: true, // name inputs as the app sees them: dist/..., node_modules/...
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    platform: 'browser',
    metafile: true,
    logLevel: 'silent',
    plugins: [
      {
        name: 'node-builtins',
        setup(build) {
          build.onResolve({ filter: /.*/ }, (args) => {
            if (!isNodeBuiltin(args.path)) return undefined
            nodeImports.push(`${relative(dir, args.importer)} -> ${args.path}`)
            return { path: args.path, external: true }
          })
        }
      }
    ]
  })
  const output = result.outputFiles[0]!.contents
  const [outputMeta] = Object.values(result.metafile.outputs)
  return {
    minified: output.length,
    gzip: gzipSync(output, { level: 9 }).length,
    nodeImports,
    warnings: result.warnings.map((w) => `${w.location?.file ?? ''}: ${w.text}`),
    inputs: Object.entries(outputMeta!.inputs)
      .map(([path, { bytesInOutput }]) => [path, bytesInOutput] as const)
      .sort((a, b) => b[1] - a[1])
  }
}

/** `12.3 KB`. */
export const kilobytes = (bytes: number): string => `${(bytes / KB).toFixed(1)} KB`
