/**
 * The two formats of a replicated counter, as `Formatter` is for a counter: `ReplicatedJsonFormat`
 * (the checksummed envelope as JSON text, readable) and `ReplicatedBincodeFormat` (compact bytes,
 * the checksum last). Both end their decoding with `ReplicatedCodec`, so a value is validated the same
 * way whatever its format, and both refuse a value whose checksum does not match.
 */
import * as E from '#fp-ts/Either'
import type { Replicated } from '../Replicated.js'
import type { DecodeError } from './errors.js'
import { unreadable } from './BincodeFormat.js'
import { utf8 } from './internal/bytes.js'
import { readJson } from './JsonFormat.js'
import { read, write } from './ReplicatedBincode.js'
import { decode as decodeReplicated } from './ReplicatedCodec.js'
import { Codec, decode as decodeEnvelope, of } from './ReplicatedEnvelope.js'

/**
 * Turns replicated counters into bytes and back. `deserialize` never throws: bytes that do not
 * hold a valid replicated counter (or whose checksum does not match) give a `DecodeError` naming
 * the key and the path of the problem.
 *
 * @example
 * import { Layout, Replicated, ReplicatedBincodeFormat, ReplicatedJsonFormat } from 'tiny-counter'
 * import type { ReplicatedFormat } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const r = Replicated.record(Replicated.empty(Layout.utc), 'phone', Date.UTC(2026, 0, 1), 2)
 * assert.ok(E.isRight(r))
 * for (const format of [ReplicatedJsonFormat, ReplicatedBincodeFormat] satisfies ReadonlyArray<ReplicatedFormat>) {
 *   const back = format.deserialize('launch', format.serialize(r.right))
 *   assert.ok(E.isRight(back) && Replicated.Eq.equals(back.right, r.right))
 * }
 */
export interface ReplicatedFormat {
  /** A short name, such as `replicated-json`. */
  readonly name: string
  /** The file extension that suits the format. */
  readonly extension: string
  /** The bytes of a replicated counter, in an envelope of the current version, checksummed. */
  readonly serialize: (replicated: Replicated) => Uint8Array
  /** Validates the checksum and the value; a DecodeError names `key` and the path. */
  readonly deserialize: (key: string, bytes: Uint8Array) => E.Either<DecodeError, Replicated>
}

/**
 * The envelope `{ "version": 1, "checksum": "…", "replicated": { … } }` as compact UTF-8 JSON.
 *
 * @example
 * import { Layout, Replicated, ReplicatedJsonFormat } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const r = Replicated.record(Replicated.empty(Layout.utc), 'phone', Date.UTC(2026, 0, 1), 2)
 * assert.ok(E.isRight(r))
 * const bytes = ReplicatedJsonFormat.serialize(r.right)
 * assert.match(new TextDecoder().decode(bytes), /^\{"version":1,"checksum":"[0-9a-f]{8}","replicated":\{"layout":/)
 * const broken = ReplicatedJsonFormat.deserialize('launch', bytes.subarray(0, 30))
 * assert.ok(E.isLeft(broken) && broken.left.path === '')
 */
export const ReplicatedJsonFormat: ReplicatedFormat = {
  name: 'replicated-json',
  extension: '.json',
  serialize: (replicated) => utf8.encode(JSON.stringify(Codec.encode(of(replicated)))),
  deserialize: (key, bytes) => E.flatMap(readJson(key, bytes), (value) => decodeEnvelope(key, value))
}

/**
 * The compact bytes of `ReplicatedBincode` (magic `TR`, version 1, the value, a CRC-32): about 35
 * bytes per replica of an event recorded a few times, with the default layout.
 *
 * @example
 * import { Layout, Replicated, ReplicatedBincodeFormat, ReplicatedJsonFormat } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const r = Replicated.record(Replicated.empty(Layout.utc), 'phone', Date.UTC(2026, 0, 1), 2)
 * assert.ok(E.isRight(r))
 * const bytes = ReplicatedBincodeFormat.serialize(r.right)
 * assert.ok(bytes.length < ReplicatedJsonFormat.serialize(r.right).length / 3)
 * bytes[bytes.length - 6] = bytes[bytes.length - 6]! ^ 4 // a flipped bit
 * const damaged = ReplicatedBincodeFormat.deserialize('launch', bytes)
 * assert.ok(E.isLeft(damaged) && damaged.left.path === 'checksum')
 */
export const ReplicatedBincodeFormat: ReplicatedFormat = {
  name: 'replicated-bincode',
  extension: '.rbin',
  serialize: write,
  deserialize: (key, bytes) => {
    let plain: unknown
    try {
      plain = read(bytes)
    } catch (error) {
      return E.left(unreadable(key, error))
    }
    const { version, ...replicated } = plain as { readonly version: unknown }
    if (version !== 1) return decodeEnvelope(key, { version, checksum: '', replicated: {} }) // refused, naming the version
    return decodeReplicated(key, replicated)
  }
}
