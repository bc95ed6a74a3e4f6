/**
 * The versioned envelope a stored counter travels in, `{ version: 2, counter }`, and its one io-ts
 * codec. Every format ends its decoding here, so stored bytes are validated the same way whatever
 * the format. An envelope of version 1 (written by tiny-counter 0.1.0, whose counter was
 * `{ layout, heads, counts }`) is read and converted; any other version is refused by name.
 */
import * as E from '#fp-ts/Either'
import * as t from '#io-ts'
import type { Counter } from '../Counter.js'
import type { DecodeError } from './errors.js'
import { CounterV1, CounterV2 } from './CounterCodec.js'
import { knownCounter, knownCounterV1 } from './internal/knownShapes.js'
import { firstDecodeError } from './internal/decodeErrors.js'

/**
 * The version of the envelope this library writes: 2, whose counter is `{ layout, heads, newest,
 * older }`. Version 1 (tiny-counter 0.1.0: a counter `{ layout, heads, counts }`) is still read,
 * and converted; no other version is.
 *
 * @example
 * import { Envelope } from 'tiny-counter'
 * assert.equal(Envelope.VERSION, 2)
 */
export const VERSION = 2

/** A counter as stored: its envelope version and the counter. */
export interface Envelope {
  readonly version: typeof VERSION
  readonly counter: Counter
}

const Shape = t.strict({ version: t.literal(VERSION), counter: CounterV2 }, 'Envelope')
const ShapeV1 = t.strict({ version: t.literal(1), counter: CounterV1 }, 'Envelope')

const unsupported = (version: number): string =>
  Number.isSafeInteger(version) && version > VERSION
    ? `envelope version ${version} was written by a newer tiny-counter; this one reads versions 1 and ${VERSION} only`
    : `unknown envelope version ${version}; this tiny-counter reads versions 1 and ${VERSION} only`

/** Exactly the fields of a counter, as fresh plain data. */
const plain = (counter: Counter): Counter => ({
  layout: {
    tracks: counter.layout.tracks.map(({ unit, buckets }) => ({ unit, buckets })),
    alignment: counter.layout.alignment,
    timeZone: counter.layout.timeZone
  },
  heads: counter.heads,
  newest: counter.newest,
  older: counter.older
})

/**
 * The codec of the envelope: decoding validates the version first (a number other than 1 or 2 is
 * refused with a message naming it) and then the whole counter (a valid one in one pass, see
 * `CounterCodec.Counter`) in the shape of its version: `CounterCodec.CounterV2` in version 2,
 * `CounterCodec.CounterV1` in version 1, whose counter is converted; the result is always an
 * envelope of the current version. Encoding writes version 2 and exactly the fields of a counter,
 * as plain data.
 *
 * @example
 * import { Counter, Envelope, Layout } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const envelope = Envelope.of(Counter.empty(Layout.utc))
 * assert.ok(E.isRight(Envelope.Codec.decode(Envelope.Codec.encode(envelope))))
 * const old = Envelope.Codec.decode({ version: 1, counter: { layout: Layout.utc, heads: [0, 0, 0, 0], counts: [[1], [1], [], [1, 2]] } })
 * assert.ok(E.isRight(old) && old.right.version === 2)
 * assert.deepEqual([old.right.counter.newest, old.right.counter.older], [[1, 1, 0, 1], [[], [], [], [2]]])
 * const newer = Envelope.Codec.decode({ version: 3, counter: {} })
 * assert.ok(E.isLeft(newer) && /version 3/.test(newer.left[0]?.message ?? ''))
 */
export const Codec: t.Type<Envelope, Envelope, unknown> = new t.Type<Envelope, Envelope, unknown>(
  'Envelope',
  (u): u is Envelope => Shape.is(u),
  (u, c) => {
    if (typeof u === 'object' && u !== null && !Array.isArray(u) && 'version' in u && 'counter' in u) {
      const counter = u.version === VERSION ? knownCounter(u.counter) : u.version === 1 ? knownCounterV1(u.counter) : undefined
      if (counter !== undefined) return t.success({ version: VERSION, counter })
    }
    if (typeof u === 'object' && u !== null && 'version' in u && typeof u.version === 'number' && u.version !== VERSION) {
      if (u.version === 1) return E.map(({ counter }: { readonly counter: Counter }): Envelope => ({ version: VERSION, counter }))(ShapeV1.validate(u, c))
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
 * assert.deepEqual(Envelope.of(counter), { version: 2, counter })
 */
export const of = (counter: Counter): Envelope => ({ version: VERSION, counter })

/**
 * Decodes an envelope (of version 2, or of version 1, converted) and returns its counter, or one
 * `DecodeError` naming `key` and the path of the first offending field (`version`, `counter.heads`,
 * `counter.older.2`, `counter.layout.tracks.0.buckets`, ...).
 *
 * @example
 * import { Counter, Envelope, Layout } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const counter = Counter.empty(Layout.utc)
 * assert.deepEqual(Envelope.decode('launch', { version: 2, counter }), E.right(counter))
 * const refused = Envelope.decode('launch', { version: 2, counter: { ...counter, heads: 'nope' } })
 * assert.ok(E.isLeft(refused) && refused.left.key === 'launch' && refused.left.path === 'counter.heads')
 * const old = Envelope.decode('launch', { version: 1, counter: { layout: Layout.utc, heads: [], counts: [] } })
 * assert.ok(E.isRight(old) && Counter.Eq.equals(old.right, counter))
 * const newer = Envelope.decode('launch', { version: 3, counter })
 * assert.ok(E.isLeft(newer) && newer.left.path === 'version' && /version 3/.test(newer.left.message))
 */
export const decode = (key: string, input: unknown): E.Either<DecodeError, Counter> => {
  const decoded = Codec.decode(input)
  return E.isRight(decoded) ? E.right(decoded.right.counter) : E.left(toDecodeError(key, decoded.left))
}

const toDecodeError = (key: string, errors: t.Errors): DecodeError => firstDecodeError(key, errors, 'an envelope', describe)

/** A short JSON rendering of a value for a message. */
const describe = (value: unknown): string => {
  let text: string
  try {
    text = JSON.stringify(value) ?? String(value)
  } catch {
    text = String(value)
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text
}
