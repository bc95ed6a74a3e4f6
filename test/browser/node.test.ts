// tiny-counter/browser in Node, on fake-indexeddb and an in-memory localStorage: what the storage
// contract (test/storage/contract.test.ts) does not say. A full localStorage leaves the store's
// events dirty and the area as it was; foreign values are reported, not dropped; an IndexedDB
// transaction is all or nothing; and tabs sharing a database through withBroadcast converge with
// no event counted twice, however their messages are delayed, repeated or lost (a property).
// The same behaviours run in a real Chromium in chromium.test.ts.
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import * as esbuild from 'esbuild'
import * as fc from 'fast-check'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { describe, expect, it } from 'vitest'
import { BincodeFormat, EventStore, StorageError, TestClock } from 'tiny-counter'
import type { Counters } from 'tiny-counter'
import { IndexedDbStorage, WebStorage, withBroadcast } from 'tiny-counter/browser'
import type { BroadcastChannelLike, BroadcastStorage, IndexedDbOptions } from 'tiny-counter/browser'
import { MemoryWebStorage } from './MemoryWebStorage.js'

const at = Date.UTC(2026, 5, 1, 12)
const builder = (clock = TestClock.at(at)) => EventStore.builder().timeZone('UTC').withClock(clock)
const ever = (store: EventStore, event: string) => store.query(event).ever().sum()

type FakeFactory = InstanceType<typeof IDBFactory>

/**
 * `factory` behind proxies that count the read requests placed (get, getAll, getAllKeys, a cursor)
 * and the success events they answer with.
 */
const counting = (factory: FakeFactory) => {
  let [requests, answered] = [0, 0]
  const counted = <T extends object>(request: T): T =>
    (requests++, new Proxy(request, {
      set: (target, field, value) =>
        Reflect.set(target, field, field === 'onsuccess' && typeof value === 'function' ? (event: unknown) => (answered++, value(event)) : value)
    }))
  const wrap = <T extends object>(target: T, methods: Readonly<Record<string, (result: never) => unknown>>): T =>
    new Proxy(target, {
      get: (inner, field) => {
        const value = Reflect.get(inner, field)
        if (typeof value !== 'function') return value
        const then = methods[field as string]
        return (...args: unknown[]) => {
          const result = value.apply(inner, args)
          return then === undefined ? result : then(result as never)
        }
      }
    })
  const store = (s: object) => wrap(s, { get: counted, getAll: counted, getAllKeys: counted, openCursor: counted, count: counted })
  const transaction = (t: object) => wrap(t, { objectStore: store })
  const database = (d: object) => wrap(d, { transaction })
  const opening = (request: { onsuccess: unknown; result: object }) =>
    new Proxy(request, { get: (inner, field) => (field === 'result' ? database(inner.result) : Reflect.get(inner, field)), set: (inner, field, value) => Reflect.set(inner, field, value) })
  return {
    indexedDB: wrap(factory, { open: opening }) as unknown as NonNullable<IndexedDbOptions['indexedDB']>,
    reset: () => void ([requests, answered] = [0, 0]),
    seen: () => ({ requests, answered })
  }
}

/** Puts `entries` (any keys, any values) into the object store of the database `name`, as other code may. */
const rawPut = (factory: FakeFactory, name: string, entries: ReadonlyArray<readonly [string | number | ReadonlyArray<string>, unknown]>): Promise<void> =>
  new Promise<void>((resolve, reject) => {
    const request = factory.open(name, 1)
    request.onsuccess = () => {
      const db = request.result
      const transaction = db.transaction('events', 'readwrite')
      for (const [key, value] of entries) transaction.objectStore('events').put(value, key as string)
      transaction.oncomplete = () => (db.close(), resolve())
      transaction.onerror = () => reject(transaction.error)
    }
    request.onerror = () => reject(request.error)
  })

/** What `update` hands `compute` for `keys`, writing nothing. */
const readOnce = async (storage: IndexedDbStorage, keys: ReadonlyArray<string>): Promise<ReadonlyArray<Uint8Array | undefined>> => {
  let values: ReadonlyArray<Uint8Array | undefined> = []
  await storage.update(keys, (current) => ((values = current), []))
  return values
}

/** The bytes `update` gives for a stored value: bytes as bytes, text as its UTF-8, anything else none; `undefined` as absent. */
const expectedBytes = (value: unknown): Uint8Array | undefined => {
  if (value === undefined) return undefined
  if (value instanceof ArrayBuffer) return new Uint8Array(value)
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice()
  return typeof value === 'string' ? new TextEncoder().encode(value) : new Uint8Array(0)
}

describe('the tiny-counter/browser entry', () => {
  it('bundles for the browser with nothing from Node and no warning', async () => {
    const reachedForNode: string[] = []
    const result = await esbuild.build({
      entryPoints: [fileURLToPath(new URL('../../src/browser.ts', import.meta.url))],
      bundle: true,
      write: false,
      minify: true,
      format: 'esm',
      platform: 'browser',
      logLevel: 'silent',
      plugins: [{ name: 'no-node', setup: (build) => build.onResolve({ filter: /^node:/ }, (args) => (reachedForNode.push(`${args.importer} -> ${args.path}`), { path: args.path, external: true })) }]
    })
    expect(reachedForNode).toEqual([])
    expect(result.warnings).toEqual([])
    const bytes = result.outputFiles[0]!.contents
    console.log(`tiny-counter/browser, whole entry: ${(bytes.length / 1024).toFixed(1)} KB minified, ${(gzipSync(bytes).length / 1024).toFixed(1)} KB gzip`)
  })
})

describe('WebStorage', () => {
  it('turns a full localStorage into a StorageError, undoes the batch, and keeps the events dirty', async () => {
    const area = new MemoryWebStorage(1_000)
    area.setItem('theme', 'dark')
    const store = await builder().withStorage(new WebStorage(area, { prefix: 'app:' })).build()
    store.recordCount('first', 2)
    expect(E.isRight(await store.persist())).toBe(true)
    const before = Object.fromEntries(Array.from({ length: area.length }, (_, i) => [area.key(i)!, area.getItem(area.key(i)!)]))
    for (let i = 0; i < 40; i++) store.record(`event-${i}`) // ~40 x 70 characters: more than the quota
    store.recordCount('first', 1)
    const persisted = await store.persist()
    expect(E.isLeft(persisted) && persisted.left).toBeInstanceOf(StorageError)
    expect(E.isLeft(persisted) && (persisted.left.cause as Error).name).toBe('QuotaExceededError')
    expect(E.isLeft(persisted) && persisted.left.message).toMatch(/exceeded the quota/)
    expect(store.isDirty()).toBe(true)
    const after = Object.fromEntries(Array.from({ length: area.length }, (_, i) => [area.key(i)!, area.getItem(area.key(i)!)]))
    expect(after).toEqual(before) // the batch's first writes were undone
    // Room again (the page clears something): the same events persist, none was forgotten.
    area.removeItem('theme')
    const roomy = new MemoryWebStorage()
    for (const [key, value] of Object.entries(after)) roomy.setItem(key, value!)
    const moved = await builder().withStorage(new WebStorage(roomy, { prefix: 'app:' })).build()
    expect(ever(moved, 'first')).toEqual(O.some(2))
    store.resetDirty()
    expect(store.isDirty()).toBe(true) // resetDirty never drops unpersisted changes
  })

  it('reports a value under its prefix that is not base64 as a DecodeError naming the key, and loads the rest', async () => {
    const area = new MemoryWebStorage()
    const storage = new WebStorage(area, { prefix: 'app:' })
    const first = await builder().withStorage(storage).build()
    first.recordCount('kept', 3)
    await first.close()
    area.setItem('app:foreign', '{"not": "ours"}')
    area.setItem('other:x', 'ignored: another prefix')
    const again = await builder().withStorage(storage).build()
    expect(ever(again, 'kept')).toEqual(O.some(3))
    expect(again.loadErrors.map((error) => [error._tag, error.key])).toEqual([['DecodeError', 'foreign']])
    expect(await storage.listKeys()).toEqual(['foreign', 'kept'])
  })

  it('writes standard base64, as btoa does', async () => {
    const area = new MemoryWebStorage()
    const storage = new WebStorage(area, { prefix: '' })
    for (const length of [0, 1, 2, 3, 4, 5, 255, 256]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 37 + length) % 256)
      await storage.save(`k${length}`, bytes)
      expect(area.getItem(`k${length}`)).toBe(Buffer.from(bytes).toString('base64'))
      expect([...(await storage.load(`k${length}`))!]).toEqual([...bytes])
    }
  })

  it('refuses a prefix nested in another one in use on the same area, with a StorageError, until that one is closed', async () => {
    const area = new MemoryWebStorage()
    const app = new WebStorage(area, { prefix: 'app:' })
    const store = await builder().withStorage(app).build()
    store.record('view')
    await store.persist()
    for (const prefix of ['app:beta:', 'ap', '']) {
      const nested = new WebStorage(area, { prefix })
      await expect(builder().withStorage(nested).build()).rejects.toSatisfy(
        (error: unknown) => error instanceof StorageError && error.message.includes(JSON.stringify(prefix)) && error.message.includes('"app:"')
      )
      await expect(nested.save('click', new Uint8Array([1]))).rejects.toBeInstanceOf(StorageError)
    }
    expect(Array.from({ length: area.length }, (_, i) => area.key(i))).toEqual(['app:view']) // nothing written under a nested prefix
    expect(store.deleteAll(() => true)).toBe(1)
    expect(E.isRight(await store.persist())).toBe(true)
    // The same prefix twice is the same keys (a store opened again), and another area is apart.
    expect(await new WebStorage(area, { prefix: 'app:' }).listKeys()).toEqual([])
    expect(await new WebStorage(new MemoryWebStorage(), { prefix: 'app:beta:' }).listKeys()).toEqual([])
    await store.close() // one of the two 'app:' storages: the other still holds the prefix
    const beta = new WebStorage(area, { prefix: 'app:beta:' })
    await expect(beta.listKeys()).rejects.toBeInstanceOf(StorageError)
  })

  it('lets a prefix be used once every storage nesting with it is closed', async () => {
    const area = new MemoryWebStorage()
    const app = new WebStorage(area, { prefix: 'app:' })
    const beta = new WebStorage(area, { prefix: 'app:beta:' })
    await expect(beta.listKeys()).rejects.toBeInstanceOf(StorageError)
    await app.close()
    await beta.save('click', new Uint8Array([1]))
    expect(await beta.listKeys()).toEqual(['click'])
    await expect(app.listKeys()).rejects.toBeInstanceOf(StorageError) // closed, and now the nested one is in use
  })

  it('refuses, with a StorageError, to work without a localStorage', async () => {
    const storage = new WebStorage(undefined as never)
    await expect(storage.listKeys()).rejects.toThrow(/no Web Storage here/)
    await expect(storage.save('k', new Uint8Array([1]))).rejects.toBeInstanceOf(StorageError)
  })
})

describe('IndexedDbStorage', () => {
  it('writes nothing of a transaction that fails part-way, and says why', async () => {
    const storage = await IndexedDbStorage.open('atomic', { indexedDB: new IDBFactory() })
    await storage.save('kept', new Uint8Array([1]))
    const failed = storage.update(['kept'], () => {
      throw new Error('computed nothing')
    })
    await expect(failed).rejects.toSatisfy((error: unknown) => error instanceof StorageError && /computed nothing/.test(error.message) && error.key === 'kept')
    await expect(storage.update(['kept'], () => [{ key: 'kept', delete: true }, { key: '', data: new Uint8Array([2]) }])).rejects.toBeInstanceOf(StorageError)
    expect(await storage.loadAll()).toEqual([['kept', new Uint8Array([1])]])
    await storage.close()
  })

  it('loads every event in two IndexedDB requests (the keys, the values), not one per event', async () => {
    const factory = new IDBFactory()
    const storage = await IndexedDbStorage.open('two-requests', { indexedDB: factory })
    const stored = Array.from({ length: 1_000 }, (_, i) => [`event-${String(i).padStart(4, '0')}`, new Uint8Array([i % 256, 1])] as const)
    await storage.batch(stored.map(([key, data]) => ({ key, data })))
    await storage.close()
    const counted = counting(factory)
    const again = await IndexedDbStorage.open('two-requests', { indexedDB: counted.indexedDB })
    counted.reset()
    expect(await again.loadAll()).toEqual(stored)
    expect(counted.seen()).toEqual({ requests: 2, answered: 1 }) // a cursor: one request, answered 1,001 times
    await again.close()
  })

  it('reads the keys of an update as one range in two requests when they are many, and key by key when they are few or spread out', async () => {
    const factory = new IDBFactory()
    const storage = await IndexedDbStorage.open('update-requests', { indexedDB: factory })
    const name = (i: number) => `event-${String(i).padStart(4, '0')}`
    await storage.batch(Array.from({ length: 2_000 }, (_, i) => ({ key: name(i), data: new Uint8Array([i % 256]) })))
    await storage.close()
    const counted = counting(factory)
    const again = await IndexedDbStorage.open('update-requests', { indexedDB: counted.indexedDB, IDBKeyRange })
    const read = async (keys: ReadonlyArray<string>) => {
      let values: ReadonlyArray<Uint8Array | undefined> = []
      counted.reset()
      await again.update(keys, (current) => ((values = current), keys.map((key) => ({ key, data: new Uint8Array([1]) }))))
      return { values, ...counted.seen() }
    }
    // 1,000 of them, with 400 never stored in between: the range holds 600 stored, which it lists and reads.
    const many = Array.from({ length: 1_000 }, (_, i) => (i % 5 < 2 ? `${name(500 + i)}-new` : name(500 + i)))
    expect(await read(many)).toEqual({ values: many.map((key, i) => (key.endsWith('-new') ? undefined : new Uint8Array([(500 + i) % 256]))), requests: 2, answered: 2 })
    // A persist of 1,000 events never stored: one listing that finds none of them, and no read.
    const absent = Array.from({ length: 1_000 }, (_, i) => `fresh-${i}`)
    expect(await read(absent)).toEqual({ values: absent.map(() => undefined), requests: 1, answered: 1 })
    // 10 keys spread over the last 500: the listing stops at 21 keys, then a get each.
    const spread = Array.from({ length: 10 }, (_, i) => name(1_500 + i * 55))
    expect(await read(spread)).toEqual({ values: spread.map((_, i) => new Uint8Array([(1_500 + i * 55) % 256])), requests: 11, answered: 11 })
    // Few keys: a get each, as before.
    expect(await read([name(7), name(8)])).toEqual({ values: [new Uint8Array([7]), new Uint8Array([8])], requests: 2, answered: 2 })
    await again.close()
  })

  it('reads the keys of a persist of 3,000 events in a few requests, every one of them stored', async () => {
    const factory = new IDBFactory()
    const counted = counting(factory)
    const store = await builder().withStorage(await IndexedDbStorage.open('persist-requests', { indexedDB: counted.indexedDB, IDBKeyRange })).build()
    const events = Array.from({ length: 3_000 }, (_, i) => `event-${String(i).padStart(4, '0')}`)
    for (const event of events) store.record(event)
    expect(E.isRight(await store.persist())).toBe(true)
    for (const event of events) store.recordCount(event, 2)
    counted.reset()
    expect(E.isRight(await store.persist())).toBe(true)
    expect(counted.seen()).toEqual({ requests: 6, answered: 6 }) // three transactions of 1,000: a listing and a read each, not 3,000 gets
    await store.close()
    const again = await builder().withStorage(await IndexedDbStorage.open('persist-requests', { indexedDB: factory })).build()
    expect(events.every((event) => O.getOrElse(() => 0)(ever(again, event)) === 3)).toBe(true)
    await again.close()
  })

  it('hands an update of many keys the same values as one key at a time: present, absent, repeated, of any shape, in any order, with or without key ranges', async () => {
    // Keys around the ends of code-unit order and where it differs from code-point order ('\u{10000}' < '\uffff').
    const keyPool = ['a', 'b', 'ab', 'é', 'z', '\u0000x', '\u{1F600}', '\u{10000}', '\uffff', '\uffff\uffff', '\ud7ff', '\ue000', ...Array.from({ length: 12 }, (_, i) => `k${i}`)]
    // What other code may have stored: bytes of every shape, text, numbers, null, undefined.
    const valueOf = fc.oneof(
      fc.uint8Array({ maxLength: 4 }),
      fc.uint8Array({ maxLength: 4 }).map((bytes) => bytes.slice().buffer),
      fc.uint8Array({ maxLength: 4 }).map((bytes) => new DataView(Uint8Array.from([9, ...bytes]).buffer, 1, bytes.length)),
      fc.string({ maxLength: 3 }),
      fc.constant([1, 2]),
      fc.constant(null),
      fc.constant(undefined)
    )
    let run = 0
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom(...keyPool), valueOf), { maxLength: 40 }).map((entries) => Object.fromEntries(entries)),
        fc.array(fc.constantFrom(...keyPool), { maxLength: 50 }),
        fc.boolean(),
        fc.boolean(),
        async (stored, keys, ranges, foreignKeys) => {
          const factory = new IDBFactory()
          const name = `same-${run++}`
          const storage = await IndexedDbStorage.open(name, { indexedDB: factory, ...(ranges ? { IDBKeyRange } : {}) })
          await storage.close()
          await rawPut(factory, name, [...Object.entries(stored), ...(foreignKeys ? [[7, new Uint8Array([7])], [['array'], new Uint8Array([8])]] as const : [])])
          const again = await IndexedDbStorage.open(name, { indexedDB: factory, ...(ranges ? { IDBKeyRange } : {}) })
          const oneByOne = await Promise.all(keys.map((key) => readOnce(again, [key]).then(([value]) => value)))
          expect(await readOnce(again, keys)).toEqual(oneByOne)
          expect(oneByOne).toEqual(keys.map((key) => (key in stored ? expectedBytes(stored[key]) : undefined)))
          await again.close()
        }
      ),
      { numRuns: 200 }
    )
  })

  it('reads bytes stored in another binary shape, and reports a value that is no bytes instead of taking its event as new', async () => {
    const factory = new IDBFactory()
    const first = await builder().withStorage(await IndexedDbStorage.open('foreign', { indexedDB: factory })).build()
    first.recordCount('counted', 3)
    await first.close()
    const bytes = (await (await IndexedDbStorage.open('foreign', { indexedDB: factory })).load('counted'))!
    // What other code (or an older page) may have put in the object store.
    await new Promise<void>((resolve, reject) => {
      const request = factory.open('foreign', 1)
      request.onsuccess = () => {
        const db = request.result
        const transaction = db.transaction('events', 'readwrite')
        const events = transaction.objectStore('events')
        events.put(bytes.slice().buffer, 'buffer')
        events.put(new DataView(Uint8Array.from([0, ...bytes, 0]).buffer, 1, bytes.length), 'view')
        events.put(Array.from(bytes), 'numbers')
        events.put('not bytes', 'text')
        events.put(null, 'nothing')
        transaction.oncomplete = () => (db.close(), resolve())
        transaction.onerror = () => reject(transaction.error)
      }
    })
    const storage = await IndexedDbStorage.open('foreign', { indexedDB: factory })
    const store = await builder().withStorage(storage).build()
    expect(store.events()).toEqual(['buffer', 'counted', 'view'])
    for (const event of ['buffer', 'counted', 'view']) expect(ever(store, event)).toEqual(O.some(3))
    expect(store.loadErrors.map((error) => [error._tag, error.key])).toEqual([['DecodeError', 'nothing'], ['DecodeError', 'numbers'], ['DecodeError', 'text']])
    expect(await storage.load('buffer')).toEqual(bytes)
    expect(await storage.load('text')).toEqual(new TextEncoder().encode('not bytes'))
    let read: ReadonlyArray<Uint8Array | undefined> = []
    await storage.update(['view', 'text', 'absent'], (current) => ((read = current), []))
    expect(read).toEqual([bytes, new TextEncoder().encode('not bytes'), undefined])
    await store.close()
  })

  it('refuses a database that a newer version of the page upgraded, with a StorageError', async () => {
    const factory = new IDBFactory()
    await new Promise<void>((resolve) => {
      const request = factory.open('upgraded', 2)
      request.onsuccess = () => {
        request.result.close()
        resolve()
      }
    })
    await expect(IndexedDbStorage.open('upgraded', { indexedDB: factory })).rejects.toSatisfy(
      (error: unknown) => error instanceof StorageError && /open the IndexedDB database "upgraded"/.test(error.message)
    )
  })

  it('closes its connection when another page upgrades the database, and refuses from then on', async () => {
    const factory = new IDBFactory()
    const storage = await IndexedDbStorage.open('left-behind', { indexedDB: factory })
    await new Promise<void>((resolve, reject) => {
      const request = factory.open('left-behind', 2)
      request.onsuccess = () => {
        request.result.close()
        resolve()
      }
      request.onblocked = () => reject(new Error('blocked: the old connection stayed open'))
    })
    await expect(storage.load('k')).rejects.toThrow(/is closed/)
  })
})

/** A BroadcastChannel whose messages wait in `pending` until the test delivers, repeats or drops them. */
class Hub {
  readonly pending: Array<{ readonly to: BroadcastChannelLike; readonly data: unknown }> = []
  private readonly open = new Set<BroadcastChannelLike>()
  readonly channel = (): BroadcastChannelLike => {
    const channel: BroadcastChannelLike = {
      onmessage: null,
      postMessage: (data) => {
        for (const to of this.open) if (to !== channel) this.pending.push({ to, data: structuredClone(data) })
      },
      close: () => void this.open.delete(channel)
    }
    this.open.add(channel)
    return channel
  }
  deliver(index: number, keep: boolean): void {
    const [message] = keep ? [this.pending[index]] : this.pending.splice(index, 1)
    if (message !== undefined && this.open.has(message.to)) message.to.onmessage?.({ data: message.data })
  }
}

interface Tab {
  readonly shared: BroadcastStorage
  readonly store: EventStore
}

const openTab = async (factory: InstanceType<typeof IDBFactory>, hub: Hub, clock: TestClock): Promise<Tab> => {
  const shared = withBroadcast(await IndexedDbStorage.open('tabs', { indexedDB: factory }), 'tabs', { channel: hub.channel })
  const store = await builder(clock).withStorage(shared).build()
  await shared.attach(store)
  return { shared, store }
}

const stored = async (factory: InstanceType<typeof IDBFactory>): Promise<Counters> => {
  const storage = await IndexedDbStorage.open('tabs', { indexedDB: factory })
  const out = Object.fromEntries((await storage.loadAll()).map(([key, bytes]) => [key, E.getOrElseW(() => undefined)(BincodeFormat.deserialize(key, bytes))!]))
  await storage.close()
  return out
}

/**
 * A tab whose shared database counts how its counters are read: by name (`update`, one IndexedDB
 * request per key) or in one pass over all of them (`loadAll`), after the tab was attached.
 */
const countingTab = async (factory: InstanceType<typeof IDBFactory>, hub: Hub, clock: TestClock) => {
  const database = await IndexedDbStorage.open('tabs', { indexedDB: factory })
  const reads = { byName: 0, passes: 0 }
  const keysRead: string[][] = []
  let counting = false
  const counted = {
    ...database,
    loadAll: () => ((reads.passes += counting ? 1 : 0), database.loadAll()),
    update: ((keys, compute) => {
      if (counting) {
        reads.byName += keys.length
        keysRead.push([...keys])
      }
      return database.update(keys, compute)
    }) satisfies typeof database.update
  }
  const shared = withBroadcast(counted, 'tabs', { channel: hub.channel })
  const store = await builder(clock).withStorage(shared).build()
  await shared.attach(store)
  counting = true
  return { reads, keysRead, tab: { shared, store } as Tab }
}

/** Two tabs on a fresh database, their messages held by `hub`, at one clock. */
const twoTabs = async () => {
  const factory = new IDBFactory()
  const hub = new Hub()
  const clock = TestClock.at(at)
  const [one, two] = [await openTab(factory, hub, clock), await openTab(factory, hub, clock)]
  return { factory, hub, clock, one, two }
}

/** The sum of every count of each shared counter. */
const storedSums = async (factory: InstanceType<typeof IDBFactory>, clock: TestClock): Promise<Record<string, number>> => {
  const probe = await builder(clock).build()
  probe.mergeAll(await stored(factory))
  return Object.fromEntries(probe.events().map((event) => [event, O.getOrElse(() => 0)(ever(probe, event))]))
}

const EVENTS = ['click', 'view'] as const
const step = fc.oneof(
  fc.record({ op: fc.constant('record' as const), tab: fc.nat(2), event: fc.constantFrom(...EVENTS), count: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ op: fc.constant('persist' as const), tab: fc.nat(2) }),
  // then: 'persist' persists every tab while the tab the message went to is still re-reading
  // (its persist waits behind the re-read); 'none' lets the next step run meanwhile.
  fc.record({ op: fc.constant('deliver' as const), index: fc.nat(20), keep: fc.boolean(), then: fc.constantFrom('settle' as const, 'none' as const, 'persist' as const) }),
  fc.record({ op: fc.constant('drop' as const), index: fc.nat(20) }),
  fc.record({ op: fc.constant('advance' as const), minutes: fc.integer({ min: 1, max: 3 * 24 * 60 }) }),
  fc.record({ op: fc.constant('reopen' as const), tab: fc.nat(2) }),
  fc.record({ op: fc.constant('refresh' as const), tab: fc.nat(2) })
)

describe('withBroadcast', () => {
  it('keeps three tabs in step with no event counted twice, whatever happens to the messages', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 30 }), async (steps) => {
        const factory = new IDBFactory()
        const hub = new Hub()
        const clock = TestClock.at(at)
        const tabs = [await openTab(factory, hub, clock), await openTab(factory, hub, clock), await openTab(factory, hub, clock)]
        const recorded = new Map<string, number>(EVENTS.map((event) => [event, 0]))
        const zero = (): Map<string, number> => new Map(EVENTS.map((event) => [event, 0]))
        // What each tab recorded, and how much of it it had recorded when its last persist was called.
        const own = tabs.map(zero)
        const persistedOwn = tabs.map(zero)
        const persisted = (tab: number): void => void (persistedOwn[tab] = new Map(own[tab]!))
        const persist = async (which: ReadonlyArray<number>): Promise<void> => {
          const persisting = which.map((tab) => tabs[tab]!.store.persist())
          which.forEach(persisted)
          for (const each of await Promise.all(persisting)) expect(E.isRight(each)).toBe(true)
          // A persist that succeeded leaves in storage all that its tab recorded before it was
          // called, beside what the other tabs had persisted: whatever re-read ran meanwhile.
          const sums = await storedSums(factory, clock)
          for (const event of EVENTS) expect(sums[event] ?? 0).toBeGreaterThanOrEqual(persistedOwn.reduce((sum, tab) => sum + tab.get(event)!, 0))
        }
        const noneCountedTwice = async (settle: boolean): Promise<void> => {
          if (settle) for (const tab of tabs) await tab.shared.refresh([]) // let the delivered messages be merged
          for (const event of EVENTS) {
            for (const tab of tabs) expect(O.getOrElse(() => 0)(ever(tab.store, event))).toBeLessThanOrEqual(recorded.get(event)!)
          }
        }
        for (const s of steps) {
          if (s.op === 'record') {
            tabs[s.tab]!.store.recordCount(s.event, s.count)
            recorded.set(s.event, recorded.get(s.event)! + s.count)
            own[s.tab]!.set(s.event, own[s.tab]!.get(s.event)! + s.count)
          } else if (s.op === 'persist') await persist([s.tab])
          else if (s.op === 'deliver' && hub.pending.length > 0) {
            hub.deliver(s.index % hub.pending.length, s.keep)
            if (s.then === 'persist') await persist([0, 1, 2])
          }
          else if (s.op === 'drop' && hub.pending.length > 0) hub.pending.splice(s.index % hub.pending.length, 1)
          else if (s.op === 'advance') clock.advance({ minutes: s.minutes })
          else if (s.op === 'reopen') {
            const closing = tabs[s.tab]!.store.close() // persists what the tab recorded
            persisted(s.tab)
            expect(E.isRight(await closing)).toBe(true)
            tabs[s.tab] = await openTab(factory, hub, clock)
          } else if (s.op === 'refresh') await tabs[s.tab]!.shared.refresh()
          await noneCountedTwice(s.op !== 'deliver' || s.then === 'settle')
        }
        // Everyone persists and hears everything (a lost message is made up by a refresh): all agree.
        for (const tab of tabs) expect(E.isRight(await tab.store.persist())).toBe(true)
        for (const tab of tabs) await tab.shared.refresh()
        const shared = await stored(factory)
        for (const event of EVENTS) {
          const total = recorded.get(event)!
          const everywhere = tabs.map((tab) => ever(tab.store, event))
          if (everywhere.every(O.isNone)) expect(shared[event]).toBeUndefined() // recorded nowhere
          else expect(everywhere).toEqual(tabs.map(() => O.some(total)))
        }
        for (const tab of tabs) await tab.store.close()
        const reopened = await openTab(factory, new Hub(), clock)
        for (const event of EVENTS) if (recorded.get(event)! > 0) expect(ever(reopened.store, event)).toEqual(O.some(recorded.get(event)!))
        await reopened.store.close()
      }),
      {
        numRuns: 40,
        // Tab one persists a change; tab two hears of it and persists its own counts of the same
        // event before the re-read has merged it (a persist once lost as many counts as it merged).
        examples: [[[
          { op: 'record', tab: 0, event: 'click', count: 3 },
          { op: 'record', tab: 1, event: 'click', count: 4 },
          { op: 'persist', tab: 0 },
          { op: 'deliver', index: 0, keep: false, then: 'persist' }
        ]]]
      }
    )
  })

  it('writes all of a persist\'s own counts when another tab\'s change is merged while the persist waits', async () => {
    const { factory, hub, clock, one, two } = await twoTabs()
    two.store.recordCount('click', 4)
    one.store.recordCount('click', 3)
    expect(E.isRight(await one.store.persist())).toBe(true) // the shared counter: 3, a message on its way to tab two
    hub.deliver(0, false) // tab two starts re-reading click ...
    const persisted = two.store.persist() // ... and persists its 4 before that re-read has merged one's 3
    expect(E.isRight(await persisted)).toBe(true)
    expect(ever(two.store, 'click')).toEqual(O.some(7))
    expect(await storedSums(factory, clock)).toEqual({ click: 7 }) // both tabs' counts, with no further persist
    expect(hub.pending.map(({ data }) => data)).toEqual([{ changed: ['click'] }])
    hub.deliver(0, false)
    await one.shared.refresh([])
    expect(ever(one.store, 'click')).toEqual(O.some(7)) // tab one converges on the message alone
    expect(E.isRight(await two.store.persist())).toBe(true) // nothing of tab two's is left to add
    expect(await storedSums(factory, clock)).toEqual({ click: 7 })
    await one.store.close()
    await two.store.close()
    expect(await storedSums(factory, clock)).toEqual({ click: 7 })
  })

  it('can be attached again after an attach whose first read failed, which closed the channel it opened', async () => {
    const factory = new IDBFactory()
    const hub = new Hub()
    const one = await openTab(factory, hub, TestClock.at(at))
    one.store.recordCount('click', 2)
    await one.store.persist()
    let [opened, closed] = [0, 0]
    const channel = (): BroadcastChannelLike => {
      opened++
      const made = hub.channel()
      const close = made.close
      made.close = () => (closed++, close())
      return made
    }
    const database = await IndexedDbStorage.open('tabs', { indexedDB: factory })
    let busy = true
    const flaky = { ...database, loadAll: () => (busy ? Promise.reject(new StorageError(undefined, 'the database is busy', 'load')) : database.loadAll()) }
    const shared = withBroadcast(flaky, 'tabs', { channel })
    const store = await builder().build() // (a store built on another storage: attach reads the shared counters itself)
    await expect(shared.attach(store)).rejects.toThrow(/busy/)
    expect([opened, closed]).toEqual([1, 1])
    busy = false
    await shared.attach(store)
    expect(ever(store, 'click')).toEqual(O.some(2))
    expect([opened, closed]).toEqual([2, 1])
    one.store.record('click')
    await one.store.persist()
    hub.deliver(0, false) // the second attach listens
    await shared.refresh([])
    expect(ever(store, 'click')).toEqual(O.some(3))
    await shared.close()
    await one.store.close()
  })

  it('neither re-sends nor re-exports what it merged from another tab', async () => {
    const { factory, hub, clock, one, two } = await twoTabs()
    one.store.recordCount('click', 2)
    await one.store.persist()
    expect(hub.pending.map(({ data }) => data)).toEqual([{ changed: ['click'] }])
    hub.deliver(0, false)
    await two.shared.refresh([])
    expect(ever(two.store, 'click')).toEqual(O.some(2))
    expect(two.store.exportDirty()).toEqual({}) // what came from tab one is not tab two's to send elsewhere
    expect(E.isRight(await two.store.persist())).toBe(true)
    expect(hub.pending).toEqual([]) // tab two wrote nothing new, so it announces nothing
    expect(two.store.isDirty()).toBe(false)
    expect(ever(one.store, 'click')).toEqual(O.some(2))
    await one.store.close()
    await two.store.close()
  })

  it('keeps an event another tab still counts when this tab compacts it away', async () => {
    const { factory, hub, clock, one, two } = await twoTabs()
    one.store.record('old')
    await one.store.persist()
    hub.pending.splice(0) // tab two hears nothing
    clock.advance({ days: 400 }) // past the 12 months of the default layout
    two.store.record('old')
    await two.store.persist() // merges tab one's (now empty) counts, adds its own
    expect(E.isRight(await one.store.compact())).toBe(true) // tab one's counter is empty: it tries to delete it
    expect((await stored(factory)).old).toBeDefined()
    await one.shared.refresh()
    expect(ever(one.store, 'old')).toEqual(O.some(1))
    await one.store.close()
    await two.store.close()
  })

  it('persists a counter that replaced the stored one (delete then record, importAll) as it is, not as what it adds', async () => {
    const { factory, hub, clock, one } = await twoTabs()
    one.store.recordCount('click', 3)
    one.store.recordCount('view', 10)
    expect(E.isRight(await one.store.persist())).toBe(true)
    expect(one.store.delete('click')).toBe(true)
    one.store.record('click')
    const backup = builder(clock).build()
    backup.recordCount('view', 4)
    expect(E.isRight(one.store.importAll(backup.exportAll()))).toBe(true)
    expect(E.isRight(await one.store.persist())).toBe(true)
    expect(one.store.isDirty()).toBe(false)
    expect(await storedSums(factory, clock)).toEqual({ click: 1, view: 4 })
    expect(hub.pending.at(-1)?.data).toEqual({ changed: ['click', 'view'] })
    // Deleted in one persist, recorded again in the next: the same.
    one.store.delete('click')
    expect(E.isRight(await one.store.persist())).toBe(true)
    one.store.recordCount('click', 2)
    expect(E.isRight(await one.store.persist())).toBe(true)
    expect(await storedSums(factory, clock)).toEqual({ click: 2, view: 4 })
    await one.store.close()
    const again = await openTab(factory, new Hub(), clock)
    expect([ever(again.store, 'click'), ever(again.store, 'view')]).toEqual([O.some(2), O.some(4)])
    await again.store.close()
  })

  it('keeps what another tab added unseen when a tab replaces or deletes a counter, in storage and in that tab', async () => {
    const { factory, hub, clock, one, two } = await twoTabs()
    one.store.recordCount('click', 3)
    one.store.recordCount('view', 3)
    await one.store.persist()
    hub.pending.splice(0) // tab two hears nothing
    two.store.recordCount('click', 2)
    two.store.recordCount('view', 2)
    await two.store.persist() // the shared counters: 5 each, of which tab one has seen 3
    hub.pending.splice(0)
    const backup = builder(clock).build()
    backup.recordCount('click', 1)
    expect(E.isRight(one.store.importAll(backup.exportAll()))).toBe(true)
    one.store.delete('view')
    expect(E.isRight(await one.store.persist())).toBe(true)
    expect(await storedSums(factory, clock)).toEqual({ click: 3, view: 2 }) // tab one's 3 replaced by 1; tab two's 2 kept
    expect([ever(one.store, 'click'), ever(one.store, 'view')]).toEqual([O.some(3), O.some(2)]) // tab one holds what is stored
    expect(E.isRight(await one.store.persist())).toBe(true) // and has nothing more to add
    expect(await storedSums(factory, clock)).toEqual({ click: 3, view: 2 })
    await one.store.close()
    await two.store.close()
  })

  it('applies a message naming 5,000 events in one pass over the shared counters, with the counts that were recorded', async () => {
    const factory = new IDBFactory()
    const hub = new Hub()
    const clock = TestClock.at(at)
    const one = await openTab(factory, hub, clock)
    const { reads, tab: two } = await countingTab(factory, hub, clock)
    const events = Array.from({ length: 5_000 }, (_, i) => `event-${i}`)
    events.forEach((event, i) => one.store.recordCount(event, 1 + (i % 7)))
    expect(E.isRight(await one.store.persist())).toBe(true)
    expect((hub.pending[0]?.data as { changed: string[] }).changed).toHaveLength(5_000)
    hub.deliver(0, false)
    await two.shared.refresh([])
    // One pass, not 5,000 reads by name (each an IndexedDB request of its own).
    expect(reads).toEqual({ byName: 0, passes: 1 })
    expect(two.store.events()).toHaveLength(5_000)
    expect(events.every((event, i) => O.getOrElse(() => 0)(ever(two.store, event)) === 1 + (i % 7))).toBe(true)
    // A second persist of every event: the message adds what changed, once.
    events.forEach((event) => one.store.record(event))
    expect(E.isRight(await one.store.persist())).toBe(true)
    hub.deliver(0, false)
    await two.shared.refresh([])
    expect(reads).toEqual({ byName: 0, passes: 2 })
    expect(events.every((event, i) => O.getOrElse(() => 0)(ever(two.store, event)) === 2 + (i % 7))).toBe(true)
    expect(two.store.exportDirty()).toEqual({}) // merged from the other tab, not this tab's own
    await one.store.close()
    await two.store.close()
  })

  it('reads a short message\'s events by name, once each however often they are named', async () => {
    const factory = new IDBFactory()
    const hub = new Hub()
    const clock = TestClock.at(at)
    const one = await openTab(factory, hub, clock)
    const { reads, keysRead, tab: two } = await countingTab(factory, hub, clock)
    one.store.recordCount('click', 2)
    one.store.recordCount('view', 1)
    await one.store.persist()
    const to = hub.pending[0]!.to
    hub.pending.splice(0)
    to.onmessage?.({ data: { changed: Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? 'click' : 'view')) } })
    to.onmessage?.({ data: { changed: ['click'] } }) // heard while the first waits: read with it
    await two.shared.refresh([])
    expect(reads).toEqual({ byName: 2, passes: 0 })
    expect(keysRead).toEqual([['click', 'view']])
    expect([ever(two.store, 'click'), ever(two.store, 'view')]).toEqual([O.some(2), O.some(1)])
    await one.store.close()
    await two.store.close()
  })

  it('ignores a malformed message, and bounds a long or repeated one to one pass over the shared counters', async () => {
    const factory = new IDBFactory()
    const hub = new Hub()
    const clock = TestClock.at(at)
    const one = await openTab(factory, hub, clock)
    const { reads, tab: two } = await countingTab(factory, hub, clock)
    one.store.recordCount('click', 3)
    await one.store.persist()
    const to = hub.pending[0]!.to
    hub.pending.splice(0)
    const send = (data: unknown): unknown => to.onmessage?.({ data })
    for (const data of [null, 'click', 7, [], {}, { changed: 'click' }, { changed: { length: 1e9 } }, { changed: [1] }, { changed: [''] }, { changed: ['\uD800'] }, { changed: ['click', null] }]) send(data)
    await two.shared.refresh([])
    expect(reads).toEqual({ byName: 0, passes: 0 }) // nothing read: none of them names events
    expect(ever(two.store, 'click')).toEqual(O.none)
    // A million names, then a million of anything, then a flood of them: one pass for all, queued by the first.
    send({ changed: Array.from({ length: 1_000_000 }, (_, i) => `name-${i}`) })
    send({ changed: new Array(1_000_000).fill(0) })
    for (let i = 0; i < 1_000; i++) send({ changed: Array.from({ length: 100 }, (_, j) => `flood-${j}`) })
    await two.shared.refresh([])
    expect(reads).toEqual({ byName: 0, passes: 1 })
    expect(two.store.events()).toEqual(['click']) // only what is stored: names are never counts
    expect(ever(two.store, 'click')).toEqual(O.some(3))
    // A refresh the caller asks for refuses a name that is no storage key, with a StorageError.
    await expect(two.shared.refresh(['click', ''])).rejects.toBeInstanceOf(StorageError)
    expect(ever(two.store, 'click')).toEqual(O.some(3))
    await one.store.close()
    await two.store.close()
  })

  it('merges the shared counters of every event when something else stored one under a key that is no event name', async () => {
    const { factory, one, two } = await twoTabs()
    two.store.recordCount('click', 3)
    await two.store.persist()
    // Another script of the origin puts a counter straight into the database under the empty key.
    const bytes = BincodeFormat.serialize(two.store.exportAll().click!)
    const database = await new Promise<ReturnType<FakeFactory['open']>['result']>((resolve, reject) => {
      const request = factory.open('tabs')
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
    await new Promise((resolve, reject) => {
      const transaction = database.transaction('events', 'readwrite')
      transaction.objectStore('events').put(bytes, '')
      transaction.oncomplete = resolve
      transaction.onerror = () => reject(transaction.error)
    })
    database.close()
    await one.shared.refresh() // one pass over every shared counter, as after a lost message
    expect(ever(one.store, 'click')).toEqual(O.some(3))
    expect(one.store.events()).toEqual(['click'])
    // A tab opened now reports the foreign key and loads the rest.
    const three = await openTab(factory, new Hub(), TestClock.at(at))
    expect(ever(three.store, 'click')).toEqual(O.some(3))
    expect(three.store.loadErrors.map((error) => [error._tag, error.key])).toEqual([['DecodeError', '']])
    for (const tab of [one, two, three]) await tab.store.close()
  })

  it('converges over Node\'s own BroadcastChannel', async () => {
    const factory = new IDBFactory()
    const open = async (): Promise<Tab> => {
      const shared = withBroadcast(await IndexedDbStorage.open('real-channel', { indexedDB: factory }), `real-channel-${process.pid}`)
      const store = await builder().withStorage(shared).build()
      await shared.attach(store)
      return { shared, store }
    }
    const [one, two] = [await open(), await open()]
    one.store.recordCount('click', 2)
    two.store.recordCount('click', 3)
    await one.store.persist()
    await two.store.persist()
    const deadline = Date.now() + 10_000
    while (Date.now() < deadline && O.getOrElse(() => 0)(ever(one.store, 'click')) !== 5) await new Promise((resolve) => setTimeout(resolve, 10))
    expect([ever(one.store, 'click'), ever(two.store, 'click')]).toEqual([O.some(5), O.some(5)])
    await one.store.close()
    await two.store.close()
  })
})
