/**
 * The versioned envelope a stored counter travels in, `{ version: 3, counter }`, and its one io-ts
 * codec. Every format ends its decoding here, so stored bytes are validated the same way whatever
 * the format. Version 3 is version 2 whose bytes end with a CRC-32 (each format writes and checks
 * it: `JsonFormat`, `BincodeFormat`); envelopes of version 2 (no checksum) and 1 (written by
 * tiny-counter 0.1.0, whose counter was `{ layout, heads, counts }`) are read, and converted; any
 * other version is refused by name.
 */
import * as E from '#fp-ts/Either'
import * as t from '#io-ts'
import type { Counter } from '../Counter.js'
import type { DecodeError } from './errors.js'
import { CounterV1, CounterV2 } from './CounterCodec.js'
import { knownCounter, knownCounterV1 } from './internal/knownShapes.js'
import { firstDecodeError } from './internal/decodeErrors.js'
import { isBounded } from './internal/bounds.js'
import { plainLayout } from './internal/plain.js'

/**
 * The version of the envelope this library writes: 3, whose counter is `{ layout, heads, newest,
 * older }` and whose bytes end with a CRC-32 of the rest. Version 2 (the same counter, no
 * checksum) and version 1 (tiny-counter 0.1.0: a counter `{ layout, heads, counts }`) are still
 * read, and converted; no other version is.
 *
 * @example
 * import { Envelope } from 'tiny-counter'
 * assert.equal(Envelope.VERSION, 3)
 */
export const VERSION = 3

/** A counter as stored: its envelope version and the counter. */
export interface Envelope {
  readonly version: typeof VERSION
  readonly counter: Counter
}

const Shape = t.strict({ version: t.literal(VERSION), counter: CounterV2 }, 'Envelope')
const ShapeV2 = t.strict({ version: t.literal(2), counter: CounterV2 }, 'Envelope')
const ShapeV1 = t.strict({ version: t.literal(1), counter: CounterV1 }, 'Envelope')

const unsupported = (version: number): string =>
  Number.isSafeInteger(version) && version > VERSION
    ? `envelope version ${version} was written by a newer tiny-counter; this one reads versions 1 to ${VERSION} only`
    : `unknown envelope version ${version}; this tiny-counter reads versions 1 to ${VERSION} only`

/** Exactly the fields of a counter, as fresh plain data. */
const plain = (counter: Counter): Counter => ({
  layout: plainLayout(counter.layout),
  heads: counter.heads,
  newest: counter.newest,
  older: counter.older
})

/**
 * The codec of the envelope: decoding validates the version first (a number other than 1, 2 or 3
 * is refused with a message naming it) and then the whole counter (a valid one in one pass, see
 * `CounterCodec.Counter`) in the shape of its version: `CounterCodec.CounterV2` in versions 3 and
 * 2, `CounterCodec.CounterV1` in version 1, whose counter is converted; the result is always an
 * envelope of the current version. Encoding writes version 3 and exactly the fields of a counter,
 * as plain data. (The checksum of version 3 belongs to the bytes: the formats write and check it.)
 *
 * @example
 * import { Counter, Envelope, Layout } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const envelope = Envelope.of(Counter.empty(Layout.utc))
 * assert.ok(E.isRight(Envelope.Codec.decode(Envelope.Codec.encode(envelope))))
 * const old = Envelope.Codec.decode({ version: 1, counter: { layout: Layout.utc, heads: [0, 0, 0, 0], counts: [[1], [1], [], [1, 2]] } })
 * assert.ok(E.isRight(old) && old.right.version === 3)
 * assert.deepEqual([old.right.counter.newest, old.right.counter.older], [[1, 1, 0, 1], [[], [], [], [2]]])
 * const newer = Envelope.Codec.decode({ version: 4, counter: {} })
 * assert.ok(E.isLeft(newer) && /version 4/.test(newer.left[0]?.message ?? ''))
 */
export const Codec: t.Type<Envelope, Envelope, unknown> = new t.Type<Envelope, Envelope, unknown>(
  'Envelope',
  (u): u is Envelope => Shape.is(u),
  (u, c) => {
    if (typeof u === 'object' && u !== null && !Array.isArray(u) && 'version' in u && 'counter' in u) {
      const counter = u.version === VERSION || u.version === 2 ? knownCounter(u.counter) : u.version === 1 ? knownCounterV1(u.counter) : undefined
      if (counter !== undefined && isBounded(counter)) return t.success({ version: VERSION, counter })
    }
    if (typeof u === 'object' && u !== null && 'version' in u && typeof u.version === 'number' && u.version !== VERSION) {
      const current = ({ counter }: { readonly counter: Counter }): Envelope => ({ version: VERSION, counter })
      if (u.version === 1) return E.map(current)(ShapeV1.validate(u, c))
      if (u.version === 2) return E.map(current)(ShapeV2.validate(u, c))
      return t.failure(u.version, t.appendContext(c, 'version', Shape.type.props.version, u.version), unsupported(u.version))
    }
    return Shape.validate(u, c)
  },
  (envelope) => ({ version: VERSION, counter: plain(envelope.counter) })
)

/**
 * Wraps a counter in an envelope of the current version.
 *
 * @example
 * import { Counter, Envelope, Layout } from 'tiny-counter'
 * const counter = Counter.empty(Layout.utc)
 * assert.deepEqual(Envelope.of(counter), { version: 3, counter })
 */
export const of = (counter: Counter): Envelope => ({ version: VERSION, counter })

/**
 * Decodes an envelope (of version 3 or 2, or of version 1, converted) and returns its counter, or one
 * `DecodeError` naming `key` and the path of the first offending field (`version`, `counter.heads`,
 * `counter.older.2`, `counter.layout.tracks.0.buckets`, ...).
 *
 * @example
 * import { Counter, Envelope, Layout } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const counter = Counter.empty(Layout.utc)
 * assert.deepEqual(Envelope.decode('launch', { version: 3, counter }), E.right(counter))
 * const refused = Envelope.decode('launch', { version: 3, counter: { ...counter, heads: 'nope' } })
 * assert.ok(E.isLeft(refused) && refused.left.key === 'launch' && refused.left.path === 'counter.heads')
 * const old = Envelope.decode('launch', { version: 1, counter: { layout: Layout.utc, heads: [], counts: [] } })
 * assert.ok(E.isRight(old) && Counter.Eq.equals(old.right, counter))
 * const newer = Envelope.decode('launch', { version: 4, counter })
 * assert.ok(E.isLeft(newer) && newer.left.path === 'version' && /version 4/.test(newer.left.message))
 */
export const decode = (key: string, input: unknown): E.Either<DecodeError, Counter> => {
  const decoded = Codec.decode(input)
  return E.isRight(decoded) ? E.right(decoded.right.counter) : E.left(toDecodeError(key, decoded.left))
}

const toDecodeError = (key: string, errors: t.Errors): DecodeError => firstDecodeError(key, errors, 'an envelope')
