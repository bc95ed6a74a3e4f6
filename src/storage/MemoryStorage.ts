/**
 * A storage that lives in memory, for tests and for stores that only need persistence within one
 * process: a `Map` from keys to copies of the bytes (callers may reuse their arrays), batches
 * applied all or nothing.
 */
import { StorageError } from '../store/errors.js'
import type { Storage, Update, Write } from '../store/Storage.js'
import { invalidStorageKey } from '../store/Storage.js'
import { inSlices } from '../store/internal/slices.js'

/**
 * A `Storage` in a `Map`. Lost when the process ends; share one instance to hand counters from
 * one store to the next.
 *
 * @example
 * import { EventStore, MemoryStorage } from 'tiny-counter'
 * const storage = new MemoryStorage()
 * const store = await EventStore.builder().withStorage(storage).build()
 * store.record('launch')
 * await store.close()
 * assert.deepEqual(await storage.listKeys(), ['launch'])
 */
export class MemoryStorage implements Storage {
  private readonly entries = new Map<string, Uint8Array>()

  /**
   * A copy of the bytes stored under `key`, or `undefined`.
   *
   * @example
   * import { MemoryStorage } from 'tiny-counter'
   * const storage = new MemoryStorage()
   * assert.equal(await storage.load('launch'), undefined)
   * await storage.save('launch', new Uint8Array([7]))
   * assert.deepEqual(await storage.load('launch'), new Uint8Array([7]))
   */
  readonly load = async (key: string): Promise<Uint8Array | undefined> => {
    this.check(key, 'load')
    const data = this.entries.get(key)
    return data === undefined ? undefined : new Uint8Array(data)
  }

  /**
   * Stores a copy of `data` under `key`.
   *
   * @example
   * import { MemoryStorage } from 'tiny-counter'
   * const storage = new MemoryStorage()
   * const data = new Uint8Array([1, 2])
   * await storage.save('launch', data)
   * data[0] = 99 // the storage kept its own copy
   * assert.deepEqual(await storage.load('launch'), new Uint8Array([1, 2]))
   */
  readonly save = async (key: string, data: Uint8Array): Promise<void> => {
    this.entries.set(key, this.copy(key, data, 'save'))
  }

  /**
   * Removes `key`, if it is there.
   *
   * @example
   * import { MemoryStorage } from 'tiny-counter'
   * const storage = new MemoryStorage()
   * await storage.save('launch', new Uint8Array([1]))
   * await storage.delete('launch')
   * await storage.delete('never-stored')
   * assert.deepEqual(await storage.listKeys(), [])
   */
  readonly delete = async (key: string): Promise<void> => {
    this.check(key, 'delete')
    this.entries.delete(key)
  }

  /**
   * Every stored key, sorted.
   *
   * @example
   * import { MemoryStorage } from 'tiny-counter'
   * const storage = new MemoryStorage()
   * await storage.save('b', new Uint8Array([1]))
   * await storage.save('a', new Uint8Array([2]))
   * assert.deepEqual(await storage.listKeys(), ['a', 'b'])
   */
  readonly listKeys = async (): Promise<ReadonlyArray<string>> => {
    return [...this.entries.keys()].sort()
  }

  /**
   * Every stored key with a copy of its bytes, sorted by key.
   *
   * @example
   * import { MemoryStorage } from 'tiny-counter'
   * const storage = new MemoryStorage()
   * await storage.save('b', new Uint8Array([2]))
   * await storage.save('a', new Uint8Array([1]))
   * assert.deepEqual(await storage.loadAll(), [['a', new Uint8Array([1])], ['b', new Uint8Array([2])]])
   */
  readonly loadAll = async (): Promise<ReadonlyArray<readonly [string, Uint8Array]>> => {
    // One sorted snapshot of the entries, copied in slices (100,000 copies take ~50 ms).
    const keys = [...this.entries.keys()].sort()
    const all = keys.map((key) => [key, this.entries.get(key)!] as [string, Uint8Array])
    await inSlices(all.length, (i) => void (all[i]![1] = new Uint8Array(all[i]![1])))
    return all
  }

  /**
   * Applies the writes in order, all or nothing: one invalid write and none is applied.
   *
   * @example
   * import { MemoryStorage, StorageError } from 'tiny-counter'
   * const storage = new MemoryStorage()
   * await assert.rejects(storage.batch([{ key: 'a', data: new Uint8Array([1]) }, { key: '', data: new Uint8Array([2]) }]), StorageError)
   * assert.deepEqual(await storage.listKeys(), [])
   * await storage.batch([{ key: 'a', data: new Uint8Array([1]) }, { key: 'b', delete: true }])
   * assert.deepEqual(await storage.listKeys(), ['a'])
   */
  readonly batch = async (writes: ReadonlyArray<Write>): Promise<void> => {
    const prepared = writes.map((write) => {
      if ('delete' in write) {
        this.check(write.key, 'delete')
        return [write.key, undefined] as const
      }
      return [write.key, this.copy(write.key, write.data, 'save')] as const
    })
    for (const [key, data] of prepared) {
      if (data === undefined) this.entries.delete(key)
      else this.entries.set(key, data)
    }
  }

  /**
   * A read-modify-write (see `Update`): one process, one thread, so reading, `change` and the
   * writes run with nothing in between; applied all or nothing, as `batch`.
   *
   * @example
   * import { MemoryStorage } from 'tiny-counter'
   * const storage = new MemoryStorage()
   * await storage.save('a', new Uint8Array([1]))
   * await storage.update(['a', 'b'], ([a, b]) => {
   *   assert.equal(b, undefined)
   *   return [{ key: 'b', data: new Uint8Array([a![0]! + 1]) }]
   * })
   * assert.deepEqual(await storage.load('b'), new Uint8Array([2]))
   */
  readonly update: Update = async (keys, compute) => {
    const current = keys.map((key) => {
      this.check(key, 'update')
      const data = this.entries.get(key)
      return data === undefined ? undefined : new Uint8Array(data)
    })
    await this.batch(compute(current))
  }

  /**
   * Why a key cannot be stored: `invalidStorageKey`'s rule (a non-empty, well-formed string).
   *
   * @example
   * import { MemoryStorage } from 'tiny-counter'
   * const storage = new MemoryStorage()
   * assert.equal(storage.invalidKey('launch'), undefined)
   * assert.match(storage.invalidKey('') ?? '', /non-empty/)
   */
  readonly invalidKey = (key: string): string | undefined => invalidStorageKey(key)

  /**
   * Does nothing: memory holds no resource, and the data stays for the next store that uses this
   * storage (a store closes its storage when it closes).
   *
   * @example
   * import { MemoryStorage } from 'tiny-counter'
   * const storage = new MemoryStorage()
   * await storage.save('launch', new Uint8Array([1]))
   * await storage.close()
   * assert.deepEqual(await storage.listKeys(), ['launch'])
   */
  readonly close = async (): Promise<void> => undefined

  private copy(key: string, data: Uint8Array, operation: string): Uint8Array {
    this.check(key, operation)
    if (!(data instanceof Uint8Array)) throw new StorageError(key, 'stored data must be a Uint8Array', operation)
    return new Uint8Array(data) // a copy, even of a Buffer (whose slice() shares memory)
  }

  private check(key: string, operation: string): void {
    const problem = invalidStorageKey(key)
    if (problem !== undefined) throw new StorageError(typeof key === 'string' ? key : undefined, problem, operation)
  }
}
