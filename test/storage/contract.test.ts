// The storage contract, checked on every backend alike: missing keys, overwrites, deletes, sorted
// listings, batches in order, copies of the bytes, and refusals (empty or ill-formed keys, data
// that is not bytes) as StorageError before anything is written.
import { afterAll, describe, expect, it } from 'vitest'
import { StorageError } from 'tiny-counter'
import type { Storage } from 'tiny-counter'
import { backends, cleanUp, temporaryDirectory } from './backends.js'

afterAll(cleanUp)

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values)
const plain = (data: Uint8Array | undefined): number[] | undefined => (data === undefined ? undefined : [...data])

const refusal = (key: string | undefined, pattern: RegExp) => (error: unknown): boolean => {
  expect(error).toBeInstanceOf(StorageError)
  const e = error as StorageError
  expect(e._tag).toBe('StorageError')
  expect(e.key).toBe(key)
  expect(e.message).toMatch(pattern)
  return true
}

describe.each(backends)('$name', (backend) => {
  const fresh = (): Promise<Storage> => backend.open(temporaryDirectory())

  it('loads undefined for a key never saved, and the bytes of the last save otherwise', async () => {
    const storage = await fresh()
    expect(await storage.load('launch')).toBeUndefined()
    await storage.save('launch', bytes(1, 2, 3))
    expect(plain(await storage.load('launch'))).toEqual([1, 2, 3])
    await storage.save('launch', bytes(9))
    expect(plain(await storage.load('launch'))).toEqual([9])
    await storage.close()
  })

  it('keeps empty, large and Buffer data exactly', async () => {
    const storage = await fresh()
    const large = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 7919) % 256)
    await storage.save('empty', new Uint8Array(0))
    await storage.save('large', large)
    await storage.save('buffer', Buffer.from([4, 5, 6]).subarray(1))
    expect(plain(await storage.load('empty'))).toEqual([])
    expect(Buffer.compare(Buffer.from((await storage.load('large'))!), Buffer.from(large))).toBe(0)
    expect(plain(await storage.load('buffer'))).toEqual([5, 6])
    await storage.close()
  })

  it('is not changed by later changes to the saved or loaded arrays', async () => {
    const storage = await fresh()
    const data = bytes(1, 2)
    await storage.save('k', data)
    data[0] = 99
    const loaded = (await storage.load('k'))!
    loaded[1] = 98
    expect(plain(await storage.load('k'))).toEqual([1, 2])
    await storage.close()
  })

  it('deletes a key, and deleting a missing key is fine', async () => {
    const storage = await fresh()
    await storage.save('a', bytes(1))
    await storage.save('b', bytes(2))
    await storage.delete('a')
    await storage.delete('a')
    await storage.delete('never')
    expect(await storage.load('a')).toBeUndefined()
    expect(await storage.listKeys()).toEqual(['b'])
    await storage.close()
  })

  it('lists every key exactly once, sorted', async () => {
    const storage = await fresh()
    const keys = ['zeta', 'Alpha', 'alpha', 'a/b', 'ü', '😀', '1', 'a b']
    for (const key of keys) await storage.save(key, bytes(1))
    await storage.save('alpha', bytes(2))
    expect(await storage.listKeys()).toEqual([...keys].sort())
    await storage.close()
  })

  it('applies a batch in order: saves, overwrites and deletes', async () => {
    const storage = await fresh()
    await storage.save('old', bytes(0))
    await storage.batch([
      { key: 'a', data: bytes(1) },
      { key: 'a', delete: true },
      { key: 'b', delete: true },
      { key: 'b', data: bytes(2) },
      { key: 'c', data: bytes(3) },
      { key: 'c', data: bytes(4) },
      { key: 'old', delete: true }
    ])
    expect(await storage.listKeys()).toEqual(['b', 'c'])
    expect(plain(await storage.load('c'))).toEqual([4])
    await storage.batch([])
    expect(await storage.listKeys()).toEqual(['b', 'c'])
    await storage.close()
  })

  it('refuses an empty key, and one with a lone surrogate, on every operation', async () => {
    const storage = await fresh()
    for (const key of ['', '\uD800', 'a\uDFFFb']) {
      const why = key === '' ? /non-empty/ : /lone surrogate/
      await expect(storage.save(key, bytes(1))).rejects.toSatisfy(refusal(key, why))
      await expect(storage.load(key)).rejects.toSatisfy(refusal(key, why))
      await expect(storage.delete(key)).rejects.toSatisfy(refusal(key, why))
      await expect(storage.batch([{ key, delete: true }])).rejects.toSatisfy(refusal(key, why))
    }
    expect(await storage.listKeys()).toEqual([])
    await storage.close()
  })

  it('refuses data that is not a Uint8Array', async () => {
    const storage = await fresh()
    await expect(storage.save('k', 'text' as never)).rejects.toSatisfy(refusal('k', /Uint8Array/))
    await expect(storage.save('k', [1, 2] as never)).rejects.toSatisfy(refusal('k', /Uint8Array/))
    expect(await storage.load('k')).toBeUndefined()
    await storage.close()
  })

  it('refuses a batch with an invalid write before writing any of it', async () => {
    const storage = await fresh()
    await storage.save('kept', bytes(1))
    const writes = [
      { key: 'new', data: bytes(2) },
      { key: 'kept', data: bytes(3) },
      { key: '', data: bytes(4) }
    ]
    await expect(storage.batch(writes)).rejects.toSatisfy(refusal('', /non-empty/))
    await expect(storage.batch([{ key: 'new', data: bytes(2) }, { key: 'x', data: null as never }])).rejects.toSatisfy(refusal('x', /Uint8Array/))
    expect(await storage.listKeys()).toEqual(['kept'])
    expect(plain(await storage.load('kept'))).toEqual([1])
    await storage.close()
  })

  it('loads every key with its bytes at once, sorted like listKeys, as load reads them', async () => {
    const storage = await fresh()
    const keys = ['zeta', 'Alpha', 'alpha', 'a/b', 'ü', '😀', '1', 'a b', 'con', '%41', 'gone']
    const large = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256)
    for (const [i, key] of keys.entries()) await storage.save(key, key === 'alpha' ? large : bytes(i, i))
    await storage.save('empty', new Uint8Array(0))
    await storage.delete('gone')
    const all = (await storage.loadAll?.())!
    expect(all).toBeDefined()
    expect(all.map(([key]) => key)).toEqual(await storage.listKeys())
    for (const [key, data] of all) {
      expect(data).toBeInstanceOf(Uint8Array)
      expect(plain(data)).toEqual(plain(await storage.load(key)))
    }
    all[0]![1][0] = 99 // a copy: the storage keeps its bytes
    expect(plain((await storage.loadAll!())[0]![1])).toEqual(plain(await storage.load(all[0]![0])))
    await storage.close()
  })

  it('loads nothing at once from an empty storage', async () => {
    const storage = await fresh()
    expect(await storage.loadAll!()).toEqual([])
    await storage.close()
  })

  it('binds its methods, so they can be passed around', async () => {
    const storage = await fresh()
    const { save, load, listKeys, loadAll, batch, close } = storage
    await save('k', bytes(1))
    await batch([{ key: 'j', data: bytes(2) }])
    expect(plain(await load('k'))).toEqual([1])
    expect(await listKeys()).toEqual(['j', 'k'])
    expect((await loadAll!()).map(([key, data]) => [key, plain(data)])).toEqual([['j', [2]], ['k', [1]]])
    await close()
  })
})
