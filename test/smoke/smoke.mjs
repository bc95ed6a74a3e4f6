// `npm run smoke` (after `npm run build`): the package as a user gets it. Checks what `npm pack`
// ships, packs it, installs the tarball in a fresh project with an isolated layout (`npm install
// --install-strategy=linked`, as pnpm lays packages out: each package sees only what it declares),
// next to the user's own fp-ts, io-ts and the optional peers, then
// - runs consumer.mjs there, plain Node ESM importing the package by name (and fp-ts as the user's);
// - type-checks types-core.ts and types-integrations.ts there against the published declarations,
//   under `strict` and `skipLibCheck: false`, without @types/node: with `moduleResolution` `nodenext`
//   and `bundler` (the compiler's default libraries for ES2022), and the core alone with
//   `lib: ["ES2022"]` (no DOM) and `exactOptionalPropertyTypes`.
// Peers are installed at the versions this repository tests with (from npm's cache when it has
// them); better-sqlite3, a native module, is linked from this repository's node_modules.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))
const here = fileURLToPath(new URL('.', import.meta.url))
const run = (command, args, cwd) => execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
const versionOf = (name) => JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version

// The package ships only the built files, the docs, the README and the licence.
const [packed] = JSON.parse(run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], root))
const shipped = packed.files.map((f) => f.path)
const stray = shipped.filter((path) => !/^(dist\/|docs\/|README\.md$|LICENSE$|package\.json$)/.test(path))
assert.deepEqual(stray, [], `npm pack would ship ${stray.join(', ')}`)
assert.ok(shipped.includes('dist/index.js') && shipped.includes('dist/storage/Sqlite.js') && shipped.includes('dist/redis/index.js') && shipped.includes('LICENSE'))
assert.ok(!shipped.some((path) => path.startsWith('dist/') && /\.test\./.test(path)))

// fp-ts and io-ts are the user's: peers, as io-ts declares fp-ts, never dependencies of ours.
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
for (const peer of ['fp-ts', 'io-ts']) {
  assert.ok(manifest.peerDependencies?.[peer] !== undefined && manifest.peerDependenciesMeta?.[peer] === undefined, `${peer} is a required peer dependency`)
  assert.equal(manifest.dependencies?.[peer], undefined, `${peer} is not a dependency`)
}

const dir = mkdtempSync(join(tmpdir(), 'tiny-counter-smoke-'))
try {
  const [tarball] = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], root))
  const project = join(dir, 'consumer')
  mkdirSync(project)
  const peers = ['fp-ts', 'io-ts', '@reduxjs/toolkit', 'redux', 'immer', 'zustand', 'fast-check', '@js-temporal/polyfill', 'fake-indexeddb', 'ioredis']
  const dependencies = { 'tiny-counter': `file:../${tarball.filename}`, ...Object.fromEntries(peers.map((name) => [name, versionOf(name)])) }
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'smoke-consumer', private: true, type: 'module', dependencies }, null, 2))
  run('npm', ['install', '--install-strategy=linked', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], project)
  symlinkSync(join(root, 'node_modules', 'better-sqlite3'), join(project, 'node_modules', 'better-sqlite3'), 'dir')

  for (const file of ['consumer.mjs', 'loads.mjs', 'types-core.ts', 'types-integrations.ts']) copyFileSync(join(here, file), join(project, file))
  process.stdout.write(run(process.execPath, ['consumer.mjs'], project))

  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
  const strict = { target: 'ES2022', strict: true, skipLibCheck: false, noEmit: true, types: [] }
  const both = ['types-core.ts', 'types-integrations.ts']
  const configs = {
    nodenext: { compilerOptions: { ...strict, module: 'nodenext', moduleResolution: 'nodenext' }, files: both },
    bundler: { compilerOptions: { ...strict, module: 'esnext', moduleResolution: 'bundler' }, files: both },
    'nodenext, lib ES2022 only': {
      compilerOptions: { ...strict, lib: ['ES2022'], exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, module: 'nodenext', moduleResolution: 'nodenext' },
      files: ['types-core.ts']
    }
  }
  Object.keys(configs).forEach((name, i) => {
    writeFileSync(join(project, `tsconfig.${i}.json`), JSON.stringify(configs[name], null, 2))
    try {
      run(process.execPath, [tsc, '-p', `tsconfig.${i}.json`], project)
    } catch (error) {
      assert.fail(`the published types do not compile (${name}):\n${error.stdout}${error.stderr}`)
    }
  })
  console.log(`smoke: the published types compile for a consumer under strict, skipLibCheck false, no @types/node (${Object.keys(configs).join('; ')})`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}

const results = new URL('../.results/', import.meta.url)
mkdirSync(results, { recursive: true })
writeFileSync(new URL('smoke.json', results), JSON.stringify({ passed: 1 + 3, failed: 0 }))
