// Several processes, one storage (issue 14, item 4, the storage part): `update` is a read-modify-write
// in one transaction that other processes respect (SQLite: BEGIN IMMEDIATE; files: a lock file), and
// waiting for a lock held elsewhere never blocks the event loop (better-sqlite3's busy timeout used
// to block the thread for 5 s). Also: the CLI reads a folder without touching it.
import { execFile, execFileSync } from 'node:child_process'
import fs, { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { syncBuiltinESMExports } from 'node:module'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { MemoryStorage } from 'tiny-counter'
import { FilePerEvent } from 'tiny-counter/files'
import type { Storage } from 'tiny-counter'
import { Sqlite } from 'tiny-counter/sqlite'
import { inspect } from '../../src/cli/commands.js'
import { root } from '../docs/extract.mjs'
import { cleanUp, temporaryDirectory } from './backends.js'
import { ABANDONED_LOCK_MS, refreshLock, releaseLock, takeOverDeadLock, tryLock } from '../../src/storage/internal/fileIO.js'

afterAll(cleanUp)

const read = (bytes: Uint8Array | undefined): number => (bytes === undefined ? 0 : new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0))
const bytesOf = (n: number): Uint8Array => {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, n)
  return out
}
const increment = (storage: Storage): Promise<void> => storage.update!(['n'], ([n]) => [{ key: 'n', data: bytesOf(read(n) + 1) }])

/** The longest time the event loop went without running a 5 ms interval, while `work` ran. */
const longestStall = async (work: () => Promise<unknown>): Promise<number> => {
  let last = performance.now()
  let longest = 0
  const ticker = setInterval(() => {
    const now = performance.now()
    longest = Math.max(longest, now - last)
    last = now
  }, 5)
  try {
    await work()
  } finally {
    clearInterval(ticker)
  }
  return Math.max(longest, performance.now() - last)
}

/** How many turns the event loop takes while `work` runs (a ticker re-armed with setImmediate counts them). */
const turnsDuring = async (work: () => Promise<unknown>): Promise<number> => {
  let turns = 0
  let running = true
  const tick = (): void => {
    if (!running) return
    turns++
    setImmediate(tick)
  }
  setImmediate(tick)
  try {
    await work()
  } finally {
    running = false
  }
  return turns
}

describe('update: a read-modify-write in one transaction', () => {
  const opens: ReadonlyArray<readonly [string, (dir: string) => Promise<Storage>]> = [
    ['MemoryStorage', async () => new MemoryStorage()],
    ['FilePerEvent', (dir) => FilePerEvent.open(join(dir, 'events'), '.bin')],
    ['Sqlite', (dir) => Sqlite.open(join(dir, 'events.db'))]
  ]

  it.each(opens)('%s: interleaved updates of one process lose nothing', async (_name, open) => {
    const dir = temporaryDirectory()
    const storage = await open(dir)
    const other = _name === 'MemoryStorage' ? storage : await open(dir)
    await Promise.all(Array.from({ length: 30 }, (_, i) => increment(i % 2 === 0 ? storage : other)))
    expect(read(await storage.load('n'))).toBe(30)
    await storage.close()
    if (other !== storage) await other.close()
  })

  it.each([
    ['sqlite', 'events.db'],
    ['files', 'events']
  ])('4 processes updating one %s storage at once lose nothing', async (kind, name) => {
    const path = join(temporaryDirectory(), name)
    if (kind === 'files') mkdirSync(path)
    const times = 40
    await Promise.all(
      Array.from({ length: 4 }, () => promisify(execFile)(process.execPath, ['--import', 'tsx', join(root, 'test/storage/shared/updater.ts'), kind, path, String(times)], { cwd: root }))
    )
    const storage = kind === 'sqlite' ? await Sqlite.open(path) : await FilePerEvent.open(path, '.bin')
    expect(read(await storage.load('n'))).toBe(4 * times)
    await storage.close()
    if (kind === 'files') expect(readdirSync(path).filter((f) => f.startsWith('.'))).toEqual([])
  }, 120_000)
})

describe('waiting for a lock held by another connection', () => {
  it('Sqlite waits with timers, never blocking the event loop, and writes once the lock is free', async () => {
    const path = join(temporaryDirectory(), 'events.db')
    const storage = await Sqlite.open(path)
    const holder = new Database(path)
    holder.exec('BEGIN IMMEDIATE')
    holder.prepare('INSERT OR REPLACE INTO events (key, data) VALUES (?, ?)').run('held', Buffer.from([1]))
    setTimeout(() => holder.exec('COMMIT'), 300)
    const stall = await longestStall(async () => {
      await storage.save('k', Uint8Array.of(7))
      await increment(storage)
    })
    expect([...(await storage.load('k'))!]).toEqual([7])
    expect(read(await storage.load('n'))).toBe(1)
    expect(await storage.listKeys()).toEqual(['held', 'k', 'n'])
    // better-sqlite3's own busy wait blocked the thread for its whole timeout (5 s by default).
    expect(stall).toBeLessThan(1_000)
    holder.close()
    await storage.close()
  })

  it('FilePerEvent waits for the lock file with timers, and takes over one left by a dead process', async () => {
    const dir = join(temporaryDirectory(), 'events')
    const storage = await FilePerEvent.open(dir, '.bin')
    const lock = join(dir, '.tiny-counter.lock')
    // Held by a live process (this one's parent, for 300 ms).
    const host = hostname()
    writeFileSync(lock, `${process.ppid} ${host} ${Date.now()}\n`)
    const released = new Promise<void>((done) => setTimeout(() => done(rmSync(lock)), 300))
    const started = performance.now()
    const stall = await longestStall(() => increment(storage))
    await released
    expect(performance.now() - started).toBeGreaterThanOrEqual(250)
    expect(stall).toBeLessThan(1_000)
    expect(read(await storage.load('n'))).toBe(1)
    // Left by a process that died: taken over at once.
    writeFileSync(lock, `999999999 ${host} ${Date.now() - 60_000}\n`)
    await increment(storage)
    expect(read(await storage.load('n'))).toBe(2)
    expect(existsSync(lock)).toBe(false)
  })
})

describe('the lock file of FilePerEvent', () => {
  const lockIn = async () => {
    const dir = join(temporaryDirectory(), 'events')
    return { storage: await FilePerEvent.open(dir, '.bin'), lock: join(dir, '.tiny-counter.lock') }
  }
  const aged = (path: string, ms: number) => utimesSync(path, new Date(Date.now() - ms), new Date(Date.now() - ms))

  it('takes over at once a lock with this process\'s pid that it does not hold (a restarted container\'s pid 1)', async () => {
    const { storage, lock } = await lockIn()
    writeFileSync(lock, `${process.pid} ${hostname()} ${Date.now() - 3_600_000}\n`)
    const started = performance.now()
    await increment(storage)
    expect(performance.now() - started).toBeLessThan(5_000)
    expect(read(await storage.load('n'))).toBe(1)
    expect(existsSync(lock)).toBe(false)
  })

  it('takes over a lock of a live process that was not refreshed for 2 minutes, and refreshes the one it holds', async () => {
    const { storage, lock } = await lockIn()
    writeFileSync(lock, `${process.ppid} ${hostname()} ${Date.now()}\n`)
    aged(lock, ABANDONED_LOCK_MS + 1_000)
    await increment(storage)
    expect(read(await storage.load('n'))).toBe(1)
    const content = tryLock(lock)!
    aged(lock, 60_000)
    refreshLock(lock)
    expect(Date.now() - statSync(lock).mtimeMs).toBeLessThan(5_000)
    releaseLock(lock, content)
    expect(existsSync(lock)).toBe(false)
  })

  it('lets one process only take a dead lock over when two race for it', () => {
    const dir = temporaryDirectory()
    const lock = join(dir, '.tiny-counter.lock')
    const dead = execFileSync('sh', ['-c', 'echo $$']).toString().trim()
    writeFileSync(lock, `${dead} ${hostname()} 0\n`)
    const real = fs.readFileSync
    let reads = 0
    let busy = false
    let second: string | undefined
    let third: string | undefined
    // Another process acts right after this one first read the dead lock, and a third right before it reads again.
    fs.readFileSync = ((...args: Parameters<typeof real>) => {
      if (busy || !String(args[0]).startsWith(lock)) return real(...args)
      busy = true
      try {
        reads++
        if (reads === 2) third = tryLock(lock)
        const result = real(...args)
        if (reads === 1) {
          takeOverDeadLock(lock)
          second = tryLock(lock)
        }
        return result
      } finally {
        busy = false
      }
    }) as typeof real
    syncBuiltinESMExports()
    try {
      takeOverDeadLock(lock)
    } finally {
      fs.readFileSync = real
      syncBuiltinESMExports()
    }
    const holders = [second, third].filter((content) => content !== undefined)
    expect(holders).toHaveLength(1)
    expect(readFileSync(lock, 'utf8')).toBe(holders[0])
    expect(tryLock(lock)).toBeUndefined()
  })
})

describe('long SQLite work runs in slices', () => {
  it('a batch of 100,000 writes and a loadAll of them leave the event loop running between slices', async () => {
    const storage = await Sqlite.open(join(temporaryDirectory(), 'events.db'))
    const writes = Array.from({ length: 100_000 }, (_, i) => ({ key: `event_${String(i).padStart(6, '0')}`, data: Uint8Array.of(i & 255, 1, 2, 3) }))
    const batchTurns = await turnsDuring(() => storage.batch(writes))
    let all: ReadonlyArray<readonly [string, Uint8Array]> = []
    const loadTurns = await turnsDuring(async () => (all = await storage.loadAll()))
    expect(all.length).toBe(100_000)
    expect(all[12_345]![0]).toBe('event_012345')
    expect([...all[12_345]![1]]).toEqual([12_345 & 255, 1, 2, 3])
    // In one blocking call each, the event loop took one turn at most during each (the operation
    // took about 0.5 s here). Counted in turns, not in milliseconds: a machine busy with other work
    // stretches a slice, but does not take turns away. The writes end a slice every 5 ms (well over
    // 20 slices for 100,000 rows); the reads, one page of rows per turn.
    expect(batchTurns).toBeGreaterThanOrEqual(10)
    expect(loadTurns).toBeGreaterThanOrEqual(10)
    await storage.close()
  })
})

describe('the CLI reads a folder without changing it', () => {
  it('inspect leaves a stale temporary file where it is (FilePerEvent.open would delete it)', async () => {
    const dir = join(temporaryDirectory(), 'events')
    const storage = await FilePerEvent.open(dir, '.bin')
    await storage.save('launch', Uint8Array.of(1))
    const stale = join(dir, '.tiny-counter-4242-7-k3j9x2ab.tmp')
    writeFileSync(stale, 'half a write')
    const elevenMinutesAgo = (Date.now() - 11 * 60_000) / 1000
    utimesSync(stale, elevenMinutesAgo, elevenMinutesAgo)
    await inspect(dir, { now: Date.UTC(2026, 0, 1) })
    expect(existsSync(stale)).toBe(true)
    // A writer opening the folder cleans it up.
    await FilePerEvent.open(dir, '.bin')
    expect(existsSync(stale)).toBe(false)
  })
})
