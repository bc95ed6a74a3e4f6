/**
 * Several tabs of one origin, one store each, sharing one IndexedDB database: a tab's persist adds
 * what it recorded itself to the shared counters (read and written in one transaction), then names
 * the changed events on a `BroadcastChannel`; the other tabs re-read those events and merge what
 * they did not know yet. Law: the shared counter of an event is the sum of what every tab recorded,
 * and each tab holds that sum once it has heard the last change; no event is counted twice, however
 * messages are delayed, repeated or lost (see docs/BROWSER.md, "Several tabs").
 */
import * as E from '#fp-ts/Either'
import { BincodeFormat } from '../codec/BincodeFormat.js'
import type { Formatter } from '../codec/Formatter.js'
import type { Counter } from '../Counter.js'
import { convert, merge } from '../Counter.js'
import { StorageError } from '../store/errors.js'
import { difference, hasCounts } from '../store/internal/delta.js'
import type { Layout } from '../Layout.js'
import type { Storage, Write } from '../store/Storage.js'
import { invalidStorageKey } from '../store/Storage.js'
import type { EventStore } from '../store/EventStore.js'
import type { TransactionalStorage } from './IndexedDbStorage.js'
import type { BroadcastChannelLike } from './platform.js'
import { platform } from './platform.js'

/** Why a store with a replica id cannot persist through `withBroadcast` (its tabs add plain counters). */
const REPLICATED_REFUSED = 'withBroadcast shares plain counters between tabs, and this store has a replica id: give each tab its own IndexedDbStorage database, or sync the tabs with exportReplicated and mergeReplicated (docs/SYNC.md)'

/**
 * Whether bytes hold a replicated counter, by their start (Bincode's magic `TR`, or the JSON
 * envelope's `replicated` field), without the replicated codecs (kept out of this entry's bundle).
 */
const isReplicated = (bytes: Uint8Array): boolean =>
  (bytes[0] === 0x54 && bytes[1] === 0x52) || (bytes[0] === 0x7b && new TextDecoder().decode(bytes.subarray(0, 64)).includes('"replicated":'))

/** How `withBroadcast` reads the shared counters and reaches the other tabs. */
export interface BroadcastOptions {
  /** The store's format (`withFormat`): `BincodeFormat` by default. */
  readonly format?: Formatter
  /** Opens the channel: the page's `BroadcastChannel` by default. */
  readonly channel?: (name: string) => BroadcastChannelLike
}

/**
 * Shares `storage` (an `IndexedDbStorage`) between the tabs that open it with the same
 * `channelName`: build the store on the returned storage, then `attach` it. Each persist adds this
 * tab's own counts to the shared counters and tells the other tabs, which merge them.
 *
 * @example
 * import { EventStore } from 'tiny-counter'
 * import { IndexedDbStorage, withBroadcast } from 'tiny-counter/browser'
 * import * as O from 'fp-ts/lib/Option.js'
 * const open = async () => {
 *   const shared = withBroadcast(await IndexedDbStorage.open('example-tabs'), 'example-tabs')
 *   const store = await EventStore.builder().withStorage(shared).build()
 *   await shared.attach(store)
 *   return store
 * }
 * const tab1 = await open()
 * const tab2 = await open()
 * tab1.recordCount('click', 2)
 * tab2.recordCount('click', 3)
 * await tab1.persist()
 * await tab2.persist() // adds its 3 to the stored 2, and merges tab1's 2
 * await new Promise((resolve) => setTimeout(resolve, 50)) // tab1 hears of tab2's change
 * assert.deepEqual(tab1.query('click').ever().sum(), O.some(5))
 * assert.deepEqual(tab2.query('click').ever().sum(), O.some(5))
 * await tab1.close()
 * await tab2.close()
 */
export const withBroadcast = (storage: TransactionalStorage, channelName: string, options: BroadcastOptions = {}): BroadcastStorage =>
  new BroadcastStorage(storage, channelName, options)

/** What the tabs send each other: the events whose shared counters changed. */
interface Changed {
  readonly changed: ReadonlyArray<string>
}

/** The list of names a message carries, or `undefined` when it is no message of `withBroadcast` (then it is ignored). */
const changedList = (data: unknown): ReadonlyArray<unknown> | undefined => {
  const changed = typeof data === 'object' && data !== null ? (data as { changed?: unknown }).changed : undefined
  return Array.isArray(changed) ? changed : undefined
}

/**
 * A message names at most this many events, or fewer than a quarter of the shared counters this
 * tab knows, for its counters to be read one by one: IndexedDB answers each read as a request of
 * its own (about 40 µs in Chromium, and more per read the more are waiting), while one pass over
 * every counter costs about a quarter of that per counter. A longer message is answered by one pass
 * over all of them, whatever its names (see docs/BROWSER.md, "Long and hostile messages").
 */
const READ_EACH_AT_MOST = 64

/** The names heard from other tabs whose counters wait to be re-read (`all`: every counter). */
interface Pending {
  all: boolean
  readonly names: Set<string>
}

/**
 * The storage of one tab's store among several (made by `withBroadcast`). It stores counters, not
 * any bytes: a save adds the store's own counts since it last saw the shared counter.
 *
 * @example
 * import { EventStore, StorageError } from 'tiny-counter'
 * import { IndexedDbStorage, withBroadcast } from 'tiny-counter/browser'
 * import * as E from 'fp-ts/lib/Either.js'
 * const shared = withBroadcast(await IndexedDbStorage.open('example-unattached'), 'example-unattached')
 * const store = await EventStore.builder().withStorage(shared).build()
 * store.record('click')
 * const refused = await store.persist() // not attached yet
 * assert.ok(E.isLeft(refused) && refused.left instanceof StorageError && /attach/.test(refused.left.message))
 * assert.equal(store.isDirty(), true)
 * await shared.attach(store)
 * assert.ok(E.isRight(await store.persist()))
 * await store.close()
 */
export class BroadcastStorage implements Storage {
  /** What this tab last saw of each shared counter: the base its own counts are measured from. */
  private readonly seen = new Map<string, Counter>()
  private store: EventStore | undefined
  private channel: BroadcastChannelLike | undefined
  private readonly format: Formatter
  private queue: Promise<unknown> = Promise.resolve()
  /** What messages named, waiting for the re-read the first of them queued. */
  private pending: Pending | undefined

  /** Use `withBroadcast`. */
  constructor(
    private readonly shared: TransactionalStorage,
    /** The name of the `BroadcastChannel` the tabs talk on. */
    readonly channelName: string,
    private readonly options: BroadcastOptions = {}
  ) {
    this.format = options.format ?? BincodeFormat
  }

  /**
   * Connects the store built on this storage: merges what other tabs persisted since it loaded,
   * then listens for their changes. Call it once, right after `build()`; if it rejects (the first
   * read failed), nothing is attached and it may be called again.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * import { IndexedDbStorage, withBroadcast } from 'tiny-counter/browser'
   * import * as O from 'fp-ts/lib/Option.js'
   * const shared = withBroadcast(await IndexedDbStorage.open('example-attach'), 'example-attach')
   * const store = await EventStore.builder().withStorage(shared).build()
   * await shared.attach(store)
   * store.record('click')
   * await store.close()
   * const reopened = withBroadcast(await IndexedDbStorage.open('example-attach'), 'example-attach')
   * const again = await EventStore.builder().withStorage(reopened).build()
   * await reopened.attach(again)
   * assert.deepEqual(again.query('click').ever().sum(), O.some(1))
   * await again.close()
   */
  attach(store: EventStore): Promise<void> {
    if (this.store !== undefined) return Promise.reject(new StorageError(undefined, 'a store is attached already: one store per withBroadcast', 'attach'))
    const open = this.options.channel ?? (platform.BroadcastChannel === undefined ? undefined : (name: string) => new platform.BroadcastChannel!(name))
    if (open === undefined) return Promise.reject(new StorageError(undefined, 'there is no BroadcastChannel here: pass a channel to withBroadcast', 'attach'))
    let channel: BroadcastChannelLike
    try {
      channel = open(this.channelName)
    } catch (cause) {
      return Promise.reject(new StorageError(undefined, cause, 'attach'))
    }
    this.store = store
    this.channel = channel
    // A failed re-read changes nothing: the next message or persist of that event reads it again.
    channel.onmessage = (event) => this.heard(event.data)
    // A first read that fails leaves this storage unattached, as it was, so that attach can be tried again.
    return this.refresh(undefined).catch((error: unknown) => {
      channel.close()
      this.channel = undefined
      this.store = undefined
      throw error
    })
  }

  /**
   * The shared bytes of `key` (what every tab persisted), or `undefined`.
   *
   * @example
   * import { IndexedDbStorage, withBroadcast } from 'tiny-counter/browser'
   * const shared = withBroadcast(await IndexedDbStorage.open('example-shared-load'), 'example-shared-load')
   * assert.equal(await shared.load('never-stored'), undefined)
   * await shared.close()
   */
  readonly load = async (key: string): Promise<Uint8Array | undefined> => {
    const bytes = await this.shared.load(key)
    this.see(key, bytes)
    return bytes
  }

  /**
   * Every shared key with its bytes, sorted by key (what the store loads when it is built).
   *
   * @example
   * import { IndexedDbStorage, withBroadcast } from 'tiny-counter/browser'
   * const shared = withBroadcast(await IndexedDbStorage.open('example-shared-all'), 'example-shared-all')
   * assert.deepEqual(await shared.loadAll(), [])
   * await shared.close()
   */
  readonly loadAll = async (): Promise<ReadonlyArray<readonly [string, Uint8Array]>> => {
    const entries = await this.shared.loadAll()
    for (const [key, bytes] of entries) this.see(key, bytes)
    return entries
  }

  /**
   * Every shared key, sorted.
   *
   * @example
   * import { IndexedDbStorage, withBroadcast } from 'tiny-counter/browser'
   * const shared = withBroadcast(await IndexedDbStorage.open('example-shared-keys'), 'example-shared-keys')
   * assert.deepEqual(await shared.listKeys(), [])
   * await shared.close()
   */
  readonly listKeys = (): Promise<ReadonlyArray<string>> => this.shared.listKeys()

  /**
   * Adds the counts that this tab recorded itself to the shared counter of `key` (what the store's
   * persist does, through `batch`): those of the store's counter when the write runs (so counts
   * recorded after `data` was taken go too), or of `data` when the store holds no such counter;
   * bytes that are not a counter are refused.
   *
   * @example
   * import { EventStore, StorageError } from 'tiny-counter'
   * import { IndexedDbStorage, withBroadcast } from 'tiny-counter/browser'
   * const shared = withBroadcast(await IndexedDbStorage.open('example-shared-save'), 'example-shared-save')
   * const store = await EventStore.builder().withStorage(shared).build()
   * await shared.attach(store)
   * await assert.rejects(shared.save('click', new Uint8Array([1, 2, 3])), StorageError)
   * assert.deepEqual(await shared.listKeys(), [])
   * await store.close()
   */
  readonly save = (key: string, data: Uint8Array): Promise<void> => this.batch([{ key, data }])

  /**
   * Takes out of the shared counter of `key` what this tab has seen of it: the key is removed,
   * unless another tab added counts that this tab has not seen (those stay, and are merged here).
   * A write of `key` after it in one batch is a counter that replaced the shared one (how a store's
   * persist writes an event after `delete` then a record, or `importAll`): it is added whole.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * import { IndexedDbStorage, withBroadcast } from 'tiny-counter/browser'
   * const shared = withBroadcast(await IndexedDbStorage.open('example-shared-delete'), 'example-shared-delete')
   * const store = await EventStore.builder().withStorage(shared).build()
   * await shared.attach(store)
   * store.record('click')
   * await store.persist()
   * await shared.delete('click')
   * assert.deepEqual(await shared.listKeys(), [])
   * await store.close()
   */
  readonly delete = (key: string): Promise<void> => this.batch([{ key, delete: true }])

  /**
   * Applies the writes in one transaction of the shared storage: each saved counter adds this
   * tab's own counts to the shared one (measured on the store's counter when the write runs, not
   * when persist was called: a change of another tab merged in between cuts none of them), and
   * what other tabs added meanwhile is merged into the attached store. Then tells the other tabs
   * which events changed.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * import { IndexedDbStorage, withBroadcast } from 'tiny-counter/browser'
   * import * as O from 'fp-ts/lib/Option.js'
   * const database = await IndexedDbStorage.open('example-shared-batch')
   * const shared = withBroadcast(database, 'example-shared-batch')
   * const store = await EventStore.builder().withStorage(shared).build()
   * await shared.attach(store)
   * store.recordCount('click', 4)
   * store.recordCount('scroll', 1)
   * await store.persist() // one batch, one transaction
   * assert.deepEqual(await database.listKeys(), ['click', 'scroll'])
   * await store.close()
   */
  readonly batch = (writes: ReadonlyArray<Write>): Promise<void> =>
    this.exclusive(async () => {
      const store = this.attached('save')
      const keys = [...new Set(writes.map((write) => write.key))]
      const seen = new Map(this.seen)
      const others = new Map<string, Counter>()
      const changed = new Set<string>()
      // Keys deleted earlier in this batch: a write of one after it is a counter that replaced it.
      const replaced = new Set<string>()
      await this.shared.update(keys, (bytes) => {
        const stored = new Map(keys.map((key, i) => [key, this.decode(key, bytes[i], store.layout)] as const))
        const out: Write[] = []
        for (const write of writes) {
          const { key } = write
          const base = seen.get(key)
          const current = stored.get(key)
          const theirs = current === undefined ? undefined : difference(current, base && convert(base, store.layout))
          if (theirs !== undefined && (base === undefined || hasCounts(theirs))) others.set(key, others.has(key) ? merge(others.get(key)!, theirs) : theirs)
          if ('delete' in write) {
            // What this tab had seen goes; what other tabs added that it had not seen stays (and
            // is merged into the store below), so that the shared counter is what the store holds.
            const kept = theirs !== undefined && hasCounts(theirs) ? theirs : undefined
            out.push(kept === undefined ? write : { key, data: this.format.serialize(kept) })
            changed.add(key)
            replaced.add(key)
            if (kept === undefined) {
              seen.delete(key)
              stored.delete(key)
            } else {
              seen.set(key, kept)
              stored.set(key, kept)
            }
          } else {
            const written = this.decode(key, write.data, store.layout)
            if (written === undefined) {
              throw new StorageError(key, isReplicated(write.data) ? REPLICATED_REFUSED : `the data is not a counter in the ${this.format.name} format`, 'save')
            }
            // The bytes were taken when persist was called; a re-read queued before this write may
            // have merged other tabs' counts into the store and into `seen` since. Measured against
            // that `seen`, the bytes would lack those counts and this tab's own would be cut by as
            // many. The store's counter now matches `seen` (both change only in these queued steps,
            // and recording adds only this tab's counts), so it is what is measured.
            // A counter that replaced the shared one (deleted above) holds nothing of it: all its own.
            const counter = store.heldCounter(key) ?? written
            const mine = replaced.has(key) ? counter : difference(counter, base && convert(base, store.layout))
            const next = current === undefined ? mine : merge(current, mine)
            if (current === undefined || hasCounts(mine)) {
              out.push({ key, data: this.format.serialize(next) })
              changed.add(key)
            }
            seen.set(key, next)
            stored.set(key, next)
          }
        }
        return out
      })
      this.seen.clear()
      for (const [key, counter] of seen) this.seen.set(key, counter)
      if (others.size > 0) store.mergeAll(others)
      if (changed.size > 0) this.channel?.postMessage({ changed: [...changed] } satisfies Changed)
    })

  /**
   * Stops listening and closes the shared storage (the store's `close` calls it).
   *
   * @example
   * import { IndexedDbStorage, withBroadcast } from 'tiny-counter/browser'
   * const shared = withBroadcast(await IndexedDbStorage.open('example-shared-close'), 'example-shared-close')
   * await shared.close()
   */
  readonly close = async (): Promise<void> => {
    this.channel?.close()
    this.channel = undefined
    await this.exclusive(() => this.shared.close())
  }

  /**
   * Re-reads the shared counters of `keys` (every one when `undefined`) and merges what other tabs
   * added, after any read or write already queued: what a message from another tab does. Call it
   * when messages may have been missed (a page back from the background cache, a tab that was
   * frozen), or to wait until the messages received so far are merged (`refresh([])`). A list of
   * more than 64 keys that is at least a quarter of the shared counters this tab knows is read as
   * every counter, in one pass (cheaper than a read per key); a key that is no storage key makes it
   * reject with a `StorageError`, reading nothing.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * import { IndexedDbStorage, withBroadcast } from 'tiny-counter/browser'
   * import * as O from 'fp-ts/lib/Option.js'
   * const quiet = { postMessage: () => undefined, close: () => undefined, onmessage: null } // a channel that loses every message
   * const open = async () => {
   *   const shared = withBroadcast(await IndexedDbStorage.open('example-refresh'), 'example-refresh', { channel: () => quiet })
   *   const store = await EventStore.builder().withStorage(shared).build()
   *   await shared.attach(store)
   *   return { shared, store }
   * }
   * const one = await open()
   * const two = await open()
   * two.store.recordCount('click', 3)
   * await two.store.persist()
   * assert.deepEqual(one.store.query('click').ever().sum(), O.none) // the message was lost
   * await one.shared.refresh()
   * assert.deepEqual(one.store.query('click').ever().sum(), O.some(3))
   * await one.shared.refresh() // again: nothing new, nothing counted twice
   * assert.deepEqual(one.store.query('click').ever().sum(), O.some(3))
   * await one.store.close()
   * await two.store.close()
   */
  refresh(keys?: ReadonlyArray<string>): Promise<void> {
    for (const key of keys ?? []) {
      const problem = invalidStorageKey(key)
      if (problem !== undefined) return Promise.reject(new StorageError(typeof key === 'string' ? key : undefined, problem, 'refresh'))
    }
    return this.exclusive(() => this.reread(keys === undefined || this.readsAll(keys.length) ? undefined : [...new Set(keys)]))
  }

  /** Whether `count` names are re-read by one pass over every shared counter (see `READ_EACH_AT_MOST`). */
  private readsAll(count: number): boolean {
    return count > READ_EACH_AT_MOST && count * 4 >= this.seen.size
  }

  /**
   * A message from another tab: its names join those waiting to be re-read, in one re-read queued
   * by the first of them. Messages heard while it waits add no work of their own, and a message
   * naming many events (or anything at all, past `READ_EACH_AT_MOST`) costs one pass over the
   * shared counters, never a read per name. A message of another shape, or naming something that
   * is no storage key, is ignored.
   */
  private heard(data: unknown): void {
    const list = changedList(data)
    if (list === undefined) return
    const first = this.pending === undefined
    const pending = (this.pending ??= { all: false, names: new Set() })
    if (!pending.all) {
      if (this.readsAll(pending.names.size + list.length)) {
        pending.all = true
        pending.names.clear()
      } else if (list.every((name) => invalidStorageKey(name) === undefined)) {
        for (const name of list as ReadonlyArray<string>) pending.names.add(name)
      }
    }
    if (!first) return
    // A failed re-read changes nothing: the next message or persist of those events reads them again.
    this.exclusive(() => {
      const { all, names } = pending
      this.pending = undefined
      return this.reread(all ? undefined : [...names])
    }).catch(() => undefined)
  }

  /** Re-reads the shared counters of `keys` (distinct; every one when `undefined`) and merges what other tabs added. */
  private async reread(keys: ReadonlyArray<string> | undefined): Promise<void> {
    const store = this.attached('attach')
    let entries: Array<readonly [string, Uint8Array | undefined]>
    if (keys === undefined) {
      const all = await this.shared.loadAll()
      const present = new Set(all.map(([key]) => key))
      entries = [...all, ...[...this.seen.keys()].filter((key) => !present.has(key)).map((key) => [key, undefined] as const)]
    } else if (keys.length === 0) {
      entries = [] // only waits for what was queued before
    } else {
      let read: ReadonlyArray<Uint8Array | undefined> = []
      await this.shared.update(keys, (bytes) => ((read = bytes), []))
      entries = keys.map((key, i) => [key, read[i]] as const)
    }
    const others = new Map<string, Counter>()
    for (const [key, bytes] of entries) {
      const current = this.decode(key, bytes, store.layout)
      const base = this.seen.get(key)
      if (current === undefined) {
        this.seen.delete(key)
        continue
      }
      const theirs = difference(current, base && convert(base, store.layout))
      if (base === undefined || hasCounts(theirs)) others.set(key, theirs)
      this.seen.set(key, current)
    }
    if (others.size > 0) store.mergeAll(others)
  }

  private see(key: string, bytes: Uint8Array | undefined): void {
    if (bytes === undefined) return void this.seen.delete(key)
    const decoded = this.format.deserialize(key, bytes)
    if (E.isRight(decoded)) this.seen.set(key, decoded.right)
  }

  /**
   * The counter in `bytes` in `layout`, or `undefined` when there are none, they do not decode, or
   * `key` is no event's (something else wrote it: empty, or not well-formed Unicode). So what is
   * merged into the store holds only counters under event names, which `mergeAll` never refuses.
   */
  private decode(key: string, bytes: Uint8Array | undefined, layout: Layout): Counter | undefined {
    if (bytes === undefined || invalidStorageKey(key) !== undefined) return undefined
    const decoded = this.format.deserialize(key, bytes)
    return E.isRight(decoded) ? convert(decoded.right, layout) : undefined
  }

  private attached(operation: string): EventStore {
    if (this.store === undefined) throw new StorageError(undefined, 'no store is attached: call attach(store) after build()', operation)
    return this.store
  }

  /** Runs one read-merge or write at a time, in order, so that `seen` always matches the store. */
  private exclusive<A>(task: () => Promise<A>): Promise<A> {
    const run = this.queue.then(task, task)
    this.queue = run.catch(() => undefined)
    return run
  }
}
