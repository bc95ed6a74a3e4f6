/**
 * A storage in one SQLite database through better-sqlite3 (an optional peer dependency, loaded
 * only by `Sqlite.open`, so this module is a subpath export and the main entry never loads it):
 * WAL journal, one table, prepared statements, and each batch in one transaction.
 */
import type BetterSqlite3 from 'better-sqlite3'
import { StorageError } from '../store/errors.js'
import type { Storage, Write } from '../store/Storage.js'
import { invalidStorageKey } from '../store/Storage.js'

interface Statements {
  readonly load: BetterSqlite3.Statement<[string], Uint8Array>
  readonly save: BetterSqlite3.Statement<[string, Uint8Array]>
  readonly remove: BetterSqlite3.Statement<[string]>
  readonly keys: BetterSqlite3.Statement<[], string>
  readonly all: BetterSqlite3.Statement<[], [string, Uint8Array]>
}

const SCHEMA = 'CREATE TABLE IF NOT EXISTS events (key TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID'

/**
 * A `Storage` in a SQLite database: table `events(key TEXT PRIMARY KEY, data BLOB NOT NULL)`,
 * WAL journal with full syncs. A batch is one transaction: all of it is written, or none.
 *
 * @example
 * import { Sqlite } from 'tiny-counter/sqlite'
 * import { EventStore } from 'tiny-counter'
 * import * as O from 'fp-ts/lib/Option.js'
 * import { mkdtempSync, rmSync } from 'node:fs'
 * import { tmpdir } from 'node:os'
 * import { join } from 'node:path'
 * const dir = mkdtempSync(join(tmpdir(), 'tiny-counter-'))
 * const first = await EventStore.builder().withStorage(await Sqlite.open(join(dir, 'events.db'))).build()
 * first.recordCount('launch', 3)
 * await first.close()
 * const again = await EventStore.builder().withStorage(await Sqlite.open(join(dir, 'events.db'))).build()
 * assert.deepEqual(again.query('launch').lastDays(1).sum(), O.some(3))
 * await again.close()
 * rmSync(dir, { recursive: true })
 */
export class Sqlite implements Storage {
  private closed = false
  private readonly writeAll: (writes: ReadonlyArray<Write>) => void
  /** The key of the write a failing batch stopped at. */
  private current: string | undefined

  private constructor(
    /** The database file (or `:memory:`). */
    readonly path: string,
    private readonly db: BetterSqlite3.Database,
    private readonly statements: Statements
  ) {
    this.writeAll = db.transaction((writes: ReadonlyArray<Write>) => {
      for (const write of writes) {
        this.current = write.key
        if ('delete' in write) statements.remove.run(write.key)
        else statements.save.run(write.key, write.data)
      }
    })
  }

  /**
   * Opens (creating them if needed) the database at `path` and its `events` table, in WAL mode.
   * With `{ readOnly: true }` it opens an existing database as it is, to read: no file, table or
   * journal mode is created or changed, and every write is refused with a `StorageError` (the
   * `tiny-counter` command inspects and exports this way). Rejects with a `StorageError` when
   * better-sqlite3 is not installed or the database cannot be opened (read-only: also when it does
   * not exist or has no `events` table).
   *
   * @example
   * import { Sqlite } from 'tiny-counter/sqlite'
   * import { StorageError } from 'tiny-counter'
   * import { mkdtempSync } from 'node:fs'
   * import { tmpdir } from 'node:os'
   * import { join } from 'node:path'
   * const storage = await Sqlite.open(':memory:')
   * assert.deepEqual(await storage.listKeys(), [])
   * await storage.close()
   * await assert.rejects(Sqlite.open('/no/such/directory/events.db'), StorageError)
   * const path = join(mkdtempSync(join(tmpdir(), 'sqlite-')), 'events.db')
   * const writer = await Sqlite.open(path)
   * await writer.save('launch', new Uint8Array([1]))
   * await writer.close()
   * const reader = await Sqlite.open(path, { readOnly: true })
   * assert.deepEqual(await reader.listKeys(), ['launch'])
   * await assert.rejects(reader.save('launch', new Uint8Array([2])), StorageError)
   * await reader.close()
   */
  static async open(path: string, options: { readonly readOnly?: boolean } = {}): Promise<Sqlite> {
    const operation = `open ${JSON.stringify(path)}`
    if (typeof path !== 'string' || path.length === 0) throw new StorageError(undefined, 'the database path must be a non-empty string', operation)
    let Driver: typeof BetterSqlite3
    try {
      Driver = (await import('better-sqlite3')).default
    } catch (cause) {
      throw new StorageError(undefined, new Error(`Sqlite needs the optional peer dependency better-sqlite3 (npm install better-sqlite3): ${messageOf(cause)}`, { cause }), operation)
    }
    let db: BetterSqlite3.Database | undefined
    try {
      if (options.readOnly === true) {
        db = new Driver(path, { readonly: true, fileMustExist: true })
        const table = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'events'").get()
        if (table === undefined) throw new Error('no events table: not a tiny-counter database')
      } else {
        db = new Driver(path)
        db.pragma('journal_mode = WAL')
        db.pragma('synchronous = FULL')
        db.exec(SCHEMA)
      }
      return new Sqlite(path, db, {
        load: db.prepare<[string], Uint8Array>('SELECT data FROM events WHERE key = ?').pluck(),
        // The whole row is the key and its data: replacing it is the upsert, with one lookup instead of two.
        save: db.prepare<[string, Uint8Array]>('INSERT OR REPLACE INTO events (key, data) VALUES (?, ?)'),
        remove: db.prepare<[string]>('DELETE FROM events WHERE key = ?'),
        keys: db.prepare<[], string>('SELECT key FROM events').pluck(),
        all: db.prepare<[], [string, Uint8Array]>('SELECT key, data FROM events').raw()
      })
    } catch (cause) {
      db?.close()
      throw new StorageError(undefined, cause, operation)
    }
  }

  /**
   * The bytes stored under `key`, or `undefined`.
   *
   * @example
   * import { Sqlite } from 'tiny-counter/sqlite'
   * const storage = await Sqlite.open(':memory:')
   * assert.equal(await storage.load('launch'), undefined)
   * await storage.save('launch', new Uint8Array([5]))
   * assert.deepEqual([...(await storage.load('launch'))!], [5])
   */
  readonly load = async (key: string): Promise<Uint8Array | undefined> => {
    this.check(key, 'load')
    try {
      const data = this.statements.load.get(key)
      return data === undefined ? undefined : new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    } catch (cause) {
      throw new StorageError(key, cause, 'load')
    }
  }

  /**
   * Stores `data` under `key` (an upsert: one statement, atomic).
   *
   * @example
   * import { Sqlite } from 'tiny-counter/sqlite'
   * const storage = await Sqlite.open(':memory:')
   * await storage.save('launch', new Uint8Array([1]))
   * await storage.save('launch', new Uint8Array([2, 3]))
   * assert.deepEqual([...(await storage.load('launch'))!], [2, 3])
   */
  readonly save = async (key: string, data: Uint8Array): Promise<void> => {
    this.check(key, 'save')
    checkData(key, data, 'save')
    try {
      this.statements.save.run(key, data)
    } catch (cause) {
      throw new StorageError(key, cause, 'save')
    }
  }

  /**
   * Removes `key`; removing a key that is not there is fine.
   *
   * @example
   * import { Sqlite } from 'tiny-counter/sqlite'
   * const storage = await Sqlite.open(':memory:')
   * await storage.save('launch', new Uint8Array([1]))
   * await storage.delete('launch')
   * await storage.delete('launch')
   * assert.deepEqual(await storage.listKeys(), [])
   */
  readonly delete = async (key: string): Promise<void> => {
    this.check(key, 'delete')
    try {
      this.statements.remove.run(key)
    } catch (cause) {
      throw new StorageError(key, cause, 'delete')
    }
  }

  /**
   * Every stored key, sorted.
   *
   * @example
   * import { Sqlite } from 'tiny-counter/sqlite'
   * const storage = await Sqlite.open(':memory:')
   * await storage.save('b', new Uint8Array([1]))
   * await storage.save('a', new Uint8Array([1]))
   * assert.deepEqual(await storage.listKeys(), ['a', 'b'])
   */
  readonly listKeys = async (): Promise<ReadonlyArray<string>> => {
    this.checkOpen(undefined, 'list keys')
    try {
      return this.statements.keys.all().sort()
    } catch (cause) {
      throw new StorageError(undefined, cause, 'list keys')
    }
  }

  /**
   * Every stored key with its bytes, sorted by key, read with one query.
   *
   * @example
   * import { Sqlite } from 'tiny-counter/sqlite'
   * const storage = await Sqlite.open(':memory:')
   * await storage.save('b', new Uint8Array([2]))
   * await storage.save('a', new Uint8Array([1, 1]))
   * const all = await storage.loadAll()
   * assert.deepEqual(all.map(([key, data]) => [key, [...data]]), [['a', [1, 1]], ['b', [2]]])
   */
  readonly loadAll = async (): Promise<ReadonlyArray<readonly [string, Uint8Array]>> => {
    this.checkOpen(undefined, 'load every key')
    let rows: Array<[string, Uint8Array]>
    try {
      rows = this.statements.all.all()
    } catch (cause) {
      throw new StorageError(undefined, cause, 'load every key')
    }
    // SQLite orders keys by their UTF-8 bytes; `listKeys` (and so this) by UTF-16 code units.
    rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    for (const row of rows) row[1] = new Uint8Array(row[1].buffer, row[1].byteOffset, row[1].byteLength) // a Buffer, seen as a plain Uint8Array
    return rows
  }

  /**
   * Applies the writes in order in one transaction: if one fails, the transaction is rolled back
   * and nothing of the batch is written.
   *
   * @example
   * import { Sqlite } from 'tiny-counter/sqlite'
   * const storage = await Sqlite.open(':memory:')
   * await storage.batch([{ key: 'a', data: new Uint8Array([1]) }, { key: 'b', data: new Uint8Array([2]) }, { key: 'a', delete: true }])
   * assert.deepEqual(await storage.listKeys(), ['b'])
   */
  readonly batch = async (writes: ReadonlyArray<Write>): Promise<void> => {
    this.checkOpen(undefined, 'apply a batch')
    for (const write of writes) {
      const operation = 'delete' in write ? 'delete' : 'save'
      this.check(write.key, operation)
      if (!('delete' in write)) checkData(write.key, write.data, operation)
    }
    this.current = undefined
    try {
      this.writeAll(writes)
    } catch (cause) {
      const at = this.current
      throw new StorageError(at, cause, at === undefined ? 'apply the batch (nothing was written)' : 'apply the batch (rolled back, nothing was written) at')
    }
  }

  /**
   * Closes the database (checkpointing the WAL); later calls reject with a `StorageError`.
   *
   * @example
   * import { Sqlite } from 'tiny-counter/sqlite'
   * import { StorageError } from 'tiny-counter'
   * const storage = await Sqlite.open(':memory:')
   * await storage.close()
   * await storage.close()
   * await assert.rejects(storage.load('launch'), StorageError)
   */
  readonly close = async (): Promise<void> => {
    if (this.closed) return
    this.closed = true
    try {
      this.db.close()
    } catch (cause) {
      throw new StorageError(undefined, cause, 'close')
    }
  }

  private check(key: string, operation: string): void {
    this.checkOpen(key, operation)
    const problem = invalidStorageKey(key)
    if (problem !== undefined) throw new StorageError(typeof key === 'string' ? key : undefined, problem, operation)
  }

  private checkOpen(key: string | undefined, operation: string): void {
    if (this.closed) throw new StorageError(key, 'the storage is closed', operation)
  }
}

const checkData = (key: string, data: unknown, operation: string): void => {
  if (!(data instanceof Uint8Array)) throw new StorageError(key, 'stored data must be a Uint8Array', operation)
}

const messageOf = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))
