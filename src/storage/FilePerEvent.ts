/**
 * A storage of one file per event in a directory. File names are a reversible encoding of the key
 * that is safe on every file system; each write goes to a temporary file that is synced and then
 * renamed over the old one, so a crash leaves the old bytes or the new ones, never a mix.
 */
import type * as Fs from 'node:fs/promises'
import { StorageError } from '../errors.js'
import type { Storage, Write } from './Storage.js'
import { invalidStorageKey } from './Storage.js'

type FileSystem = typeof Fs

/** The longest encoded key: with the extension (at most 15 bytes) a name stays within 255 bytes. */
const MAX_NAME_BYTES = 240

const EXTENSION = /^\.[A-Za-z0-9_-]{1,14}$/

/**
 * A `Storage` keeping each key in its own file, `<encoded key><extension>`, in one directory. The
 * encoding keeps `a`–`z`, `0`–`9`, `_` and `-` and writes every other UTF-8 byte as `%XX`, so
 * `A` and `a` stay apart on case-insensitive file systems and no key can name a path (`a/b`, `..`)
 * or a reserved device (`con` becomes `%63on`). A key whose encoding exceeds 240 bytes is refused.
 *
 * @example
 * import { FilePerEvent } from 'tiny-counter'
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
    private readonly fs: FileSystem
  ) {}

  /**
   * Opens (creating it if needed) a directory of files named after their keys with `extension`:
   * a dot and 1 to 14 letters, digits, `_` or `-`, such as `.json` or `.bin`.
   *
   * @example
   * import { FilePerEvent, StorageError } from 'tiny-counter'
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
      const fs = await import('node:fs/promises')
      await fs.mkdir(directory, { recursive: true })
      return new FilePerEvent(directory, extension, fs)
    } catch (cause) {
      throw new StorageError(undefined, cause, operation)
    }
  }

  /**
   * The bytes of the key's file, or `undefined` when there is no such file.
   *
   * @example
   * import { FilePerEvent } from 'tiny-counter'
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
   * import { FilePerEvent, StorageError } from 'tiny-counter'
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
   * import { FilePerEvent } from 'tiny-counter'
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
   * import { FilePerEvent } from 'tiny-counter'
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
  readonly listKeys = async (): Promise<ReadonlyArray<string>> => {
    try {
      const entries = await this.fs.readdir(this.directory, { withFileTypes: true })
      const keys: string[] = []
      for (const entry of entries) {
        const name = entry.name
        if (!entry.isFile() || name.startsWith('.') || !name.endsWith(this.extension)) continue
        const key = decodeName(name.slice(0, name.length - this.extension.length))
        if (key !== undefined) keys.push(key)
      }
      return keys.sort()
    } catch (cause) {
      throw new StorageError(undefined, cause, 'list keys')
    }
  }

  /**
   * Applies the writes in order, each one atomic; the first failure stops the batch (the writes
   * before it stay applied). Every key is checked before anything is written.
   *
   * @example
   * import { FilePerEvent, StorageError } from 'tiny-counter'
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
   * import { FilePerEvent } from 'tiny-counter'
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

  private async apply(writes: ReadonlyArray<Write>): Promise<void> {
    const planned = writes.map((write) => {
      const operation = 'delete' in write ? 'delete' : 'save'
      const path = this.pathOf(write.key, operation)
      if (!('delete' in write) && !(write.data instanceof Uint8Array)) throw new StorageError(write.key, 'stored data must be a Uint8Array', operation)
      return { write, path, operation }
    })
    let changed = false
    let failure: StorageError | undefined
    for (const { write, path, operation } of planned) {
      try {
        if ('delete' in write) await this.unlink(path)
        else await this.replace(path, write.data)
        changed = true
      } catch (cause) {
        failure = new StorageError(write.key, cause, operation)
        break
      }
    }
    if (changed) {
      try {
        await this.syncDirectory()
      } catch (cause) {
        failure ??= new StorageError(planned.length === 1 ? planned[0]!.write.key : undefined, cause, 'sync the directory')
      }
    }
    if (failure !== undefined) throw failure
  }

  private async replace(path: string, data: Uint8Array): Promise<void> {
    const temp = `${this.directory}/.${temporaryName()}.tmp`
    let handle: Fs.FileHandle | undefined
    try {
      handle = await this.fs.open(temp, 'wx')
      await handle.writeFile(data)
      await handle.sync()
      await handle.close()
      handle = undefined
      await this.fs.rename(temp, path)
    } catch (cause) {
      await handle?.close().catch(() => undefined)
      await this.fs.rm(temp, { force: true }).catch(() => undefined)
      throw cause
    }
  }

  private async unlink(path: string): Promise<void> {
    try {
      await this.fs.unlink(path)
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

const codeOf = (cause: unknown): unknown => (typeof cause === 'object' && cause !== null && 'code' in cause ? cause.code : undefined)
