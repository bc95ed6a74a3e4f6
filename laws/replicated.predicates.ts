// The laws of replicated counters as pure predicates: each takes plain values and says whether the
// law holds for them (the semilattice laws themselves are tiny-counter/testing's). No fast-check,
// no clock: a failing case can be replayed by calling the predicate with the printed values.
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { Counter, Layout, Query, Replicated, Window } from 'tiny-counter'
import type { ReplicatedFormat } from 'tiny-counter'

type R = Replicated.Replicated

// -------------------------------------------------------------------------------------------------
// inflation: record and rotate only ever go up in the semilattice
// -------------------------------------------------------------------------------------------------

/** `merge(r, record(r, replica, at, n)) = record(r, replica, at, n)`, and the other way round. */
export const recordInflates = (r: R, replica: string, at: number, n: number): boolean => {
  const recorded = Replicated.record(r, replica, at, n)
  return (
    E.isRight(recorded) &&
    Replicated.Eq.equals(Replicated.merge(r, recorded.right), recorded.right) &&
    Replicated.Eq.equals(Replicated.merge(recorded.right, r), recorded.right)
  )
}

/**
 * The cut-off law: a copy rotated to `t` (its expired buckets dropped, replicas left with nothing
 * dropped) absorbs any stale copy `stale` it already includes: `merge(rotate(r, t), stale) =
 * rotate(r, t)`. Expired buckets and dropped replicas never come back.
 */
export const staleCopiesCannotResurrect = (r: R, stale: R, t: number): boolean => {
  const rotated = Replicated.rotate(r, t)
  return !Replicated.includes(r, stale) || (Replicated.Eq.equals(Replicated.merge(rotated, stale), rotated) && Replicated.Eq.equals(Replicated.merge(stale, rotated), rotated))
}

export const rotateDistributesOverMerge = (a: R, b: R, t: number): boolean =>
  Replicated.Eq.equals(Replicated.rotate(Replicated.merge(a, b), t), Replicated.merge(Replicated.rotate(a, t), Replicated.rotate(b, t)))

export const rotateIsIdempotent = (r: R, t: number): boolean => Replicated.Eq.equals(Replicated.rotate(Replicated.rotate(r, t), t), Replicated.rotate(r, t))

// -------------------------------------------------------------------------------------------------
// value
// -------------------------------------------------------------------------------------------------

const replicaIds = (r: R): ReadonlyArray<string> => r.replicas.map((replica) => replica.id)

/** For copies with no replica in common, `value(merge(a, b)) = Counter.merge(value(a), value(b))`. */
export const valueIsMergeHomomorphismForDisjointReplicas = (a: R, b: R): boolean =>
  replicaIds(a).some((id) => replicaIds(b).includes(id)) ||
  Counter.Eq.equals(Replicated.value(Replicated.merge(a, b)), Counter.merge(Replicated.value(a), Replicated.value(b)))

/** `value(empty) = Counter.empty`, and `value` commutes with `rotate`. */
export const valueCommutesWithRotate = (r: R, t: number): boolean =>
  Counter.Eq.equals(Replicated.value(Replicated.rotate(r, t)), Counter.rotate(Replicated.value(r), t)) &&
  Counter.isEmpty(Replicated.value(Replicated.empty(r.layout)))

/** The value is the sum of what each replica recorded (`valueOf`), bucket by bucket. */
export const valueSumsTheReplicas = (r: R): boolean =>
  Counter.Eq.equals(
    Replicated.value(r),
    r.replicas.reduce((sum, replica) => Counter.merge(sum, Replicated.valueOf(r, replica.id)), Replicated.value({ ...r, replicas: [] }))
  )

/**
 * A replica split off and published again from its counter gives the copy back:
 * `merge(withoutReplica(r, id), ofCounter(valueOf(r, id), versionOf(r, id))) = r` for every replica.
 */
export const replicaSplitsOffAndBack = (r: R): boolean =>
  r.replicas.every((replica) => {
    const version = Replicated.versionOf(r, replica.id)
    return O.isSome(version) && Replicated.Eq.equals(Replicated.merge(Replicated.withoutReplica(r, replica.id), Replicated.ofCounter(Replicated.valueOf(r, replica.id), version.value)), r)
  })

/**
 * Rotated to an instant `t` after everything, the merge of all copies counts what one counter that
 * recorded every record would: each record counts once, however many copies carried it.
 */
export const mergeOfAllIsOneRecorder = (copies: ReadonlyArray<R>, records: ReadonlyArray<{ readonly at: number; readonly n: number }>, layout: Layout.Layout, t: number): boolean => {
  const merged = copies.reduce((x, y) => Replicated.merge(x, y), Replicated.empty(layout))
  const reference = records.reduce((c, { at, n }) => E.getOrElse(() => c)(Counter.record(c, at, n)), Counter.empty(layout))
  return sameCounts(Replicated.value(Replicated.rotate(merged, t)), Counter.rotate(reference, t), t)
}

/**
 * Two counters hold the same counts, read at `t`: equal after rotation, and equal sums for every
 * tracked unit and every window `last(k, unit)`, and for `ever`.
 */
export const sameCounts = (x: Counter.Counter, y: Counter.Counter, t: number): boolean => {
  if (Counter.isEmpty(x) || Counter.isEmpty(y)) return Counter.isEmpty(x) === Counter.isEmpty(y)
  if (!Counter.Eq.equals(Counter.rotate(x, t), Counter.rotate(y, t))) return false
  const windows = [Window.ever, ...x.layout.tracks.flatMap((track) => Array.from({ length: track.buckets }, (_, k) => Window.last(k + 1, track.unit)))]
  return windows.every((window) => {
    const a = Query.sum(x, window, t)
    const b = Query.sum(y, window, t)
    return O.isSome(a) && O.isSome(b) && a.value === b.value
  })
}

// -------------------------------------------------------------------------------------------------
// delta-state sync
// -------------------------------------------------------------------------------------------------

/**
 * For a copy `y` and any `seen` it includes (an earlier state of it, or itself),
 * `merge(y, delta(x, versionVector(seen))) = merge(y, x)`: a delta since what a peer had seen
 * brings it everything.
 */
export const deltaSinceBringsEverything = (x: R, y: R, seen: R): boolean =>
  !Replicated.includes(y, seen) || Replicated.Eq.equals(Replicated.merge(y, Replicated.delta(x, Replicated.versionVector(seen))), Replicated.merge(y, x))

/** A delta is part of its source (`includes(x, delta(x, v))`), and `delta(x)` with no vector is `x`. */
export const deltaIsPartOfItsSource = (x: R, y: R): boolean =>
  Replicated.includes(x, Replicated.delta(x, Replicated.versionVector(y))) && Replicated.delta(x) === x

// -------------------------------------------------------------------------------------------------
// shape: bounded, canonical, plain
// -------------------------------------------------------------------------------------------------

const isPositiveCount = (n: number | undefined): boolean => n !== undefined && Number.isSafeInteger(n) && n > 0 && n <= Counter.MAX_COUNT

/**
 * The representation invariant, which bounds the size: one head per unit (or none, and then no
 * replica); replicas sorted by id, each once; each replica has a version, one pairs list per unit,
 * indices falling newest first within `heads[u] - L + 1 .. heads[u]` (so at most L pairs), positive
 * counts, and at least one count (a replica whose buckets all expired is dropped).
 */
export const isWellFormed = (r: R): boolean => {
  const tracks = r.layout.tracks
  if (r.heads.length === 0) return r.replicas.length === 0
  return (
    r.heads.length === tracks.length &&
    r.heads.every(Number.isSafeInteger) &&
    r.replicas.every((replica, i) => {
      if (i > 0 && !(r.replicas[i - 1]!.id < replica.id)) return false
      if (!Replicated.isReplicaId(replica.id) || !Number.isSafeInteger(replica.born) || !Number.isSafeInteger(replica.seq) || replica.seq < 1) return false
      if (replica.buckets.length !== tracks.length || replica.buckets.every((pairs) => pairs.length === 0)) return false
      return replica.buckets.every((pairs, u) => {
        const head = r.heads[u]!
        const floor = head - tracks[u]!.buckets
        for (let k = 0; k < pairs.length; k += 2) {
          const index = pairs[k]!
          if (index > head || index <= floor || (k > 0 && index >= pairs[k - 2]!) || !isPositiveCount(pairs[k + 1])) return false
        }
        return pairs.length % 2 === 0
      })
    })
  )
}

const deepFreeze = <A>(value: A): A => {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const inner of Object.values(value)) deepFreeze(inner)
  }
  return value
}

/** Plain data: equal after JSON and structuredClone, and every operation works on deeply frozen inputs. */
export const isPlainData = (a: R, b: R, replica: string, at: number, n: number): boolean => {
  const json = JSON.stringify([a, b])
  const [fa, fb] = deepFreeze(JSON.parse(json) as [R, R])
  const recorded = Replicated.record(fa, replica, at, n)
  const expected = Replicated.record(a, replica, at, n)
  return (
    Replicated.Eq.equals(structuredClone(a), a) &&
    Replicated.Eq.equals(fa, a) &&
    E.isRight(recorded) &&
    E.isRight(expected) &&
    Replicated.Eq.equals(recorded.right, expected.right) &&
    Replicated.Eq.equals(Replicated.rotate(fa, at), Replicated.rotate(a, at)) &&
    Replicated.Eq.equals(Replicated.merge(fa, fb), Replicated.merge(a, b)) &&
    Counter.Eq.equals(Replicated.value(fa), Replicated.value(a)) &&
    JSON.stringify([fa, fb]) === json
  )
}

/** A bad replica id, count or instant is refused with its tag, and the value is left as it was. */
export const invalidInputIsRefused = (r: R, replica: string, at: number, n: number, badId: unknown, badCount: number, badInstant: number): boolean => {
  const before = JSON.stringify(r)
  const tagOf = (result: E.Either<{ readonly _tag: string }, R>): string | undefined => (E.isLeft(result) ? result.left._tag : undefined)
  return (
    tagOf(Replicated.record(r, badId as string, at, n)) === 'InvalidReplicaId' &&
    tagOf(Replicated.record(r, replica, at, badCount)) === 'InvalidCount' &&
    tagOf(Replicated.record(r, replica, badInstant, n)) === 'InvalidInstant' &&
    JSON.stringify(r) === before
  )
}

// -------------------------------------------------------------------------------------------------
// formats
// -------------------------------------------------------------------------------------------------

/** `deserialize(serialize(r)) = right(r)` for a format. */
export const formatRoundTrips = (format: ReplicatedFormat, r: R): boolean => {
  const back = format.deserialize('event', format.serialize(r))
  return E.isRight(back) && Replicated.Eq.equals(back.right, r)
}

/**
 * Bytes with one bit flipped are refused with a `DecodeError` naming the key, or (JSON only: a time
 * zone's name is read case-insensitively) read as the very same value: never as another value.
 */
export const flippedBitIsRefused = (format: ReplicatedFormat, r: R, bit: number): boolean => {
  const bytes = format.serialize(r).slice()
  const at = bit % (bytes.length * 8)
  bytes[at >> 3] = bytes[at >> 3]! ^ (1 << (at & 7))
  const back = format.deserialize('event', bytes)
  return E.isLeft(back) ? back.left._tag === 'DecodeError' && back.left.key === 'event' : Replicated.Eq.equals(back.right, r)
}
