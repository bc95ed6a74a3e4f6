/**
 * A storage in a Web Storage area (`localStorage`, `sessionStorage`) for small stores: each event
 * under `prefix + name`, its bytes as base64 text. A full area (`QuotaExceededError`) rejects with
 * a `StorageError` and undoes what the batch had written, so the store keeps its events dirty and
 * the area keeps its previous values. Two prefixes where one starts the other would share keys
 * (`app:` + `beta:click` is `app:beta:` + `click`): in one page, a WebStorage refuses a prefix
 * nested with one that another WebStorage uses on the same area.
 */
import { StorageError } from '../store/errors.js'
import type { Storage, Write } from '../store/Storage.js'
import { invalidStorageKey } from '../store/Storage.js'
import type { WebStorageArea } from './platform.js'

/** Where `WebStorage` keeps its keys. */
export interface WebStorageOptions {
  /**
   * Put before every event name, to keep these keys apart from the page's others (default
   * `tiny-counter:`). Neither this prefix nor another WebStorage's on the same area may start the other.
   */
  readonly prefix?: string
}

/**
 * The prefixes in use on each area in this page, with how many WebStorages use each: one that
 * nests with another (one starts the other, and they differ) would see and delete its events.
 */
const inUse = new WeakMap<WebStorageArea, Map<string, number>>()

/**
 * A `Storage` in `localStorage` (or any Web Storage area): synchronous underneath, so every call
 * settles at once; a few hundred events with the default layout fit in the usual 5 MB quota (see
 * docs/BROWSER.md). Only keys under the prefix are read, listed or touched. A WebStorage uses its
 * prefix on the area from when it is made until `close()` (and again from its next call): while
 * another one uses a prefix nested with it (`app:` and `app:beta:`, or `''` and any other), every
 * call rejects with a `StorageError`, as the prefixes would share keys. Within one page only: the
 * prefixes of other pages on the same area must not nest either.
 *
 * @example
 * import { EventStore } from 'tiny-counter'
 * import { WebStorage } from 'tiny-counter/browser'
 * import * as O from 'fp-ts/lib/Option.js'
 * const first = await EventStore.builder().withStorage(new WebStorage(localStorage, { prefix: 'example-app:' })).build()
 * first.recordCount('launch', 3)
 * await first.close()
 * assert.ok(localStorage.getItem('example-app:launch') !== null) // base64 text
 * const again = await EventStore.builder().withStorage(new WebStorage(localStorage, { prefix: 'example-app:' })).build()
 * assert.deepEqual(again.query('launch').lastDays(1).sum(), O.some(3))
 * await again.close()
 */
export class WebStorage implements Storage {
  /** Put before every event name. */
  readonly prefix: string

  /** Whether this storage counts in `inUse` (from when it is made, or its next call, until `close()`). */
  private using = false

  constructor(
    /** The area: `localStorage`, `sessionStorage`, or anything with the same five members. */
    private readonly area: WebStorageArea,
    options: WebStorageOptions = {}
  ) {
    this.prefix = options.prefix ?? 'tiny-counter:'
    if (typeof area === 'object' && area !== null) this.use()
  }

  /**
   * The bytes stored under `key`, or `undefined`. A value that is not base64 (put there by
   * something else) comes back as its text's UTF-8 bytes, which the store reports as undecodable.
   *
   * @example
   * import { WebStorage } from 'tiny-counter/browser'
   * const storage = new WebStorage(localStorage, { prefix: 'example-load:' })
   * assert.equal(await storage.load('never-stored'), undefined)
   * await storage.save('launch', new Uint8Array([1, 2, 3]))
   * assert.equal(localStorage.getItem('example-load:launch'), 'AQID')
   * assert.deepEqual(await storage.load('launch'), new Uint8Array([1, 2, 3]))
   */
  readonly load = async (key: string): Promise<Uint8Array | undefined> => {
    check(key, 'load')
    const text = this.attempt(key, 'load', () => this.area.getItem(this.prefix + key))
    return text === null ? undefined : decode(text)
  }

  /**
   * Stores `data` under `key` as base64; a full area rejects with a `StorageError` and keeps the
   * previous value.
   *
   * @example
   * import { WebStorage } from 'tiny-counter/browser'
   * const storage = new WebStorage(localStorage, { prefix: 'example-save:' })
   * await storage.save('launch', new Uint8Array([255]))
   * assert.deepEqual(await storage.load('launch'), new Uint8Array([255]))
   */
  readonly save = (key: string, data: Uint8Array): Promise<void> => this.batch([{ key, data }])

  /**
   * Removes `key`; removing a key that is not there is fine.
   *
   * @example
   * import { WebStorage } from 'tiny-counter/browser'
   * const storage = new WebStorage(localStorage, { prefix: 'example-delete:' })
   * await storage.save('launch', new Uint8Array([1]))
   * await storage.delete('launch')
   * await storage.delete('never-stored')
   * assert.deepEqual(await storage.listKeys(), [])
   */
  readonly delete = (key: string): Promise<void> => this.batch([{ key, delete: true }])

  /**
   * Every key under the prefix (without it), sorted.
   *
   * @example
   * import { WebStorage } from 'tiny-counter/browser'
   * localStorage.setItem('theme', 'dark') // the page's own keys are left alone
   * const storage = new WebStorage(localStorage, { prefix: 'example-keys:' })
   * await storage.save('b', new Uint8Array([1]))
   * await storage.save('a', new Uint8Array([2]))
   * assert.deepEqual(await storage.listKeys(), ['a', 'b'])
   */
  readonly listKeys = async (): Promise<ReadonlyArray<string>> => this.attempt(undefined, 'list the keys', () => this.keys())

  /**
   * Every key under the prefix with its bytes, sorted by key.
   *
   * @example
   * import { WebStorage } from 'tiny-counter/browser'
   * const storage = new WebStorage(localStorage, { prefix: 'example-load-all:' })
   * await storage.batch([{ key: 'b', data: new Uint8Array([2]) }, { key: 'a', data: new Uint8Array([1]) }])
   * assert.deepEqual(await storage.loadAll(), [['a', new Uint8Array([1])], ['b', new Uint8Array([2])]])
   */
  readonly loadAll = async (): Promise<ReadonlyArray<readonly [string, Uint8Array]>> =>
    this.attempt(undefined, 'load', () => this.keys().map((key) => [key, decode(this.area.getItem(this.prefix + key) ?? '')] as const))

  /**
   * Applies the writes in order, all or nothing as far as Web Storage allows: an invalid write is
   * refused before anything is written, and when the area refuses one (full), the writes already
   * made are undone before the `StorageError` is returned.
   *
   * @example
   * import { WebStorage, StorageError } from 'tiny-counter/browser'
   * const storage = new WebStorage(localStorage, { prefix: 'example-batch:' })
   * await storage.batch([{ key: 'a', data: new Uint8Array([1]) }, { key: 'b', data: new Uint8Array([2]) }, { key: 'a', delete: true }])
   * assert.deepEqual(await storage.listKeys(), ['b'])
   * await assert.rejects(storage.batch([{ key: 'c', data: new Uint8Array([3]) }, { key: '', data: new Uint8Array([4]) }]), StorageError)
   * assert.deepEqual(await storage.listKeys(), ['b'])
   */
  readonly batch = async (writes: ReadonlyArray<Write>): Promise<void> => {
    this.ready(writes.length === 1 ? writes[0]!.key : undefined, 'save')
    const prepared = writes.map((write): readonly [string, string | undefined] => {
      if ('delete' in write) {
        check(write.key, 'delete')
        return [write.key, undefined]
      }
      check(write.key, 'save')
      if (!(write.data instanceof Uint8Array)) throw new StorageError(write.key, 'stored data must be a Uint8Array', 'save')
      return [write.key, encode(write.data)]
    })
    const undo: Array<readonly [string, string | null]> = []
    for (const [key, text] of prepared) {
      const name = this.prefix + key
      try {
        const before = this.area.getItem(name)
        if (text === undefined) this.area.removeItem(name)
        else this.area.setItem(name, text)
        undo.push([name, before])
      } catch (cause) {
        for (const [undone, before] of undo.reverse()) {
          try {
            if (before === null) this.area.removeItem(undone)
            else this.area.setItem(undone, before) // fits: it was there before this batch
          } catch {
            // The area refuses even to restore: report the first failure, which is the cause.
          }
        }
        throw new StorageError(key, cause, text === undefined ? 'delete' : 'save')
      }
    }
  }

  /**
   * Stops using the prefix, so that another WebStorage may use one nested with it; the area and
   * its keys stay, and so does this storage (its next call uses the prefix again, if it can).
   *
   * @example
   * import { WebStorage } from 'tiny-counter/browser'
   * const storage = new WebStorage(localStorage, { prefix: 'example-close:' })
   * await storage.save('launch', new Uint8Array([1]))
   * await storage.close()
   * assert.deepEqual(await storage.listKeys(), ['launch'])
   */
  readonly close = async (): Promise<void> => {
    if (!this.using) return
    this.using = false
    const prefixes = inUse.get(this.area)!
    const users = prefixes.get(this.prefix)! - 1
    if (users === 0) prefixes.delete(this.prefix)
    else prefixes.set(this.prefix, users)
  }

  /** Uses the prefix on the area, unless another storage uses one nested with it: then why not. */
  private use(): string | undefined {
    if (this.using) return undefined
    let prefixes = inUse.get(this.area)
    if (prefixes === undefined) inUse.set(this.area, (prefixes = new Map()))
    for (const other of prefixes.keys()) {
      if (other !== this.prefix && (other.startsWith(this.prefix) || this.prefix.startsWith(other))) {
        return `the prefix ${JSON.stringify(this.prefix)} nests with ${JSON.stringify(other)}, which another WebStorage of this page uses on the same area: their keys would mix (close that one, or give prefixes where neither starts the other)`
      }
    }
    prefixes.set(this.prefix, (prefixes.get(this.prefix) ?? 0) + 1)
    this.using = true
    return undefined
  }

  /** Throws the `StorageError` that refuses every call: no area, or a prefix nested with one in use. */
  private ready(key: string | undefined, operation: string): void {
    if (this.area === undefined || this.area === null) throw new StorageError(key, 'there is no Web Storage here (localStorage is undefined)', operation)
    const nested = this.use()
    if (nested !== undefined) throw new StorageError(key, nested, operation)
  }

  private keys(): string[] {
    const out: string[] = []
    for (let i = 0; i < this.area.length; i++) {
      const name = this.area.key(i)
      if (name !== null && name.startsWith(this.prefix) && name.length > this.prefix.length) out.push(name.slice(this.prefix.length))
    }
    return out.sort()
  }

  private attempt<A>(key: string | undefined, operation: string, body: () => A): A {
    this.ready(key, operation)
    try {
      return body()
    } catch (cause) {
      throw cause instanceof StorageError ? cause : new StorageError(key, cause, operation)
    }
  }
}

const check = (key: string, operation: string): void => {
  const problem = invalidStorageKey(key)
  if (problem !== undefined) throw new StorageError(typeof key === 'string' ? key : undefined, problem, operation)
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const VALUES = new Map([...ALPHABET].map((char, i) => [char, i]))
const BASE64 = /^[A-Za-z0-9+/]*$/

/** Standard base64 with padding (RFC 4648), the text `btoa` would give. */
const encode = (bytes: Uint8Array): string => {
  const out: string[] = []
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0)
    const left = bytes.length - i
    out.push(ALPHABET[n >> 18]!, ALPHABET[(n >> 12) & 63]!, left > 1 ? ALPHABET[(n >> 6) & 63]! : '=', left > 2 ? ALPHABET[n & 63]! : '=')
  }
  return out.join('')
}

const utf8 = new TextEncoder()

/**
 * The bytes of base64 text; text that is not base64 (put under the prefix by something else) gives
 * its own UTF-8 bytes, which no format decodes: the store then reports a `DecodeError` naming the
 * key and loads the other events.
 */
const decode = (text: string): Uint8Array => {
  const body = text.replace(/=+$/, '')
  if (text.length % 4 !== 0 || body.length < text.length - 2 || !BASE64.test(body)) return utf8.encode(text)
  const out = new Uint8Array(Math.floor((body.length * 3) / 4))
  let n = 0
  let bits = 0
  let at = 0
  for (const char of body) {
    n = ((n << 6) | VALUES.get(char)!) & 0xffffff
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[at++] = (n >> bits) & 255
    }
  }
  return out
}
