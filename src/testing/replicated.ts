/**
 * Replicated counters drawn as what happened to them: a few nodes (devices, servers), each the one
 * writer of its replica id, that record, rotate and sync (whole copies or deltas since a version
 * vector) around one instant of interest. Every value drawn is one a real system can reach, which is
 * the domain of the semilattice laws; a counterexample prints the steps, so it can be replayed.
 */
import * as fc from 'fast-check'
import * as E from '#fp-ts/Either'
import type { Layout } from '../Layout.js'
import type { Replicated } from '../Replicated.js'
import { delta, empty, merge, record, rotate, versionVector } from '../Replicated.js'
import { transitionsOf } from './anchors.js'
import { anchorsOf, count, instantAmong, instantNear, layouts, showInstant, showLayout } from './arbitraries.js'

/** One thing that happened at a node: a record under its own replica id, a rotation, or a sync from another node. */
export type NodeStep =
  | { readonly _tag: 'Record'; readonly node: number; readonly at: number; readonly n: number }
  | { readonly _tag: 'Rotate'; readonly node: number; readonly at: number }
  | { readonly _tag: 'Merge'; readonly from: number; readonly to: number }
  | { readonly _tag: 'Delta'; readonly from: number; readonly to: number }

/** Nodes over one layout, each writing under its own replica id, and what happened to them, in order. */
export interface Cluster {
  readonly layout: Layout
  readonly focal: number
  /** The replica id of each node. */
  readonly ids: ReadonlyArray<string>
  readonly steps: ReadonlyArray<NodeStep>
}

/** How to draw a cluster; everything has a default. */
export interface ClusterOptions {
  /** How many nodes (default 3). */
  readonly nodes?: number
  /** Whether nodes sync with each other (default true); without, their replicas stay disjoint. */
  readonly exchanges?: boolean
  /** The layouts to draw from (default: `layouts`). */
  readonly layouts?: ReadonlyArray<Layout>
  /** The most steps (default 16). */
  readonly maxSteps?: number
  /** The replica ids to give the nodes, drawn without repetition (default: a few, `__proto__` among them). */
  readonly ids?: ReadonlyArray<string>
}

/** Replica ids that trip naive code: a prefix of another, an object key of `Object.prototype`, non-ASCII. */
const defaultIds: ReadonlyArray<string> = ['phone', 'laptop', 'server', 'phone-2', '__proto__', 'tablette-é', 'a']

const showStep = (ids: ReadonlyArray<string>, step: NodeStep): string => {
  switch (step._tag) {
    case 'Record':
      return `record(${JSON.stringify(ids[step.node])}, ${showInstant(step.at)}, ${step.n})`
    case 'Rotate':
      return `rotate(#${step.node}, ${showInstant(step.at)})`
    case 'Merge':
      return `merge(#${step.from} -> #${step.to})`
    case 'Delta':
      return `delta(#${step.from} -> #${step.to})`
  }
}

const showCluster = (c: Cluster): string =>
  `Cluster(${showLayout(c.layout)}, focal ${showInstant(c.focal)}, ids ${JSON.stringify(c.ids)}, [${c.steps.map((s) => showStep(c.ids, s)).join(', ')}])`

const printedAs = <A extends object>(cluster: Cluster, value: A): A =>
  Object.defineProperty(value, fc.toStringMethod, { value: () => showCluster(cluster), enumerable: false })

const stepOf = (anchors: ReadonlyArray<number>, focal: number, nodes: number, exchanges: boolean): fc.Arbitrary<NodeStep> => {
  const node = fc.integer({ min: 0, max: nodes - 1 })
  const recordStep = fc.tuple(node, instantNear(anchors, focal), count).map(([n, at, k]): NodeStep => ({ _tag: 'Record', node: n, at, n: k }))
  const rotateStep = fc.tuple(node, instantNear(anchors, focal)).map(([n, at]): NodeStep => ({ _tag: 'Rotate', node: n, at }))
  const pair = fc.tuple(node, node).filter(([from, to]) => from !== to)
  const mergeStep = pair.map(([from, to]): NodeStep => ({ _tag: 'Merge', from, to }))
  const deltaStep = pair.map(([from, to]): NodeStep => ({ _tag: 'Delta', from, to }))
  return exchanges && nodes > 1
    ? fc.oneof({ weight: 6, arbitrary: recordStep }, { weight: 1, arbitrary: rotateStep }, { weight: 2, arbitrary: mergeStep }, { weight: 2, arbitrary: deltaStep })
    : fc.oneof({ weight: 6, arbitrary: recordStep }, { weight: 1, arbitrary: rotateStep })
}

/**
 * A layout, an instant of interest, nodes with distinct replica ids, and steps clustered around it.
 *
 * @example
 * import { cluster } from 'tiny-counter/testing'
 * import * as fc from 'fast-check'
 * const [drawn] = fc.sample(cluster({ nodes: 4 }), { numRuns: 1, seed: 5 })
 * assert.equal(drawn!.ids.length, 4)
 * assert.equal(new Set(drawn!.ids).size, 4)
 */
export const cluster = (options: ClusterOptions = {}): fc.Arbitrary<Cluster> => {
  const { nodes = 3, exchanges = true, maxSteps = 16 } = options
  const ids = options.ids ?? defaultIds
  return fc
    .tuple(fc.constantFrom(...(options.layouts ?? layouts)), fc.shuffledSubarray([...ids], { minLength: nodes, maxLength: nodes }))
    .chain(([layout, drawnIds]) =>
      instantAmong(anchorsOf(layout), transitionsOf(layout.timeZone)).chain((focal) =>
        fc
          .array(stepOf(anchorsOf(layout), focal, nodes, exchanges), { maxLength: maxSteps })
          .map((steps) => {
            const c: Cluster = { layout, focal, ids: drawnIds, steps }
            return printedAs(c, c)
          })
      )
    )
}

/**
 * What each node of a cluster holds after its steps. A sync `Merge` merges the whole copy of one
 * node into another; a `Delta` merges `delta(from, versionVector(to))`. Throws if a valid record
 * is refused (that would be a bug).
 *
 * @example
 * import { play } from 'tiny-counter/testing'
 * import { Layout, Query, Replicated, Window } from 'tiny-counter'
 * import * as O from 'fp-ts/lib/Option.js'
 * const at = Date.UTC(2026, 0, 1, 9)
 * const [phone, laptop] = play({
 *   layout: Layout.utc, focal: at, ids: ['phone', 'laptop'],
 *   steps: [{ _tag: 'Record', node: 0, at, n: 2 }, { _tag: 'Delta', from: 0, to: 1 }, { _tag: 'Delta', from: 0, to: 1 }]
 * })
 * assert.ok(Replicated.Eq.equals(phone!, laptop!))
 * assert.deepEqual(Query.sum(Replicated.value(laptop!), Window.ever, at), O.some(2))
 */
export const play = (c: Cluster): ReadonlyArray<Replicated> => {
  const states = c.ids.map(() => empty(c.layout))
  for (const step of c.steps) {
    switch (step._tag) {
      case 'Record': {
        const recorded = record(states[step.node]!, c.ids[step.node]!, step.at, step.n)
        if (E.isLeft(recorded)) throw new Error(`record(${step.at}, ${step.n}) refused: ${recorded.left.message}`)
        states[step.node] = recorded.right
        break
      }
      case 'Rotate':
        states[step.node] = rotate(states[step.node]!, step.at)
        break
      case 'Merge':
        states[step.to] = merge(states[step.to]!, states[step.from]!)
        break
      case 'Delta':
        states[step.to] = merge(states[step.to]!, delta(states[step.from]!, versionVector(states[step.to]!)))
        break
    }
  }
  return states
}

/**
 * The copies held by the `nodes` of a drawn cluster (default 3): values that share replicas, met at
 * bucket boundaries, some rotated past others. Prints as its cluster.
 *
 * @example
 * import { replicatedCounters } from 'tiny-counter/testing'
 * import { Replicated } from 'tiny-counter'
 * import * as fc from 'fast-check'
 * fc.assert(fc.property(replicatedCounters(2), ([a, b]) => Replicated.Eq.equals(Replicated.merge(a!, b!), Replicated.merge(b!, a!))), { numRuns: 50 })
 */
export const replicatedCounters = (nodes: number = 3, options: ClusterOptions = {}): fc.Arbitrary<ReadonlyArray<Replicated>> =>
  cluster({ ...options, nodes }).map((c) => printedAs(c, play(c)))

/**
 * One replicated counter: the copy the first node of a drawn cluster holds.
 *
 * @example
 * import { replicatedCounter } from 'tiny-counter/testing'
 * import { Replicated, ReplicatedCodec } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as fc from 'fast-check'
 * fc.assert(fc.property(replicatedCounter(), (r) => E.isRight(ReplicatedCodec.Replicated.decode(JSON.parse(JSON.stringify(r))))), { numRuns: 50 })
 */
export const replicatedCounter = (options: ClusterOptions = {}): fc.Arbitrary<Replicated> =>
  cluster(options).map((c) => printedAs(c, play(c)[0]!))
