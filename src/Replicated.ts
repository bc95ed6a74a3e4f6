/**
 * A replicated counter: the counts of one event as several writers (devices, servers) recorded
 * them, each under its own replica id, as a readonly plain value. `merge` takes the maximum per
 * replica and bucket, so merging the same data twice, or an older copy of it, changes nothing: it is
 * the answer for sync over a network that repeats, reorders or loses messages (`Counter.merge` adds,
 * which is right for disjoint histories only). `value` sums the replicas into a `Counter`.
 *
 * Laws (checked in `laws/`, over values reached by `record`, `rotate` and `merge` with each replica
 * id written by one writer): `merge` is associative, commutative and idempotent with `empty` as
 * identity (a bounded join-semilattice); `record` and `rotate` inflate (`merge(r, record(r, ...))` is
 * `record(r, ...)`, `merge(rotate(r, t), r)` is `rotate(r, t)`: a stale copy cannot bring expired
 * buckets back); `rotate` distributes over `merge`; `value` maps `merge` of disjoint replicas to
 * `Counter.merge`; merging `delta(x, versionVector(y))` into `y` gives `merge(y, x)`.
 */
import * as E from '#fp-ts/Either'
import * as O from './internal/option.js'
import type { BoundedJoinSemilattice } from '#fp-ts/BoundedJoinSemilattice'
import type * as Eq_ from '#fp-ts/Eq'
import type { Monoid } from '#fp-ts/Monoid'
import type { Counter } from './Counter.js'
import { convert as convertCounter, empty as emptyCounter, fromBuckets, isCount, isInstant, toBuckets } from './Counter.js'
import type { Layout } from './Layout.js'
import { Eq as LayoutEq } from './Layout.js'
import type { RecordError } from './errors.js'
import { InvalidCount, InvalidInstant, InvalidReplicaId } from './errors.js'
import { compile } from './internal/compiled.js'
import { dual } from './internal/dual.js'
import { hasLoneSurrogate } from './internal/unicode.js'
import { nextVersion, replicaOf, versionOfReplica } from './internal/versions.js'
import { NO_COUNTS as NO_PAIRS, sameNumbers, saturated } from './internal/counts.js'

// -------------------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------------------

/**
 * What one writer recorded, as far as this copy knows. `born` and `seq` are its version: `born` is
 * the instant of the first record of this incarnation of the replica (a replica whose buckets have
 * all expired is dropped, and a later record starts a new incarnation, always born later), `seq`
 * counts the records that changed it since (a record at `seq` 2^53 - 1 starts a new incarnation
 * too, born at the later of its instant and `born + 1`). `buckets` holds, per unit of the layout,
 * the non-zero counts keyed by absolute bucket index, flat as `[index, count, index, count, ...]`,
 * newest first.
 *
 * @example
 * import { Layout, Replicated } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const at = Date.UTC(2026, 0, 5, 9, 30)
 * const r = Replicated.record(Replicated.empty(Layout.utc), 'phone', at, 2)
 * assert.ok(E.isRight(r))
 * const [phone] = r.right.replicas
 * assert.deepEqual([phone!.id, phone!.born, phone!.seq], ['phone', at, 1])
 * assert.deepEqual(phone!.buckets[2], [Math.floor(at / 86_400_000), 2]) // days: [index, count]
 */
export interface Replica {
  readonly id: string
  readonly born: number
  readonly seq: number
  readonly buckets: ReadonlyArray<ReadonlyArray<number>>
}

/**
 * The counts of one event, per writer. Plain readonly data (strings, numbers and arrays of them):
 * it survives `JSON.stringify`, `structuredClone`, Redux's serializability check and Immer's
 * auto-freeze. `heads` holds, per unit, the absolute index of the newest bucket any copy reached
 * (none when empty): a unit keeps the buckets `heads[u] - length + 1 .. heads[u]`, and every bucket
 * older than that has expired, in every copy that merges this one. `replicas` are sorted by id, and
 * each holds at least one non-zero count.
 *
 * @example
 * import { Layout, Replicated } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const r = Replicated.record(Replicated.empty(Layout.utc), 'laptop', Date.UTC(2026, 0, 1, 9), 1)
 * assert.ok(E.isRight(r))
 * assert.ok(Replicated.Eq.equals(JSON.parse(JSON.stringify(r.right)), r.right))
 * assert.deepEqual(structuredClone(r.right), r.right)
 */
export interface Replicated {
  readonly layout: Layout
  readonly heads: ReadonlyArray<number>
  readonly replicas: ReadonlyArray<Replica>
}

/**
 * The version of one replica: later incarnations (`born`) first, then more records (`seq`).
 *
 * @example
 * import { Layout, Replicated } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const at = Date.UTC(2026, 0, 1, 9)
 * const r = E.flatMap(Replicated.record('phone', at + 1000, 1))(Replicated.record(Replicated.empty(Layout.utc), 'phone', at, 1))
 * assert.ok(E.isRight(r))
 * assert.deepEqual(Replicated.versionVector(r.right), [{ id: 'phone', born: at, seq: 2 }])
 */
export interface Version {
  readonly id: string
  readonly born: number
  readonly seq: number
}

/** The versions of the replicas a copy holds, sorted by id: what it already knows. */
export type VersionVector = ReadonlyArray<Version>

/** The longest replica id, in UTF-16 code units. */
export const MAX_REPLICA_ID_LENGTH = 256

/**
 * Whether a value can name a replica: a string of 1 to `MAX_REPLICA_ID_LENGTH` characters, in
 * well-formed Unicode (no lone surrogate, the rule of event names in storage: UTF-8, as Bincode
 * writes ids, would turn every lone surrogate into U+FFFD, and two ids into one).
 *
 * @example
 * import { Replicated } from 'tiny-counter'
 * assert.equal(Replicated.isReplicaId('phone-7f3a'), true)
 * assert.equal(Replicated.isReplicaId(''), false)
 * assert.equal(Replicated.isReplicaId(7), false)
 * assert.equal(Replicated.isReplicaId('phone-\uD800'), false)
 */
export const isReplicaId = (u: unknown): u is string => typeof u === 'string' && u.length > 0 && u.length <= MAX_REPLICA_ID_LENGTH && !hasLoneSurrogate(u)

/**
 * Whether a value has the shape of a replicated counter (a quick structural check, not a full
 * validation: decode outside data with `ReplicatedCodec`).
 *
 * @example
 * import { Counter, Layout, Replicated } from 'tiny-counter'
 * assert.equal(Replicated.isReplicated(Replicated.empty(Layout.utc)), true)
 * assert.equal(Replicated.isReplicated(Counter.empty(Layout.utc)), false)
 */
export const isReplicated = (u: unknown): u is Replicated =>
  typeof u === 'object' && u !== null && 'replicas' in u && 'heads' in u && 'layout' in u

// -------------------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------------------

/**
 * The replicated counter with no data: the identity of `merge` (the bottom of the semilattice).
 *
 * @example
 * import { Counter, Layout, Replicated } from 'tiny-counter'
 * const r = Replicated.empty(Layout.utc)
 * assert.equal(Replicated.isEmpty(r), true)
 * assert.ok(Counter.isEmpty(Replicated.value(r)))
 */
export const empty = (layout: Layout): Replicated => ({ layout, heads: [], replicas: [] })

/**
 * Whether a replicated counter is the empty one (never recorded into, never merged with data).
 *
 * @example
 * import { Layout, Replicated } from 'tiny-counter'
 * assert.equal(Replicated.isEmpty(Replicated.empty(Layout.utc)), true)
 */
export const isEmpty = (self: Replicated): boolean => self.heads.length === 0

/**
 * A replicated counter holding one replica, `version.id`, whose counts are those of `counter`
 * (its heads become the value's heads): how a writer publishes what it recorded in a plain counter.
 * Buckets that are zero are left out; a counter with no count gives a value with heads and no
 * replica, and the empty counter gives the empty value. Throws `InvalidReplicaId` for a bad id
 * (a bug in the caller).
 *
 * @example
 * import { Counter, Layout, Query, Replicated, Window } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const at = Date.UTC(2026, 0, 5, 9)
 * const mine = E.getOrElseW(() => Counter.empty(Layout.utc))(Counter.singleton(Layout.utc, at, 4))
 * const r = Replicated.ofCounter(mine, { id: 'phone', born: at, seq: 1 })
 * assert.deepEqual(Replicated.versionVector(r), [{ id: 'phone', born: at, seq: 1 }])
 * assert.deepEqual(Query.sum(Replicated.value(r), Window.last(1, 'days'), at), O.some(4))
 * assert.ok(Counter.Eq.equals(Replicated.valueOf(r, 'phone'), mine))
 */
export const ofCounter = (counter: Counter, version: Version): Replicated => {
  if (!isReplicaId(version.id)) throw new InvalidReplicaId(version.id)
  if (counter.heads.length === 0) return empty(counter.layout)
  const buckets = toBuckets(counter).map((counts, u) => sparse(counts, counter.heads[u]!))
  const replicas = buckets.some((pairs) => pairs.length > 0) ? [replicaOf(version.id, version, buckets)] : []
  return { layout: counter.layout, heads: counter.heads, replicas }
}

// -------------------------------------------------------------------------------------------------
// transformations
// -------------------------------------------------------------------------------------------------

/**
 * Adds `n` events (default 1) at instant `at` to the replica `replica`, and to no other: each unit
 * adds them to the bucket holding `at`, and a unit whose buckets no longer reach back to `at` drops
 * them. An instant later than the newest buckets first rotates the whole value forward. The
 * replica's version goes up when its counts change. Each replica id must be recorded into by one
 * writer only (a device, a server): that writer's records are what `merge` takes the maximum of.
 * A bad replica id, count or instant is refused and nothing changes.
 *
 * @example
 * import { Layout, Query, Replicated, Window } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * import { pipe } from 'fp-ts/lib/function.js'
 * const now = Date.UTC(2026, 5, 1, 12)
 * const r = pipe(
 *   Replicated.record(Replicated.empty(Layout.utc), 'phone', now - 3_600_000, 2),
 *   E.flatMap(Replicated.record('laptop', now, 1))
 * )
 * assert.ok(E.isRight(r))
 * assert.deepEqual(r.right.replicas.map((replica) => replica.id), ['laptop', 'phone'])
 * assert.deepEqual(Query.sum(Replicated.value(r.right), Window.last(24, 'hours'), now), O.some(3))
 * assert.ok(E.isLeft(Replicated.record(r.right, 'phone', now, -1)))
 */
export const record: {
  (replica: string, at: number, n?: number): (self: Replicated) => E.Either<RecordError | InvalidReplicaId, Replicated>
  (self: Replicated, replica: string, at: number, n?: number): E.Either<RecordError | InvalidReplicaId, Replicated>
} = function (a: any, b?: any, c?: any, d?: any): any {
  return isReplicated(a) ? recordInto(a, b, c, d) : (self: Replicated) => recordInto(self, a, b, c)
}

const recordInto = (self: Replicated, replica: string, at: number, n: number = 1): E.Either<RecordError | InvalidReplicaId, Replicated> => {
  if (!isReplicaId(replica)) return E.left(new InvalidReplicaId(replica))
  if (!isInstant(at)) return E.left(new InvalidInstant(at))
  if (!isCount(n)) return E.left(new InvalidCount(n))
  const rotated = advance(self, at)
  if (n === 0) return E.right(rotated)
  const { grids, lengths } = compile(rotated.layout)
  const found = positionOf(rotated.replicas, replica)
  const old = found >= 0 ? rotated.replicas[found]! : undefined
  let buckets: Array<ReadonlyArray<number>> | undefined
  for (let u = 0; u < grids.length; u++) {
    const index = grids[u]!.indexOf(at)
    if (index <= rotated.heads[u]! - lengths[u]!) continue // too old for this unit
    buckets ??= old === undefined ? rotated.layout.tracks.map(() => NO_PAIRS) : old.buckets.slice()
    buckets[u] = addPair(buckets[u]!, index, n)
  }
  if (buckets === undefined) return E.right(rotated) // too old for every unit
  const version = old === undefined ? { born: at, seq: 1 } : nextVersion(old, at)
  const updated = replicaOf(replica, version, buckets)
  const replicas = rotated.replicas.slice()
  if (found >= 0) replicas[found] = updated
  else replicas.splice(-found - 1, 0, updated)
  return E.right({ layout: rotated.layout, heads: rotated.heads, replicas })
}

/**
 * Moves every unit forward so that its newest bucket is the one holding `at`: buckets that fall out
 * of a unit expire in every replica, and a replica left with no count is dropped. Never moves
 * backwards; the empty value stays empty. Throws `InvalidInstant` for a value that is not an
 * integer epoch millisecond (a bug in the caller, not data).
 *
 * @example
 * import { Layout, Replicated } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const at = Date.UTC(2026, 0, 5, 10)
 * const r = E.getOrElseW(() => Replicated.empty(Layout.utc))(Replicated.record(Replicated.empty(Layout.utc), 'phone', at, 1))
 * assert.equal(Replicated.rotate(r, at + 3_600_000).replicas.length, 1) // still within the hours, days, months
 * assert.equal(Replicated.rotate(r, at + 400 * 86_400_000).replicas.length, 0) // expired everywhere: dropped
 */
export const rotate: {
  (at: number): (self: Replicated) => Replicated
  (self: Replicated, at: number): Replicated
} = dual(isReplicated, (self: Replicated, at: number): Replicated => {
  if (!isInstant(at)) throw new InvalidInstant(at)
  return isEmpty(self) ? self : advance(self, at)
})

/** `self` rotated to `at`, or started at `at` when empty; `self` itself when nothing moves. */
const advance = (self: Replicated, at: number): Replicated => {
  const { grids } = compile(self.layout)
  const empty = isEmpty(self)
  let heads: number[] | undefined
  for (let u = 0; u < grids.length; u++) {
    const index = grids[u]!.indexOf(at)
    if (empty || index > self.heads[u]!) {
      heads ??= empty ? [] : self.heads.slice()
      heads[u] = index
    }
  }
  if (heads === undefined) return self
  return { layout: self.layout, heads, replicas: empty ? self.replicas : trimmed(self.replicas, cutoffsOf(self.layout, heads)) }
}

/**
 * Joins two copies: the later heads of each unit, and for each replica the later version and the
 * larger count of each bucket; buckets that fall out of the joined heads' range expire, and a replica left
 * with no count is dropped. The result has the layout of `self` (`that` is converted first when its
 * layout differs). Associative, commutative and idempotent, with `empty` as identity: merging a
 * message twice, late, or out of order gives the same result.
 *
 * @example
 * import { Layout, Query, Replicated, Window } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const at = Date.UTC(2026, 3, 1, 8)
 * const none = Replicated.empty(Layout.utc)
 * const phone = E.getOrElse(() => none)(Replicated.record(none, 'phone', at, 100))
 * const laptop = E.getOrElse(() => none)(Replicated.record(none, 'laptop', at, 50))
 * const both = Replicated.merge(phone, laptop)
 * assert.deepEqual(Query.sum(Replicated.value(both), Window.last(7, 'days'), at), O.some(150))
 * const again = Replicated.merge(Replicated.merge(both, phone), laptop) // a retry, a duplicate
 * assert.ok(Replicated.Eq.equals(again, both))
 */
export const merge: {
  (that: Replicated): (self: Replicated) => Replicated
  (self: Replicated, that: Replicated): Replicated
} = dual(
  (_, argumentCount) => argumentCount >= 2,
  (self: Replicated, that: Replicated): Replicated => {
    const other = convert(that, self.layout)
    if (isEmpty(other)) return self
    if (isEmpty(self)) return other
    let headsChanged = false
    const heads = self.heads.map((head, u) => {
      const theirs = other.heads[u]!
      if (theirs > head) headsChanged = true
      return theirs > head ? theirs : head
    })
    const cutoffs = cutoffsOf(self.layout, heads)
    const ours = self.replicas
    const theirs = other.replicas
    const replicas: Replica[] = []
    let changed = headsChanged
    let i = 0
    let j = 0
    while (i < ours.length || j < theirs.length) {
      const a = ours[i]
      const b = theirs[j]
      if (b === undefined || (a !== undefined && a.id < b.id)) {
        const kept = headsChanged ? trimmedReplica(a!, cutoffs) : a!
        if (kept !== undefined) replicas.push(kept)
        i++
      } else if (a === undefined || b.id < a.id) {
        const kept = trimmedReplica(b, cutoffs)
        if (kept !== undefined) {
          replicas.push(kept)
          changed = true
        }
        j++
      } else {
        const joined = joinReplicas(a, b, cutoffs)
        if (joined !== a) changed = true
        if (joined !== undefined) replicas.push(joined)
        i++
        j++
      }
    }
    return changed ? { layout: self.layout, heads, replicas } : self
  }
)

/**
 * Re-expresses a replicated counter in another layout, replica by replica, as `Counter.convert`
 * does a counter: more buckets keep the data, fewer keep the most recent, added units start at
 * zero, removed units are dropped. Versions are kept.
 *
 * @example
 * import { Layout, Query, Replicated, Window } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const at = Date.UTC(2026, 6, 20, 12)
 * const days = E.getOrElseW(() => { throw new Error() })(Layout.make({ days: 7, weeks: 4 }, { timeZone: 'UTC' }))
 * const r = E.getOrElseW(() => { throw new Error() })(Replicated.record(Replicated.empty(Layout.utc), 'phone', at, 3))
 * const converted = Replicated.convert(r, days)
 * assert.deepEqual(Query.sum(Replicated.value(converted), Window.last(7, 'days'), at), O.some(3))
 * assert.deepEqual(Query.sum(Replicated.value(converted), Window.last(4, 'weeks'), at), O.some(0))
 */
export const convert: {
  (layout: Layout): (self: Replicated) => Replicated
  (self: Replicated, layout: Layout): Replicated
} = dual(
  (_, argumentCount) => argumentCount >= 2,
  (self: Replicated, layout: Layout): Replicated => {
    if (self.layout === layout) return self
    if (LayoutEq.equals(self.layout, layout)) return { layout, heads: self.heads, replicas: self.replicas }
    if (isEmpty(self)) return empty(layout)
    // The heads move as Counter.convert moves a counter's (one counter of no count, once). Each
    // replica's pairs then keep their age from their unit's head, as a counter's buckets do: the
    // work is the pairs', where converting every replica as a dense counter cost replicas × buckets.
    const heads = convertCounter(denseCounter(self, []), layout).heads
    const cutoffs = cutoffsOf(layout, heads)
    const { position } = compile(self.layout)
    const sources = layout.tracks.map(({ unit }) => position[unit])
    const replicas: Replica[] = []
    for (const replica of self.replicas) {
      // A unit the old layout did not track starts at zero.
      const buckets = sources.map((old, u) => (old < 0 ? NO_PAIRS : trimmedPairs(moved(replica.buckets[old]!, heads[u]! - self.heads[old]!), cutoffs[u]!)))
      if (buckets.some((pairs) => pairs.length > 0)) replicas.push(replicaOf(replica.id, replica, buckets))
    }
    return { layout, heads, replicas }
  }
)

// -------------------------------------------------------------------------------------------------
// queries
// -------------------------------------------------------------------------------------------------

/**
 * The counts of all replicas summed into one `Counter` (sums saturate at `Counter.MAX_COUNT`): ask
 * it anything `Query` answers. The empty value gives the empty counter; a value with heads and no
 * replica (recorded with a count of 0) gives a counter whose buckets are all zero.
 *
 * @example
 * import { Layout, Query, Replicated, Window } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * import { pipe } from 'fp-ts/lib/function.js'
 * const at = Date.UTC(2026, 8, 9, 9)
 * const r = pipe(
 *   Replicated.record(Replicated.empty(Layout.utc), 'phone', at, 2),
 *   E.flatMap(Replicated.record('server', at, 5))
 * )
 * assert.ok(E.isRight(r))
 * assert.deepEqual(Query.sum(Replicated.value(r.right), Window.last(1, 'hours'), at), O.some(7))
 */
export const value = (self: Replicated): Counter => (isEmpty(self) ? emptyCounter(self.layout) : denseCounter(self, self.replicas))

/**
 * What one replica recorded, as a `Counter` (all zeros when this copy holds nothing of it).
 *
 * @example
 * import { Layout, Query, Replicated, Window } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const at = Date.UTC(2026, 8, 9, 9)
 * const r = E.flatMap(Replicated.record('server', at, 5))(Replicated.record(Replicated.empty(Layout.utc), 'phone', at, 2))
 * assert.ok(E.isRight(r))
 * assert.deepEqual(Query.sum(Replicated.valueOf(r.right, 'phone'), Window.ever, at), O.some(2))
 * assert.deepEqual(Query.sum(Replicated.valueOf(r.right, 'tablet'), Window.ever, at), O.some(0))
 */
export const valueOf = (self: Replicated, replica: string): Counter => {
  if (isEmpty(self)) return emptyCounter(self.layout)
  const found = positionOf(self.replicas, replica)
  return denseCounter(self, found >= 0 ? [self.replicas[found]!] : [])
}

/**
 * The version of one replica in this copy, `none` when the copy holds nothing of it.
 *
 * @example
 * import { Layout, Replicated } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const at = Date.UTC(2026, 0, 1)
 * const r = E.getOrElseW(() => Replicated.empty(Layout.utc))(Replicated.record(Replicated.empty(Layout.utc), 'phone', at, 1))
 * assert.deepEqual(Replicated.versionOf(r, 'phone'), O.some({ id: 'phone', born: at, seq: 1 }))
 * assert.deepEqual(Replicated.versionOf(r, 'laptop'), O.none)
 */
export const versionOf = (self: Replicated, replica: string): O.Option<Version> => {
  const found = positionOf(self.replicas, replica)
  if (found < 0) return O.none
  return O.some(versionOfReplica(self.replicas[found]!))
}

/**
 * The copy without one replica (the same heads): what the others recorded.
 *
 * @example
 * import { Layout, Replicated } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { pipe } from 'fp-ts/lib/function.js'
 * const at = Date.UTC(2026, 0, 1)
 * const r = pipe(Replicated.record(Replicated.empty(Layout.utc), 'phone', at, 1), E.flatMap(Replicated.record('laptop', at, 2)), E.getOrElseW(() => Replicated.empty(Layout.utc)))
 * assert.deepEqual(Replicated.withoutReplica(r, 'phone').replicas.map((replica) => replica.id), ['laptop'])
 * assert.equal(Replicated.withoutReplica(r, 'tablet'), r)
 */
export const withoutReplica = (self: Replicated, replica: string): Replicated => {
  const found = positionOf(self.replicas, replica)
  if (found < 0) return self
  return { layout: self.layout, heads: self.heads, replicas: [...self.replicas.slice(0, found), ...self.replicas.slice(found + 1)] }
}

/**
 * The version of every replica this copy holds, sorted by id: send it to a peer, which answers
 * with `delta(itsCopy, versionVector)`.
 *
 * @example
 * import { Layout, Replicated } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const at = Date.UTC(2026, 0, 1)
 * const r = E.flatMap(Replicated.record('a', at, 1))(Replicated.record(Replicated.empty(Layout.utc), 'b', at, 1))
 * assert.ok(E.isRight(r))
 * assert.deepEqual(Replicated.versionVector(r.right).map((v) => [v.id, v.seq]), [['a', 1], ['b', 1]])
 */
export const versionVector = (self: Replicated): VersionVector => self.replicas.map(versionOfReplica)

/**
 * What `self` holds that a copy which knew `since` may lack: the heads, and every replica whose
 * version is later than `since` says (or that `since` does not name), whole. Merging it into any
 * copy that has seen `since` (that copy's own `versionVector`, now or earlier) gives what merging
 * all of `self` would. With no `since`, everything.
 *
 * @example
 * import { Layout, Replicated } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const at = Date.UTC(2026, 0, 1, 9)
 * const none = Replicated.empty(Layout.utc)
 * const laptop = E.getOrElse(() => none)(Replicated.record(none, 'laptop', at, 1))
 * const server = E.getOrElse(() => none)(E.flatMap(Replicated.record('phone', at, 4))(Replicated.record(laptop, 'server', at, 2)))
 * const news = Replicated.delta(server, Replicated.versionVector(laptop))
 * assert.deepEqual(news.replicas.map((r) => r.id), ['phone', 'server'])
 * assert.ok(Replicated.Eq.equals(Replicated.merge(laptop, news), Replicated.merge(laptop, server)))
 */
export const delta: {
  (since?: VersionVector): (self: Replicated) => Replicated
  (self: Replicated, since?: VersionVector): Replicated
} = dual(
  (first) => isReplicated(first),
  (self: Replicated, since?: VersionVector): Replicated => {
    if (since === undefined || since.length === 0 || isEmpty(self)) return self
    const known = new Map(since.map((v) => [v.id, v] as const))
    const replicas = self.replicas.filter((replica) => {
      const seen = known.get(replica.id)
      return seen === undefined || compareVersions(replica, seen) > 0
    })
    return replicas.length === self.replicas.length ? self : { layout: self.layout, heads: self.heads, replicas }
  }
)

/**
 * Whether `that` holds nothing `self` lacks: merging it into `self` would change nothing
 * (`that ≤ self` in the semilattice).
 *
 * @example
 * import { Layout, Replicated } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const at = Date.UTC(2026, 0, 1, 9)
 * const none = Replicated.empty(Layout.utc)
 * const old = E.getOrElse(() => none)(Replicated.record(none, 'phone', at, 1))
 * const newer = E.getOrElse(() => none)(Replicated.record(old, 'phone', at, 1))
 * assert.equal(Replicated.includes(newer, old), true)
 * assert.equal(Replicated.includes(old, newer), false)
 */
export const includes = (self: Replicated, that: Replicated): boolean => Eq.equals(merge(self, that), self)

// -------------------------------------------------------------------------------------------------
// instances
// -------------------------------------------------------------------------------------------------

/**
 * Equality of replicated counters: same layout, heads and replicas (ids, versions and counts).
 * There is one way to write each value, so this is equality of meaning.
 *
 * @example
 * import { Layout, Replicated } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const a = Replicated.record(Replicated.empty(Layout.utc), 'phone', Date.UTC(2026, 0, 1), 1)
 * const b = Replicated.record(Replicated.empty(Layout.utc), 'phone', Date.UTC(2026, 0, 1), 1)
 * assert.ok(E.isRight(a) && E.isRight(b) && Replicated.Eq.equals(a.right, b.right))
 */
export const Eq: Eq_.Eq<Replicated> = {
  equals: (x, y) =>
    x === y ||
    (LayoutEq.equals(x.layout, y.layout) &&
      sameNumbers(x.heads, y.heads) &&
      x.replicas.length === y.replicas.length &&
      x.replicas.every((a, i) => {
        const b = y.replicas[i]!
        return a === b || (a.id === b.id && a.born === b.born && a.seq === b.seq && a.buckets.length === b.buckets.length && a.buckets.every((pairs, u) => sameNumbers(pairs, b.buckets[u]!)))
      }))
}

/**
 * The bounded join-semilattice of replicated counters of one layout: `join` is `merge` (both sides
 * converted to the layout), `zero` is `empty`.
 *
 * @example
 * import { Layout, Replicated } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const S = Replicated.getSemilattice(Layout.utc)
 * const r = E.getOrElse(() => S.zero)(Replicated.record(S.zero, 'phone', Date.UTC(2026, 0, 1), 3))
 * assert.ok(Replicated.Eq.equals(S.join(r, r), r))
 * assert.ok(Replicated.Eq.equals(S.join(S.zero, r), r))
 */
export const getSemilattice = (layout: Layout): BoundedJoinSemilattice<Replicated> => ({
  join: (x, y) => merge(convert(x, layout), y),
  zero: empty(layout)
})

/**
 * The same semilattice as an (idempotent, commutative) monoid, for `concatAll` and friends.
 *
 * @example
 * import { Layout, Query, Replicated, Window } from 'tiny-counter'
 * import { concatAll } from 'fp-ts/lib/Monoid.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * const at = Date.UTC(2026, 8, 9, 9)
 * const M = Replicated.getMonoid(Layout.utc)
 * const phone = E.getOrElse(() => M.empty)(Replicated.record(M.empty, 'phone', at, 2))
 * const total = concatAll(M)([phone, phone, phone]) // the same message three times
 * assert.deepEqual(Query.sum(Replicated.value(total), Window.ever, at), O.some(2))
 */
export const getMonoid = (layout: Layout): Monoid<Replicated> => {
  const S = getSemilattice(layout)
  return { concat: S.join, empty: S.zero }
}

// -------------------------------------------------------------------------------------------------
// replicas and their buckets ([index, count, ...] newest first, counts > 0)
// -------------------------------------------------------------------------------------------------

/** Versions in order: later incarnation first, then more records. */
const compareVersions = (a: Omit<Version, 'id'>, b: Omit<Version, 'id'>): number => (a.born !== b.born ? a.born - b.born : a.seq - b.seq)

/** Position of `id` among replicas sorted by id, or `-(insertion point) - 1`. */
const positionOf = (replicas: ReadonlyArray<Replica>, id: string): number => {
  let low = 0
  let high = replicas.length - 1
  while (low <= high) {
    const middle = (low + high) >>> 1
    const found = replicas[middle]!.id
    if (found === id) return middle
    if (found < id) low = middle + 1
    else high = middle - 1
  }
  return -low - 1
}

/** The oldest bucket index each unit keeps at these heads. */
const cutoffsOf = (layout: Layout, heads: ReadonlyArray<number>): ReadonlyArray<number> => {
  const { lengths } = compile(layout)
  return heads.map((head, u) => head - lengths[u]! + 1)
}

/** `pairs` with `n > 0` added to bucket `index`. */
const addPair = (pairs: ReadonlyArray<number>, index: number, n: number): ReadonlyArray<number> => {
  let i = 0
  while (i < pairs.length && pairs[i]! > index) i += 2
  if (pairs[i] === index) {
    const out = pairs.slice()
    out[i + 1] = saturated(out[i + 1]! + n)
    return out
  }
  return [...pairs.slice(0, i), index, n, ...pairs.slice(i)]
}

/** The pairs of buckets no older than `cutoff` (`pairs` itself when all are). */
const trimmedPairs = (pairs: ReadonlyArray<number>, cutoff: number): ReadonlyArray<number> => {
  let end = pairs.length
  while (end > 0 && pairs[end - 2]! < cutoff) end -= 2
  return end === pairs.length ? pairs : end === 0 ? NO_PAIRS : pairs.slice(0, end)
}

/** The replica without its expired buckets, `undefined` when none is left (the replica is dropped). */
const trimmedReplica = (replica: Replica, cutoffs: ReadonlyArray<number>): Replica | undefined => {
  let buckets: Array<ReadonlyArray<number>> | undefined
  let held = false
  for (let u = 0; u < cutoffs.length; u++) {
    const pairs = replica.buckets[u]!
    const kept = trimmedPairs(pairs, cutoffs[u]!)
    if (kept !== pairs) (buckets ??= replica.buckets.slice())[u] = kept
    if (kept.length > 0) held = true
  }
  if (!held) return undefined
  return buckets === undefined ? replica : replicaOf(replica.id, replica, buckets)
}

const trimmed = (replicas: ReadonlyArray<Replica>, cutoffs: ReadonlyArray<number>): ReadonlyArray<Replica> => {
  let out: Replica[] | undefined
  for (let i = 0; i < replicas.length; i++) {
    const replica = replicas[i]!
    const kept = trimmedReplica(replica, cutoffs)
    if (kept !== replica) out ??= replicas.slice(0, i)
    if (out !== undefined && kept !== undefined) out.push(kept)
  }
  return out ?? replicas
}

/** The pairs with every index moved by `shift`. */
const moved = (pairs: ReadonlyArray<number>, shift: number): ReadonlyArray<number> => (shift === 0 ? pairs : pairs.map((n, k) => (k % 2 === 0 ? n + shift : n)))

/** The bucket-wise maximum of two pairs lists, without buckets older than `cutoff`. */
const maxPairs = (a: ReadonlyArray<number>, b: ReadonlyArray<number>, cutoff: number): ReadonlyArray<number> => {
  if (a === b || sameNumbers(a, b)) return trimmedPairs(a, cutoff)
  const out: number[] = []
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    const x = i < a.length ? a[i]! : cutoff - 1
    const y = j < b.length ? b[j]! : cutoff - 1
    const index = x > y ? x : y
    if (index < cutoff) break
    const m = x === index ? a[i + 1]! : 0
    const n = y === index ? b[j + 1]! : 0
    out.push(index, m > n ? m : n)
    if (x === index) i += 2
    if (y === index) j += 2
  }
  return out.length === 0 ? NO_PAIRS : out
}

/** Two copies of one replica joined: the later version, the larger count of each bucket. */
const joinReplicas = (a: Replica, b: Replica, cutoffs: ReadonlyArray<number>): Replica | undefined => {
  if (a === b) return trimmedReplica(a, cutoffs)
  const later = compareVersions(a, b) >= 0 ? a : b
  let buckets: Array<ReadonlyArray<number>> | undefined
  let held = false
  for (let u = 0; u < cutoffs.length; u++) {
    const pairs = maxPairs(a.buckets[u]!, b.buckets[u]!, cutoffs[u]!)
    // Keep a's array when the result is equal to it: unchanged parts stay shared.
    const kept = pairs === a.buckets[u] || sameNumbers(pairs, a.buckets[u]!) ? a.buckets[u]! : pairs
    if (kept !== a.buckets[u]) (buckets ??= a.buckets.slice())[u] = kept
    if (kept.length > 0) held = true
  }
  if (!held) return undefined
  if (buckets === undefined && later === a) return a
  return replicaOf(a.id, later, buckets ?? a.buckets)
}

/** The replicas' counts summed into a counter at the value's heads. */
const denseCounter = (self: Replicated, replicas: ReadonlyArray<Replica>): Counter => {
  const table = self.heads.map((head, u) => {
    const counts: number[] = []
    for (const replica of replicas) {
      const pairs = replica.buckets[u]!
      for (let i = 0; i < pairs.length; i += 2) {
        const at = head - pairs[i]!
        while (counts.length <= at) counts.push(0)
        counts[at] = saturated(counts[at]! + pairs[i + 1]!)
      }
    }
    return counts
  })
  return fromBuckets(self.layout, self.heads, table)
}

/** Counts newest first from `head` as pairs, zeros left out. */
const sparse = (counts: ReadonlyArray<number>, head: number): ReadonlyArray<number> => {
  const out: number[] = []
  counts.forEach((n, i) => {
    if (n > 0) out.push(head - i, n)
  })
  return out.length === 0 ? NO_PAIRS : out
}
