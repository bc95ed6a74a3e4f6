// The three backends as the storage tests open them, each in a fresh directory under the system's
// temporary directory (removed by `cleanUp`). Not a test file itself.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BincodeFormat, JsonFormat, MemoryStorage } from 'tiny-counter'
import { FilePerEvent } from 'tiny-counter/files'
import type { Formatter, Storage } from 'tiny-counter'
import { Sqlite } from 'tiny-counter/sqlite'
import { IndexedDbStorage, WebStorage } from 'tiny-counter/browser'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { MemoryWebStorage } from '../browser/MemoryWebStorage.js'

export interface Backend {
  readonly name: string
  /** Opens the backend inside `dir` (a fresh temporary directory). */
  readonly open: (dir: string) => Promise<Storage>
}

export const backends: ReadonlyArray<Backend> = [
  { name: 'MemoryStorage', open: async () => new MemoryStorage() },
  { name: 'FilePerEvent', open: (dir) => FilePerEvent.open(join(dir, 'events'), '.bin') },
  { name: 'Sqlite', open: (dir) => Sqlite.open(join(dir, 'events.db')) },
  // In Node, on fake-indexeddb and an in-memory localStorage; test/browser/ runs them in Chromium.
  { name: 'IndexedDbStorage', open: (dir) => IndexedDbStorage.open(dir, { indexedDB: new IDBFactory(), IDBKeyRange }) },
  { name: 'WebStorage', open: async () => new WebStorage(new MemoryWebStorage(), { prefix: 'tiny-counter:' }) }
]

export const formats: ReadonlyArray<Formatter> = [JsonFormat, BincodeFormat]

const made: string[] = []

/** A fresh temporary directory, removed by `cleanUp`. */
export const temporaryDirectory = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'tiny-counter-storage-'))
  made.push(dir)
  return dir
}

/** Removes every directory `temporaryDirectory` made. */
export const cleanUp = (): void => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
}
