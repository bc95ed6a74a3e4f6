/**
 * The versioned, checksummed envelope a replicated counter travels and is stored in,
 * `{ version: 1, checksum, replicated }`, and its one io-ts codec. The checksum is the CRC-32 of the
 * value's Bincode bytes (`ReplicatedBincode.checksumOf`), so it does not depend on how a JSON text
 * was spaced or ordered: a value damaged on the way is refused, never merged.
 */
import * as E from '#fp-ts/Either'
import * as t from '#io-ts'
import type { Replicated } from '../Replicated.js'
import type { DecodeError } from './errors.js'
import { firstDecodeError } from './internal/decodeErrors.js'
import { hex } from './internal/checksum.js'
import { checksumOf } from './ReplicatedBincode.js'
import { Replicated as ReplicatedCodec } from './ReplicatedCodec.js'

/**
 * The version of the replicated envelope this library writes and reads.
 *
 * @example
 * import { ReplicatedEnvelope } from 'tiny-counter'
 * assert.equal(ReplicatedEnvelope.VERSION, 1)
 */
export const VERSION = 1

/** A replicated counter as stored: its envelope version and the value (the checksum is made on encoding). */
export interface Envelope {
  readonly version: typeof VERSION
  readonly replicated: Replicated
}

/** What the codec writes: the envelope with its checksum, eight hexadecimal digits. */
export interface Written {
  readonly version: typeof VERSION
  readonly checksum: string
  readonly replicated: unknown
}

const Checksum = new t.Type<string, string, unknown>(
  'Checksum',
  (u): u is string => typeof u === 'string' && /^[0-9a-f]{8}$/.test(u),
  (u, c) => (typeof u === 'string' && /^[0-9a-f]{8}$/.test(u) ? t.success(u) : t.failure(u, c, `a checksum is eight lowercase hexadecimal digits, got ${JSON.stringify(u)}`)),
  t.identity
)

const Shape = t.strict({ version: t.literal(VERSION), checksum: Checksum, replicated: ReplicatedCodec }, 'ReplicatedEnvelope')

/**
 * The codec of the envelope: decoding checks the version (another one is refused with a message
 * naming it), the replicated counter (`ReplicatedCodec.Replicated`), then the checksum against the
 * value read; encoding writes version 1, the checksum and the value as plain data.
 *
 * @example
 * import { Layout, Replicated, ReplicatedEnvelope } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const r = Replicated.record(Replicated.empty(Layout.utc), 'phone', Date.UTC(2026, 0, 1), 3)
 * assert.ok(E.isRight(r))
 * const written = ReplicatedEnvelope.Codec.encode(ReplicatedEnvelope.of(r.right))
 * assert.match(written.checksum, /^[0-9a-f]{8}$/)
 * assert.ok(E.isRight(ReplicatedEnvelope.Codec.decode(JSON.parse(JSON.stringify(written)))))
 * const damaged = JSON.parse(JSON.stringify(written).replace('"seq":1', '"seq":2'))
 * assert.ok(E.isLeft(ReplicatedEnvelope.Codec.decode(damaged)))
 */
export const Codec: t.Type<Envelope, Written, unknown> = new t.Type<Envelope, Written, unknown>(
  'ReplicatedEnvelope',
  (u): u is Envelope => typeof u === 'object' && u !== null && (u as Envelope).version === VERSION && ReplicatedCodec.is((u as Envelope).replicated),
  (u, c) => {
    if (typeof u === 'object' && u !== null && 'version' in u && u.version !== VERSION) {
      const message =
        typeof u.version === 'number' && Number.isSafeInteger(u.version) && u.version > VERSION
          ? `replicated envelope version ${u.version} was written by a newer tiny-counter; this one reads version ${VERSION} only`
          : `unknown replicated envelope version ${JSON.stringify(u.version)}; this tiny-counter reads version ${VERSION} only`
      return t.failure(u.version, t.appendContext(c, 'version', Shape.type.props.version, u.version), message)
    }
    return E.flatMap(Shape.validate(u, c), ({ checksum, replicated }) => {
      const computed = hex(checksumOf(replicated))
      return computed === checksum
        ? t.success({ version: VERSION, replicated })
        : t.failure(checksum, t.appendContext(c, 'checksum', Checksum, checksum), `checksum mismatch: the value was damaged (stored ${checksum}, computed ${computed})`)
    })
  },
  (envelope) => ({ version: VERSION, checksum: hex(checksumOf(envelope.replicated)), replicated: ReplicatedCodec.encode(envelope.replicated) })
)

/**
 * Wraps a replicated counter in an envelope of the current version.
 *
 * @example
 * import { Layout, Replicated, ReplicatedEnvelope } from 'tiny-counter'
 * const r = Replicated.empty(Layout.utc)
 * assert.deepEqual(ReplicatedEnvelope.of(r), { version: 1, replicated: r })
 */
export const of = (replicated: Replicated): Envelope => ({ version: VERSION, replicated })

/**
 * Decodes an envelope and returns its replicated counter, or one `DecodeError` naming `key` and the
 * path of the first offending field (`version`, `checksum`, `replicated.replicas.0.buckets.2`, ...).
 *
 * @example
 * import { Layout, Replicated, ReplicatedEnvelope } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const r = Replicated.empty(Layout.utc)
 * const written = ReplicatedEnvelope.Codec.encode(ReplicatedEnvelope.of(r))
 * assert.ok(E.isRight(ReplicatedEnvelope.decode('launch', written)))
 * const wrong = ReplicatedEnvelope.decode('launch', { ...written, checksum: '00000000' })
 * assert.ok(E.isLeft(wrong) && wrong.left.path === 'checksum' && /damaged/.test(wrong.left.message))
 * const newer = ReplicatedEnvelope.decode('launch', { ...written, version: 2 })
 * assert.ok(E.isLeft(newer) && newer.left.path === 'version' && /version 2/.test(newer.left.message))
 */
export const decode = (key: string, input: unknown): E.Either<DecodeError, Replicated> =>
  E.bimap(
    (errors: t.Errors) => firstDecodeError(key, errors, 'a replicated envelope'),
    (envelope: Envelope) => envelope.replicated
  )(Codec.decode(input))
