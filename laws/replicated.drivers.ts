// Drivers of the replicated-counter laws: each turns predicates (replicated.predicates.ts) and the
// cluster arbitraries of tiny-counter/testing into named fast-check properties. Properties draw
// clusters (nodes that record, rotate and sync), not values, so a counterexample prints the steps.
import * as fc from 'fast-check'
import { Counter, Layout, Replicated, ReplicatedBincodeFormat, ReplicatedCodec, ReplicatedEnvelope, ReplicatedJsonFormat } from 'tiny-counter'
import * as A from 'tiny-counter/testing'
import * as P from './replicated.predicates.js'

type Laws = A.Laws

const near = (c: A.Cluster) => A.instantNear(A.anchorsOf(c.layout), c.focal)

/** The latest instant any step of a cluster names. */
const latestOf = (c: A.Cluster): number => c.steps.reduce((t, s) => ('at' in s ? Math.max(t, s.at) : t), c.focal)

/** A cluster, and one of its nodes' states after a prefix of its steps (a stale copy). */
const withStale = (options: A.ClusterOptions = {}) =>
  A.cluster(options).chain((c) =>
    fc.tuple(fc.integer({ min: 0, max: c.steps.length }), fc.integer({ min: 0, max: c.ids.length - 1 }), near(c)).map(([k, node, t]) => {
      const stale = A.play({ ...c, steps: c.steps.slice(0, k) })[node]!
      return [c, A.play(c), stale, node, t] as const
    })
  )

const mergeAll = (c: A.Cluster, copies: ReadonlyArray<Replicated.Replicated>) => copies.reduce((x, y) => Replicated.merge(x, y), Replicated.empty(c.layout))

// -------------------------------------------------------------------------------------------------
// the semilattice, inflation, rotation
// -------------------------------------------------------------------------------------------------

export const semilattice = (): Laws => ({
  ...A.replicatedSemilattice(),
  // Copies of one cluster (each replica id has one writer), joined in a layout with fewer buckets
  // of the same zone and alignment, where converting keeps the newest buckets of each unit.
  'getSemilattice(narrower).join stays associative for copies of another layout': fc.property(
    A.cluster().chain((c) => fc.tuple(fc.constant(c), A.narrowerLayout(c.layout))),
    ([c, layout]) => {
      const [x, y, z] = A.play(c)
      return A.associative(Replicated.Eq, Replicated.getSemilattice(layout).join)(x!, y!, z!)
    }
  ),
  'record inflates: merge(r, record(r, replica, at, n)) = record(r, replica, at, n)': fc.property(
    A.cluster().chain((c) => fc.tuple(fc.constant(c), fc.constantFrom(...c.ids, 'newcomer'), near(c), A.count)),
    ([c, replica, at, n]) => P.recordInflates(A.play(c)[0]!, replica, at, n)
  ),
  'a stale copy cannot bring expired buckets back: merge(rotate(r, t), stale) = rotate(r, t)': fc.property(withStale(), ([c, finals, stale, node, t]) => {
    const all = mergeAll(c, finals)
    return P.staleCopiesCannotResurrect(finals[node]!, stale, t) && P.staleCopiesCannotResurrect(all, stale, t)
  }),
  'rotate distributes over merge': fc.property(
    A.cluster({ nodes: 2 }).chain((c) => near(c).map((t) => [c, t] as const)),
    ([c, t]) => {
      const [a, b] = A.play(c)
      return P.rotateDistributesOverMerge(a!, b!, t) && P.rotateIsIdempotent(a!, t)
    }
  )
})

// -------------------------------------------------------------------------------------------------
// value
// -------------------------------------------------------------------------------------------------

export const values = (): Laws => ({
  'value maps merge of disjoint replicas onto Counter.merge': fc.property(A.replicatedCounters(2, { exchanges: false }), ([a, b]) =>
    P.valueIsMergeHomomorphismForDisjointReplicas(a!, b!)
  ),
  'value commutes with rotate, and sums valueOf over the replicas': fc.property(
    A.cluster().chain((c) => near(c).map((t) => [c, t] as const)),
    ([c, t]) => {
      const [a] = A.play(c)
      return P.valueCommutesWithRotate(a!, t) && P.valueSumsTheReplicas(a!)
    }
  ),
  'a replica split off (withoutReplica) and published again from its counter (ofCounter) gives the copy back': fc.property(A.replicatedCounter(), (r) =>
    P.replicaSplitsOffAndBack(r)
  ),
  'the merge of every copy counts what one counter recording everything counts': fc.property(
    A.cluster({ nodes: 4 }).chain((c) => A.instantFrom(A.anchorsOf(c.layout), latestOf(c)).map((t) => [c, t] as const)),
    ([c, t]) => {
      const records = c.steps.flatMap((s) => (s._tag === 'Record' ? [s] : []))
      return P.mergeOfAllIsOneRecorder(A.play(c), records, c.layout, t)
    }
  )
})

// -------------------------------------------------------------------------------------------------
// conversion
// -------------------------------------------------------------------------------------------------

/**
 * `Replicated.convert` as it was first written, the reference: each replica through a dense
 * `Counter` converted by `Counter.convert` (time and memory: replicas × buckets).
 */
const denseConvert = (r: Replicated.Replicated, layout: Layout.Layout): Replicated.Replicated => {
  if (Layout.Eq.equals(r.layout, layout)) return { layout, heads: r.heads, replicas: r.replicas }
  if (Replicated.isEmpty(r)) return Replicated.empty(layout)
  const heads = Counter.convert(Replicated.value(r), layout).heads
  const replicas = r.replicas.flatMap((replica) => Replicated.ofCounter(Counter.convert(Replicated.valueOf(r, replica.id), layout), replica).replicas)
  return { layout, heads, replicas }
}

export const conversion = (): Laws => ({
  'convert moves each replica\'s pairs as Counter.convert moves a counter\'s buckets (the dense conversion, replica by replica)': fc.property(
    A.replicatedCounter().chain((r) => fc.tuple(fc.constant(r), fc.oneof(A.layout, A.narrowerLayout(r.layout), A.widerLayout(r.layout)))),
    ([r, layout]) => Replicated.Eq.equals(Replicated.convert(r, layout), denseConvert(r, layout))
  )
})

// -------------------------------------------------------------------------------------------------
// delta-state sync
// -------------------------------------------------------------------------------------------------

export const deltas = (): Laws => ({
  'merge(y, delta(x, versionVector(seen))) = merge(y, x) for any earlier state seen of y': fc.property(
    withStale().chain(([c, finals, stale, node]) => fc.integer({ min: 0, max: c.ids.length - 1 }).map((other) => [finals, stale, node, other] as const)),
    ([finals, stale, node, other]) => P.deltaSinceBringsEverything(finals[other]!, finals[node]!, stale) && P.deltaSinceBringsEverything(finals[other]!, finals[node]!, finals[node]!)
  ),
  'a delta is part of its source': fc.property(A.replicatedCounters(2), ([x, y]) => P.deltaIsPartOfItsSource(x!, y!))
})

// -------------------------------------------------------------------------------------------------
// shape
// -------------------------------------------------------------------------------------------------

export const shape = (): Laws => ({
  'every copy is well formed and bounded: each unit holds at most its buckets, no replica without a count': fc.property(withStale(), ([c, finals, stale, , t]) =>
    [...finals, stale, mergeAll(c, finals), Replicated.rotate(mergeAll(c, finals), t), Replicated.merge(stale, finals[0]!)].every(P.isWellFormed)
  ),
  'replicated counters are plain data that no operation mutates': fc.property(
    A.cluster({ nodes: 2 }).chain((c) => fc.tuple(fc.constant(c), fc.constantFrom(...c.ids), near(c), A.count)),
    ([c, replica, at, n]) => {
      const [a, b] = A.play(c)
      return P.isPlainData(a!, b!, replica, at, n)
    }
  ),
  'bad replica ids, counts and instants are refused and change nothing': fc.property(
    A.cluster().chain((c) =>
      fc.tuple(
        fc.constant(c),
        near(c),
        A.count,
        fc.oneof(fc.constant(''), fc.constant('x'.repeat(Replicated.MAX_REPLICA_ID_LENGTH + 1)), fc.constant('phone-\uD800'), fc.constant(undefined), fc.integer()),
        fc.oneof(fc.integer({ max: -1 }), fc.double({ noInteger: true }), fc.constantFrom(Number.NaN, Infinity, 2 ** 53)),
        fc.oneof(fc.double({ min: -1e15, max: 1e15, noInteger: true }), fc.constantFrom(Number.NaN, Infinity, 8.64e15 + 1))
      )
    ),
    ([c, at, n, badId, badCount, badInstant]) => P.invalidInputIsRefused(A.play(c)[0]!, c.ids[0]!, at, n, badId, badCount, badInstant)
  )
})

// -------------------------------------------------------------------------------------------------
// codecs and formats
// -------------------------------------------------------------------------------------------------

const EnvelopeEq = {
  equals: (x: ReplicatedEnvelope.Envelope, y: ReplicatedEnvelope.Envelope) => x.version === y.version && Replicated.Eq.equals(x.replicated, y.replicated)
}

export const formats = (): Laws => ({
  'ReplicatedCodec.Replicated: decode(encode(r)) = r, directly and through JSON': A.codecRoundTrip(ReplicatedCodec.Replicated, Replicated.Eq, A.replicatedCounter()),
  'ReplicatedEnvelope.Codec: decode(encode(e)) = e, checksum included': A.codecRoundTrip(ReplicatedEnvelope.Codec, EnvelopeEq, A.replicatedCounter().map(ReplicatedEnvelope.of)),
  'ReplicatedCodec.VersionVector: decode(encode(v)) = v': fc.property(A.replicatedCounter(), (r) => {
    const v = Replicated.versionVector(r)
    const back = ReplicatedCodec.VersionVector.decode(JSON.parse(JSON.stringify(ReplicatedCodec.VersionVector.encode(v))))
    return back._tag === 'Right' && JSON.stringify(back.right) === JSON.stringify(v)
  }),
  'the JSON format reads back what it writes': fc.property(A.replicatedCounter(), (r) => P.formatRoundTrips(ReplicatedJsonFormat, r)),
  'the Bincode format reads back what it writes': fc.property(A.replicatedCounter(), (r) => P.formatRoundTrips(ReplicatedBincodeFormat, r)),
  'one flipped bit is refused by the Bincode format (the checksum)': fc.property(A.replicatedCounter(), fc.nat(), (r, bit) => P.flippedBitIsRefused(ReplicatedBincodeFormat, r, bit)),
  'one flipped bit is refused by the JSON format (the checksum), or changes nothing': fc.property(A.replicatedCounter(), fc.nat(), (r, bit) => P.flippedBitIsRefused(ReplicatedJsonFormat, r, bit))
})
