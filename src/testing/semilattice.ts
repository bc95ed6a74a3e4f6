/**
 * The laws of a bounded join-semilattice as fast-check properties: what sync code needs so that
 * repeating, reordering or losing (and resending) messages cannot change the result. Built like the
 * monoid laws beside it: pure predicates, then properties.
 */
import * as fc from 'fast-check'
import type { BoundedJoinSemilattice } from '#fp-ts/BoundedJoinSemilattice'
import type { Eq } from '#fp-ts/Eq'
import type { Replicated } from '../Replicated.js'
import { Eq as ReplicatedEq, getSemilattice } from '../Replicated.js'
import type { Laws } from './laws.js'
import { associative, commutative } from './laws.js'
import type { ClusterOptions } from './replicated.js'
import { cluster, play } from './replicated.js'

/**
 * `join(a, a) = a`: merging something twice is merging it once.
 *
 * @example
 * import { idempotent } from 'tiny-counter/testing'
 * import * as N from 'fp-ts/lib/number.js'
 * assert.equal(idempotent(N.Eq, Math.max)(3), true)
 * assert.equal(idempotent(N.Eq, (x: number, y: number) => x + y)(3), false)
 */
export const idempotent =
  <A>(eq: Eq<A>, join: (x: A, y: A) => A) =>
  (a: A): boolean =>
    eq.equals(join(a, a), a)

/**
 * `join(zero, a) = a = join(a, zero)`.
 *
 * @example
 * import { joinIdentity } from 'tiny-counter/testing'
 * import * as N from 'fp-ts/lib/number.js'
 * assert.equal(joinIdentity(N.Eq, { join: Math.max, zero: 0 })(4), true)
 * assert.equal(joinIdentity(N.Eq, { join: Math.max, zero: 0 })(-4), false)
 */
export const joinIdentity =
  <A>(eq: Eq<A>, S: BoundedJoinSemilattice<A>) =>
  (a: A): boolean =>
    eq.equals(S.join(S.zero, a), a) && eq.equals(S.join(a, S.zero), a)

/**
 * `join(a, join(a, b)) = join(a, b)`: merging a state into one that already merged it (a duplicate
 * or a late message) changes nothing.
 *
 * @example
 * import { absorbsRepeats } from 'tiny-counter/testing'
 * import * as N from 'fp-ts/lib/number.js'
 * assert.equal(absorbsRepeats(N.Eq, Math.max)(1, 2), true)
 * assert.equal(absorbsRepeats(N.Eq, (x: number, y: number) => x + y)(1, 2), false)
 */
export const absorbsRepeats =
  <A>(eq: Eq<A>, join: (x: A, y: A) => A) =>
  (a: A, b: A): boolean =>
    eq.equals(join(a, join(a, b)), join(a, b))

const semilatticeLaws = <A>(eq: Eq<A>, drawn: fc.Arbitrary<readonly [BoundedJoinSemilattice<A>, A, A, A]>, noun: string): Laws => ({
  [`${noun} is associative`]: fc.property(drawn, ([S, a, b, c]) => associative(eq, S.join)(a, b, c)),
  [`${noun} is commutative`]: fc.property(drawn, ([S, a, b]) => commutative(eq, S.join)(a, b)),
  [`${noun} is idempotent`]: fc.property(drawn, ([S, a]) => idempotent(eq, S.join)(a)),
  [`${noun} absorbs repeats: ${noun}(a, ${noun}(a, b)) = ${noun}(a, b)`]: fc.property(drawn, ([S, a, b]) => absorbsRepeats(eq, S.join)(a, b)),
  'zero is an identity': fc.property(drawn, ([S, a]) => joinIdentity(eq, S)(a))
})

/**
 * The laws of a bounded join-semilattice over values drawn from `arbitrary`: associativity,
 * commutativity, idempotence (and its consequence for repeats) and the identity `zero`. For your
 * own sync state: if merging is such a join, replicas that exchange states through any network,
 * however often and in whatever order, end up equal.
 *
 * @example
 * import { boundedJoinSemilattice, replicatedCounters } from 'tiny-counter/testing'
 * import { Layout, Replicated } from 'tiny-counter'
 * import * as R from 'fp-ts/lib/ReadonlyRecord.js'
 * import * as fc from 'fast-check'
 * // A device's sync state: replicated counters by event name, joined event by event.
 * const layout = Layout.utc
 * const S = Replicated.getSemilattice(layout)
 * const join = (x: R.ReadonlyRecord<string, Replicated.Replicated>, y: R.ReadonlyRecord<string, Replicated.Replicated>) =>
 *   R.union({ concat: S.join })(y)(x)
 * const state = replicatedCounters(2, { layouts: [layout] }).map(([a, b]) => ({ launch: a!, purchase: b! }))
 * const laws = boundedJoinSemilattice({ join, zero: {} }, R.getEq(Replicated.Eq), fc.oneof(state, fc.constant({})))
 * for (const law of Object.values(laws)) fc.assert(law, { numRuns: 30 })
 */
export const boundedJoinSemilattice = <A>(S: BoundedJoinSemilattice<A>, eq: Eq<A>, arbitrary: fc.Arbitrary<A>): Laws =>
  semilatticeLaws(eq, fc.tuple(fc.constant(S), arbitrary, arbitrary, arbitrary), 'join')

/**
 * The semilattice laws of `Replicated.getSemilattice(layout)` over the copies three nodes of a drawn
 * cluster hold (values that share replicas and were rotated differently): `merge is associative`,
 * `merge is commutative`, `merge is idempotent`, `merge absorbs repeats ...`, `zero is an identity`.
 *
 * @example
 * import { replicatedSemilattice } from 'tiny-counter/testing'
 * import * as fc from 'fast-check'
 * for (const law of Object.values(replicatedSemilattice())) fc.assert(law, { numRuns: 30 })
 */
export const replicatedSemilattice = (options: ClusterOptions = {}): Laws =>
  semilatticeLaws<Replicated>(
    ReplicatedEq,
    cluster({ ...options, nodes: 3 }).map((c) => {
      const [a, b, d] = play(c)
      return [getSemilattice(c.layout), a!, b!, d!] as const
    }),
    'merge'
  )
