/**
 * tiny-counter/browser: storage for a store that lives in a web page. `IndexedDbStorage` (the
 * page's IndexedDB: any size, one transaction per persist), `WebStorage` (`localStorage`, for small
 * stores) and `withBroadcast`, which keeps the stores of several tabs in step over a
 * `BroadcastChannel`. Imports nothing from Node; see docs/BROWSER.md.
 */
export { IndexedDbStorage } from './browser/IndexedDbStorage.js'
export type { IndexedDbOptions, TransactionalStorage, Update } from './browser/IndexedDbStorage.js'
export { WebStorage } from './browser/WebStorage.js'
export type { WebStorageOptions } from './browser/WebStorage.js'
export { BroadcastStorage, withBroadcast } from './browser/Broadcast.js'
export type { BroadcastOptions } from './browser/Broadcast.js'
export type { BroadcastChannelLike, IdbFactory, IdbKeyRange, IdbKeyRangeMaker, WebStorageArea } from './browser/platform.js'
export { StorageError } from './store/errors.js'
