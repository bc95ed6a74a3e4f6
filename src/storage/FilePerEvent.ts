/**
 * A storage of one file per event in a directory. File names are a reversible encoding of the key
 * that is safe on every file system (or, for a long key, a hash of it, the key kept inside the
 * file); each write goes to a temporary file that is synced and then renamed over the old one, so
 * a crash leaves the old bytes or the new ones, never a mix. `update` runs a read-modify-write
 * under a lock file that every process sharing the directory respects.
 */
import type * as Fs from 'node:fs/promises'
import type * as Crypto from 'node:crypto'
import { StorageError } from '../store/errors.js'
import type * as FileIO from './internal/fileIO.js'
import type { Storage, Update, Write } from '../store/Storage.js'
import { invalidStorageKey } from '../store/Storage.js'

type FileSystem = typeof Fs
type Hash = typeof Crypto.createHash

/**
 * How many `fsync` calls run at once when a batch syncs its files one by one. Node runs file
 * system calls on a pool of 4 threads (by default), so a few more than 4 keep every thread busy.
 */
const SYNCS_AT_ONCE = 16

/**
 * The longest encoded key kept as a file name: with the extension (at most 15 bytes) a name stays
 * within 255 bytes. A longer one is stored under a hashed name (see `HASHED`).
 */
const MAX_NAME_BYTES = 240

const EXTENSION = /^\.[A-Za-z0-9_-]{1,14}$/

/**
 * A `Storage` keeping each key in its own file, `<encoded key><extension>`, in one directory. The
 * encoding keeps `a`–`z`, `0`–`9`, `_` and `-` and writes every other UTF-8 byte as `%XX`, so
 * `A` and `a` stay apart on case-insensitive file systems and no key can name a path (`a/b`, `..`)
 * or a reserved device (`con` becomes `%63on`). A key whose encoding exceeds 240 bytes (81 capital
 * letters, 27 CJK characters) is stored as `~<SHA-256 of the key, hex>` plus the extension, and its
 * file begins with the key itself (`~KEY`, the key's UTF-8 length in 4 bytes, the key), so that
 * `listKeys` gives the original names back; the name is stable, and a hash collision (never seen)
 * would be detected by the key inside. Files written before long keys were hashed still load.
 *
 * Files are read and written with blocking calls in slices of a few milliseconds, between which
 * the event loop runs (a quarter of the cost of the same calls through libuv's thread pool); a
 * batch of 64 saves or more is made durable with one `syncfs(2)` on Linux (see `batch`).
 *
 * @example
 * import { FilePerEvent } from 'tiny-counter/files'
 * import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
 * import { tmpdir } from 'node:os'
 * import { join } from 'node:path'
 * const base = mkdtempSync(join(tmpdir(), 'tiny-counter-'))
 * const dir = join(base, 'events')
 * const storage = await FilePerEvent.open(dir, '.bin')
 * await storage.save('Sign up/EU', new Uint8Array([1, 2, 3]))
 * assert.deepEqual(readdirSync(dir), ['%53ign%20up%2F%45%55.bin'])
 * assert.deepEqual(await storage.listKeys(), ['Sign up/EU'])
 * await storage.close()
 * rmSync(base, { recursive: true })
 */
export class FilePerEvent implements Storage {
  private constructor(
    /** The directory holding the files. */
    readonly directory: string,
    /** The extension of the files (such as `.json`); other files of the directory are ignored. */
    readonly extension: string,
    /** Whether this storage only reads (`open(..., { readOnly: true })`): every write is refused. */
    readonly readOnly: boolean,
    private readonly fs: FileSystem,
    /** The blocking, sliced calls of batches and `loadAll`, and `syncfs(2)`. */
    private readonly io: typeof FileIO,
    private readonly hash: Hash
  ) {}

  /**
   * Opens (creating it if needed) a directory of files named after their keys with `extension`:
   * a dot and 1 to 14 letters, digits, `_` or `-`, such as `.json` or `.bin`. Temporary files that
   * a process killed in the middle of a write left behind are deleted once they are ten minutes
   * old (no write takes that long; a younger one may belong to a write still running). With
   * `{ readOnly: true }` the directory must exist, nothing in it is created or deleted (not even
   * those temporary files), and every write is refused with a `StorageError`: the `tiny-counter`
   * command inspects and exports this way.
   *
   * @example
   * import { StorageError } from 'tiny-counter'
   * import { FilePerEvent } from 'tiny-counter/files'
   * import { mkdtempSync, rmSync } from 'node:fs'
   * import { tmpdir } from 'node:os'
   * import { join } from 'node:path'
   * const base = mkdtempSync(join(tmpdir(), 'tiny-counter-'))
   * const storage = await FilePerEvent.open(join(base, 'nested', 'events'), '.json')
   * assert.equal(storage.extension, '.json')
   * await assert.rejects(FilePerEvent.open(base, 'json'), StorageError)
   * const reader = await FilePerEvent.open(join(base, 'nested', 'events'), '.json', { readOnly: true })
   * await assert.rejects(reader.save('launch', new Uint8Array([1])), StorageError)
   * await assert.rejects(FilePerEvent.open(join(base, 'missing'), '.json', { readOnly: true }), StorageError)
   * rmSync(base, { recursive: true })
   */
  static async open(directory: string, extension: string, options: { readonly readOnly?: boolean } = {}): Promise<FilePerEvent> {
    const operation = `open ${JSON.stringify(directory)}`
    if (typeof directory !== 'string' || directory.length === 0) throw new StorageError(undefined, 'the directory must be a non-empty path', operation)
    if (typeof extension !== 'string' || !EXTENSION.test(extension)) {
      throw new StorageError(undefined, `the extension must be a dot and 1 to 14 letters, digits, "_" or "-" (such as ".json"), got ${JSON.stringify(extension)}`, operation)
    }
    try {
      const [{ promises: fs }, io, crypto] = await Promise.all([import('node:fs'), import('./internal/fileIO.js'), import('node:crypto')])
      const readOnly = options.readOnly === true
      if (readOnly) {
        if (!(await fs.stat(directory)).isDirectory()) throw new Error('not a directory')
      } else {
        await fs.mkdir(directory, { recursive: true })
        await removeStaleTemporaries(fs, directory, Date.now())
      }
      return new FilePerEvent(directory, extension, readOnly, fs, io, crypto.createHash)
    } catch (cause) {
      throw new StorageError(undefined, cause, operation)
    }
  }

  /**
   * The bytes of the key's file, or `undefined` when there is no such file.
   *
   * @example
   * import { FilePerEvent } from 'tiny-counter/files'
   * import { mkdtempSync, rmSync } from 'node:fs'
   * import { tmpdir } from 'node:os'
   * import { join } from 'node:path'
   * const dir = mkdtempSync(join(tmpdir(), 'tiny-counter-'))
   * const storage = await FilePerEvent.open(dir, '.bin')
   * assert.equal(await storage.load('launch'), undefined)
   * await storage.save('launch', new Uint8Array([4, 2]))
   * assert.deepEqual(await storage.load('launch'), new Uint8Array([4, 2]))
   * rmSync(dir, { recursive: true })
   */
  readonly load = async (key: string): Promise<Uint8Array | undefined> => {
    const { path, hashed } = this.pathOf(key, 'load')
    // Read as `loadAll` reads (a FIFO or a device is refused, not waited on), then copied out of the shared block.
    const [read] = await this.io.readFiles([path]).catch((failure: FileIO.ReadFailure) => {
      throw new StorageError(key, failure.cause, 'load')
    })
    if (read === undefined) return undefined
    const bytes = read.slice()
    if (!hashed) return bytes
    const stored = keyInside(bytes)
    return stored?.key === key ? stored.data : undefined
  }

  /**
   * Why this storage cannot hold `key`, or `undefined` when it can: any non-empty, well-formed
   * Unicode string (a long one gets a hashed file name).
   *
   * @example
   * import { FilePerEvent } from 'tiny-counter/files'
   * import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
   * import { tmpdir } from 'node:os'
   * import { join } from 'node:path'
   * const dir = mkdtempSync(join(tmpdir(), 'tiny-counter-'))
   * const storage = await FilePerEvent.open(dir, '.bin')
   * const long = 'Ü'.repeat(200)
   * assert.equal(storage.invalidKey(long), undefined)
   * assert.match(storage.invalidKey('\uD800') ?? '', /lone surrogate/)
   * await storage.save(long, new Uint8Array([1, 2]))
   * assert.match(readdirSync(dir)[0]!, /^~[0-9a-f]{64}\.bin$/)
   * assert.deepEqual(await storage.listKeys(), [long])
   * assert.deepEqual(await storage.load(long), new Uint8Array([1, 2]))
   * rmSync(dir, { recursive: true })
   */
  readonly invalidKey = (key: string): string | undefined => invalidStorageKey(key)

  /**
   * Writes the key's file atomically: a temporary file (named with a leading dot) is written and
   * synced, renamed over the file, and the directory is synced.
   *
   * @example
   * import { StorageError } from 'tiny-counter'
   * import { FilePerEvent } from 'tiny-counter/files'
   * import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
   * import { tmpdir } from 'node:os'
   * import { join } from 'node:path'
   * const dir = mkdtempSync(join(tmpdir(), 'tiny-counter-'))
   * const storage = await FilePerEvent.open(dir, '.bin')
   * await storage.save('launch', new Uint8Array([1]))
   * await storage.save('launch', new Uint8Array([2]))
   * assert.deepEqual(readdirSync(dir), ['launch.bin'])
   * await assert.rejects(storage.save('\uDC00', new Uint8Array([1])), (e: unknown) => e instanceof StorageError && /surrogate/.test(e.message))
   * rmSync(dir, { recursive: true })
   */
  readonly save = (key: string, data: Uint8Array): Promise<void> => this.apply([{ key, data }])

  /**
   * Removes the key's file; removing a key that has no file is fine.
   *
   * @example
   * import { FilePerEvent } from 'tiny-counter/files'
   * import { mkdtempSync, rmSync } from 'node:fs'
   * import { tmpdir } from 'node:os'
   * import { join } from 'node:path'
   * const dir = mkdtempSync(join(tmpdir(), 'tiny-counter-'))
   * const storage = await FilePerEvent.open(dir, '.bin')
   * await storage.save('launch', new Uint8Array([1]))
   * await storage.delete('launch')
   * await storage.delete('launch')
   * assert.deepEqual(await storage.listKeys(), [])
   * rmSync(dir, { recursive: true })
   */
  readonly delete = (key: string): Promise<void> => this.apply([{ key, delete: true }])

  /**
   * The keys of the files with the extension, sorted; temporary files (leading dot), other
   * extensions and names that are not an encoding written by `FilePerEvent` are ignored.
   *
   * @example
   * import { FilePerEvent } from 'tiny-counter/files'
   * import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
   * import { tmpdir } from 'node:os'
   * import { join } from 'node:path'
   * const dir = mkdtempSync(join(tmpdir(), 'tiny-counter-'))
   * const storage = await FilePerEvent.open(dir, '.json')
   * await storage.save('a/b', new Uint8Array([1]))
   * writeFileSync(join(dir, 'notes.txt'), 'not an event')
   * writeFileSync(join(dir, '.half-written.tmp'), '')
   * assert.deepEqual(await storage.listKeys(), ['a/b'])
   * rmSync(dir, { recursive: true })
   */
  readonly listKeys = async (): Promise<ReadonlyArray<string>> => (await this.files('list keys')).map(([key]) => key)

  /**
   * Every key with the bytes of its file, sorted by key: the files of `listKeys`, read with
   * blocking calls in slices of a few milliseconds (the event loop runs between slices; a file
   * costs a quarter of what it costs through the thread pool). A file removed between the listing
   * and its reading is left out.
   *
   * @example
   * import { FilePerEvent } from 'tiny-counter/files'
   * import { mkdtempSync, rmSync } from 'node:fs'
   * import { tmpdir } from 'node:os'
   * import { join } from 'node:path'
   * const dir = mkdtempSync(join(tmpdir(), 'tiny-counter-'))
   * const storage = await FilePerEvent.open(dir, '.bin')
   * await storage.batch([{ key: 'b', data: new Uint8Array([2]) }, { key: 'a/1', data: new Uint8Array([1, 1]) }])
   * const all = await storage.loadAll()
   * assert.deepEqual(all.map(([key, data]) => [key, [...data]]), [['a/1', [1, 1]], ['b', [2]]])
   * rmSync(dir, { recursive: true })
   */
  readonly loadAll = async (): Promise<ReadonlyArray<readonly [string, Uint8Array]>> => {
    const files = await this.files('load every key')
    // Sorting the listing took a few milliseconds: the event loop gets a turn before the reads.
    await this.io.yieldToEventLoop()
    const data = await this.io.readFiles(files.map(([, path]) => path)).catch((failure: FileIO.ReadFailure) => {
      throw new StorageError(files[failure.index]![0], failure.cause, 'load')
    })
    const all: Array<readonly [string, Uint8Array]> = []
    files.forEach(([key, path], i) => {
      const bytes = data[i]
      if (bytes === undefined) return
      if (!isHashedPath(path)) return void all.push([key, bytes])
      const stored = keyInside(bytes)
      if (stored?.key === key) all.push([key, stored.data])
    })
    return all
  }

  /**
   * Applies the writes in order, each one atomic and on its own: a write that fails (its path is a
   * directory, the disk refuses it) does not stop the others, and the batch then rejects with a
   * `StorageError` naming the first key that failed (`failedKeys` lists them all). Every key is
   * checked before anything is written. The temporary files are written, made durable (a `fsync`
   * each, or for a large batch on Linux one `syncfs(2)` of the file system), then renamed in
   * order, and the directory is synced once for the whole batch.
   *
   * @example
   * import { StorageError } from 'tiny-counter'
   * import { FilePerEvent } from 'tiny-counter/files'
   * import { mkdtempSync, rmSync } from 'node:fs'
   * import { tmpdir } from 'node:os'
   * import { join } from 'node:path'
   * const dir = mkdtempSync(join(tmpdir(), 'tiny-counter-'))
   * const storage = await FilePerEvent.open(dir, '.bin')
   * await storage.batch([{ key: 'a', data: new Uint8Array([1]) }, { key: 'b', data: new Uint8Array([2]) }, { key: 'a', delete: true }])
   * assert.deepEqual(await storage.listKeys(), ['b'])
   * await assert.rejects(storage.batch([{ key: 'c', data: new Uint8Array([3]) }, { key: '', delete: true }]), StorageError)
   * assert.deepEqual(await storage.listKeys(), ['b']) // refused before writing anything
   * rmSync(dir, { recursive: true })
   */
  readonly batch = (writes: ReadonlyArray<Write>): Promise<void> => this.apply(writes)

  /**
   * A read-modify-write as one transaction against every process that shares the directory: takes
   * the directory's lock file (`.tiny-counter.lock`, created exclusively; waiting for it polls with
   * timers and never blocks the event loop), reads the current bytes of `keys`, calls `change` with
   * them in the order of `keys`, writes what it returns (as `batch`), and releases the lock. The
   * holder refreshes the lock's mtime every 5 s. A lock is taken over when its owner is gone: a
   * process of this host whose pid is dead, or is this process's pid without being held by it (a
   * restarted container's pid 1), or any lock not refreshed for 2 minutes. One held for more than
   * `LOCK_WAIT_MS` (30 s) makes `update` reject with a `StorageError`.
   *
   * @example
   * import { FilePerEvent } from 'tiny-counter/files'
   * import { mkdtempSync, rmSync } from 'node:fs'
   * import { tmpdir } from 'node:os'
   * import { join } from 'node:path'
   * const dir = mkdtempSync(join(tmpdir(), 'tiny-counter-'))
   * const [a, b] = [await FilePerEvent.open(dir, '.bin'), await FilePerEvent.open(dir, '.bin')]
   * const add = (storage: FilePerEvent, n: number) =>
   *   storage.update(['total'], ([total]) => [{ key: 'total', data: new Uint8Array([(total?.[0] ?? 0) + n]) }])
   * await Promise.all([add(a, 1), add(b, 2), add(a, 3)])
   * assert.deepEqual(await a.load('total'), new Uint8Array([6]))
   * rmSync(dir, { recursive: true })
   */
  readonly update: Update = async (keys, compute) => {
    this.refuseIfReadOnly(keys[0], 'update')
    const paths = keys.map((key) => this.pathOf(key, 'update'))
    const release = await this.lock().catch((cause: unknown) => {
      throw cause instanceof StorageError ? cause : new StorageError(undefined, cause, 'take the lock')
    })
    try {
      // A file that cannot be read (its path is a directory, it is not a regular file, the disk
      // fails) fails its key alone: nothing is written for it (it may hold counts that writing
      // over it would lose), and the other keys are still read and written. Only a file that is
      // not there counts as absent.
      const data: Array<Uint8Array | undefined> = []
      const unreadable: StorageError[] = []
      while (data.length < paths.length) {
        const from = data.length
        const read = await this.io.readFiles(paths.slice(from).map(({ path }) => path)).catch((failure: FileIO.ReadFailure) => failure)
        if (Array.isArray(read)) data.push(...read)
        else {
          // The files before the failing one read well: read them again (the failure lost them).
          if (read.index > 0) data.push(...(await this.io.readFiles(paths.slice(from, from + read.index).map(({ path }) => path))))
          unreadable.push(new StorageError(keys[data.length], read.cause, 'load'))
          data.push(undefined)
        }
      }
      const current = keys.map((key, i) => {
        const bytes = data[i]
        if (bytes === undefined || !paths[i]!.hashed) return bytes?.slice()
        const stored = keyInside(bytes)
        return stored?.key === key ? stored.data.slice() : undefined
      })
      const writes = compute(current)
      if (unreadable.length === 0) return await this.apply(writes)
      const refused = new Set(unreadable.map(({ key }) => key))
      let others: ReadonlyArray<string> = []
      let landed: ReadonlyArray<string> = []
      try {
        await this.apply(writes.filter(({ key }) => !refused.has(key)))
      } catch (cause) {
        if (!(cause instanceof StorageError) || cause.failedKeys.length === 0) throw cause
        others = cause.failedKeys
        landed = cause.landedKeys
      }
      const [first] = unreadable
      throw new StorageError(first!.key, first!.cause, first!.operation, [...refused, ...others] as string[], landed)
    } finally {
      release()
    }
  }

  /**
   * Does nothing: no file stays open between calls, so the storage stays usable (a store closes
   * its storage when it closes; the next store may use the same instance).
   *
   * @example
   * import { FilePerEvent } from 'tiny-counter/files'
   * import { mkdtempSync, rmSync } from 'node:fs'
   * import { tmpdir } from 'node:os'
   * import { join } from 'node:path'
   * const dir = mkdtempSync(join(tmpdir(), 'tiny-counter-'))
   * const storage = await FilePerEvent.open(dir, '.bin')
   * await storage.save('launch', new Uint8Array([1]))
   * await storage.close()
   * assert.deepEqual(await storage.listKeys(), ['launch'])
   * rmSync(dir, { recursive: true })
   */
  readonly close = async (): Promise<void> => undefined

  /** The keys of the directory's files and their paths, sorted by key. */
  private async files(operation: string): Promise<Array<readonly [string, string]>> {
    try {
      const entries = await this.fs.readdir(this.directory, { withFileTypes: true })
      const files: Array<readonly [string, string]> = []
      const hashed: string[] = []
      for (const entry of entries) {
        const name = entry.name
        if (!entry.isFile() || name.startsWith('.') || !name.endsWith(this.extension)) continue
        const stem = name.slice(0, name.length - this.extension.length)
        if (HASHED.test(stem)) hashed.push(`${this.directory}/${name}`)
        const key = decodeName(stem)
        if (key !== undefined) files.push([key, `${this.directory}/${name}`])
      }
      // A hashed name says nothing of its key: it is inside the file.
      const data = hashed.length === 0 ? [] : await this.io.readFiles(hashed)
      hashed.forEach((path, i) => {
        const stored = data[i] === undefined ? undefined : keyInside(data[i])
        if (stored !== undefined && invalidStorageKey(stored.key) === undefined && path === this.pathOf(stored.key, operation).path) files.push([stored.key, path])
      })
      return files.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    } catch (cause) {
      throw new StorageError(undefined, cause, operation)
    }
  }

  /**
   * Writes a batch in order, with blocking calls in slices of a few milliseconds (see `FileIO`):
   *
   * 1. The data of every save goes to its own new temporary file (named with a leading dot).
   * 2. The temporary files are made durable: for a batch of at least `syncfsSettings.minFiles`
   *    saves on Linux, by one `syncfs(2)` of the file system (one flush instead of thousands);
   *    else, or when that fails, by a `fsync` of each file, `SYNCS_AT_ONCE` at a time.
   * 3. Each temporary file is renamed over its file, and each delete is made, in order.
   * 4. The directory is synced, which makes the renames and deletes durable. If that fails, the
   *    batch rejects naming the writes made in `landedKeys` (their bytes are in place; the next
   *    batch that changes the directory syncs it) and the failed ones in `failedKeys`.
   *
   * A write that fails stops the batch there: the writes before it are made, the ones after it
   * are not, and no temporary file is left behind. A file is never renamed into place before its
   * data is durable, so a crash or a power loss leaves each file whole, old or new.
   */
  private async apply(writes: ReadonlyArray<Write>): Promise<void> {
    const { io } = this
    this.refuseIfReadOnly(writes[0]?.key, 'write')
    type Step = { readonly write: Write; readonly path: string; readonly data: Uint8Array | undefined; readonly operation: string; temp: string | undefined; fd: number | undefined; failed: boolean }
    const planned = new Array<Step>(writes.length)
    // Every write is checked (in slices: 10,000 names take a while) before anything is written.
    await io.inSlices(writes.length, (i) => {
      const write = writes[i]!
      const operation = 'delete' in write ? 'delete' : 'save'
      const { path, hashed } = this.pathOf(write.key, operation)
      if (!('delete' in write) && !(write.data instanceof Uint8Array)) throw new StorageError(write.key, 'stored data must be a Uint8Array', operation)
      const data = 'delete' in write ? undefined : hashed ? withKeyInside(write.key, write.data) : write.data
      planned[i] = { write, path, data, operation, temp: undefined, fd: undefined, failed: false }
    })
    const failures: StorageError[] = []
    const failAt = (i: number, cause: unknown): void => {
      const step = planned[i]!
      if (step.failed) return
      step.failed = true
      failures.push(new StorageError(step.write.key, cause, step.operation))
    }
    // A large batch closes each temporary file at once and syncs them all with one syncfs(2), or
    // (where that cannot be used) reopens each to sync it; a small one syncs each while it is open.
    const large = planned.reduce((n, { write }) => ('delete' in write ? n : n + 1), 0) >= io.syncfsSettings.minFiles
    try {
      // 1. Temporary files.
      await io.inSlices(planned.length, (i) => {
        const step = planned[i]!
        if (step.data === undefined) return
        step.temp = `${this.directory}/.${temporaryName()}.tmp`
        try {
          const fd = io.createFile(step.temp, step.data)
          if (large) io.closeFile(fd)
          else step.fd = fd
        } catch (cause) {
          failAt(i, cause)
        }
      })
      // 2. Durable data.
      const eachFile = async (sync: (step: Step) => Promise<void> | undefined): Promise<void> => {
        await eachAtOnce(planned.length, SYNCS_AT_ONCE, (i) => {
          const step = planned[i]!
          return step.failed ? Promise.resolve() : (sync(step) ?? Promise.resolve()).catch((cause: unknown) => failAt(i, cause))
        })
      }
      if (!large) await eachFile(({ fd }) => (fd === undefined ? undefined : io.fsync(fd)))
      else if (planned.some((step) => step.temp !== undefined && !step.failed) && !(await io.syncFileSystem(this.directory))) {
        await eachFile(({ temp }) => (temp === undefined ? undefined : io.fsyncPath(temp)))
      }
    } finally {
      for (const [i, step] of planned.entries()) {
        if (step.fd === undefined) continue
        try {
          io.closeFile(step.fd)
        } catch (cause) {
          failAt(i, cause)
        }
        step.fd = undefined
      }
    }
    // 3. Renames and deletes, in order, each write that is still fine.
    const landed: string[] = []
    await io.inSlices(planned.length, (i) => {
      const step = planned[i]!
      if (step.failed) return
      try {
        if (step.temp === undefined) this.unlink(step.path)
        else io.rename(step.temp, step.path)
        step.temp = undefined
        landed.push(step.write.key)
      } catch (cause) {
        failAt(i, cause)
      }
    })
    const leftovers = planned.flatMap(({ temp }) => (temp === undefined ? [] : [temp]))
    await io.inSlices(leftovers.length, (i) => io.removeQuietly(leftovers[i]!))
    if (landed.length > 0) {
      try {
        await this.syncDirectory()
      } catch (cause) {
        // The landed writes are in place (not known durable until the next sync of the directory): said so, so that none is made twice.
        const key = planned.length === 1 ? planned[0]!.write.key : undefined
        throw new StorageError(key, cause, 'sync the directory', failures.map((f) => f.key!), landed)
      }
    }
    if (failures.length > 0) {
      const first = failures[0]!
      throw new StorageError(first.key, first.cause, first.operation, failures.map((f) => f.key!))
    }
  }

  /** Refuses a write on a storage opened read-only. */
  private refuseIfReadOnly(key: string | undefined, operation: string): void {
    if (this.readOnly) throw new StorageError(key, 'this FilePerEvent was opened read-only', operation)
  }

  /**
   * Takes the directory's lock file, waiting with timers (never blocking): resolves to the function
   * that releases it. See `update`.
   */
  private async lock(): Promise<() => void> {
    const path = `${this.directory}/${LOCK_NAME}`
    const started = Date.now()
    for (let attempt = 0; ; attempt++) {
      const content = this.io.tryLock(path)
      if (content !== undefined) {
        // Refreshed while held, so that a long update is never taken for abandoned.
        const refresh = setInterval(() => this.io.refreshLock(path), this.io.LOCK_REFRESH_MS)
        refresh.unref()
        return () => {
          clearInterval(refresh)
          this.io.releaseLock(path, content)
        }
      }
      this.io.takeOverDeadLock(path)
      if (Date.now() - started > LOCK_WAIT_MS) throw new StorageError(undefined, `the lock ${path} was held for more than ${LOCK_WAIT_MS / 1000} s`, 'update')
      // Backoff with jitter: 1 ms doubling up to 50 ms.
      await new Promise((done) => setTimeout(done, Math.min(50, 2 ** Math.min(attempt, 6)) * (0.5 + Math.random())))
    }
  }

  /** Removes the file at `path`; one that is not there is fine. */
  private unlink(path: string): void {
    try {
      this.io.unlink(path)
    } catch (cause) {
      if (codeOf(cause) !== 'ENOENT') throw cause
    }
  }

  /** Makes the renames and unlinks durable (Windows cannot open a directory; NTFS journals them). */
  private async syncDirectory(): Promise<void> {
    if (process.platform === 'win32') return
    const handle = await this.fs.open(this.directory, 'r')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  }

  /** The path of a key's file, and whether its name is hashed (the key is then inside the file). */
  private pathOf(key: string, operation: string): { readonly path: string; readonly hashed: boolean } {
    const problem = invalidStorageKey(key)
    if (problem !== undefined) throw new StorageError(typeof key === 'string' ? key : undefined, problem, operation)
    const name = encodeKey(key)
    if (name.length <= MAX_NAME_BYTES) return { path: `${this.directory}/${name}${this.extension}`, hashed: false }
    return { path: `${this.directory}/~${this.hash('sha256').update(key, 'utf8').digest('hex')}${this.extension}`, hashed: true }
  }
}

// -------------------------------------------------------------------------------------------------
// file names
// -------------------------------------------------------------------------------------------------

const utf8 = new TextEncoder()
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const HEX = '0123456789ABCDEF'

/** The bytes kept as they are: `a`–`z`, `0`–`9`, `_`, `-`. */
const KEPT: ReadonlyArray<boolean> = Array.from({ length: 256 }, (_, b) => (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x5f || b === 0x2d)

/** A name made of kept bytes only. */
const ONLY_KEPT = /^[a-z0-9_-]+$/

/** Device names Windows reserves whatever the extension. */
const RESERVED = /^(?:con|prn|aux|nul|com[0-9]|lpt[0-9])$/

const percent = (byte: number): string => `%${HEX[byte >> 4]}${HEX[byte & 15]}`

/** The file name (without extension) of a well-formed key. */
const encodeKey = (key: string): string => {
  const bytes = utf8.encode(key)
  let name = ''
  for (const byte of bytes) name += KEPT[byte] === true ? String.fromCharCode(byte) : percent(byte)
  // A reserved name is all kept letters and digits: escaping its first byte keeps it apart.
  return RESERVED.test(name) ? percent(bytes[0]!) + name.slice(1) : name
}

/** The key a file name encodes, or `undefined` for a name `encodeKey` would not write. */
const decodeName = (name: string): string | undefined => {
  // `pathOf` hashes a key whose encoding is longer (and no earlier version wrote one): such a
  // name was placed by hand, and `load` of its key would look for the hashed name instead.
  if (name.length > MAX_NAME_BYTES) return undefined
  // Most names are all kept bytes: the key is the name itself, unless it is a reserved device.
  if (ONLY_KEPT.test(name)) return RESERVED.test(name) ? undefined : name
  const bytes = new Uint8Array(name.length)
  let length = 0
  for (let i = 0; i < name.length; ) {
    const code = name.charCodeAt(i)
    if (code === 0x25) {
      const byte = Number.parseInt(name.slice(i + 1, i + 3), 16)
      if (!/^[0-9A-F]{2}$/.test(name.slice(i + 1, i + 3)) || Number.isNaN(byte)) return undefined
      bytes[length++] = byte
      i += 3
    } else if (code < 256 && KEPT[code] === true) {
      bytes[length++] = code
      i++
    } else return undefined
  }
  let key: string
  try {
    key = strictUtf8.decode(bytes.subarray(0, length))
  } catch {
    return undefined
  }
  return invalidStorageKey(key) === undefined && encodeKey(key) === name ? key : undefined
}

/** The stem of a hashed file name: `~` and the SHA-256 of the key in hex (never an encoded key: `~` is escaped). */
const HASHED = /^~[0-9a-f]{64}$/

const isHashedPath = (path: string): boolean => /\/~[0-9a-f]{64}\.[^/]*$/.test(path)

/** The header of a file with a hashed name: `~KEY`, then the key's UTF-8 length (4 bytes, big-endian), then the key. */
const KEY_MAGIC = [0x7e, 0x4b, 0x45, 0x59] as const

/** `data` behind the header that names `key`. */
const withKeyInside = (key: string, data: Uint8Array): Uint8Array => {
  const name = utf8.encode(key)
  const out = new Uint8Array(8 + name.length + data.length)
  out.set(KEY_MAGIC)
  new DataView(out.buffer).setUint32(4, name.length)
  out.set(name, 8)
  out.set(data, 8 + name.length)
  return out
}

/** The key and data of a file with a hashed name, or `undefined` when its header is not one. */
const keyInside = (bytes: Uint8Array): { readonly key: string; readonly data: Uint8Array } | undefined => {
  if (bytes.length < 8 || KEY_MAGIC.some((b, i) => bytes[i] !== b)) return undefined
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4)
  if (8 + length > bytes.length) return undefined
  try {
    return { key: strictUtf8.decode(bytes.subarray(8, 8 + length)), data: bytes.subarray(8 + length) }
  } catch {
    return undefined
  }
}

/** The lock file `update` takes (a leading dot: never listed as a key). */
const LOCK_NAME = '.tiny-counter.lock'

/** How long `update` waits for the lock before it gives up. */
const LOCK_WAIT_MS = 30_000

let temporaries = 0

/** A name no other write of this process (or, almost surely, of another) is using. */
const temporaryName = (): string => `tiny-counter-${process.pid}-${(temporaries++).toString(36)}-${Math.random().toString(36).slice(2, 10)}`

/** The files `temporaryName` makes (`.tiny-counter-<pid>-<n>-<random>.tmp`), and no other. */
const TEMPORARY = /^\.tiny-counter-\d+-[0-9a-z]+-[0-9a-z]+\.tmp$/

/** How old a temporary file must be before `open` takes it for the leftover of a crash. */
const STALE_TEMPORARY_MS = 10 * 60_000

/**
 * Deletes the temporary files of writes that never finished (their process was killed between
 * writing and renaming), once they are `STALE_TEMPORARY_MS` old. Best effort: a file that
 * cannot be examined or deleted is left where it is.
 */
const removeStaleTemporaries = async (fs: FileSystem, directory: string, now: number): Promise<void> => {
  const names = (await fs.readdir(directory)).filter((name) => TEMPORARY.test(name))
  await Promise.all(
    names.map(async (name) => {
      const path = `${directory}/${name}`
      try {
        if (now - (await fs.stat(path)).mtimeMs >= STALE_TEMPORARY_MS) await fs.unlink(path)
      } catch {
        // Gone already (another process cleaned up), or not ours to delete: leave it.
      }
    })
  )
}

const codeOf = (cause: unknown): unknown => (typeof cause === 'object' && cause !== null && 'code' in cause ? cause.code : undefined)

/**
 * Runs `task(0)` … `task(n - 1)`, at most `limit` at a time, starting them in order; none starts
 * after one failed. Resolves when every started task has settled, to the failure of the lowest
 * index (every task before it was started and succeeded), or `undefined` when none failed.
 */
const eachAtOnce = async (n: number, limit: number, task: (i: number) => Promise<void>): Promise<{ readonly index: number; readonly cause: unknown } | undefined> => {
  type Failure = { readonly index: number; readonly cause: unknown }
  const state: { next: number; failed: Failure | undefined } = { next: 0, failed: undefined }
  const worker = async (): Promise<void> => {
    while (state.next < n && state.failed === undefined) {
      const i = state.next++
      try {
        await task(i)
      } catch (cause) {
        // Another task may have failed while this one ran.
        const earlier = state.failed as Failure | undefined
        if (earlier === undefined || i < earlier.index) state.failed = { index: i, cause }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker))
  return state.failed
}
