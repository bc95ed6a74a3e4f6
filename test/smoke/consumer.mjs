// The user's code in the smoke test (smoke.mjs copies it into a fresh project where the packed
// package and its peers are installed with an isolated layout, as pnpm does): imports the package
// by its name from plain Node ESM, as a user would after `npm install`. Catches a missing `exports`
// entry, a `.js` extension left out, an fp-ts subpath that only resolves under a bundler (fp-ts has
// no `exports` map), or fp-ts reached only through the package. Every subpath is imported and
// used, and the main entry is watched as it loads: it must load none of the optional peers.
import assert from 'node:assert/strict'
import { mkdtempSync, realpathSync, rmSync } from 'node:fs'
import { createRequire, register } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { MessageChannel } from 'node:worker_threads'
// fp-ts from the user's own dependencies: a peer of tiny-counter, so there is one copy of it.
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'

// Watch what loads from here on (test/smoke/loads.mjs reports every module's URL).
const { port1, port2 } = new MessageChannel()
const loaded = []
let flushed
port1.on('message', (message) => (message.url !== undefined ? loaded.push(message.url) : flushed()))
register('./loads.mjs', import.meta.url, { data: { port: port2 }, transferList: [port2] })
const loadedSoFar = async () => {
  await new Promise((resolve) => {
    flushed = resolve
    port1.postMessage('flush')
  })
  return [...loaded]
}
const PEERS = ['redux', '@reduxjs/toolkit', 'zustand', 'immer', 'fast-check', 'better-sqlite3', '@js-temporal/polyfill', 'ioredis']
const peersIn = (urls) => PEERS.filter((peer) => urls.some((url) => url.includes(`/node_modules/${peer}/`)))

const TinyCounter = await import('tiny-counter')
assert.ok((await loadedSoFar()).some((url) => url.endsWith('/dist/index.js')), 'the hook sees the main entry load')
assert.deepEqual(peersIn(await loadedSoFar()), [], 'the main entry loads no optional peer')
const { Sqlite } = await import('tiny-counter/sqlite')

// One fp-ts: the copy tiny-counter loads is the user's (with a dependency of its own, an isolated
// install gives the package a second, private copy, and the user's import fails without it).
const packageDir = dirname(fileURLToPath(import.meta.resolve('tiny-counter')))
assert.ok(packageDir.includes(`${join('node_modules', '.store')}`), `tiny-counter is installed isolated (${packageDir})`)
const fpFromPackage = realpathSync(createRequire(join(packageDir, 'index.js')).resolve('fp-ts/lib/Option.js'))
const fpFromUser = realpathSync(fileURLToPath(import.meta.resolve('fp-ts/lib/Option.js')))
assert.equal(fpFromPackage, fpFromUser, 'tiny-counter and its user share one fp-ts')

const { Counter, Layout, Query, Window } = TinyCounter
const layout = Layout.standard({ timeZone: 'America/New_York' })
const at = Date.UTC(2026, 2, 8, 12) // the day New York moves to daylight-saving time
const counter = Counter.singleton(layout, at, 3)
assert.ok(E.isRight(counter))
assert.deepEqual(Query.sum(counter.right, Window.last(7, 'days'), at), O.some(3))
assert.equal(Query.sum(counter.right, Window.last(1, 'seconds'), at), O.none, "the user's fp-ts none object")
assert.ok(E.isLeft(Counter.record(counter.right, at, -1)))

// The SQLite backend is a subpath of its own: the main entry never loads better-sqlite3.
const dir = mkdtempSync(join(tmpdir(), 'tiny-counter-smoke-'))
const sqlite = await Sqlite.open(join(dir, 'events.db'))
const stored = await TinyCounter.EventStore.builder().timeZone('UTC').withStorage(sqlite).build()
stored.recordCount('smoke', 2)
assert.ok(E.isRight(await stored.close()))
const reopened = await TinyCounter.EventStore.builder().timeZone('UTC').withStorage(await Sqlite.open(join(dir, 'events.db'))).build()
assert.deepEqual(reopened.query('smoke').ever().sum(), O.some(2))
await reopened.close()

// File storage is a subpath of its own too: the main entry never loads node:fs.
const { FilePerEvent } = await import('tiny-counter/files')
const filed = await TinyCounter.EventStore.builder().timeZone('UTC').withStorage(await FilePerEvent.open(join(dir, 'files'), '.bin')).build()
filed.recordCount('smoke', 3)
assert.ok(E.isRight(await filed.close()))
const refiled = await TinyCounter.EventStore.builder().timeZone('UTC').withStorage(await FilePerEvent.open(join(dir, 'files'), '.bin')).build()
assert.deepEqual(refiled.query('smoke').ever().sum(), O.some(3))
await refiled.close()
// The commands of the CLI run in-process from a subpath of their own (docs/CLI.md).
const { inspect } = await import('tiny-counter/cli/commands')
const inspected = await inspect(join(dir, 'files'))
assert.equal(inspected.code, 0, inspected.stderr)
assert.match(inspected.stdout, /^smoke: 3 in all/m)
const { sparkline } = await import('tiny-counter/cli/chart')
assert.equal(sparkline([0, 4, 8]), ' ▄█')
rmSync(dir, { recursive: true, force: true })

// Redux: a slice in a real store, with its development checks.
const beforeRedux = (await loadedSoFar()).length
const { createCounterSlice } = await import('tiny-counter/redux')
assert.deepEqual(peersIn((await loadedSoFar()).slice(beforeRedux)), ['redux', '@reduxjs/toolkit', 'immer'], 'the redux subpath loads its peers')
const { configureStore } = await import('@reduxjs/toolkit')
const slice = createCounterSlice({ layout, clock: TinyCounter.TestClock.at(at) })
const reduxStore = configureStore({ reducer: { counters: slice.reducer } })
reduxStore.dispatch(slice.actions.recorded({ event: 'smoke', at, count: 2 }))
assert.ok(E.isRight(reduxStore.dispatch(slice.checkAndRecord([TinyCounter.Limit.atMost('smoke', 3, 'days')], 'smoke'))))
assert.deepEqual(slice.selectors.selectSum(reduxStore.getState(), 'smoke', Window.last(1, 'days'), at), O.some(3))

// Zustand: a slice in a vanilla store, persisted through the validating storage.
const { createStore } = await import('zustand/vanilla')
const { persist } = await import('zustand/middleware')
const { CounterState, counterSlice, persistCounters } = await import('tiny-counter/zustand')
const text = new Map()
const storage = { getItem: (k) => text.get(k) ?? null, setItem: (k, v) => void text.set(k, v), removeItem: (k) => void text.delete(k) }
const open = () =>
  createStore()(
    persist(counterSlice({ layout, clock: TinyCounter.TestClock.at(at) }), persistCounters({ name: 'smoke', layout, storage: () => storage, onError: (e) => assert.fail(String(e)) }))
  )
open().getState().recordCount('smoke', 4)
assert.deepEqual(CounterState.sum(open().getState(), 'smoke', Window.last(1, 'days'), at), O.some(4))

// Testing: the laws run from the built package.
const fc = await import('fast-check')
const Testing = await import('tiny-counter/testing')
for (const law of Object.values(Testing.counterMonoid())) fc.assert(law, { numRuns: 20 })
fc.assert(Testing.formatterRoundTrip(TinyCounter.BincodeFormat), { numRuns: 20 })
assert.equal(Testing.TestClock, TinyCounter.TestClock)
// Browser storage: the subpath loads in Node too (here on fake-indexeddb) and touches no global at import.
const { IndexedDbStorage, WebStorage } = await import('tiny-counter/browser')
const { IDBFactory } = await import('fake-indexeddb')
const idb = await IndexedDbStorage.open('smoke', { indexedDB: new IDBFactory() })
const inPage = await TinyCounter.EventStore.builder().timeZone('UTC').withStorage(idb).build()
inPage.recordCount('smoke', 3)
assert.ok(E.isRight(await inPage.close()))
assert.equal(typeof WebStorage, 'function')

// Redis: the subpath loads no client of its own (the user's ioredis client is passed in); a
// redis-server of its own on a Unix socket, so that this runs with or without the tests' server.
const beforeRedis = (await loadedSoFar()).length
const { RedisStore } = await import('tiny-counter/redis')
assert.deepEqual(peersIn((await loadedSoFar()).slice(beforeRedis)), [], 'tiny-counter/redis loads no Redis client itself')
{
  const { spawn } = await import('node:child_process')
  const { Redis } = await import('ioredis')
  const socketDir = mkdtempSync(join(tmpdir(), 'tiny-counter-smoke-redis-'))
  const path = join(socketDir, 'redis.sock')
  const server = spawn(process.env.REDIS_SERVER ?? '/usr/bin/redis-server', ['--port', '0', '--unixsocket', path, '--save', '', '--dir', socketDir], { stdio: 'ignore' })
  const exited = new Promise((resolve) => server.once('exit', resolve))
  server.once('error', (error) => assert.fail(`redis-server could not start (install Debian's redis-server): ${error.message}`))
  try {
    const client = new Redis({ path, retryStrategy: (times) => (times > 50 ? null : 50) })
    client.on('error', () => {}) // refused until the server listens: retried
    const store = await RedisStore.connect({ client, prefix: 'smoke', timeZone: 'UTC' })
    const limit = store.limit(TinyCounter.Limit.policy().atMost(1, 'minutes'))
    assert.ok(E.isRight(await limit.checkAndRecord('smoke')))
    assert.ok(E.isLeft(await limit.checkAndRecord('smoke')))
    assert.deepEqual(await store.query('smoke').lastHours(1).sum(), E.right(O.some(1)))
    client.disconnect()
  } finally {
    server.kill()
    await exited
    rmSync(socketDir, { recursive: true, force: true })
  }
}
port1.close()

const expected = ['Calendar', 'Counter', 'Layout', 'Query', 'TimeUnit', 'Window', 'TinyCounterError', 'EventStore', 'Limit', 'Schedule', 'MemoryStorage', 'JsonFormat', 'BincodeFormat']
for (const name of expected) assert.ok(name in TinyCounter, `tiny-counter exports ${name}`)
assert.ok(!('FilePerEvent' in TinyCounter), 'file storage lives at tiny-counter/files, not in the browser-safe main entry')
console.log(`smoke: the packed package and its subpaths (files, sqlite, cli/commands, cli/chart, redux, zustand, testing, browser, redis) import from plain Node ESM in an isolated install, with the user's fp-ts (${Object.keys(TinyCounter).length} exports)`)
