// What a page has and Node 20 lacks, for the examples of src/browser and docs/BROWSER.md when they
// run in Node: an IndexedDB (fake-indexeddb, in memory, with its key ranges) and a `localStorage` (in memory). Node has
// `BroadcastChannel` itself. The same examples run in Chromium against the real ones
// (test/browser/docs.test.ts).
import { IDBKeyRange, indexedDB } from 'fake-indexeddb'
import { MemoryWebStorage } from '../browser/MemoryWebStorage.js'

const host = globalThis as { indexedDB?: unknown; IDBKeyRange?: unknown; localStorage?: unknown }
if (host.indexedDB === undefined) {
  host.indexedDB = indexedDB
  host.IDBKeyRange = IDBKeyRange // the ranges of that IndexedDB, as a page has its own
}
host.localStorage ??= new MemoryWebStorage()
