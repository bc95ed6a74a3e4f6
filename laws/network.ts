// A simulated network of nodes that each keep a replicated counter and sync it by delta-state
// messages: a node asks a peer for news by sending its version vector; the peer answers with
// `delta(itsCopy, vector)`; a node may also push, unasked, what a peer has not said it has seen.
// Messages wait in flight, and are delivered in any order, delivered twice (or more), or lost;
// a node that got no answer asks again (a retry after a timeout). Clocks differ and move forward;
// a node records at its own clock, sometimes back-dated. Pure: a run is a function of its case.
import * as fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { Counter, Replicated } from 'tiny-counter'
import type { Layout } from 'tiny-counter'
import * as A from 'tiny-counter/testing'

const SECOND = 1_000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** Who may talk to whom: everyone (mesh), everyone through node 0 (hub), or neighbours in a line (chain). */
export type Topology = 'mesh' | 'hub' | 'chain'

export type Op =
  | { readonly _tag: 'Record'; readonly node: number; readonly n: number; readonly back: number }
  | { readonly _tag: 'Tick'; readonly node: number; readonly by: number }
  | { readonly _tag: 'Ask'; readonly node: number; readonly peer: number }
  | { readonly _tag: 'Push'; readonly node: number; readonly peer: number }
  | { readonly _tag: 'Deliver'; readonly pick: number; readonly copies: 1 | 2 }
  | { readonly _tag: 'Lose'; readonly pick: number }
  | { readonly _tag: 'Retry'; readonly node: number }

export interface NetworkCase {
  readonly layout: Layout.Layout
  readonly start: number
  readonly ids: ReadonlyArray<string>
  readonly topology: Topology
  /** Each node's clock at the start, as an offset from `start`. */
  readonly skews: ReadonlyArray<number>
  readonly ops: ReadonlyArray<Op>
}

type Message =
  | { readonly _tag: 'Ask'; readonly from: number; readonly to: number; readonly seen: Replicated.VersionVector }
  | { readonly _tag: 'News'; readonly from: number; readonly to: number; readonly news: Replicated.Replicated }

/** Whether two nodes may exchange messages. */
export const linked = (topology: Topology, a: number, b: number): boolean =>
  a !== b && (topology === 'mesh' || (topology === 'hub' ? a === 0 || b === 0 : Math.abs(a - b) === 1))

/** What a run leaves: each node's copy and clock, and every record made (instant and count). */
export interface Outcome {
  readonly copies: ReadonlyArray<Replicated.Replicated>
  readonly clocks: ReadonlyArray<number>
  readonly records: ReadonlyArray<{ readonly at: number; readonly n: number }>
  readonly delivered: number
  readonly lost: number
}

/** Runs the operations of a case through the unreliable network, then a full exchange over reliable links. */
export const run = (c: NetworkCase): Outcome => {
  const nodes = c.ids.length
  const copies = c.ids.map(() => Replicated.empty(c.layout))
  const clocks = c.skews.map((skew) => c.start + skew)
  /** The version vector each node last heard from each peer (what to push it). */
  const heard = c.ids.map(() => c.ids.map((): Replicated.VersionVector | undefined => undefined))
  /** The asks a node sent and got no answer to, by peer. */
  const waiting = c.ids.map(() => new Set<number>())
  const records: Array<{ at: number; n: number }> = []
  const inFlight: Message[] = []
  let delivered = 0
  let lost = 0

  const receive = (message: Message): void => {
    delivered++
    if (message._tag === 'Ask') {
      heard[message.to]![message.from] = message.seen
      inFlight.push({ _tag: 'News', from: message.to, to: message.from, news: Replicated.delta(copies[message.to]!, message.seen) })
    } else {
      copies[message.to] = Replicated.merge(copies[message.to]!, message.news)
      waiting[message.to]!.delete(message.from)
    }
  }
  const ask = (node: number, peer: number): void => {
    inFlight.push({ _tag: 'Ask', from: node, to: peer, seen: Replicated.versionVector(copies[node]!) })
    waiting[node]!.add(peer)
  }

  for (const op of c.ops) {
    switch (op._tag) {
      case 'Record': {
        const at = clocks[op.node]! - op.back
        const recorded = Replicated.record(copies[op.node]!, c.ids[op.node]!, at, op.n)
        if (E.isLeft(recorded)) throw new Error(`record refused: ${recorded.left.message}`)
        copies[op.node] = recorded.right
        records.push({ at, n: op.n })
        break
      }
      case 'Tick':
        clocks[op.node] = clocks[op.node]! + op.by
        copies[op.node] = Replicated.rotate(copies[op.node]!, clocks[op.node]!)
        break
      case 'Ask':
        if (linked(c.topology, op.node, op.peer)) ask(op.node, op.peer)
        break
      case 'Push':
        if (linked(c.topology, op.node, op.peer)) inFlight.push({ _tag: 'News', from: op.node, to: op.peer, news: Replicated.delta(copies[op.node]!, heard[op.node]![op.peer]) })
        break
      case 'Deliver': {
        if (inFlight.length === 0) break
        const [message] = inFlight.splice(op.pick % inFlight.length, 1)
        receive(message!)
        if (op.copies === 2) inFlight.push(message!) // duplicated: it will arrive again, later
        break
      }
      case 'Lose':
        if (inFlight.length > 0) {
          inFlight.splice(op.pick % inFlight.length, 1)
          lost++
        }
        break
      case 'Retry':
        for (const peer of waiting[op.node]!) ask(op.node, peer)
        break
    }
  }

  // The final full exchange, over reliable links: whatever is still in flight may arrive first;
  // then, as many rounds as there are nodes, every node asks every linked peer and gets the answer.
  for (const message of inFlight.splice(0)) receive(message)
  for (let round = 0; round < nodes; round++) {
    for (let node = 0; node < nodes; node++) {
      for (let peer = 0; peer < nodes; peer++) {
        if (!linked(c.topology, node, peer)) continue
        ask(node, peer)
        receive(inFlight.pop()!) // the ask
        receive(inFlight.pop()!) // the answer
      }
    }
  }
  return { copies, clocks, records, delivered, lost }
}

/** The counter of one store that recorded everything every node recorded, in the order recorded. */
export const oneRecorder = (layout: Layout.Layout, records: Outcome['records']): Counter.Counter =>
  records.reduce((c, { at, n }) => E.getOrElse(() => c)(Counter.record(c, at, n)), Counter.empty(layout))

// -------------------------------------------------------------------------------------------------
// arbitraries
// -------------------------------------------------------------------------------------------------

/** Clock moves: mostly small, sometimes past a unit's whole range, so buckets and replicas expire. */
const tick = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(1, SECOND, 30 * SECOND, MINUTE, 10 * MINUTE, HOUR) },
  { weight: 3, arbitrary: fc.constantFrom(3 * HOUR, DAY, 2 * DAY, 7 * DAY) },
  { weight: 1, arbitrary: fc.constantFrom(40 * DAY, 400 * DAY, 5 * 365 * DAY) }
)

/** How far back a record is dated: mostly now. */
const back = fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.constantFrom(SECOND, MINUTE, HOUR, DAY, 30 * DAY) })

const opOf = (nodes: number): fc.Arbitrary<Op> => {
  const node = fc.integer({ min: 0, max: nodes - 1 })
  return fc.oneof(
    { weight: 5, arbitrary: fc.record({ _tag: fc.constant('Record' as const), node, n: A.count, back }) },
    { weight: 2, arbitrary: fc.record({ _tag: fc.constant('Tick' as const), node, by: tick }) },
    { weight: 3, arbitrary: fc.record({ _tag: fc.constant('Ask' as const), node, peer: node }) },
    { weight: 2, arbitrary: fc.record({ _tag: fc.constant('Push' as const), node, peer: node }) },
    { weight: 6, arbitrary: fc.record({ _tag: fc.constant('Deliver' as const), pick: fc.nat(), copies: fc.constantFrom<1 | 2>(1, 1, 2) }) },
    { weight: 2, arbitrary: fc.record({ _tag: fc.constant('Lose' as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ _tag: fc.constant('Retry' as const), node }) }
  )
}

const show = (c: NetworkCase): string =>
  `NetworkCase(${A.showLayout(c.layout)}, start ${A.showInstant(c.start)}, ${c.topology}, ids ${JSON.stringify(c.ids)}, skews ${JSON.stringify(c.skews)}, ops ${JSON.stringify(c.ops)})`

/** 3 to 5 nodes, a topology, clock skews and up to 80 operations. */
export const networkCase: fc.Arbitrary<NetworkCase> = fc
  .tuple(A.layout, fc.integer({ min: 3, max: 5 }), fc.constantFrom<Topology>('mesh', 'hub', 'chain'))
  .chain(([layout, nodes, topology]) =>
    fc.record({
      layout: fc.constant(layout),
      start: A.instant(layout),
      ids: fc.shuffledSubarray(['phone', 'laptop', 'server', 'tablet', 'watch', '__proto__', 'phone-2'], { minLength: nodes, maxLength: nodes }),
      topology: fc.constant(topology),
      skews: fc.array(fc.constantFrom(0, 0, 1, -SECOND, 45 * SECOND, -10 * MINUTE, 2 * HOUR, -DAY), { minLength: nodes, maxLength: nodes }),
      ops: fc.array(opOf(nodes), { minLength: 20, maxLength: 80, size: 'medium' })
    })
  )
  .map((c) => Object.defineProperty(c, fc.toStringMethod, { value: () => show(c), enumerable: false }))
