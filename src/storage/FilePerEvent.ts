/**
 * A storage of one file per event in a directory. File names are a reversible encoding of the key
 * that is safe on every file system; each write goes to a temporary file that is synced and then
 * renamed over the old one, so a crash leaves the old bytes or the new ones, never a mix.
 */
import type * as Fs from 'node:fs/promises'
import { StorageError } from '../store/errors.js'
import type * as FileIO from './internal/fileIO.js'
import type { Storage, Write } from '../store/Storage.js'
import { invalidStorageKey } from '../store/Storage.js'

type FileSystem = typeof Fs

/**
 * How many `fsync` calls run at once when a batch syncs its files one by one. Node runs file
 * system calls on a pool of 4 threads (by default), so a few more than 4 keep every thread busy.
 */
const SYNCS_AT_ONCE = 16

/** The longest encoded key: with the extension (at most 15 bytes) a name stays within 255 bytes. */
const MAX_NAME_BYTES = 240

const EXTENSION = /^\.[A-Za-z0-9_-]{1,14}$/

/**
 * A `Storage` keeping each key in its own file, `<encoded key><extension>`, in one directory. The
 * encoding keeps `a`–`z`, `0`–`9`, `_` and `-` and writes every other UTF-8 byte as `%XX`, so
 * `A` and `a` stay apart on case-insensitive file systems and no key can name a path (`a/b`, `..`)
 * or a reserved device (`con` becomes `%63on`). A key whose encoding exceeds 240 bytes is refused.
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
    private readonly fs: FileSystem,
    /** The blocking, sliced calls of batches and `loadAll`, and `syncfs(2)`. */
    private readonly io: typeof FileIO
  ) {}

  /**
   * Opens (creating it if needed) a directory of files named after their keys with `extension`:
   * a dot and 1 to 14 letters, digits, `_` or `-`, such as `.json` or `.bin`. Temporary files that
   * a process killed in the middle of a write left behind are deleted once they are ten minutes
   * old (no write takes that long; a younger one may belong to a write still running).
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
   * rmSync(base, { recursive: true })
   */
  static async open(directory: string, extension: string): Promise<FilePerEvent> {
    const operation = `open ${JSON.stringify(directory)}`
    if (typeof directory !== 'string' || directory.length === 0) throw new StorageError(undefined, 'the directory must be a non-empty path', operation)
    if (typeof extension !== 'string' || !EXTENSION.test(extension)) {
      throw new StorageError(undefined, `the extension must be a dot and 1 to 14 letters, digits, "_" or "-" (such as ".json"), got ${JSON.stringify(extension)}`, operation)
    }
    try {
      const [{ promises: fs }, io] = await Promise.all([import('node:fs'), import('./internal/fileIO.js')])
      await fs.mkdir(directory, { recursive: true })
      await removeStaleTemporaries(fs, directory, Date.now())
      return new FilePerEvent(directory, extension, fs, io)
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
    const path = this.pathOf(key, 'load')
    try {
      const buffer = await this.fs.readFile(path)
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
    } catch (cause) {
      if (codeOf(cause) === 'ENOENT') return undefined
      throw new StorageError(key, cause, 'load')
    }
  }

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
   * await assert.rejects(storage.save('x'.repeat(241), new Uint8Array([1])), (e: unknown) => e instanceof StorageError && /240/.test(e.message))
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
    files.forEach(([key], i) => data[i] !== undefined && all.push([key, data[i]]))
    return all
  }

  /**
   * Applies the writes in order, each one atomic; the first failure stops the batch (the writes
   * before it stay applied). Every key is checked before anything is written. The temporary files
   * are written, made durable (a `fsync` each, or for a large batch on Linux one `syncfs(2)` of
   * the file system), then renamed in order, and the directory is synced once for the whole batch.
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
      for (const entry of entries) {
        const name = entry.name
        if (!entry.isFile() || name.startsWith('.') || !name.endsWith(this.extension)) continue
        const key = decodeName(name.slice(0, name.length - this.extension.length))
        if (key !== undefined) files.push([key, `${this.directory}/${name}`])
      }
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
   * 4. The directory is synced, which makes the renames and deletes durable.
   *
   * A write that fails stops the batch there: the writes before it are made, the ones after it
   * are not, and no temporary file is left behind. A file is never renamed into place before its
   * data is durable, so a crash or a power loss leaves each file whole, old or new.
   */
  private async apply(writes: ReadonlyArray<Write>): Promise<void> {
    const { io } = this
    type Step = { readonly write: Write; readonly path: string; readonly operation: string; temp: string | undefined; fd: number | undefined }
    const planned = new Array<Step>(writes.length)
    // Every write is checked (in slices: 10,000 names take a while) before anything is written.
    await io.inSlices(writes.length, (i) => {
      const write = writes[i]!
      const operation = 'delete' in write ? 'delete' : 'save'
      const path = this.pathOf(write.key, operation)
      if (!('delete' in write) && !(write.data instanceof Uint8Array)) throw new StorageError(write.key, 'stored data must be a Uint8Array', operation)
      planned[i] = { write, path, operation, temp: undefined, fd: undefined }
    })
    let failure: StorageError | undefined
    /** The writes before `end` are ready to land (their temporary files are durable). */
    let end = planned.length
    const failAt = (i: number, cause: unknown): void => {
      if (failure !== undefined && i >= end) return
      end = i
      failure = new StorageError(planned[i]!.write.key, cause, planned[i]!.operation)
    }
    // A large batch closes each temporary file at once and syncs them all with one syncfs(2), or
    // (where that cannot be used) reopens each to sync it; a small one syncs each while it is open.
    const large = planned.reduce((n, { write }) => ('delete' in write ? n : n + 1), 0) >= io.syncfsSettings.minFiles
    try {
      // 1. Temporary files.
      end = await io.inSlices(planned.length, (i) => {
        const step = planned[i]!
        if ('delete' in step.write) return true
        step.temp = `${this.directory}/.${temporaryName()}.tmp`
        try {
          const fd = io.createFile(step.temp, step.write.data)
          if (large) io.closeFile(fd)
          else step.fd = fd
          return true
        } catch (cause) {
          failAt(i, cause)
          return false
        }
      })
      // 2. Durable data, for the writes before the first failure.
      const eachFile = async (sync: (step: Step) => Promise<void> | undefined): Promise<void> => {
        const failed = await eachAtOnce(end, SYNCS_AT_ONCE, (i) => sync(planned[i]!) ?? Promise.resolve())
        if (failed !== undefined) failAt(failed.index, failed.cause)
      }
      if (!large) await eachFile(({ fd }) => (fd === undefined ? undefined : io.fsync(fd)))
      else if (end > 0 && !(await io.syncFileSystem(this.directory))) await eachFile(({ temp }) => (temp === undefined ? undefined : io.fsyncPath(temp)))
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
    // 3. Renames and deletes, in order, up to the first failure.
    let changed = false
    await io.inSlices(end, (i) => {
      const step = planned[i]!
      try {
        if (step.temp === undefined) this.unlink(step.path)
        else io.rename(step.temp, step.path)
        step.temp = undefined
        changed = true
        return true
      } catch (cause) {
        failAt(i, cause)
        return false
      }
    })
    const leftovers = planned.flatMap(({ temp }) => (temp === undefined ? [] : [temp]))
    await io.inSlices(leftovers.length, (i) => io.removeQuietly(leftovers[i]!))
    if (changed) {
      try {
        await this.syncDirectory()
      } catch (cause) {
        failure ??= new StorageError(planned.length === 1 ? planned[0]!.write.key : undefined, cause, 'sync the directory')
      }
    }
    if (failure !== undefined) throw failure
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

  private pathOf(key: string, operation: string): string {
    const problem = invalidStorageKey(key)
    if (problem !== undefined) throw new StorageError(typeof key === 'string' ? key : undefined, problem, operation)
    const name = encodeKey(key)
    if (name.length > MAX_NAME_BYTES) {
      throw new StorageError(key, `its file name would be ${name.length} bytes once encoded, and FilePerEvent allows at most ${MAX_NAME_BYTES}`, operation)
    }
    return `${this.directory}/${name}${this.extension}`
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
