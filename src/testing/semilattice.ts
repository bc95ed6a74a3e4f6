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
 * The laws of a bounded join-semilattice over three states drawn together by `states`:
 * associativity, commutativity, idempotence (and its consequence for repeats) and the identity
 * `zero`. Draw the three as states one system can reach together (the copies of one cluster): a
 * replicated counter's laws hold when each replica id has one writer, which three unrelated draws
 * would not respect. For your own sync state: if merging is such a join, replicas that exchange
 * states through any network, however often and in whatever order, end up equal.
 *
 * @example
 * import { boundedJoinSemilattice, replicatedCounters } from 'tiny-counter/testing'
 * import { Layout, Replicated } from 'tiny-counter'
 * import * as R from 'fp-ts/lib/ReadonlyRecord.js'
 * import * as fc from 'fast-check'
 * // A device's sync state: replicated counters by event name, joined event by event; each event
 * // is a system of its own, so its three copies come from one cluster.
 * type State = R.ReadonlyRecord<string, Replicated.Replicated>
 * const S = Replicated.getSemilattice(Layout.utc)
 * const join = (x: State, y: State): State => R.union({ concat: S.join })(y)(x)
 * const copies = replicatedCounters(3, { layouts: [Layout.utc] })
 * const states = fc.tuple(copies, copies).map(([launch, purchase]) =>
 *   [0, 1, 2].map((i): State => (i === 2 ? { launch: launch[i]! } : { launch: launch[i]!, purchase: purchase[i]! })) as [State, State, State])
 * const laws = boundedJoinSemilattice({ join, zero: {} }, R.getEq(Replicated.Eq), states)
 * for (const law of Object.values(laws)) fc.assert(law, { numRuns: 30 })
 */
export const boundedJoinSemilattice = <A>(S: BoundedJoinSemilattice<A>, eq: Eq<A>, states: fc.Arbitrary<readonly [A, A, A]>): Laws =>
  semilatticeLaws(eq, states.map(([a, b, c]) => [S, a, b, c] as const), 'join')

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
