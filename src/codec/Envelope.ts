/**
 * The versioned envelope a stored counter travels in, `{ version: 1, counter }`, and its one io-ts
 * codec. Every format ends its decoding here, so stored bytes are validated the same way whatever
 * the format, and a value written with another version of the envelope is refused by name.
 */
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts/lib/index.js'
import type { Counter } from '../Counter.js'
import type { DecodeError } from '../errors.js'
import { Counter as CounterCodec } from './CounterCodec.js'
import { knownCounter } from '../internal/knownShapes.js'
import { firstDecodeError } from '../internal/decodeErrors.js'

/**
 * The version of the envelope this library writes, and the only one it reads.
 *
 * @example
 * import { Envelope } from 'tiny-counter'
 * assert.equal(Envelope.VERSION, 1)
 */
export const VERSION = 1

/** A counter as stored: its envelope version and the counter. */
export interface Envelope {
  readonly version: typeof VERSION
  readonly counter: Counter
}

const Shape = t.strict({ version: t.literal(VERSION), counter: CounterCodec }, 'Envelope')

const unsupported = (version: number): string =>
  Number.isSafeInteger(version) && version > VERSION
    ? `envelope version ${version} was written by a newer tiny-counter; this one reads version ${VERSION} only`
    : `unknown envelope version ${version}; this tiny-counter reads version ${VERSION} only`

/** Exactly the fields of a counter, as fresh plain data. */
const plain = (counter: Counter): Counter => ({
  layout: {
    tracks: counter.layout.tracks.map(({ unit, buckets }) => ({ unit, buckets })),
    alignment: counter.layout.alignment,
    timeZone: counter.layout.timeZone
  },
  heads: counter.heads,
  counts: counter.counts
})

/**
 * The codec of the envelope: decoding validates the version first (another number is refused
 * with a message naming it) and then the whole counter (a valid one in one pass, see
 * `CounterCodec.Counter`); encoding writes exactly the fields of a counter, as plain data.
 *
 * @example
 * import { Counter, Envelope, Layout } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const envelope = Envelope.of(Counter.empty(Layout.utc))
 * assert.ok(E.isRight(Envelope.Codec.decode(Envelope.Codec.encode(envelope))))
 * const newer = Envelope.Codec.decode({ version: 2, counter: {} })
 * assert.ok(E.isLeft(newer) && /version 2/.test(newer.left[0]?.message ?? ''))
 */
export const Codec: t.Type<Envelope, Envelope, unknown> = new t.Type<Envelope, Envelope, unknown>(
  'Envelope',
  (u): u is Envelope => Shape.is(u),
  (u, c) => {
    if (typeof u === 'object' && u !== null && !Array.isArray(u) && 'version' in u && u.version === VERSION && 'counter' in u) {
      const counter = knownCounter(u.counter)
      if (counter !== undefined) return t.success({ version: VERSION, counter })
    }
    if (typeof u === 'object' && u !== null && 'version' in u && typeof u.version === 'number' && u.version !== VERSION) {
      return t.failure(u.version, t.appendContext(c, 'version', Shape.type.props.version, u.version), unsupported(u.version))
    }
    return Shape.validate(u, c)
  },
  (envelope) => ({ version: envelope.version, counter: plain(envelope.counter) })
)

/**
 * Wraps a counter in an envelope of the current version.
 *
 * @example
 * import { Counter, Envelope, Layout } from 'tiny-counter'
 * const counter = Counter.empty(Layout.utc)
 * assert.deepEqual(Envelope.of(counter), { version: 1, counter })
 */
export const of = (counter: Counter): Envelope => ({ version: VERSION, counter })

/**
 * Decodes an envelope and returns its counter, or one `DecodeError` naming `key` and the path of
 * the first offending field (`version`, `counter.heads`, `counter.layout.tracks.0.buckets`, ...).
 *
 * @example
 * import { Counter, Envelope, Layout } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const counter = Counter.empty(Layout.utc)
 * assert.deepEqual(Envelope.decode('launch', { version: 1, counter }), E.right(counter))
 * const refused = Envelope.decode('launch', { version: 1, counter: { ...counter, heads: 'nope' } })
 * assert.ok(E.isLeft(refused) && refused.left.key === 'launch' && refused.left.path === 'counter.heads')
 * const newer = Envelope.decode('launch', { version: 2, counter })
 * assert.ok(E.isLeft(newer) && newer.left.path === 'version' && /version 2/.test(newer.left.message))
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
