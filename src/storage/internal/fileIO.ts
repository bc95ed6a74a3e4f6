/**
 * The file system calls of `FilePerEvent`, made for batches of many small files: blocking calls
 * in slices of a few milliseconds (the event loop runs between slices), which cost about a
 * quarter of what the same calls cost through libuv's thread pool (a small file read: ≈ 10 µs
 * against ≈ 42 µs, with 4 round trips to the pool); and the flush of a whole batch with one
 * `syncfs(2)` where that is cheaper than a `fsync` per file.
 *
 * `FilePerEvent` loads this module when it opens a directory, so that the main entry of the
 * package loads no `node:` module.
 */
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import { hostname, release } from 'node:os'
import { resolve } from 'node:path'

// Blocking calls run in the store's slices: a few milliseconds, then a turn of the event loop.
import { SLICE_MS, inSlices, yieldToEventLoop } from '../../store/internal/slices.js'

export { SLICE_MS, inSlices, yieldToEventLoop }

const codeOf = (cause: unknown): unknown => (typeof cause === 'object' && cause !== null && 'code' in cause ? cause.code : undefined)

// -------------------------------------------------------------------------------------------------
// reading
// -------------------------------------------------------------------------------------------------

/** The bytes of one block of memory that small files are read into, one after the other. */
const ARENA_BYTES = 256 * 1024

/** A file is read into the current block when this much room is left, else into a new block. */
const ARENA_ROOM = 16 * 1024

/** The smallest page size of the systems Node runs on. */
const PAGE_BYTES = 4096

/** A read of many files that failed: the index of the path and why. */
export interface ReadFailure {
  readonly index: number
  readonly cause: unknown
}

/**
 * The largest file read (64 MiB): a stored counter takes at most a few MiB (200,000 buckets), so
 * a larger file is no counter, and reading it would only take memory.
 */
export const MAX_FILE_BYTES = 64 * 1024 * 1024

/**
 * Opens `path` for reading without blocking (a FIFO with no writer would block `open` and then
 * every read) and refuses what is not a regular file (a FIFO, `/dev/zero`: endless or never
 * ending) or is larger than `MAX_FILE_BYTES`: its descriptor, or `undefined` when there is no file.
 */
const openRegular = (path: string): number | undefined => {
  let fd: number
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0))
  } catch (cause) {
    if (codeOf(cause) === 'ENOENT') return undefined
    throw cause
  }
  try {
    const stat = fs.fstatSync(fd)
    if (!stat.isFile()) throw new Error(`${path} is not a regular file`)
    if (stat.size > MAX_FILE_BYTES) throw new Error(`${path} is larger than ${MAX_FILE_BYTES} bytes: no stored counter is`)
    return fd
  } catch (cause) {
    closeQuietly(fd)
    throw cause
  }
}

/**
 * The bytes of each file, `undefined` for one that does not exist (removed since it was listed):
 * open without blocking, `fstat` (a file that is not a regular one, or is larger than
 * `MAX_FILE_BYTES`, fails), `pread` into a shared block of memory until the end of the file (one
 * read for a file smaller than a page), close, with blocking calls in slices. A file that fills
 * the room left in the block is read to its end into its own buffer. Rejects with a `ReadFailure`
 * for the first file that cannot be read; no file after it is read.
 *
 * The bytes of small files are views into shared 256 KiB blocks: 10,000 files of 50 bytes take
 * two blocks instead of 10,000 buffers.
 */
export const readFiles = async (paths: ReadonlyArray<string>): Promise<Array<Uint8Array | undefined>> => {
  const data = new Array<Uint8Array | undefined>(paths.length)
  let arena = new Uint8Array(ARENA_BYTES)
  let used = 0
  let failure: ReadFailure | undefined
  await inSlices(paths.length, (i) => {
    let fd: number | undefined
    try {
      fd = openRegular(paths[i]!)
    } catch (cause) {
      failure = { index: i, cause }
      return false
    }
    if (fd === undefined) return true
    try {
      if (ARENA_BYTES - used < ARENA_ROOM) {
        arena = new Uint8Array(ARENA_BYTES)
        used = 0
      }
      // Read until the end of the file, as long as the room lasts: until a read returns nothing,
      // or returns less than asked within the first page (a page is read whole or not at all,
      // so such a read ended at the end of the file: one read for most files).
      let length = 0
      let count = -1
      let end = false
      while (!end && used + length < ARENA_BYTES) {
        const room = ARENA_BYTES - used - length
        count = fs.readSync(fd, arena, used + length, room, length)
        length += count
        end = count === 0 || (count < room && length < PAGE_BYTES)
      }
      if (end) {
        data[i] = arena.subarray(used, used + length)
        used += length
      } else data[i] = readLarge(fd, arena.subarray(used, used + length))
    } catch (cause) {
      failure = { index: i, cause }
    }
    try {
      fs.closeSync(fd)
    } catch (cause) {
      failure ??= { index: i, cause }
    }
    return failure === undefined
  })
  if (failure !== undefined) throw failure
  return data
}

/**
 * The whole file, of which `start` holds the first bytes: read until its end, into a buffer of its
 * size (by `fstat`) and one byte more, so that the read that finds the end needs no larger one.
 * A file that grows past `MAX_FILE_BYTES` meanwhile fails.
 */
const readLarge = (fd: number, start: Uint8Array): Uint8Array => {
  let bytes = new Uint8Array(Math.max(fs.fstatSync(fd).size, start.length) + 1)
  bytes.set(start)
  let length = start.length
  for (;;) {
    if (length === bytes.length) {
      if (length > MAX_FILE_BYTES) throw new Error(`the file grew larger than ${MAX_FILE_BYTES} bytes while it was read`)
      const grown = new Uint8Array(Math.min(bytes.length * 2, MAX_FILE_BYTES + 1))
      grown.set(bytes)
      bytes = grown
    }
    const count = fs.readSync(fd, bytes, length, bytes.length - length, length)
    if (count === 0) return bytes.subarray(0, length)
    length += count
  }
}

// -------------------------------------------------------------------------------------------------
// writing
// -------------------------------------------------------------------------------------------------

/** Creates `path` (which must not exist) and writes `data` to it: the open file's descriptor. */
export const createFile = (path: string, data: Uint8Array): number => {
  const fd = fs.openSync(path, 'wx')
  try {
    let written = 0
    while (written < data.length) {
      const count = fs.writeSync(fd, data, written, data.length - written)
      if (count <= 0) throw new Error(`writing ${path} made no progress`)
      written += count
    }
    return fd
  } catch (cause) {
    fs.closeSync(fd)
    throw cause
  }
}

/** Closes a file descriptor. */
export const closeFile = (fd: number): void => fs.closeSync(fd)

/** Closes a file descriptor, ignoring a failure (for clean-up after another failure). */
export const closeQuietly = (fd: number): void => {
  try {
    fs.closeSync(fd)
  } catch {
    // Already failing for another reason.
  }
}

/** Renames `from` to `to`, replacing `to` atomically if it exists. */
export const rename = (from: string, to: string): void => fs.renameSync(from, to)

/** Removes the file at `path`. */
export const unlink = (path: string): void => fs.unlinkSync(path)

/** Removes the file at `path` if it is there, ignoring any failure (for clean-up). */
export const removeQuietly = (path: string): void => {
  try {
    fs.unlinkSync(path)
  } catch {
    // Gone already, or it cannot be helped.
  }
}

/** `fsync(2)` through the thread pool. */
export const fsync = (fd: number): Promise<void> => {
  counts.fsync++
  return new Promise((done, fail) => fs.fsync(fd, (error) => (error === null ? done() : fail(error))))
}

/** Opens `path`, syncs it and closes it (for a file written and closed earlier). */
export const fsyncPath = async (path: string): Promise<void> => {
  const fd = await new Promise<number>((done, fail) => fs.open(path, 'r', (error, fd) => (error === null ? done(fd) : fail(error))))
  try {
    await fsync(fd)
  } finally {
    closeQuietly(fd)
  }
}

// -------------------------------------------------------------------------------------------------
// syncfs(2)
// -------------------------------------------------------------------------------------------------

/**
 * When and how a batch is flushed with `syncfs(2)`. The tests change these settings; the library
 * only records in `usable` whether `syncfs(2)` worked.
 */
export const syncfsSettings: {
  /** The command that runs `syncfs(2)` on the file system of its last argument (GNU coreutils, BusyBox, Toybox). */
  command: string
  /** The fewest files a batch must write to be flushed with `syncfs(2)` rather than a `fsync` each. */
  minFiles: number
  /** `undefined` until the first try; then whether `syncfs(2)` can be used (a failure is never retried). */
  usable: boolean | undefined
} = { command: 'sync', minFiles: 64, usable: undefined }

/** How many times each way of flushing ran in this process. */
export const counts = { fsync: 0, syncfs: 0 }

/**
 * Whether this system has a `syncfs(2)` that reports write-back errors: Linux 5.8 and later
 * (earlier kernels flush but always report success).
 */
export const syncfsReportsErrors = (platform: string = process.platform, kernel: string = release()): boolean => {
  if (platform !== 'linux') return false
  const [major = 0, minor = 0] = kernel.split(/[.-]/).map(Number)
  return major > 5 || (major === 5 && minor >= 8)
}

/**
 * Makes durable every file written so far on the file system that holds `directory`: runs
 * `sync -f <directory>` (a child process, a few milliseconds), which calls `syncfs(2)`: one flush
 * of the whole file system instead of a `fsync` per file. Resolves to `true` when it succeeded,
 * `false` when the caller must sync each file itself: not Linux 5.8 or later, no such command, or
 * any failure (after which this process never tries again).
 */
export const syncFileSystem = async (directory: string): Promise<boolean> => {
  if (syncfsSettings.usable === false) return false
  if (syncfsSettings.usable === undefined && !syncfsReportsErrors()) {
    syncfsSettings.usable = false
    return false
  }
  counts.syncfs++
  const ok = await new Promise<boolean>((done) => {
    try {
      const child = spawn(syncfsSettings.command, ['-f', resolve(directory)], { stdio: 'ignore' })
      child.on('error', () => done(false))
      child.on('close', (code, signal) => done(code === 0 && signal === null))
    } catch {
      done(false)
    }
  })
  syncfsSettings.usable = ok
  return ok
}

// -------------------------------------------------------------------------------------------------
// the lock file of `FilePerEvent.update`
// -------------------------------------------------------------------------------------------------

/**
 * The locks this process holds, by the token written in each: a lock file with this process's pid
 * whose token is not here was left by an earlier process with the same pid (a restarted
 * container's pid 1), or by this one before a crash it survived, and is abandoned.
 */
const held = new Set<string>()

/** What a lock file holds: the pid and host of its owner, when it was taken, and a token of this taking. */
const lockContent = (token: string): string => `${process.pid} ${hostname()} ${Date.now()} ${token}\n`

/** How old a lock file with no owner written in it must be before it counts as abandoned. */
const UNWRITTEN_LOCK_MS = 10_000

/** How often a held lock file's mtime is refreshed (see `refreshLock`). */
export const LOCK_REFRESH_MS = 5_000

/**
 * How long a lock file may go unrefreshed before it counts as abandoned, whoever its owner: an
 * owner refreshes it every `LOCK_REFRESH_MS` while it holds it, so one this old (4 times the 30 s
 * a writer waits) belongs to a process that is gone, or to another host, or stuck.
 */
export const ABANDONED_LOCK_MS = 120_000

/**
 * Takes the lock file at `path` by creating it exclusively (`O_EXCL`), with its owner written in
 * it: its content when taken (what `releaseLock` checks), `undefined` when another holds it.
 */
export const tryLock = (path: string): string | undefined => {
  let fd: number
  try {
    fd = fs.openSync(path, 'wx')
  } catch (cause) {
    if (codeOf(cause) === 'EEXIST') return undefined
    throw cause
  }
  const token = Math.random().toString(36).slice(2, 12)
  const content = lockContent(token)
  held.add(token)
  try {
    fs.writeSync(fd, content)
  } finally {
    fs.closeSync(fd)
  }
  return content
}

/** Sets the mtime of a held lock file to now, so that no one takes it for abandoned. Best effort. */
export const refreshLock = (path: string): void => {
  try {
    const now = new Date()
    fs.utimesSync(path, now, now)
  } catch {
    // Gone (taken over as abandoned): the release will find it so.
  }
}

/** Releases a lock taken with `content`: removes the file unless it no longer holds that content (it was taken over). */
export const releaseLock = (path: string, content: string): void => {
  held.delete(content.trim().split(' ')[3] ?? '')
  if (readQuietly(path) === content) removeQuietly(path)
}

/** Whether process `pid` of this host is alive (`kill(pid, 0)`: EPERM means alive, not ours). */
const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (cause) {
    return codeOf(cause) === 'EPERM'
  }
}

const readQuietly = (path: string): string | undefined => {
  try {
    return fs.readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

/** How long ago the file at `path` was last modified, or `undefined` when it is gone. */
const ageOf = (path: string): number | undefined => {
  try {
    return Date.now() - fs.statSync(path).mtimeMs
  } catch {
    return undefined
  }
}

/**
 * Whether a lock file's content (and age) says its owner is gone: not refreshed for
 * `ABANDONED_LOCK_MS`; or of this host and a pid that is dead, or is this process's without a
 * token it holds; or never written (a crash between its creation and its writing) and 10 s old.
 */
const isAbandoned = (content: string, path: string): boolean => {
  const age = ageOf(path)
  if (age === undefined) return false
  if (age > ABANDONED_LOCK_MS) return true
  const [pid, host, , token] = content.trim().split(' ')
  if (pid === undefined || host === undefined || !/^\d+$/.test(pid)) return age > UNWRITTEN_LOCK_MS
  if (host !== hostname()) return false
  return Number(pid) === process.pid ? token === undefined || !held.has(token) : !isAlive(Number(pid))
}

/**
 * Removes the lock file at `path` when its owner is gone (see `isAbandoned`), so that the next
 * `tryLock` can take it. Takeovers are serialised by a second file, `<path>.takeover`, created
 * exclusively: under it the lock is read again and removed only if it still holds the content
 * found abandoned (else it was taken over and taken meanwhile); nothing is ever put back, so no
 * two processes can both hold the lock. A takeover file 10 s old was left by a process that died
 * in the middle of a takeover (which takes microseconds) and is removed. Best effort: does
 * nothing when anything is unclear.
 */
export const takeOverDeadLock = (path: string): void => {
  const content = readQuietly(path)
  if (content === undefined || !isAbandoned(content, path)) return
  const takeover = `${path}.takeover`
  let fd: number
  try {
    fd = fs.openSync(takeover, 'wx')
  } catch {
    if ((ageOf(takeover) ?? 0) > UNWRITTEN_LOCK_MS) removeQuietly(takeover)
    return // another process is taking it over: the next attempt sees what it did
  }
  try {
    if (readQuietly(path) === content) removeQuietly(path)
  } finally {
    closeQuietly(fd)
    removeQuietly(takeover)
  }
}
