// FilePerEvent on disk: file names that are safe on every file system and decode back to exactly
// the key, the 240-byte limit, files the listing ignores, writes that replace a file whole, and
// large batches flushed with one syncfs(2) (or a fsync per file when that is not possible).
import { execFileSync } from 'node:child_process'
import { chmodSync, lstatSync, mkdirSync, promises as fsPromises, readFileSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as fc from 'fast-check'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { StorageError } from 'tiny-counter'
import { FilePerEvent } from 'tiny-counter/files'
import { counts, syncfsReportsErrors, syncfsSettings } from '../../src/storage/internal/fileIO.js'
import { key as anyKey, trickyKeys } from './arbitraries.js'
import { cleanUp, temporaryDirectory } from './backends.js'

afterAll(cleanUp)

/** What a safe name looks like: kept bytes and %XX escapes, then the extension. */
const SAFE_NAME = /^(?:[a-z0-9_-]|%[0-9A-F]{2})+\.json$/
const WINDOWS_DEVICES = /^(?:con|prn|aux|nul|com[0-9]|lpt[0-9])$/i

const open = async () => {
  const dir = join(temporaryDirectory(), 'events')
  return { dir, storage: await FilePerEvent.open(dir, '.json') }
}

const names = (dir: string): string[] => readdirSync(dir).sort()

describe('FilePerEvent file names', () => {
  it('saves and lists back exactly every tricky key, each under its own safe name', async () => {
    const { dir, storage } = await open()
    for (const [i, key] of trickyKeys.entries()) await storage.save(key, Uint8Array.of(i))
    expect(await storage.listKeys()).toEqual([...trickyKeys].sort())
    for (const [i, key] of trickyKeys.entries()) expect([...(await storage.load(key))!]).toEqual([i])
    const files = names(dir)
    expect(files).toHaveLength(trickyKeys.length)
    for (const name of files) {
      expect(name).toMatch(SAFE_NAME)
      expect(name.slice(0, -'.json'.length)).not.toMatch(WINDOWS_DEVICES)
    }
    // Names stay apart on a case-insensitive file system.
    expect(new Set(files.map((name) => name.toLowerCase())).size).toBe(files.length)
  })

  it('writes the names one expects', async () => {
    const { dir, storage } = await open()
    const expected: Array<readonly [string, string]> = [
      ['a', 'a.json'],
      ['A', '%41.json'],
      ['%41', '%2541.json'],
      ['a/b', 'a%2Fb.json'],
      ['..', '%2E%2E.json'],
      [':', '%3A.json'],
      ['CON', '%43%4F%4E.json'],
      ['con', '%63on.json'],
      ['lpt1', '%6Cpt1.json'],
      ['Ü', '%C3%9C.json'],
      ['snake_case-and-kebab-9', 'snake_case-and-kebab-9.json']
    ]
    for (const [key] of expected) await storage.save(key, Uint8Array.of(1))
    expect(names(dir)).toEqual(expected.map(([, name]) => name).sort())
  })

  it('round-trips any key of up to 20 code points through its file name', async () => {
    const { dir, storage } = await open()
    await fc.assert(
      fc.asyncProperty(anyKey, async (key) => {
        await storage.save(key, Uint8Array.of(7))
        expect((await storage.listKeys()).filter((k) => k === key)).toEqual([key])
        await storage.delete(key)
        expect(names(dir)).toEqual([])
      }),
      { numRuns: 300 }
    )
  })

  it('keeps a name of up to 240 encoded bytes as it is, and stores a longer one under a stable hashed name', async () => {
    const { dir, storage } = await open()
    const fits = ['x'.repeat(240), '/'.repeat(80), 'é'.repeat(40), '😀'.repeat(20)]
    const long = ['x'.repeat(241), '/'.repeat(81), 'é'.repeat(40) + 'A', 'A'.repeat(81), '中'.repeat(28), 'y'.repeat(100_000)]
    for (const key of [...fits, ...long]) {
      expect(storage.invalidKey(key)).toBeUndefined()
      await storage.save(key, Uint8Array.of(key.length % 256))
    }
    expect(await storage.listKeys()).toEqual([...fits, ...long].sort())
    const hashed = names(dir).filter((name) => name.startsWith('~'))
    expect(hashed).toHaveLength(long.length)
    for (const name of hashed) expect(name).toMatch(/^~[0-9a-f]{64}\.json$/)
    // Stable: the same name again, and a fresh storage on the directory finds every key.
    const again = await FilePerEvent.open(dir, '.json')
    for (const key of long) expect([...(await again.load(key))!]).toEqual([key.length % 256])
    expect((await again.loadAll()).map(([key, data]) => [key, [...data]])).toEqual([...fits, ...long].sort().map((key) => [key, [key.length % 256]]))
    await again.save(long[0]!, Uint8Array.of(9))
    expect(names(dir).filter((name) => name.startsWith('~'))).toEqual(hashed)
    await again.delete(long[0]!)
    expect(await again.load(long[0]!)).toBeUndefined()
    expect(names(dir)).toHaveLength(fits.length + long.length - 1)
    // A hashed file whose header names another key (a collision, or a copy by hand) is nobody's.
    const [first] = names(dir).filter((name) => name.startsWith('~'))
    writeFileSync(join(dir, first!), Uint8Array.of(0x7e, 0x4b, 0x45, 0x59, 0, 0, 0, 1, 0x7a, 5))
    expect((await again.listKeys()).length).toBe(fits.length + long.length - 2)
  })

  it('lists only the names it writes: other extensions, temporary files, directories and foreign names are ignored', async () => {
    const { dir, storage } = await open()
    await storage.save('kept', Uint8Array.of(1))
    for (const foreign of ['README.md', 'kept.bin', 'Upper.json', 'a.b.json', '%4f.json', 'con.json', '%C3.json', '%2.json', '%61.json', '.hidden.json', '.tiny-counter-1-2-3.tmp']) {
      writeFileSync(join(dir, foreign), 'foreign')
    }
    mkdirSync(join(dir, 'folder.json'))
    expect(await storage.listKeys()).toEqual(['kept'])
  })

  it('ignores a hand-placed name longer than 240 bytes, which pathOf never writes (it hashes such a key)', async () => {
    const { dir, storage } = await open()
    await storage.save('kept', Uint8Array.of(1))
    // Each is the encoding of a key (241 x, 81 A), but too long: that key's file has a hashed name.
    for (const long of ['x'.repeat(241), '%41'.repeat(81)]) writeFileSync(join(dir, `${long}.json`), 'placed by hand')
    expect(await storage.listKeys()).toEqual(['kept'])
    expect((await storage.loadAll()).map(([key]) => key)).toEqual(['kept'])
    // The key itself is stored under its hashed name, beside the foreign file, and lists once.
    await storage.save('x'.repeat(241), Uint8Array.of(2))
    expect(await storage.listKeys()).toEqual(['kept', 'x'.repeat(241)])
    expect((await storage.loadAll()).map(([key, data]) => [key, [...data]])).toEqual([['kept', [1]], ['x'.repeat(241), [2]]])
  })

  it('refuses an extension that is not a dot and a few safe characters', async () => {
    const dir = temporaryDirectory()
    for (const extension of ['', 'json', '.', '.a.b', '.a/b', '.' + 'x'.repeat(15)]) {
      await expect(FilePerEvent.open(dir, extension)).rejects.toBeInstanceOf(StorageError)
    }
    expect((await FilePerEvent.open(dir, '.' + 'x'.repeat(14))).extension).toBe('.' + 'x'.repeat(14))
  })

  it('refuses to open a directory where a file is', async () => {
    const dir = temporaryDirectory()
    writeFileSync(join(dir, 'file'), '')
    const error = await FilePerEvent.open(join(dir, 'file'), '.json').then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(StorageError)
    expect((error as StorageError).key).toBeUndefined()
  })
})

describe('FilePerEvent writes', () => {
  it('replaces a file whole and leaves no temporary file behind', async () => {
    const { dir, storage } = await open()
    await storage.save('k', new Uint8Array(100_000).fill(1))
    await storage.save('k', Uint8Array.of(2, 2))
    expect([...readFileSync(join(dir, 'k.json'))]).toEqual([2, 2])
    expect(names(dir)).toEqual(['k.json'])
  })

  it('ends concurrent saves of one key with exactly one of them, whole', async () => {
    const { dir, storage } = await open()
    const payloads = Array.from({ length: 20 }, (_, i) => new Uint8Array(10_000 + i).fill(i))
    await Promise.all(payloads.map((data) => storage.save('k', data)))
    const stored = readFileSync(join(dir, 'k.json'))
    const i = stored[0]!
    expect(stored.length).toBe(10_000 + i)
    expect(stored.every((b) => b === i)).toBe(true)
    expect(names(dir)).toEqual(['k.json'])
  })

  it('reports a write that cannot land with its key, removes its temporary file, and keeps the other files', async () => {
    const { dir, storage } = await open()
    await storage.save('other', Uint8Array.of(1))
    // A non-empty directory where the file should go: the rename over it fails.
    mkdirSync(join(dir, 'blocked.json'))
    writeFileSync(join(dir, 'blocked.json', 'inside'), '')
    const error = await storage.save('blocked', Uint8Array.of(2)).then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(StorageError)
    expect((error as StorageError).key).toBe('blocked')
    expect((error as StorageError).message).toMatch(/^storage could not save "blocked": /)
    expect(names(dir)).toEqual(['blocked.json', 'other.json'])
    expect([...readFileSync(join(dir, 'other.json'))]).toEqual([1])
  })

  it('applies a batch one write at a time: a write that fails (its path is a directory) stops no other, and is named', async () => {
    const { dir, storage } = await open()
    mkdirSync(join(dir, 'blocked.json'))
    writeFileSync(join(dir, 'blocked.json', 'inside'), '')
    const writes = [
      { key: 'first', data: Uint8Array.of(1) },
      { key: 'blocked', data: Uint8Array.of(2) },
      { key: 'third', data: Uint8Array.of(3) }
    ]
    const error = await storage.batch(writes).then(() => undefined, (e: unknown) => e)
    expect((error as StorageError).key).toBe('blocked')
    expect((error as StorageError).failedKeys).toEqual(['blocked'])
    expect(await storage.listKeys()).toEqual(['first', 'third'])
    // Loading it is a typed error for that key only; loadAll leaves the directory out.
    await expect(storage.load('blocked')).rejects.toMatchObject({ _tag: 'StorageError', key: 'blocked' })
    expect((await storage.loadAll()).map(([key]) => key)).toEqual(['first', 'third'])
  })

  it('makes every write of a batch but the failing ones, names them all, and leaves no temporary file', async () => {
    const { dir, storage } = await open()
    for (const blocked of ['k030.json', 'k045.json']) {
      mkdirSync(join(dir, blocked))
      writeFileSync(join(dir, blocked, 'inside'), '')
    }
    const keys = Array.from({ length: 60 }, (_, i) => `k${String(i).padStart(3, '0')}`)
    const writes = keys.flatMap((key, i) => (i === 10 ? [{ key, data: Uint8Array.of(1) }, { key, delete: true as const }] : [{ key, data: Uint8Array.of(i) }]))
    const error = await storage.batch(writes).then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(StorageError)
    expect((error as StorageError).key).toBe('k030')
    expect((error as StorageError).failedKeys).toEqual(['k030', 'k045'])
    expect((error as StorageError).message).toMatch(/and 1 more: "k045"/)
    expect(await storage.listKeys()).toEqual(keys.filter((key) => !['k010', 'k030', 'k045'].includes(key)))
    for (const key of ['k000', 'k029']) expect([...(await storage.load(key))!]).toEqual([Number(key.slice(1))])
    expect(names(dir).filter((name) => name.startsWith('.'))).toEqual([])
    // Without the obstacles, the whole batch lands, and the last write of a key wins.
    rmSync(join(dir, 'k030.json'), { recursive: true })
    rmSync(join(dir, 'k045.json'), { recursive: true })
    await storage.batch([...writes, { key: 'k001', data: Uint8Array.of(7) }])
    expect(await storage.listKeys()).toEqual(keys.filter((key) => key !== 'k010'))
    expect([...(await storage.load('k001'))!]).toEqual([7])
    expect(names(dir).filter((name) => name.startsWith('.'))).toEqual([])
  })

  it('loads every file at once, leaving out foreign names, like listKeys and load', async () => {
    const { dir, storage } = await open()
    const big = new Uint8Array(100_000).fill(5)
    await storage.batch([{ key: 'b', data: big }, { key: 'A', data: Uint8Array.of(1) }, { key: 'empty', data: new Uint8Array(0) }])
    writeFileSync(join(dir, '.half-written.tmp'), 'x')
    writeFileSync(join(dir, 'README.md'), 'x')
    mkdirSync(join(dir, 'folder.json'))
    const all = await storage.loadAll()
    expect(all.map(([key, data]) => [key, data.length])).toEqual([['A', 1], ['b', 100_000], ['empty', 0]])
    expect(Buffer.compare(Buffer.from(all[1]![1]), Buffer.from(big))).toBe(0)
  })

  it('update fails a key whose file cannot be read, writes nothing over it, and writes the other keys', async () => {
    const { dir, storage } = await open()
    symlinkSync('x.json', join(dir, 'x.json')) // a link to itself: reading it fails (ELOOP), it is not absent
    const failure = await storage
      .update(['x', 'y'], (current) => {
        expect(current).toEqual([undefined, undefined])
        return [
          { key: 'x', data: Uint8Array.of(1) },
          { key: 'y', data: Uint8Array.of(2) }
        ]
      })
      .catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(StorageError)
    expect((failure as StorageError).failedKeys).toEqual(['x'])
    expect((failure as StorageError).message).toMatch(/could not load "x"/)
    expect(lstatSync(join(dir, 'x.json')).isSymbolicLink()).toBe(true)
    expect([...(await storage.load('y'))!]).toEqual([2])
  })

  it('refuses a FIFO or a device at an event\'s path for that key, without waiting on it or filling memory', async () => {
    const { dir, storage } = await open()
    execFileSync('mkfifo', [join(dir, 'fifo.json')])
    symlinkSync('/dev/zero', join(dir, 'zero.json'))
    for (const key of ['fifo', 'zero']) {
      await expect(storage.load(key)).rejects.toThrow(/could not load .*not a regular file/)
      const failure = await storage.update([key, 'fine'], () => [{ key, data: Uint8Array.of(1) }, { key: 'fine', data: Uint8Array.of(2) }]).catch((error: unknown) => error)
      expect((failure as StorageError).failedKeys).toEqual([key])
    }
    expect(lstatSync(join(dir, 'fifo.json')).isFIFO()).toBe(true)
    expect(lstatSync(join(dir, 'zero.json')).isSymbolicLink()).toBe(true)
    expect(await storage.listKeys()).toEqual(['fine'])
  })

  it('names the writes that landed when the directory cannot be synced after the renames', async () => {
    const { dir, storage } = await open()
    const open_ = fsPromises.open
    const failing = vi.spyOn(fsPromises, 'open').mockImplementation(async (path, ...rest) => {
      if (path === dir) throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' })
      return open_(path, ...rest)
    })
    try {
      const failure = await storage.batch([{ key: 'a', data: Uint8Array.of(1) }, { key: 'b', data: Uint8Array.of(2) }]).catch((error: unknown) => error)
      expect(failure).toBeInstanceOf(StorageError)
      expect((failure as StorageError).operation).toBe('sync the directory')
      expect((failure as StorageError).failedKeys).toEqual([])
      expect((failure as StorageError).landedKeys).toEqual(['a', 'b'])
    } finally {
      failing.mockRestore()
    }
    expect(await storage.listKeys()).toEqual(['a', 'b'])
  })

  it('stays usable after close: it holds no open file', async () => {
    const { storage } = await open()
    await storage.save('k', Uint8Array.of(1))
    await storage.close()
    expect([...(await storage.load('k'))!]).toEqual([1])
  })
})

describe('FilePerEvent cleaning up after a crash', () => {
  it('deletes the temporary files of writes that never finished once they are ten minutes old, and nothing else', async () => {
    const dir = temporaryDirectory()
    const elevenMinutesAgo = (Date.now() - 11 * 60_000) / 1000
    const files = {
      stale: '.tiny-counter-4242-7-k3j9x2ab.tmp', // a process killed between writing and renaming
      recent: '.tiny-counter-4242-8-p0q1r2st.tmp', // may belong to a write still running
      dotfile: '.keep', // not ours
      event: 'launch.bin'
    }
    for (const name of Object.values(files)) {
      writeFileSync(join(dir, name), 'bytes')
      if (name !== files.recent) utimesSync(join(dir, name), elevenMinutesAgo, elevenMinutesAgo)
    }
    const storage = await FilePerEvent.open(dir, '.bin')
    expect(readdirSync(dir).sort()).toEqual([files.dotfile, files.recent, files.event].sort())
    expect(await storage.listKeys()).toEqual(['launch'])
  })
})

describe('FilePerEvent flushing a large batch with one syncfs', () => {
  const defaults = { ...syncfsSettings }
  afterEach(() => Object.assign(syncfsSettings, defaults))

  /**
   * A `sync` that logs its arguments and how many temporary files the directory holds when it
   * runs (all of them: nothing is renamed into place before the flush), then runs the real one.
   */
  const loggingSync = (): { readonly command: string; readonly calls: () => ReadonlyArray<string> } => {
    const dir = temporaryDirectory()
    const log = join(dir, 'log')
    const command = join(dir, 'sync')
    writeFileSync(log, '')
    writeFileSync(command, `#!/bin/sh\nprintf '%s %s\\n' "$*" "$(ls -A "$2" | grep -c '\\.tmp$')" >> '${log}'\nexec sync "$@"\n`)
    chmodSync(command, 0o755)
    return { command, calls: () => readFileSync(log, 'utf8').split('\n').filter((line) => line !== '') }
  }

  const saves = (n: number, value = 1) => Array.from({ length: n }, (_, i) => ({ key: `k${String(i).padStart(3, '0')}`, data: Uint8Array.of(value, i & 255) }))

  it.runIf(syncfsReportsErrors())('syncs the file system once, with every temporary file written and none renamed yet', async () => {
    const { dir, storage } = await open()
    const sync = loggingSync()
    Object.assign(syncfsSettings, { command: sync.command, minFiles: 5, usable: undefined })
    const before = { ...counts }
    await storage.batch(saves(8))
    expect(sync.calls()).toEqual([`-f ${dir} 8`])
    expect(counts.syncfs - before.syncfs).toBe(1)
    expect(counts.fsync - before.fsync).toBe(0)
    // Replacing the files works the same way; a batch below the threshold syncs each file.
    await storage.batch(saves(8, 2))
    await storage.batch(saves(4, 3))
    expect(sync.calls()).toHaveLength(2)
    expect(counts.fsync - before.fsync).toBe(4)
    const all = await storage.loadAll()
    expect(all.map(([key, data]) => [key, [...data]])).toEqual(saves(8).map(({ key }, i) => [key, [i < 4 ? 3 : 2, i]]))
    expect(names(dir).filter((name) => name.startsWith('.'))).toEqual([])
  })

  it.each([
    ['exits with an error', 'false'],
    ['does not exist', '/nonexistent/tiny-counter-sync']
  ])('falls back to a fsync per file when the command %s, and never tries it again', async (_, command) => {
    const { dir, storage } = await open()
    Object.assign(syncfsSettings, { command, minFiles: 5, usable: undefined })
    const before = { ...counts }
    await storage.batch(saves(6))
    expect(counts.syncfs - before.syncfs).toBe(syncfsReportsErrors() ? 1 : 0)
    expect(counts.fsync - before.fsync).toBe(6)
    expect(syncfsSettings.usable).toBe(false)
    await storage.batch(saves(7, 2))
    expect(counts.syncfs - before.syncfs).toBe(syncfsReportsErrors() ? 1 : 0)
    expect(counts.fsync - before.fsync).toBe(13)
    expect((await storage.loadAll()).map(([key, data]) => [key, [...data]])).toEqual(saves(7, 2).map(({ key, data }) => [key, [...data]]))
    expect(names(dir).filter((name) => name.startsWith('.'))).toEqual([])
  })

  it('makes every other write of such a batch when one fails, and leaves no temporary file', async () => {
    const { dir, storage } = await open()
    Object.assign(syncfsSettings, { minFiles: 5 })
    mkdirSync(join(dir, 'k020.json'))
    writeFileSync(join(dir, 'k020.json', 'inside'), '')
    const writes = saves(40)
    const error = await storage.batch(writes).then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(StorageError)
    expect((error as StorageError).key).toBe('k020')
    expect(await storage.listKeys()).toEqual(writes.filter(({ key }) => key !== 'k020').map(({ key }) => key))
    expect(names(dir).filter((name) => name.startsWith('.'))).toEqual([])
  })

  it('round-trips every tricky key through a large batch and loadAll', async () => {
    const { dir, storage } = await open()
    Object.assign(syncfsSettings, { minFiles: 5 })
    await storage.batch(trickyKeys.map((key, i) => ({ key, data: Uint8Array.of(i) })))
    const all = await storage.loadAll()
    expect(all.map(([key]) => key)).toEqual([...trickyKeys].sort())
    for (const [key, data] of all) expect([...data]).toEqual([trickyKeys.indexOf(key)])
    expect(names(dir)).toHaveLength(trickyKeys.length)
  })
})
