// The shared storage contract (test/storage/contract.test.ts, unchanged) against the real
// IndexedDB and the real localStorage of a headless Chromium: the contract's backends are replaced
// by storages that live in the page (test/browser/pages/app.ts) and that this process calls method
// by method, bytes and errors carried as plain data. In Node the contract runs them on
// fake-indexeddb and an in-memory localStorage (test/storage/backends.ts).
import { afterAll, vi } from 'vitest'
import { StorageError } from 'tiny-counter'
import type { Storage, Write } from 'tiny-counter'
import type { Backend } from '../storage/backends.js'
import { call, harnessPage } from './chromium.js'
import type { HarnessPage } from './chromium.js'

const harness: HarnessPage = await harnessPage()
afterAll(() => harness.close())

type Method = 'load' | 'save' | 'delete' | 'listKeys' | 'loadAll' | 'batch' | 'close'

const toWire = (value: unknown): unknown => (value instanceof Uint8Array ? { base64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') } : value)
const fromWire = (value: unknown): unknown =>
  typeof value === 'object' && value !== null && 'base64' in value
    ? new Uint8Array(Buffer.from((value as { base64: string }).base64, 'base64'))
    : Array.isArray(value) ? value.map(fromWire) : value

/** The page's error, as it was there: its class, tag, key and message. */
const rethrow = (error: { isStorageError: boolean; _tag: string | undefined; key: string | undefined; message: string | undefined; name: string | undefined }): never => {
  if (!error.isStorageError) throw new Error(`the page threw ${error.name}: ${error.message}`)
  throw Object.assign(Object.create(StorageError.prototype) as StorageError, { _tag: error._tag, key: error.key, message: error.message, name: error.name })
}

let opened = 0
const remote = (kind: 'indexedDb' | 'localStorage') => async (): Promise<Storage> => {
  const id = await call(harness.page, 'openStorage', kind, `contract-${kind}-${++opened}`)
  const invoke = async (method: Method, args: unknown[]): Promise<unknown> => {
    const result = await call(harness.page, 'callStorage', id, method, args as never)
    return 'error' in result ? rethrow(result.error) : fromWire(result.answer)
  }
  return {
    load: (key) => invoke('load', [key]) as Promise<Uint8Array | undefined>,
    save: (key, data) => invoke('save', [key, toWire(data)]) as Promise<void>,
    delete: (key) => invoke('delete', [key]) as Promise<void>,
    listKeys: () => invoke('listKeys', []) as Promise<ReadonlyArray<string>>,
    loadAll: () => invoke('loadAll', []) as Promise<ReadonlyArray<readonly [string, Uint8Array]>>,
    batch: (writes: ReadonlyArray<Write>) => invoke('batch', [writes.map((write) => ('data' in write ? { ...write, data: toWire(write.data) } : write))]) as Promise<void>,
    close: () => invoke('close', []) as Promise<void>
  }
}

const inChromium: ReadonlyArray<Backend> = [
  { name: 'IndexedDbStorage in Chromium', open: remote('indexedDb') },
  { name: 'WebStorage(localStorage) in Chromium', open: remote('localStorage') }
]

vi.mock('../storage/backends.js', () => ({ backends: inChromium, cleanUp: () => undefined, temporaryDirectory: () => '' }))

await import('../storage/contract.test.js')
