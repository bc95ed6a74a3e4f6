// Imports the built package by its name from plain Node ESM, as a user would after `npm install`:
// catches a missing `exports` entry, a `.js` extension left out, or an fp-ts subpath that only
// resolves under a bundler (fp-ts has no `exports` map). Every subpath is imported and used, and
// the main entry is watched as it loads: it must load none of the optional peers.
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { register } from 'node:module'
import { MessageChannel } from 'node:worker_threads'
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

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
const PEERS = ['redux', '@reduxjs/toolkit', 'zustand', 'immer', 'fast-check', 'better-sqlite3', '@js-temporal/polyfill']
const peersIn = (urls) => PEERS.filter((peer) => urls.some((url) => url.includes(`/node_modules/${peer}/`)))

const TinyCounter = await import('tiny-counter')
assert.ok((await loadedSoFar()).some((url) => url.endsWith('/dist/index.js')), 'the hook sees the main entry load')
assert.deepEqual(peersIn(await loadedSoFar()), [], 'the main entry loads no optional peer')
const { Sqlite } = await import('tiny-counter/sqlite')

const { Counter, Layout, Query, Window } = TinyCounter
const layout = Layout.standard({ timeZone: 'America/New_York' })
const at = Date.UTC(2026, 2, 8, 12) // the day New York moves to daylight-saving time
const counter = Counter.singleton(layout, at, 3)
assert.ok(E.isRight(counter))
assert.deepEqual(Query.sum(counter.right, Window.last(7, 'days'), at), O.some(3))
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
port1.close()

// The package ships only the built files, the docs, the README and the licence.
const { execFileSync } = await import('node:child_process')
const [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))
const shipped = packed.files.map((f) => f.path)
const stray = shipped.filter((path) => !/^(dist\/|docs\/|README\.md$|LICENSE$|package\.json$)/.test(path))
assert.deepEqual(stray, [], `npm pack would ship ${stray.join(', ')}`)
assert.ok(shipped.includes('dist/index.js') && shipped.includes('dist/storage/Sqlite.js') && shipped.includes('LICENSE'))
assert.ok(!shipped.some((path) => path.startsWith('dist/') && /\.test\./.test(path)))

const expected = ['Calendar', 'Counter', 'Layout', 'Query', 'TimeUnit', 'Window', 'TinyCounterError', 'EventStore', 'Limit', 'Schedule', 'MemoryStorage', 'JsonFormat', 'BincodeFormat']
for (const name of expected) assert.ok(name in TinyCounter, `tiny-counter exports ${name}`)
assert.ok(!('FilePerEvent' in TinyCounter), 'file storage lives at tiny-counter/files, not in the browser-safe main entry')
console.log(`smoke: the built package and its subpaths (files, sqlite, redux, zustand, testing, browser) import from plain Node ESM (${Object.keys(TinyCounter).length} exports)`)
const results = new URL('../.results/', import.meta.url)
mkdirSync(results, { recursive: true })
writeFileSync(new URL('smoke.json', results), JSON.stringify({ passed: 1, failed: 0 }))
