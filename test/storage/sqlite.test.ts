// Sqlite on disk: a batch is one transaction (a write failing inside SQLite in the middle of a
// batch leaves nothing of it written), WAL journal and the table as specified, data that outlives
// the connection, refusals once closed, and a main entry that never loads better-sqlite3.
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { EventStore, StorageError } from 'tiny-counter'
import type { UnreadableValue } from 'tiny-counter'
import { Sqlite } from 'tiny-counter/sqlite'
import { cleanUp, temporaryDirectory } from './backends.js'

afterAll(cleanUp)

const root = fileURLToPath(new URL('../../', import.meta.url))
const plain = (data: Uint8Array | undefined): number[] | undefined => (data === undefined ? undefined : [...data])

/** A database whose `events` table refuses (inside SQLite, by a trigger) to insert the key `poison`. */
const poisoned = async () => {
  const path = join(temporaryDirectory(), 'events.db')
  const storage = await Sqlite.open(path)
  const other = new Database(path)
  other.exec(`CREATE TRIGGER refuse_poison BEFORE INSERT ON events WHEN NEW.key = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned'); END`)
  other.close()
  await storage.save('kept', Uint8Array.of(1))
  await storage.save('doomed', Uint8Array.of(2))
  return storage
}

const writes = [
  { key: 'kept', data: Uint8Array.of(10) },
  { key: 'new', data: Uint8Array.of(11) },
  { key: 'doomed', delete: true as const },
  { key: 'poison', data: Uint8Array.of(12) },
  { key: 'after', data: Uint8Array.of(13) }
]

describe('Sqlite', () => {
  it('writes a batch in one transaction: a write failing in the middle leaves none of it written', async () => {
    const storage = await poisoned()
    const error = await storage.batch(writes).then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(StorageError)
    expect((error as StorageError).key).toBe('poison')
    expect((error as StorageError).message).toMatch(/rolled back.*"poison": poisoned/)
    expect(await storage.listKeys()).toEqual(['doomed', 'kept'])
    expect(plain(await storage.load('kept'))).toEqual([1])
    expect(plain(await storage.load('doomed'))).toEqual([2])
    // The same database still takes a batch that avoids the poison.
    await storage.batch(writes.filter((w) => w.key !== 'poison'))
    expect(await storage.listKeys()).toEqual(['after', 'kept', 'new'])
    await storage.close()
  })

  it('(control) the same writes made one by one stop at the poison with the earlier ones applied', async () => {
    const storage = await poisoned()
    const oneByOne = async () => {
      for (const w of writes) await ('delete' in w ? storage.delete(w.key) : storage.save(w.key, w.data))
    }
    await expect(oneByOne()).rejects.toBeInstanceOf(StorageError)
    expect(await storage.listKeys()).toEqual(['kept', 'new'])
    expect(plain(await storage.load('kept'))).toEqual([10])
    await storage.close()
  })

  it('a persist of many events in several transactions that fails in a later one names what was not written, and says only that transaction rolled back', async () => {
    const path = join(temporaryDirectory(), 'events.db')
    const storage = await Sqlite.open(path)
    const other = new Database(path)
    other.exec(`CREATE TRIGGER refuse_e1200 BEFORE INSERT ON events WHEN NEW.key = 'e1200' BEGIN SELECT RAISE(ABORT, 'refused'); END`)
    other.close()
    const store = await EventStore.builder().withStorage(storage).build()
    const names = Array.from({ length: 1_500 }, (_, i) => `e${i}`)
    for (const name of names) store.record(name)
    const persisted = await store.persist()
    expect(E.isLeft(persisted)).toBe(true)
    const error = (persisted as E.Left<StorageError>).left
    // The first transaction (1,000 events) landed; the second rolled back as a whole.
    const stored = await storage.listKeys()
    expect(stored).toHaveLength(1_000)
    expect([...error.failedKeys].sort()).toEqual(names.filter((name) => !stored.includes(name)).sort())
    expect(error.failedKeys).toContain('e1200')
    expect(error.message).toMatch(/^storage could not update \(rolled back: nothing of this transaction was written\) at "e1200": refused \(and 499 more: /)
    await store.close()
  })

  it('uses the WAL journal and the table events(key TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID', async () => {
    const path = join(temporaryDirectory(), 'events.db')
    const storage = await Sqlite.open(path)
    await storage.save('k', Uint8Array.of(1, 2))
    const other = new Database(path, { readonly: true })
    expect(other.pragma('journal_mode', { simple: true })).toBe('wal')
    const sql = other.prepare<[], string>(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'events'`).pluck().get()
    expect(sql).toMatch(/key TEXT PRIMARY KEY, data BLOB NOT NULL\) WITHOUT ROWID/)
    expect(other.prepare<[], { key: string; data: Buffer }>('SELECT key, data FROM events').all()).toEqual([{ key: 'k', data: Buffer.from([1, 2]) }])
    other.close()
    await storage.close()
  })

  it('keeps what it stored for the next connection', async () => {
    const path = join(temporaryDirectory(), 'events.db')
    const first = await Sqlite.open(path)
    await first.batch([{ key: 'a', data: Uint8Array.of(1) }, { key: 'nul\0in key', data: Uint8Array.of(2) }])
    await first.close()
    const second = await Sqlite.open(path)
    expect(await second.listKeys()).toEqual(['a', 'nul\0in key'])
    expect(plain(await second.load('nul\0in key'))).toEqual([2])
    await second.close()
  })

  it('reads a row whose data is not a BLOB as a value that does not decode, said by its type, and skips a key that is not non-empty TEXT', async () => {
    const path = join(temporaryDirectory(), 'events.db')
    {
      const store = await EventStore.builder().withStorage(await Sqlite.open(path)).build()
      store.recordCount('good', 2)
      store.recordCount('huge', 1)
      store.recordCount('text', 1)
      expect(E.isRight(await store.close())).toBe(true)
    }
    const other = new Database(path)
    other.prepare("UPDATE events SET data = ? WHERE key = 'huge'").run(1e15)
    other.prepare("UPDATE events SET data = 'some text' WHERE key = 'text'").run()
    other.prepare("INSERT INTO events VALUES ('real', 2.5), ('integer', 7)").run()
    other.prepare('INSERT INTO events VALUES (?, ?)').run(Buffer.from('blobkey'), Buffer.from('x'))
    other.prepare("INSERT INTO events VALUES ('', x'00')").run()
    other.close()
    const storage = await Sqlite.open(path)
    expect(await storage.listKeys()).toEqual(['good', 'huge', 'integer', 'real', 'text'])
    expect((await storage.loadAll()).map(([key, data]) => [key, data.length > 0])).toEqual([['good', true], ['huge', false], ['integer', false], ['real', false], ['text', false]])
    expect(plain(await storage.load('text'))).toEqual([])
    // Each is said by its type (UnreadableValue), in load and loadAll alike, not as bytes that end too early.
    expect((await storage.load('text')) as UnreadableValue).toMatchObject({ unreadable: "the SQLite row's value is TEXT, not BLOB" })
    const store = await EventStore.builder().withStorage(storage).build()
    expect(store.loadErrors.map((error) => [error._tag, error.key, error.message])).toEqual([
      ['DecodeError', 'huge', `cannot decode "huge" at the top: the SQLite row's value is REAL, not BLOB`],
      ['DecodeError', 'integer', `cannot decode "integer" at the top: the SQLite row's value is INTEGER, not BLOB`],
      ['DecodeError', 'real', `cannot decode "real" at the top: the SQLite row's value is REAL, not BLOB`],
      ['DecodeError', 'text', `cannot decode "text" at the top: the SQLite row's value is TEXT, not BLOB`]
    ])
    expect(store.events()).toEqual(['good'])
    for (const event of ['huge', 'integer', 'real', 'text', 'good']) store.recordCount(event, 1)
    const persisted = await store.persist()
    expect(persisted).toEqual(E.right(undefined))
    await store.close()
    const again = await EventStore.builder().withStorage(await Sqlite.open(path)).build()
    expect(again.loadErrors).toEqual([])
    expect([...again.events()].sort()).toEqual(['good', 'huge', 'integer', 'real', 'text'])
    expect(again.query('good').lastDays(1).sum()).toEqual(O.some(3))
    expect(again.query('huge').lastDays(1).sum()).toEqual(O.some(1))
    await again.close()
  })

  it('rejects every call once closed, and closing twice is fine', async () => {
    const storage = await Sqlite.open(':memory:')
    await storage.close()
    await storage.close()
    const calls = [
      () => storage.load('k'),
      () => storage.save('k', Uint8Array.of(1)),
      () => storage.delete('k'),
      () => storage.listKeys(),
      () => storage.batch([{ key: 'k', delete: true }])
    ]
    for (const call of calls) await expect(call()).rejects.toSatisfy((e: unknown) => e instanceof StorageError && /closed/.test(e.message))
  })

  it('rejects with a StorageError when the database cannot be opened', async () => {
    const dir = temporaryDirectory()
    writeFileSync(join(dir, 'not-a-db'), 'this is not a SQLite database, only some text that is long enough to have a header')
    for (const path of [join(dir, 'missing', 'events.db'), join(dir, 'not-a-db'), '']) {
      const error = await Sqlite.open(path).then(() => undefined, (e: unknown) => e)
      expect(error).toBeInstanceOf(StorageError)
      expect((error as StorageError).message).toMatch(/^storage could not open /)
    }
  })

  it('is not loaded by the main entry: better-sqlite3 loads only when Sqlite.open runs', () => {
    const script = join(temporaryDirectory(), 'probe.mjs')
    const url = (path: string) => pathToFileURL(join(root, path)).href
    writeFileSync(
      script,
      [
        `import { createRequire } from 'node:module'`,
        `const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((p) => p.includes('better-sqlite3'))`,
        `await import(${JSON.stringify(url('src/index.ts'))})`,
        `const afterMain = loaded()`,
        `const { Sqlite } = await import(${JSON.stringify(url('src/storage/Sqlite.ts'))})`,
        `const afterImport = loaded()`,
        `await (await Sqlite.open(':memory:')).close()`,
        `console.log(JSON.stringify({ afterMain, afterImport, afterOpen: loaded() }))`
      ].join('\n')
    )
    const output = execFileSync(process.execPath, ['--import', 'tsx', script], { cwd: root, encoding: 'utf8' })
    expect(JSON.parse(output)).toEqual({ afterMain: false, afterImport: false, afterOpen: true })
  })
})
