/**
 * The few shapes of the Web platform that `tiny-counter/browser` uses (IndexedDB, Web Storage,
 * BroadcastChannel), declared here so that the library compiles without the DOM library and so
 * that any implementation of them fits: the browser's own, `fake-indexeddb`, Node's
 * `BroadcastChannel`. Each is the subset the backends call, nothing more.
 */

/** An event handler slot of the platform, which this code only ever assigns. */
type Handler = ((event: never) => unknown) | null

/** An IndexedDB request (`IDBRequest`). */
export interface IdbRequest<T> {
  readonly result: T
  readonly error: unknown
  onsuccess: Handler
  onerror: Handler
}

/** The request that opens a database (`IDBOpenDBRequest`). */
export interface IdbOpenRequest extends IdbRequest<IdbDatabase> {
  onupgradeneeded: Handler
  onblocked: Handler
}

/** A range of keys (`IDBKeyRange`), only ever made by an `IdbKeyRangeMaker` and handed back to its IndexedDB. */
export interface IdbKeyRange {
  readonly lower: unknown
  readonly upper: unknown
}

/** What makes key ranges (the `IDBKeyRange` interface object): the ranges of one IndexedDB work only with it. */
export interface IdbKeyRangeMaker {
  bound(lower: string, upper: string): IdbKeyRange
}

/** An object store (`IDBObjectStore`) whose records have out-of-line keys; no `query` means every record, `count` at most so many. */
export interface IdbObjectStore {
  get(key: string): IdbRequest<unknown>
  put(value: unknown, key: string): IdbRequest<unknown>
  delete(key: string): IdbRequest<unknown>
  getAllKeys(query?: IdbKeyRange, count?: number): IdbRequest<ReadonlyArray<unknown>>
  getAll(query?: IdbKeyRange): IdbRequest<ReadonlyArray<unknown>>
}

/** A transaction (`IDBTransaction`). */
export interface IdbTransaction {
  readonly error: unknown
  objectStore(name: string): IdbObjectStore
  abort(): void
  oncomplete: Handler
  onerror: Handler
  onabort: Handler
}

/** An open database connection (`IDBDatabase`). */
export interface IdbDatabase {
  readonly objectStoreNames: { contains(name: string): boolean }
  createObjectStore(name: string): unknown
  transaction(storeNames: string, mode: 'readonly' | 'readwrite'): IdbTransaction
  close(): void
  onversionchange: Handler
}

/** The entry point of IndexedDB (`IDBFactory`, the global `indexedDB`). */
export interface IdbFactory {
  open(name: string, version?: number): IdbOpenRequest
}

/** A Web Storage area (`Storage`): `localStorage`, `sessionStorage` or a stand-in. */
export interface WebStorageArea {
  readonly length: number
  key(index: number): string | null
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

/** A channel between the pages of one origin (`BroadcastChannel`). */
export interface BroadcastChannelLike {
  postMessage(message: unknown): void
  close(): void
  onmessage: ((event: { readonly data: unknown }) => unknown) | null
}

/** The global object, as far as the browser backends look at it. */
export const platform = globalThis as unknown as {
  readonly indexedDB?: IdbFactory
  readonly IDBKeyRange?: IdbKeyRangeMaker
  readonly BroadcastChannel?: new (name: string) => BroadcastChannelLike
}
