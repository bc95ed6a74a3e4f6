// The store with storage: loading (and converting) what is stored, dirty tracking across persists,
// failures that keep events dirty, persists that never interleave, close, auto-persist and compact.
import { mkdtempSync, promises as fsPromises, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { describe, expect, it, vi } from 'vitest'
import { Envelope, EventStore, JsonFormat, MemoryStorage, TestClock } from 'tiny-counter'
import { FilePerEvent } from 'tiny-counter/files'
import { Sqlite } from 'tiny-counter/sqlite'
import type { Storage, Write } from 'tiny-counter'

const start = Date.UTC(2026, 10, 25, 12)
const open = (storage: Storage, clock = TestClock.at(start)) => EventStore.builder().withClock(clock).timeZone('UTC').withStorage(storage).build()

/** A storage that can be told to fail, and logs when each batch starts and ends. */
class Flaky implements Storage {
  readonly inner = new MemoryStorage()
  failing = false
  slow = false
  readonly log: string[] = []
  load = (key: string) => this.inner.load(key)
  save = (key: string, data: Uint8Array) => this.inner.save(key, data)
  delete = (key: string) => this.inner.delete(key)
  listKeys = () => this.inner.listKeys()
  close = () => this.inner.close()
  batch = async (writes: ReadonlyArray<Write>): Promise<void> => {
    this.log.push(`start ${writes.map((w) => w.key).join(',')}`)
    if (this.slow) await new Promise((resolve) => setTimeout(resolve, 20))
    if (this.failing) {
      this.log.push('failed')
      throw new Error('disk full')
    }
    await this.inner.batch(writes)
    this.log.push('end')
  }
}

describe('a store with storage', () => {
  it('loads what an earlier store persisted', async () => {
    const storage = new MemoryStorage()
    const first = await open(storage)
    first.recordCount('launch', 3)
    first.recordCountAt('launch', 2, start - 86_400_000)
    expect(await first.close()).toEqual(E.right(undefined))
    const again = await open(storage)
    expect(again.query('launch').lastDays(7).sum()).toEqual(O.some(5))
    expect(again.isDirty()).toBe(false)
    expect(again.loadErrors).toEqual([])
  })

  it('converts counters stored by another layout on load (7 days → 28 days → 3 days)', async () => {
    const storage = new MemoryStorage()
    const clock = TestClock.at(start)
    const seven = await EventStore.builder().withClock(clock).timeZone('UTC').trackDays(7).withStorage(storage).build()
    for (let d = 0; d < 7; d++) seven.recordCountAt('e', d + 1, start - d * 86_400_000)
    await seven.close()
    const expanded = await EventStore.builder().withClock(clock).timeZone('UTC').trackDays(28).trackHours(24).withStorage(storage).build()
    expect(expanded.query('e').lastDays(28).sum()).toEqual(O.some(28))
    expect(expanded.query('e').lastHours(24).sum()).toEqual(O.some(0)) // new unit: starts at zero
    const shrunk = await EventStore.builder().withClock(clock).timeZone('UTC').trackDays(3).withStorage(storage).build()
    expect(shrunk.query('e').lastDays(3).sum()).toEqual(O.some(6))
  })

  it('reports a value that does not decode with its key, and loads every other event', async () => {
    const storage = new MemoryStorage()
    const first = await open(storage)
    first.recordCount('good', 4)
    first.recordCount('also_good', 1)
    await first.close()
    await storage.save('broken', new Uint8Array([1, 2, 3]))
    const again = await open(storage)
    expect(again.query('good').ever().sum()).toEqual(O.some(4))
    expect(again.query('also_good').ever().sum()).toEqual(O.some(1))
    expect(again.query('broken').ever().sum()).toEqual(O.none)
    expect(again.loadErrors.map((e) => [e._tag, e.key])).toEqual([['DecodeError', 'broken']])
    expect(await storage.load('broken')).toEqual(new Uint8Array([1, 2, 3])) // never silently overwritten
  })

  it('reports a stored key that no store writes (empty, a lone surrogate) as a DecodeError, and never makes it an event', async () => {
    const storage = new MemoryStorage()
    const first = await open(storage)
    first.recordCount('good', 4)
    await first.close()
    const bytes = (await storage.load('good'))!
    // Something else put the same bytes under keys a store refuses to write.
    const foreign: Storage = { ...storage, loadAll: async () => [['', bytes], ['\ud800x', bytes], ['good', bytes]] as const }
    const again = await open(foreign)
    expect(again.events()).toEqual(['good'])
    expect(again.query('good').ever().sum()).toEqual(O.some(4))
    expect(again.loadErrors.map((e) => [e._tag, e.key])).toEqual([['DecodeError', ''], ['DecodeError', '\ud800x']])
    expect(again.loadErrors[0]!.message).toMatch(/not an event's key: a storage key must be a non-empty string/)
  })

  it('reports a garbage and a truncated file among many files with their keys, and loads every other event', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tiny-counter-store-'))
    try {
      const storage = await FilePerEvent.open(dir, '.bin')
      const first = await open(storage)
      const names = Array.from({ length: 400 }, (_, i) => `event/${i}: ünï`)
      names.forEach((name, i) => first.recordCount(name, i + 1))
      expect(await first.close()).toEqual(E.right(undefined))
      // FilePerEvent's file name: a-z, 0-9, _ and - kept, every other UTF-8 byte as %XX.
      const escape = (byte: number): string => (/[a-z0-9_-]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)
      const fileOf = (key: string): string => join(dir, `${[...new TextEncoder().encode(key)].map(escape).join('')}.bin`)
      const truncated = readFileSync(fileOf(names[7]!))
      writeFileSync(fileOf(names[7]!), truncated.subarray(0, truncated.length - 3))
      writeFileSync(fileOf(names[300]!), 'not a counter at all')
      const again = await open(storage)
      expect(again.loadErrors.map((e) => [e._tag, e.key])).toEqual([['DecodeError', names[7]], ['DecodeError', names[300]]].sort((a, b) => (a[1]! < b[1]! ? -1 : 1)))
      expect(again.events()).toHaveLength(398)
      names.forEach((name, i) => expect(again.query(name).ever().sum()).toEqual(i === 7 || i === 300 ? O.none : O.some(i + 1)))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('writes only dirty events, and keeps an event changed during the write dirty', async () => {
    const storage = new Flaky()
    const store = await open(storage)
    store.record('a')
    store.record('b')
    await store.persist()
    store.record('c')
    storage.slow = true
    const writing = store.persist()
    await new Promise((resolve) => setTimeout(resolve, 5)) // the batch has begun (it takes 20 ms)
    store.record('c') // while the write is in flight
    await writing
    expect(storage.log).toEqual(['start a,b', 'end', 'start c', 'end'])
    expect(store.isDirty()).toBe(true) // c changed after the write began
    storage.slow = false
    await store.persist()
    expect(storage.log.slice(4)).toEqual(['start c', 'end'])
    expect(store.isDirty()).toBe(false)
  })

  it('keeps events dirty when the storage fails, and a later persist succeeds', async () => {
    const storage = new Flaky()
    const store = await open(storage)
    store.recordCount('a', 2)
    storage.failing = true
    const failed = await store.persist()
    expect(E.isLeft(failed) && failed.left._tag).toBe('StorageError')
    expect(E.isLeft(failed) && failed.left.message).toMatch(/disk full/)
    expect(store.isDirty()).toBe(true)
    storage.failing = false
    expect(await store.persist()).toEqual(E.right(undefined))
    expect(store.isDirty()).toBe(false)
    expect((await open(storage)).query('a').ever().sum()).toEqual(O.some(2))
  })

  it('never interleaves two persists', async () => {
    const storage = new Flaky()
    storage.slow = true
    const store = await open(storage)
    store.record('a')
    const first = store.persist()
    store.record('b')
    const second = store.persistAll()
    await Promise.all([first, second])
    expect(storage.log).toEqual(['start a', 'end', 'start a,b', 'end'])
  })

  it('persists on close and on the auto-persist timer', async () => {
    const storage = new MemoryStorage()
    const store = await EventStore.builder().withStorage(storage).autoPersist(10).build()
    store.record('ticked')
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(await storage.listKeys()).toEqual(['ticked'])
    store.record('closed')
    await store.close()
    expect([...(await storage.listKeys())].sort()).toEqual(['closed', 'ticked'])
  })

  it('refuses auto-persist without storage or with a bad interval, and persist without storage', async () => {
    expect(E.isLeft(EventStore.builder().autoPersist({ seconds: 1 }).buildEither())).toBe(true)
    const negative = await EventStore.builder().withStorage(new MemoryStorage()).autoPersist({ seconds: -1 }).buildEither()
    expect(E.isLeft(negative) && negative.left._tag).toBe('InvalidAutoPersistInterval')
    const plain = EventStore.create()
    plain.record('e')
    const refused = await plain.persist()
    expect(E.isLeft(refused) && refused.left._tag).toBe('StorageError')
    expect(plain.isDirty()).toBe(true)
  })

  it('compact drops events without counts, from memory and storage', async () => {
    const clock = TestClock.at(start)
    const storage = new MemoryStorage()
    const store = await open(storage, clock)
    store.record('old')
    store.recordCount('zero', 0)
    await store.persist()
    clock.advance({ days: 400 })
    store.record('new')
    expect(await store.compact()).toEqual(E.right(undefined))
    expect(store.events()).toEqual(['new'])
    expect(await storage.listKeys()).toEqual(['new'])
  })

  it.each(['memory', 'files', 'SQLite'] as const)('compact keeps a stored copy that another store recorded into since (%s)', async (backend) => {
    const base = mkdtempSync(join(tmpdir(), 'tiny-counter-compact-'))
    const storage: Storage =
      backend === 'memory' ? new MemoryStorage() : backend === 'files' ? await FilePerEvent.open(join(base, 'events'), '.bin') : await Sqlite.open(join(base, 'events.db'))
    const build = (clock: TestClock) => EventStore.builder().withClock(clock).timeZone('UTC').trackHours(2).withStorage(storage).build()
    try {
      const clock = TestClock.at(start)
      const a = await build(clock)
      a.record('x')
      a.record('swept')
      await a.persist()
      clock.advance({ hours: 3 }) // a's copies expired
      expect(a.sweep()).toBe(2)
      a.record('x') // and dropped again by compact: its count is in a bucket that expires below
      clock.advance({ hours: 3 })
      const b = await build(TestClock.at(clock.now()))
      b.recordCount('x', 5)
      b.recordCount('swept', 2)
      await b.persist()
      expect(await a.compact()).toEqual(E.right(undefined))
      expect(a.events()).toEqual([])
      const later = TestClock.at(clock.now())
      const c = await build(later)
      expect(c.query('x').lastHours(2).sum()).toEqual(O.some(5))
      expect(c.query('swept').lastHours(2).sum()).toEqual(O.some(2))
      // Once they expired everywhere, compact deletes them.
      later.advance({ hours: 3 })
      expect(await c.compact()).toEqual(E.right(undefined))
      expect(await storage.listKeys()).toEqual([])
    } finally {
      await storage.close()
      rmSync(base, { recursive: true })
    }
  })

  it('adds a write once when the directory could not be synced after it landed (files)', async () => {
    const base = mkdtempSync(join(tmpdir(), 'tiny-counter-dirsync-'))
    const dir = join(base, 'events')
    const build = async () => open(await FilePerEvent.open(dir, '.bin'))
    const store = await build()
    store.recordCount('x', 1)
    expect(await store.persist()).toEqual(E.right(undefined))
    store.recordCount('x', 10)
    const open_ = fsPromises.open
    const failing = vi.spyOn(fsPromises, 'open').mockImplementationOnce(async (path, ...rest) => {
      if (path === dir) throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' })
      return open_(path, ...rest)
    })
    const failed = await store.persist()
    failing.mockRestore()
    expect(E.isLeft(failed) && failed.left.operation).toBe('sync the directory')
    store.recordCount('x', 100) // the next persist syncs the directory again
    expect(await store.close()).toEqual(E.right(undefined))
    expect((await build()).query('x').ever().sum()).toEqual(O.some(111))
    rmSync(base, { recursive: true })
  })

  it('auto-persist skips a tick while the last one\'s persist runs, so a slow storage never builds a queue', async () => {
    const inner = new MemoryStorage()
    let updates = 0
    const slow: Storage = {
      ...inner,
      update: async (keys, compute) => {
        updates++
        await new Promise((done) => setTimeout(done, 200))
        return inner.update(keys, compute)
      }
    }
    const store = await EventStore.builder().withStorage(slow).autoPersist(20).build()
    const recording = setInterval(() => store.record('x'), 5)
    await new Promise((done) => setTimeout(done, 1_000))
    clearInterval(recording)
    expect(updates).toBeLessThanOrEqual(7) // one every 200 ms at most (before: one queued every 20 ms)
    const started = performance.now()
    expect(await store.close()).toEqual(E.right(undefined))
    expect(performance.now() - started).toBeLessThan(1_000)
    expect((await EventStore.builder().withStorage(inner).build()).query('x').ever().sum()).toEqual(store.query('x').ever().sum())
  })

  it('works with the JSON format too', async () => {
    const storage = new MemoryStorage()
    const store = await EventStore.builder().withStorage(storage).withFormat(JsonFormat).build()
    store.recordCount('e', 7)
    await store.close()
    const text = new TextDecoder().decode((await storage.load('e'))!)
    expect(JSON.parse(text).version).toBe(Envelope.VERSION)
    const again = await EventStore.builder().withStorage(storage).withFormat(JsonFormat).build()
    expect(again.query('e').ever().sum()).toEqual(O.some(7))
  })
})
