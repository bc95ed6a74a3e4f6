/**
 * The contract of a storage format: how a counter becomes the bytes a `Storage` keeps, and back.
 * `BincodeFormat` (compact, the default) and `JsonFormat` (readable) implement it; a custom format
 * is any object with these four fields.
 */
import type { Either } from '#fp-ts/Either'
import type { Counter } from '../Counter.js'
import type { DecodeError } from './errors.js'

/**
 * Turns counters into bytes and back. `deserialize` never throws: bytes that do not hold a valid
 * counter give a `DecodeError` naming the key and the path of the problem.
 *
 * @example
 * // A custom format: gzipped JSON, validated by JsonFormat (and so by the envelope codec).
 * import { Counter, DecodeError, JsonFormat, Layout } from 'tiny-counter'
 * import type { Formatter } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { gunzipSync, gzipSync } from 'node:zlib'
 * const GzipJson: Formatter = {
 *   name: 'gzip-json',
 *   extension: '.gz',
 *   serialize: (counter) => gzipSync(JsonFormat.serialize(counter)),
 *   deserialize: (key, bytes) => {
 *     try {
 *       return JsonFormat.deserialize(key, gunzipSync(bytes))
 *     } catch (e) {
 *       return E.left(new DecodeError(key, '', `not gzip: ${(e as Error).message}`))
 *     }
 *   }
 * }
 * const counter = Counter.singleton(Layout.utc, Date.UTC(2026, 0, 1), 2)
 * assert.ok(E.isRight(counter))
 * const back = GzipJson.deserialize('launch', GzipJson.serialize(counter.right))
 * assert.ok(E.isRight(back) && Counter.Eq.equals(back.right, counter.right))
 * assert.ok(E.isLeft(GzipJson.deserialize('launch', new Uint8Array([1, 2, 3]))))
 */
export interface Formatter {
  /** A short name, such as `json` or `bincode`. */
  readonly name: string
  /** The file extension that suits the format (`.json`, `.bin`), for `FilePerEvent`. */
  readonly extension: string
  /** The bytes of a counter, in an envelope of the current version. */
  readonly serialize: (counter: Counter) => Uint8Array
  /** Validates through the envelope codec; a DecodeError names `key` and the path. */
  readonly deserialize: (key: string, bytes: Uint8Array) => Either<DecodeError, Counter>
}
