// The page of test/browser/chromium.test.ts, bundled for the browser: a store on the page's real
// IndexedDB or localStorage, driven by the test through `globalThis.harness`. Every function
// answers with plain data (what the test compares), never with the store itself.
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { BincodeFormat, EventStore, StorageError, TestClock } from 'tiny-counter'
import type { Storage } from 'tiny-counter'
import { IndexedDbStorage, WebStorage, withBroadcast } from 'tiny-counter/browser'
import type { BroadcastChannelLike, BroadcastStorage } from 'tiny-counter/browser'
import type { IdbObjectStore } from '../../../src/browser/platform.js'

/** One fixed instant, so that a page and its reload give the same answers. */
const clock = TestClock.at(Date.UTC(2026, 5, 1, 12))
const build = (storage: Storage): Promise<EventStore> => EventStore.builder().timeZone('Europe/Berlin').withClock(clock).withStorage(storage).build()
const some = (answer: O.Option<number>): number | null => (O.isSome(answer) ? answer.value : null)

/** What the test compares before and after a reload. */
const answers = (store: EventStore) => ({
  events: [...store.events()].sort(),
  launchesThisWeek: some(store.query('app_launch').lastDays(7).sum()),
  activeDays: some(store.query('app_launch').lastDays(28).countNonzero()),
  apiLastHour: some(store.query('api_call').lastHours(1).sum()),
  unknown: some(store.query('never').lastDays(7).sum()),
  loadErrors: store.loadErrors.length,
  dirty: store.isDirty()
})

const record = (store: EventStore): void => {
  for (const daysAgo of [0, 0, 1, 3, 10]) store.recordAgo('app_launch', { days: daysAgo })
  store.recordCount('api_call', 42)
}

const storages = {
  indexedDb: (name: string): Promise<Storage> => IndexedDbStorage.open(name),
  localStorage: async (name: string): Promise<Storage> => new WebStorage(localStorage, { prefix: `${name}:` })
}
type Kind = keyof typeof storages

/** Runs `write` on the object store of the database `name` in one transaction, as other code may. */
const rawWrite = (name: string, write: (events: IdbObjectStore) => void): Promise<void> =>
  new Promise<void>((resolve, reject) => {
    const request = indexedDB.open(name, 1)
    request.onsuccess = () => {
      const db = request.result
      const transaction = db.transaction('events', 'readwrite')
      write(transaction.objectStore('events'))
      transaction.oncomplete = () => (db.close(), resolve())
      transaction.onerror = () => reject(transaction.error)
    }
    request.onerror = () => reject(request.error)
  })

let tab: { readonly shared: BroadcastStorage; readonly store: EventStore } | undefined

/** Storages opened for the storage contract (test/browser/contract.test.ts), by id. */
const opened = new Map<string, Storage>()

/** An argument or answer on its way between Node and the page: bytes travel as `{ base64 }`. */
type Wire = { readonly base64: string } | string | number | boolean | null | undefined | Wire[]
const fromWire = (value: unknown): unknown =>
  typeof value === 'object' && value !== null && 'base64' in value
    ? Uint8Array.from(atob((value as { base64: string }).base64), (char) => char.charCodeAt(0))
    : Array.isArray(value) ? value.map(fromWire) : value
const toWire = (value: unknown): Wire => {
  if (!(value instanceof Uint8Array)) return Array.isArray(value) ? value.map(toWire) : (value as Wire)
  let text = ''
  for (let i = 0; i < value.length; i += 0x8000) text += String.fromCharCode(...value.subarray(i, i + 0x8000))
  return { base64: btoa(text) }
}
const writesFromWire = (writes: unknown): unknown =>
  Array.isArray(writes) ? writes.map((write: Record<string, unknown>) => ('data' in write ? { ...write, data: fromWire(write.data) } : write)) : writes

const harness = {
  /** Records into a fresh store on `kind`, persists, closes; the answers as they were before closing. */
  async recordAndPersist(kind: Kind, name: string) {
    const store = await build(await storages[kind](name))
    record(store)
    const persisted = await store.persist()
    const before = answers(store)
    await store.close()
    return { persisted: E.isRight(persisted), ...before }
  },
  /** Opens a store on what `kind` holds and answers. */
  async reopen(kind: Kind, name: string) {
    const store = await build(await storages[kind](name))
    const out = answers(store)
    await store.close()
    return out
  },
  /** Keys and values that a WebStorage under `name` wrote. */
  localStorageUnder(name: string) {
    const out: Array<[string, string]> = []
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i)!
      if (key.startsWith(`${name}:`)) out.push([key, localStorage.getItem(key)!])
    }
    return out.sort()
  },
  /**
   * Fills localStorage (under other keys) until it refuses, then persists a store on it: the
   * refusal, what the area holds under the store's prefix before and after, and whether the events
   * stayed dirty; then frees the room and persists again.
   */
  async quota(name: string) {
    const store = await build(new WebStorage(localStorage, { prefix: `${name}:` }))
    store.recordCount('first', 1)
    const first = await store.persist()
    const before = harness.localStorageUnder(name)
    const fillers: string[] = []
    for (let size = 1 << 20; size >= 16; size >>= 1) {
      const chunk = 'x'.repeat(size)
      for (;;) {
        try {
          localStorage.setItem(`filler-${fillers.length}`, chunk)
          fillers.push(`filler-${fillers.length}`)
        } catch {
          break
        }
      }
    }
    for (let i = 0; i < 50; i++) store.record(`event-${i}`)
    store.recordCount('first', 1)
    const refused = await store.persist()
    const after = harness.localStorageUnder(name)
    const dirtyAfterRefusal = store.isDirty()
    for (const key of fillers) localStorage.removeItem(key)
    const retried = await store.persist()
    const out = {
      first: E.isRight(first),
      refused: E.isLeft(refused)
        ? { isStorageError: refused.left instanceof StorageError, tag: refused.left._tag, cause: (refused.left.cause as { name?: string }).name, message: refused.left.message }
        : null,
      keptPrevious: JSON.stringify(before) === JSON.stringify(after),
      dirtyAfterRefusal,
      retried: E.isRight(retried),
      dirtyAfterRetry: store.isDirty(),
      stored: harness.localStorageUnder(name).length
    }
    await store.close()
    return out
  },
  /**
   * Puts values of other shapes beside a counter in the database `name` (bytes as an ArrayBuffer and
   * as a DataView, text, an array of numbers), then opens a store on it: what it loaded, and what it
   * reported.
   */
  async foreignValues(name: string) {
    const first = await build(await IndexedDbStorage.open(name))
    first.recordCount('counted', 3)
    await first.close()
    const reader = await IndexedDbStorage.open(name)
    const bytes = (await reader.load('counted'))!
    await reader.close()
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.open(name, 1)
      request.onsuccess = () => {
        const db = request.result
        const transaction = db.transaction('events', 'readwrite')
        const events = transaction.objectStore('events')
        events.put(bytes.slice().buffer, 'buffer')
        events.put(new DataView(Uint8Array.from([0, ...bytes, 0]).buffer, 1, bytes.length), 'view')
        events.put(Array.from(bytes), 'numbers')
        events.put('not bytes', 'text')
        transaction.oncomplete = () => (db.close(), resolve())
        transaction.onerror = () => reject(transaction.error)
      }
      request.onerror = () => reject(request.error)
    })
    const store = await build(await IndexedDbStorage.open(name))
    const out = {
      events: [...store.events()].sort(),
      sums: store.events().map((event) => some(store.query(event).ever().sum())),
      loadErrors: store.loadErrors.map((error) => [error._tag, error.key])
    }
    await store.close()
    return out
  },
  /**
   * Puts keys at the ends of code-unit order and values of every shape (bytes, an ArrayBuffer, a
   * DataView, text, numbers, null, undefined) into the database `name`, then hands `update` 300
   * pseudo-random sets of keys (present, absent, repeated): the sets whose values differ from a
   * `load` of each key, and how many read requests an update of many keys placed.
   */
  async updateMany(name: string) {
    const storage = await IndexedDbStorage.open(name)
    const keys = ['a', 'ab', 'é', 'z', '\u0000x', '\u{1F600}', '\u{10000}', '\uffff', '\uffff\uffff', '\ud7ff', '\ue000', ...Array.from({ length: 12 }, (_, i) => `k${i}`)]
    const shapes = [
      (i: number): unknown => Uint8Array.from([i, 1]),
      (i: number): unknown => Uint8Array.from([i, 2]).buffer,
      (i: number): unknown => new DataView(Uint8Array.from([9, i, 3]).buffer, 1, 2),
      (i: number): unknown => `text ${i}`,
      (i: number): unknown => [i],
      (): unknown => null,
      (): unknown => undefined
    ]
    let seed = 7
    const next = (below: number): number => ((seed = (seed * 48271) % 0x7fffffff), seed % below)
    const mismatches: unknown[] = []
    for (let round = 0; round < 300; round++) {
      const stored = keys.filter(() => next(3) > 0)
      await rawWrite(name, (events) => {
        keys.forEach((key, i) => (stored.includes(key) ? events.put(shapes[next(shapes.length)]!(i), key) : events.delete(key)))
        events.put(Uint8Array.from([7]), 7 as unknown as string) // a key of another type, outside every range of strings
      })
      const asked = Array.from({ length: next(40) }, () => keys[next(keys.length)]!)
      let values: ReadonlyArray<Uint8Array | undefined> = []
      await storage.update(asked, (current) => ((values = current), []))
      const oneByOne = await Promise.all(asked.map((key) => storage.load(key)))
      if (JSON.stringify(values.map((value) => value && [...value])) !== JSON.stringify(oneByOne.map((value) => value && [...value]))) mismatches.push(asked)
    }
    // Read requests of the page's own IndexedDB, counted.
    let requests = 0
    const { prototype } = (globalThis as unknown as { IDBObjectStore: { prototype: Record<string, (...args: unknown[]) => unknown> } }).IDBObjectStore
    const originals = Object.fromEntries(['get', 'getAll', 'getAllKeys', 'count', 'openCursor'].map((method) => [method, prototype[method]!]))
    for (const [method, original] of Object.entries(originals)) prototype[method] = function (this: unknown, ...args: unknown[]) { return (requests++, original.apply(this, args)) }
    const requestsOf = async (asked: ReadonlyArray<string>): Promise<number> => {
      requests = 0
      await storage.update(asked, () => [])
      return requests
    }
    const many = Array.from({ length: 1_000 }, (_, i) => `event-${String(i).padStart(4, '0')}`)
    await storage.batch(many.map((key) => ({ key, data: Uint8Array.from([1]) })))
    const out = {
      mismatches,
      stored: await requestsOf(many),
      absent: await requestsOf(many.map((key) => `${key}-new`)),
      spread: await requestsOf(Array.from({ length: 10 }, (_, i) => many[i * 99]!)),
      few: await requestsOf(many.slice(0, 3))
    }
    Object.assign(prototype, originals)
    await storage.close()
    return out
  },
  /**
   * Opens this tab's store on the shared database `name`, announcing on the channel `name` (or
   * `channelName`: tabs on different channels never hear each other, as when messages are lost). With
   * `persistOnMessage`, the tab persists the moment it hears of another tab's change, right after
   * withBroadcast has started re-reading it: its persist then waits behind that re-read.
   */
  async openTab(name: string, persistOnMessage = false, channelName = name) {
    let store: EventStore | undefined
    const channel = (channelName: string): BroadcastChannelLike => {
      const real = new BroadcastChannel(channelName)
      const like: BroadcastChannelLike = { postMessage: (message) => real.postMessage(message), close: () => real.close(), onmessage: null }
      real.onmessage = (event) => {
        like.onmessage?.(event)
        if (persistOnMessage) void store?.persist()
      }
      return like
    }
    const shared = withBroadcast(await IndexedDbStorage.open(name), channelName, { channel })
    store = await build(shared)
    await shared.attach(store)
    tab = { shared, store }
  },
  /** Records `times` clicks, not persisting them. */
  recordClicks(times: number) {
    tab!.store.recordCount('click', times)
  },
  /** Records `times` clicks, persisting after every `every`. */
  async clicks(times: number, every: number) {
    for (let i = 1; i <= times; i++) {
      tab!.store.record('click')
      if (i % every === 0) {
        const persisted = await tab!.store.persist()
        if (E.isLeft(persisted)) throw persisted.left
      }
    }
    const persisted = await tab!.store.persist()
    if (E.isLeft(persisted)) throw persisted.left
  },
  /** Opens a storage of `kind` named `name` for the contract; its id. */
  async openStorage(kind: Kind, name: string) {
    opened.set(name, await storages[kind](name))
    return name
  },
  /** Calls `method` of the storage `id` with `args`; the answer, or the error as plain data. */
  async callStorage(id: string, method: 'load' | 'save' | 'delete' | 'listKeys' | 'loadAll' | 'batch' | 'close', args: unknown[]) {
    const storage = opened.get(id)!
    const decoded = method === 'batch' ? [writesFromWire(args[0])] : args.map(fromWire)
    try {
      const answer = await (storage[method] as (...a: unknown[]) => Promise<unknown>)(...decoded)
      return { answer: toWire(answer) }
    } catch (error) {
      const e = error as { _tag?: string; key?: string; message?: string; name?: string }
      return { error: { isStorageError: error instanceof StorageError, _tag: e._tag, key: e.key, message: e.message, name: e.name } }
    }
  },
  /** Puts this tab's click counter straight into the database `name` under the empty key, as another script of the origin may: a key no store writes. */
  async putForeignClicks(name: string) {
    const bytes = BincodeFormat.serialize(tab!.store.exportAll().click!)
    await rawWrite(name, (events) => events.put(bytes, ''))
  },
  /** This tab's store's events and load errors (tag and key of each). */
  tabEvents: () => ({ events: [...tab!.store.events()].sort(), loadErrors: tab!.store.loadErrors.map((error) => [error._tag, 'key' in error ? error.key : null]) }),
  /** Re-reads every shared counter (what a page does when messages may have been missed); this tab's count of clicks then. */
  async refreshTab() {
    await tab!.shared.refresh()
    return some(tab!.store.query('click').ever().sum())
  },
  /** This tab's count of clicks (`null`: none known). */
  tabClicks: () => some(tab!.store.query('click').ever().sum()),
  async closeTab() {
    const closed = await tab!.store.close()
    if (E.isLeft(closed)) throw closed.left
    tab = undefined
  }
}

export type Harness = typeof harness

Object.assign(globalThis, { harness, ready: true })
