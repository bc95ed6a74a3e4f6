/**
 * A storage in one SQLite database through better-sqlite3 (an optional peer dependency, loaded
 * only by `Sqlite.open`, so this module is a subpath export and the main entry never loads it):
 * WAL journal, one table, prepared statements, and each batch in one transaction.
 *
 * better-sqlite3 is synchronous, and its busy timeout waits for a lock held by another process by
 * blocking the thread (5 s by default). Here the busy timeout is 0: a statement that meets a lock
 * fails at once with `SQLITE_BUSY` and is tried again after a timer (1 ms doubling up to 50 ms,
 * for up to 30 s), so the event loop keeps running while another process writes. Long work (a
 * batch of thousands of writes, `loadAll`) runs in slices of a few milliseconds inside its one
 * transaction, the event loop running between slices; the operations of one `Sqlite` run one at a
 * time, in order, so nothing enters a transaction left open between slices.
 */
import type BetterSqlite3 from 'better-sqlite3'
import { StorageError } from '../store/errors.js'
import { inSlices, yieldToEventLoop } from '../store/internal/slices.js'
import type { Storage, UnreadableValue, Update, Write } from '../store/Storage.js'
import { invalidStorageKey } from '../store/Storage.js'

/** The rows `loadAll` reads between two turns of the event loop (a few milliseconds of work). */
const LOAD_PAGE_ROWS = 2_000

/** How long an operation keeps trying while another connection holds the database's write lock. */
const BUSY_WAIT_MS = 30_000

interface Statements {
  readonly load: BetterSqlite3.Statement<[string], Uint8Array>
  readonly save: BetterSqlite3.Statement<[string, Uint8Array]>
  readonly remove: BetterSqlite3.Statement<[string]>
  readonly keys: BetterSqlite3.Statement<[], string>
  /** A page of rows after a key, in key order (a slice of `loadAll`). */
  readonly page: BetterSqlite3.Statement<[string, number], [string, Uint8Array]>
}

const SCHEMA = 'CREATE TABLE IF NOT EXISTS events (key TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID'

/**
 * A row's data as it is read: its bytes when it is a BLOB, else the name of its type (`TEXT`,
 * `INTEGER`, `REAL`, `NULL`), given as an `UnreadableValue` (no bytes, and why: a `DecodeError` in
 * the store's `loadErrors` saying "the SQLite row's value is TEXT, not BLOB", replaced by the next
 * persist of its event). A TEXT, INTEGER or REAL written into the table by another program is
 * never read as a length or as text bytes (`new Uint8Array(1e15)` would fail every persist).
 */
const DATA = "CASE WHEN typeof(data) = 'blob' THEN data ELSE upper(typeof(data)) END"

/** The rows whose key is non-empty TEXT (the column's affinity stores a number as TEXT): a row with a BLOB or empty key is not an event of this store, and is skipped. */
const TEXT_KEY = "typeof(key) = 'text' AND key <> ''"

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
  /** The operation running (or last run): the next one starts when it settles. */
  private queue: Promise<unknown> = Promise.resolve()

  private constructor(
    /** The database file (or `:memory:`). */
    readonly path: string,
    private readonly db: BetterSqlite3.Database,
    private readonly statements: Statements
  ) {}

  /** Runs `operation` after every operation started before it (they never interleave). */
  private serial<A>(operation: () => Promise<A>): Promise<A> {
    const next = this.queue.then(operation, operation)
    this.queue = next.catch(() => undefined)
    return next
  }

  /**
   * Runs `body` in a transaction begun with `BEGIN IMMEDIATE` (the write lock taken at once, waited
   * for with timers), commits it, or rolls it back when `body` fails. `body` may yield to the event
   * loop: it runs inside `serial`, so nothing else uses the connection meanwhile.
   */
  private async immediate<A>(body: () => Promise<A>): Promise<A> {
    await retryWhileBusy(() => this.db.exec('BEGIN IMMEDIATE'))
    try {
      const result = await body()
      await retryWhileBusy(() => this.db.exec('COMMIT'))
      return result
    } catch (cause) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK')
      throw cause
    }
  }

  /** Applies the writes in slices; the key of the write being applied is kept for an error. */
  private async writeAll(writes: ReadonlyArray<Write>, at: { key: string | undefined }): Promise<void> {
    const { remove, save } = this.statements
    await inSlices(writes.length, (i) => {
      const write = writes[i]!
      at.key = write.key
      if ('delete' in write) remove.run(write.key)
      else save.run(write.key, write.data)
    })
    at.key = undefined
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
        db = new Driver(path, { readonly: true, fileMustExist: true, timeout: 0 })
        const table = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'events'").get()
        if (table === undefined) throw new Error('no events table: not a tiny-counter database')
      } else {
        // No busy wait inside better-sqlite3 (it blocks the thread): `retryWhileBusy` waits with timers.
        db = new Driver(path, { timeout: 0 })
        await retryWhileBusy(() => db!.pragma('journal_mode = WAL'))
        db.pragma('synchronous = FULL')
        await retryWhileBusy(() => db!.exec(SCHEMA))
      }
      return new Sqlite(path, db, {
        load: db.prepare<[string], Uint8Array>(`SELECT ${DATA} FROM events WHERE key = ?`).pluck(),
        // The whole row is the key and its data: replacing it is the upsert, with one lookup instead of two.
        save: db.prepare<[string, Uint8Array]>('INSERT OR REPLACE INTO events (key, data) VALUES (?, ?)'),
        remove: db.prepare<[string]>('DELETE FROM events WHERE key = ?'),
        keys: db.prepare<[], string>(`SELECT key FROM events WHERE ${TEXT_KEY}`).pluck(),
        page: db.prepare<[string, number], [string, Uint8Array]>(`SELECT key, ${DATA} FROM events WHERE ${TEXT_KEY} AND key > ? ORDER BY key LIMIT ?`).raw()
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
  readonly load = (key: string): Promise<Uint8Array | undefined> =>
    this.serial(async () => {
      this.check(key, 'load')
      try {
        const data = await retryWhileBusy(() => this.statements.load.get(key))
        return data === undefined ? undefined : bytesOf(data)
      } catch (cause) {
        throw new StorageError(key, cause, 'load')
      }
    })

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
  readonly save = (key: string, data: Uint8Array): Promise<void> =>
    this.serial(async () => {
      this.check(key, 'save')
      checkData(key, data, 'save')
      try {
        await retryWhileBusy(() => this.statements.save.run(key, data))
      } catch (cause) {
        throw new StorageError(key, cause, 'save')
      }
    })

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
  readonly delete = (key: string): Promise<void> =>
    this.serial(async () => {
      this.check(key, 'delete')
      try {
        await retryWhileBusy(() => this.statements.remove.run(key))
      } catch (cause) {
        throw new StorageError(key, cause, 'delete')
      }
    })

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
  readonly listKeys = (): Promise<ReadonlyArray<string>> =>
    this.serial(async () => {
      this.checkOpen(undefined, 'list keys')
      try {
        return (await retryWhileBusy(() => this.statements.keys.all())).sort()
      } catch (cause) {
        throw new StorageError(undefined, cause, 'list keys')
      }
    })

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
  readonly loadAll = (): Promise<ReadonlyArray<readonly [string, Uint8Array]>> =>
    this.serial(async () => {
      this.checkOpen(undefined, 'load every key')
      const rows: Array<[string, Uint8Array]> = []
      try {
        // Pages in key order, one per slice, in one read transaction (one snapshot of the database).
        await retryWhileBusy(async () => {
          rows.length = 0
          this.db.exec('BEGIN')
          try {
            for (let after = ''; ; ) {
              const page = this.statements.page.all(after, LOAD_PAGE_ROWS)
              for (const row of page) rows.push([row[0], bytesOf(row[1])])
              if (page.length < LOAD_PAGE_ROWS) break
              after = page[page.length - 1]![0]
              await yieldToEventLoop()
            }
          } finally {
            this.db.exec('COMMIT')
          }
        })
      } catch (cause) {
        throw new StorageError(undefined, cause, 'load every key')
      }
      // SQLite orders keys by their UTF-8 bytes; `listKeys` (and so this) by UTF-16 code units. The
      // two differ only where a key holds a character past U+FFFF: checked in one pass, sorted then.
      if (rows.some((row, i) => i > 0 && rows[i - 1]![0] > row[0])) rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      return rows
    })

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
  readonly batch = (writes: ReadonlyArray<Write>): Promise<void> =>
    this.serial(async () => {
      this.checkOpen(undefined, 'apply a batch')
      await this.checkWrites(writes)
      const at: { key: string | undefined } = { key: undefined }
      try {
        await this.immediate(() => this.writeAll(writes, at))
      } catch (cause) {
        throw new StorageError(at.key, cause, at.key === undefined ? 'apply the batch (nothing was written)' : 'apply the batch (rolled back: nothing of this transaction was written) at')
      }
    })

  /**
   * A read-modify-write in one transaction begun with `BEGIN IMMEDIATE` (see `Update`): no other
   * connection, of this process or another, writes between the read and the write. Waiting for
   * the write lock uses timers, never the thread.
   *
   * @example
   * import { Sqlite } from 'tiny-counter/sqlite'
   * import { mkdtempSync, rmSync } from 'node:fs'
   * import { tmpdir } from 'node:os'
   * import { join } from 'node:path'
   * const dir = mkdtempSync(join(tmpdir(), 'tiny-counter-'))
   * const [a, b] = [await Sqlite.open(join(dir, 'events.db')), await Sqlite.open(join(dir, 'events.db'))]
   * const add = (storage: Sqlite, n: number) =>
   *   storage.update(['total'], ([total]) => [{ key: 'total', data: new Uint8Array([(total?.[0] ?? 0) + n]) }])
   * await Promise.all([add(a, 1), add(b, 2), add(a, 3)])
   * assert.deepEqual([...(await b.load('total'))!], [6])
   * await a.close()
   * await b.close()
   * rmSync(dir, { recursive: true })
   */
  readonly update: Update = (keys, compute) =>
    this.serial(async () => {
      this.checkOpen(undefined, 'update')
      await inSlices(keys.length, (i) => this.check(keys[i]!, 'update'))
      const at: { key: string | undefined } = { key: undefined }
      try {
        await this.immediate(async () => {
          const current = new Array<Uint8Array | undefined>(keys.length)
          await inSlices(keys.length, (i) => {
            const data = this.statements.load.get(keys[i]!)
            current[i] = data === undefined ? undefined : new Uint8Array(bytesOf(data))
          })
          const writes = compute(current)
          await this.checkWrites(writes)
          await this.writeAll(writes, at)
        })
      } catch (cause) {
        if (cause instanceof StorageError) throw cause
        throw new StorageError(at.key, cause, at.key === undefined ? 'update (nothing was written)' : 'update (rolled back: nothing of this transaction was written) at')
      }
    })

  /**
   * Why a key cannot be stored: `invalidStorageKey`'s rule (SQLite holds any well-formed text).
   *
   * @example
   * import { Sqlite } from 'tiny-counter/sqlite'
   * const storage = await Sqlite.open(':memory:')
   * assert.equal(storage.invalidKey('x'.repeat(10_000)), undefined)
   * assert.match(storage.invalidKey('\uD800') ?? '', /lone surrogate/)
   */
  readonly invalidKey = (key: string): string | undefined => invalidStorageKey(key)

  /** Checks every write (in slices: 100,000 keys take a while) before any is made. */
  private async checkWrites(writes: ReadonlyArray<Write>): Promise<void> {
    await inSlices(writes.length, (i) => {
      const write = writes[i]!
      const operation = 'delete' in write ? 'delete' : 'save'
      this.check(write.key, operation)
      if (!('delete' in write)) checkData(write.key, write.data, operation)
    })
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
  readonly close = (): Promise<void> =>
    this.serial(async () => {
      if (this.closed) return
      this.closed = true
      try {
        this.db.close()
      } catch (cause) {
        throw new StorageError(undefined, cause, 'close')
      }
    })

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

/**
 * A row's data (a Buffer from better-sqlite3) as a plain Uint8Array view of it; for a row whose
 * data is not a BLOB (`DATA` gives its type's name), an `UnreadableValue` that says so.
 */
const bytesOf = (data: unknown): Uint8Array => {
  if (data instanceof Uint8Array) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  const notBytes: UnreadableValue = Object.assign(new Uint8Array(0), { unreadable: `the SQLite row's value is ${String(data)}, not BLOB` })
  return notBytes
}

const messageOf = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

const isBusy = (cause: unknown): boolean =>
  typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(cause.code)

/**
 * Runs `attempt` until it does not fail with `SQLITE_BUSY` (another connection holds the lock),
 * waiting between tries with timers (1 ms doubling to 50 ms, with jitter) for up to `BUSY_WAIT_MS`;
 * the event loop runs meanwhile. Any other failure, or the last busy one, is thrown.
 */
const retryWhileBusy = async <A>(attempt: () => A | Promise<A>): Promise<A> => {
  const started = Date.now()
  for (let tries = 0; ; tries++) {
    try {
      return await attempt()
    } catch (cause) {
      if (!isBusy(cause) || Date.now() - started > BUSY_WAIT_MS) throw cause
    }
    await new Promise((done) => setTimeout(done, Math.min(50, 2 ** Math.min(tries, 6)) * (0.5 + Math.random())))
  }
}
