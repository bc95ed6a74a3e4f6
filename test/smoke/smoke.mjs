// Imports the built package by its name from plain Node ESM, as a user would after `npm install`:
// catches a missing `exports` entry, a `.js` extension left out, or an fp-ts subpath that only
// resolves under a bundler (fp-ts has no `exports` map).
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import * as TinyCounter from 'tiny-counter'
import { Sqlite } from 'tiny-counter/sqlite'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

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
rmSync(dir, { recursive: true, force: true })

const expected = ['Calendar', 'Counter', 'Layout', 'Query', 'TimeUnit', 'Window', 'TinyCounterError', 'EventStore', 'Limit', 'Schedule', 'MemoryStorage', 'FilePerEvent', 'JsonFormat', 'BincodeFormat']
for (const name of expected) assert.ok(name in TinyCounter, `tiny-counter exports ${name}`)
console.log(`smoke: the built package imports from plain Node ESM (${Object.keys(TinyCounter).length} exports)`)
const results = new URL('../.results/', import.meta.url)
mkdirSync(results, { recursive: true })
writeFileSync(new URL('smoke.json', results), JSON.stringify({ passed: 1, failed: 0 }))
