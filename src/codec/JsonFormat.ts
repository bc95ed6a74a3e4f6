/**
 * The readable format: the envelope `{ "version": 3, "counter": { ... }, "crc32": n }` as compact
 * UTF-8 JSON, handy to inspect stored counters by hand. `crc32` is the CRC-32 of the bytes before
 * `,"crc32":`, so a changed byte (a flipped bit) is refused rather than read as another counter; a
 * counter edited by hand is written as version 2, which has no checksum. Decoding checks UTF-8,
 * JSON and the checksum, then runs the envelope codec, so a hand-edited file is validated like any
 * other, and files of versions 2 and 1 (tiny-counter 0.1.0, a counter with `counts`) are read and
 * converted.
 */
import * as E from '#fp-ts/Either'
import { DecodeError } from './errors.js'
import { crc32 } from './crc32.js'
import { checksumMismatch } from './internal/checksum.js'
import { utf8 } from './internal/bytes.js'
import { Codec, decode, of } from './Envelope.js'
import type { Formatter } from './Formatter.js'

/** The end of a checksummed text: the checksum field and the closing brace, nothing after. */
const TRAILER = /,"crc32":(\d{1,10})\}$/

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * JSON text of the envelope, ending with its checksum. Bytes that are not UTF-8 or not JSON, or
 * whose checksum does not match, give a `DecodeError` at the top (path `''`); JSON that is not a
 * valid envelope, one at the offending field.
 *
 * @example
 * import { Counter, JsonFormat, Layout } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const counter = Counter.singleton(Layout.utc, Date.UTC(2026, 0, 1, 9), 2)
 * assert.ok(E.isRight(counter))
 * const bytes = JsonFormat.serialize(counter.right)
 * const text = new TextDecoder().decode(bytes)
 * assert.ok(text.startsWith('{"version":3,"counter":{"layout":{"tracks":[{"unit":"minutes","buckets":60}'))
 * assert.match(text, /"heads":\[\d+,\d+,\d+,\d+\],"newest":\[2,2,2,2\],"older":\[\[\],\[\],\[\],\[\]\]\},"crc32":\d+\}$/)
 * assert.deepEqual(JsonFormat.deserialize('launch', bytes), E.right(counter.right))
 * const broken = JsonFormat.deserialize('launch', bytes.subarray(0, 20))
 * assert.ok(E.isLeft(broken) && broken.left.key === 'launch' && broken.left.path === '')
 * const flipped = bytes.slice()
 * flipped[text.indexOf('"newest":[2') + 10]! ^= 1 // 2 becomes 3
 * const refused = JsonFormat.deserialize('launch', flipped)
 * assert.ok(E.isLeft(refused) && /checksum/.test(refused.left.message))
 */
export const JsonFormat: Formatter = {
  name: 'json',
  extension: '.json',
  serialize: (counter) => {
    const text = JSON.stringify(Codec.encode(of(counter)))
    const body = utf8.encode(text.slice(0, -1)) // without the closing brace
    const trailer = utf8.encode(`,"crc32":${crc32(body)}}`)
    const bytes = new Uint8Array(body.length + trailer.length)
    bytes.set(body)
    bytes.set(trailer, body.length)
    return bytes
  },
  deserialize: (key, bytes) =>
    E.flatMap(readJsonText(key, bytes), ({ text, value }) => {
      const checked = typeof value === 'object' && value !== null && ('crc32' in value || ('version' in value && value.version === 3))
      if (checked) {
        const trailer = TRAILER.exec(text)
        if (trailer === null) return E.left(new DecodeError(key, 'crc32', 'a version 3 envelope ends with its checksum, "crc32", and this one does not'))
        // The trailer is ASCII: as many bytes as characters.
        const expected = crc32(bytes, 0, bytes.length - trailer[0].length)
        if (Number(trailer[1]) !== expected) return E.left(new DecodeError(key, '', checksumMismatch(trailer[1]!, expected)))
      }
      return decode(key, value)
    })
}

/**
 * The value held by UTF-8 JSON bytes, or a `DecodeError` at the top (path `''`) when they are not
 * UTF-8 or not JSON: the first step of every JSON format's decoding (shared with
 * `ReplicatedFormat.ts`; not exported by the package).
 *
 * @internal
 */
export const readJson = (key: string, bytes: Uint8Array): E.Either<DecodeError, unknown> => E.map(({ value }: { value: unknown }) => value)(readJsonText(key, bytes))

/** The text of UTF-8 JSON bytes and the value it holds (see `readJson`). */
const readJsonText = (key: string, bytes: Uint8Array): E.Either<DecodeError, { readonly text: string; readonly value: unknown }> => {
  let text: string
  try {
    text = strictUtf8.decode(bytes)
  } catch {
    return E.left(new DecodeError(key, '', 'the bytes are not valid UTF-8 text'))
  }
  try {
    return E.right({ text, value: JSON.parse(text) as unknown })
  } catch (error) {
    return E.left(new DecodeError(key, '', `not JSON: ${error instanceof Error ? error.message : String(error)}`))
  }
}
