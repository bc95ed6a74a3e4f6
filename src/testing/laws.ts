/**
 * The laws the library keeps, as fast-check properties to run on your own code: a commutative
 * monoid (counters under `merge`, or your own sync state), and round trips `decode(encode(x)) = x`
 * through a `Formatter` or an io-ts codec. Built like fp-ts-laws: pure predicates, then properties.
 */
import * as fc from 'fast-check'
import * as E from '#fp-ts/Either'
import type { Eq } from '#fp-ts/Eq'
import type { Monoid } from '#fp-ts/Monoid'
import type { Counter } from '../Counter.js'
import { Eq as CounterEq, getMonoid } from '../Counter.js'
import type { Formatter } from '../codec/Formatter.js'
import type { SceneOptions } from './histories.js'
import { build, counter, scene } from './histories.js'

/** Named properties, one per law; run each with `fc.assert`. */
export type Laws = Readonly<Record<string, fc.IProperty<any>>>

// -------------------------------------------------------------------------------------------------
// predicates
// -------------------------------------------------------------------------------------------------

/**
 * `concat(concat(a, b), c) = concat(a, concat(b, c))`.
 *
 * @example
 * import { associative } from 'tiny-counter/testing'
 * import * as N from 'fp-ts/lib/number.js'
 * assert.equal(associative(N.Eq, (x: number, y: number) => x + y)(1, 2, 3), true)
 * assert.equal(associative(N.Eq, (x: number, y: number) => x - y)(1, 2, 3), false)
 */
export const associative =
  <A>(eq: Eq<A>, concat: (x: A, y: A) => A) =>
  (a: A, b: A, c: A): boolean =>
    eq.equals(concat(concat(a, b), c), concat(a, concat(b, c)))

/**
 * `concat(a, b) = concat(b, a)`.
 *
 * @example
 * import { commutative } from 'tiny-counter/testing'
 * import * as N from 'fp-ts/lib/number.js'
 * assert.equal(commutative(N.Eq, Math.max)(1, 2), true)
 * assert.equal(commutative(N.Eq, (x: number, y: number) => x - y)(1, 2), false)
 */
export const commutative =
  <A>(eq: Eq<A>, concat: (x: A, y: A) => A) =>
  (a: A, b: A): boolean =>
    eq.equals(concat(a, b), concat(b, a))

/**
 * `concat(empty, a) = a`.
 *
 * @example
 * import { leftIdentity } from 'tiny-counter/testing'
 * import * as N from 'fp-ts/lib/number.js'
 * assert.equal(leftIdentity(N.Eq, N.MonoidSum)(5), true)
 */
export const leftIdentity =
  <A>(eq: Eq<A>, M: Monoid<A>) =>
  (a: A): boolean =>
    eq.equals(M.concat(M.empty, a), a)

/**
 * `concat(a, empty) = a`.
 *
 * @example
 * import { rightIdentity } from 'tiny-counter/testing'
 * import * as N from 'fp-ts/lib/number.js'
 * assert.equal(rightIdentity(N.Eq, N.MonoidProduct)(5), true)
 */
export const rightIdentity =
  <A>(eq: Eq<A>, M: Monoid<A>) =>
  (a: A): boolean =>
    eq.equals(M.concat(a, M.empty), a)

// -------------------------------------------------------------------------------------------------
// properties
// -------------------------------------------------------------------------------------------------

const monoidLaws = <A>(eq: Eq<A>, drawn: fc.Arbitrary<readonly [Monoid<A>, A, A, A]>, names: readonly [string, string]): Laws => ({
  [names[0]]: fc.property(drawn, ([M, a, b, c]) => associative(eq, M.concat)(a, b, c)),
  [names[1]]: fc.property(drawn, ([M, a, b]) => commutative(eq, M.concat)(a, b)),
  'empty is a left identity': fc.property(drawn, ([M, a]) => leftIdentity(eq, M)(a)),
  'empty is a right identity': fc.property(drawn, ([M, a]) => rightIdentity(eq, M)(a))
})

/**
 * The laws of a commutative monoid, over values drawn from `arbitrary`: associativity,
 * commutativity and both identities. For your own sync logic: if merging two devices' states is a
 * commutative monoid, devices that exchange states in any order end up equal.
 *
 * @example
 * import { commutativeMonoid, counters } from 'tiny-counter/testing'
 * import { Counter, Layout } from 'tiny-counter'
 * import * as R from 'fp-ts/lib/ReadonlyRecord.js'
 * import * as fc from 'fast-check'
 * // Devices' states: counters by event name, merged event by event.
 * const layout = Layout.standard({ timeZone: 'Europe/Berlin' })
 * const state = counters(2, { layouts: [layout] }).map(([a, b]) => ({ launch: a!, purchase: b! }))
 * const M = R.getUnionMonoid(Counter.getMonoid(layout))
 * const laws = commutativeMonoid(M, R.getEq(Counter.Eq), fc.oneof(state, fc.constant({})))
 * for (const law of Object.values(laws)) fc.assert(law, { numRuns: 50 })
 */
export const commutativeMonoid = <A>(M: Monoid<A>, eq: Eq<A>, arbitrary: fc.Arbitrary<A>): Laws =>
  monoidLaws(eq, fc.tuple(fc.constant(M), arbitrary, arbitrary, arbitrary), ['concat is associative', 'concat is commutative'])

/**
 * The commutative monoid laws of `Counter.getMonoid(layout)` for counters of the drawn layouts,
 * built from histories clustered around one instant so that they share buckets: `merge is
 * associative`, `merge is commutative`, `empty is a left identity`, `empty is a right identity`.
 *
 * @example
 * import { counterMonoid } from 'tiny-counter/testing'
 * import * as fc from 'fast-check'
 * for (const law of Object.values(counterMonoid())) fc.assert(law, { numRuns: 50 })
 */
export const counterMonoid = (options: SceneOptions = {}): Laws =>
  monoidLaws(
    CounterEq,
    scene({ ...options, histories: 3 }).map((s) => {
      const [a, b, c] = s.histories.map((steps) => build(s.layout, steps))
      return [getMonoid(s.layout), a!, b!, c!] as const
    }),
    ['merge is associative', 'merge is commutative']
  )

/**
 * `deserialize(key, serialize(c))` is `right(c)` for a `Formatter`: what it writes, it reads back.
 *
 * @example
 * import { counter, formatterRoundTrip } from 'tiny-counter/testing'
 * import { BincodeFormat, JsonFormat } from 'tiny-counter'
 * import * as fc from 'fast-check'
 * fc.assert(formatterRoundTrip(JsonFormat), { numRuns: 50 })
 * fc.assert(formatterRoundTrip(BincodeFormat, counter({ rotations: false })), { numRuns: 50 })
 */
export const formatterRoundTrip = (formatter: Formatter, counters: fc.Arbitrary<Counter> = counter()): fc.IProperty<[Counter]> =>
  fc.property(counters, (c) => {
    const back = formatter.deserialize('event', formatter.serialize(c))
    return E.isRight(back) && CounterEq.equals(back.right, c)
  })

/** An encoder and a decoder, such as an io-ts codec. */
export interface Codec<A, O> {
  readonly encode: (a: A) => O
  readonly decode: (input: unknown) => E.Either<unknown, A>
}

/**
 * `decode(encode(a))` is `right(a)` for a codec, directly and through JSON text (the way a value
 * travels to storage or another device).
 *
 * @example
 * import { codecRoundTrip, counter } from 'tiny-counter/testing'
 * import { Counter, CounterCodec, Envelope } from 'tiny-counter'
 * import * as fc from 'fast-check'
 * fc.assert(codecRoundTrip(CounterCodec.Counter, Counter.Eq, counter()), { numRuns: 50 })
 * const EnvelopeEq = { equals: (x: Envelope.Envelope, y: Envelope.Envelope) => x.version === y.version && Counter.Eq.equals(x.counter, y.counter) }
 * fc.assert(codecRoundTrip(Envelope.Codec, EnvelopeEq, counter().map(Envelope.of)), { numRuns: 50 })
 */
export const codecRoundTrip = <A, O>(codec: Codec<A, O>, eq: Eq<A>, arbitrary: fc.Arbitrary<A>): fc.IProperty<[A]> =>
  fc.property(arbitrary, (a) => {
    const encoded = codec.encode(a)
    const direct = codec.decode(encoded)
    const viaJson = codec.decode(JSON.parse(JSON.stringify(encoded)))
    return E.isRight(direct) && eq.equals(direct.right, a) && E.isRight(viaJson) && eq.equals(viaJson.right, a)
  })
