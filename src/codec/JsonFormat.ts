/**
 * The readable format: the envelope `{ "version": 2, "counter": { ... } }` as compact UTF-8 JSON,
 * handy to inspect or edit stored counters by hand. Decoding checks UTF-8 and JSON, then runs the
 * envelope codec, so a hand-edited file is validated like any other, and a file of version 1
 * (tiny-counter 0.1.0, a counter with `counts`) is read and converted.
 */
import * as E from '#fp-ts/Either'
import { DecodeError } from './errors.js'
import { Codec, decode, of } from './Envelope.js'
import type { Formatter } from './Formatter.js'

const utf8 = new TextEncoder()
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * JSON text of the envelope. Bytes that are not UTF-8 or not JSON give a `DecodeError` at the top
 * (path `''`); JSON that is not a valid envelope, one at the offending field.
 *
 * @example
 * import { Counter, JsonFormat, Layout } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const counter = Counter.singleton(Layout.utc, Date.UTC(2026, 0, 1, 9), 2)
 * assert.ok(E.isRight(counter))
 * const bytes = JsonFormat.serialize(counter.right)
 * const text = new TextDecoder().decode(bytes)
 * assert.ok(text.startsWith('{"version":2,"counter":{"layout":{"tracks":[{"unit":"minutes","buckets":60}'))
 * assert.match(text, /"heads":\[\d+,\d+,\d+,\d+\],"newest":\[2,2,2,2\],"older":\[\[\],\[\],\[\],\[\]\]\}\}$/)
 * assert.deepEqual(JsonFormat.deserialize('launch', bytes), E.right(counter.right))
 * const broken = JsonFormat.deserialize('launch', bytes.subarray(0, 20))
 * assert.ok(E.isLeft(broken) && broken.left.key === 'launch' && broken.left.path === '')
 */
export const JsonFormat: Formatter = {
  name: 'json',
  extension: '.json',
  serialize: (counter) => utf8.encode(JSON.stringify(Codec.encode(of(counter)))),
  deserialize: (key, bytes) => {
    let text: string
    try {
      text = strictUtf8.decode(bytes)
    } catch {
      return E.left(new DecodeError(key, '', 'the bytes are not valid UTF-8 text'))
    }
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (error) {
      return E.left(new DecodeError(key, '', `not JSON: ${error instanceof Error ? error.message : String(error)}`))
    }
    return decode(key, value)
  }
}
