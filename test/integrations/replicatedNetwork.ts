// The network property of laws/storeNetwork.test.ts, for state managers: 3 to 5 replicas (Redux
// stores, Zustand stores), each on its own clock, record one event and sync by asking a peer for
// what they lack (`since` their version vectors), through a network that delays, reorders,
// duplicates and loses messages (with retries), in a mesh, through a hub or along a chain. Every
// payload travels as JSON. A replica refuses news whose heads lie more than a day ahead of its
// clock (a peer whose clock moved on): the refusal changes nothing, so the message is as good as
// lost; the clocks catch up with the latest before the final exchange, as for stores. The cases
// are laws/network.ts's, drawn with tiny-counter/testing.
import * as E from 'fp-ts/lib/Either.js'
import { TestClock } from 'tiny-counter'
import type { Counter, ReplicatedCounters, VersionVectors } from 'tiny-counter'
import type { Layout } from 'tiny-counter'
import type { NetworkCase } from '../../laws/network.js'
import { linked, oneRecorder } from '../../laws/network.js'
import { sameCounts } from '../../laws/replicated.predicates.js'

/** One replica as the network drives it. */
export interface NetworkReplica {
  readonly record: (at: number, n: number) => void
  readonly rotate: (at: number) => void
  readonly exported: (since?: VersionVectors) => ReplicatedCounters
  readonly versionVectors: () => VersionVectors
  /** Merges a payload from elsewhere (the slice's merge, which reads the replica's clock); `Left` if it is refused. */
  readonly merge: (payload: unknown) => E.Either<Error, void>
  /** The counter the replica's selectors read, if it holds the event. */
  readonly counter: () => Counter.Counter | undefined
  /** The whole state, to check that a repeated merge gives the very same object. */
  readonly state: () => unknown
}

export const EVENT = 'song_played'

type Message = { readonly from: number; readonly to: number } & ({ readonly _tag: 'Ask'; readonly seen: string } | { readonly _tag: 'News'; readonly news: string })

export const orThrow = <A>(e: E.Either<Error, A>): A =>
  E.getOrElseW((error: Error) => {
    throw error
  })(e)

/**
 * Merges news into a replica: refused only as news from a clock more than a day ahead of the
 * replica's, and then with its state as it was (the very same object); any other refusal throws.
 */
const merge = (replica: NetworkReplica, news: string, before: unknown): void => {
  const merged = replica.merge(JSON.parse(news))
  if (E.isRight(merged)) return
  const refused = merged.left as Error & { readonly _tag?: string; readonly path?: string }
  const ahead = refused._tag === 'DecodeError' && refused.path === 'heads' && /more than a day after the clock/.test(refused.message)
  if (!ahead || replica.state() !== before) throw refused
}

/**
 * Runs a case: every news message, when it arrives, is merged twice (the second merge must give the
 * very same state). Returns whether every replica ends with the counts of one counter that recorded
 * everything, and whether a further full exchange leaves every state as it was (the same object).
 */
export const runNetwork = (c: NetworkCase, make: (layout: Layout.Layout, id: string, clock: TestClock) => NetworkReplica): { readonly converged: boolean; readonly stable: boolean; readonly idempotent: boolean } => {
  const clocks = c.skews.map((skew) => TestClock.at(c.start + skew))
  const replicas = c.ids.map((id, i) => make(c.layout, id, clocks[i]!))
  const records: Array<{ at: number; n: number }> = []
  const inFlight: Message[] = []
  const waiting = c.ids.map(() => new Set<number>())
  let idempotent = true
  const news = (from: number, since?: VersionVectors): string => JSON.stringify(replicas[from]!.exported(since))
  const receive = (m: Message): void => {
    if (m._tag === 'Ask') inFlight.push({ _tag: 'News', from: m.to, to: m.from, news: news(m.to, JSON.parse(m.seen) as VersionVectors) })
    else {
      const to = replicas[m.to]!
      const before = to.state()
      merge(to, m.news, before)
      const after = to.state()
      merge(to, m.news, after)
      if (to.state() !== after) idempotent = false
      waiting[m.to]!.delete(m.from)
    }
  }
  const ask = (node: number, peer: number): Message => ({ _tag: 'Ask', from: node, to: peer, seen: JSON.stringify(replicas[node]!.versionVectors()) })
  for (const op of c.ops) {
    switch (op._tag) {
      case 'Record': {
        const at = clocks[op.node]!.now() - op.back
        replicas[op.node]!.record(at, op.n)
        records.push({ at, n: op.n })
        break
      }
      case 'Tick':
        clocks[op.node]!.advance(op.by)
        replicas[op.node]!.rotate(clocks[op.node]!.now())
        break
      case 'Ask':
        if (linked(c.topology, op.node, op.peer)) {
          inFlight.push(ask(op.node, op.peer))
          waiting[op.node]!.add(op.peer)
        }
        break
      case 'Push':
        if (linked(c.topology, op.node, op.peer)) inFlight.push({ _tag: 'News', from: op.node, to: op.peer, news: news(op.node) })
        break
      case 'Deliver': {
        if (inFlight.length === 0) break
        const [m] = inFlight.splice(op.pick % inFlight.length, 1)
        receive(m!)
        if (op.copies === 2) inFlight.push(m!) // it will arrive again, later
        break
      }
      case 'Lose':
        if (inFlight.length > 0) inFlight.splice(op.pick % inFlight.length, 1)
        break
      case 'Retry':
        for (const peer of waiting[op.node]!) inFlight.push(ask(op.node, peer))
        break
    }
  }
  for (const m of inFlight.splice(0)) receive(m)
  const latest = Math.max(...clocks.map((clock) => clock.now()))
  for (const clock of clocks) clock.advance(latest - clock.now())
  const exchange = (): void => {
    for (let round = 0; round < replicas.length; round++) {
      for (let node = 0; node < replicas.length; node++) {
        for (let peer = 0; peer < replicas.length; peer++) {
          if (linked(c.topology, node, peer)) receive({ _tag: 'News', from: peer, to: node, news: news(peer, replicas[node]!.versionVectors()) })
        }
      }
    }
  }
  exchange()
  const now = latest
  const reference = oneRecorder(c.layout, records)
  const converged = replicas.every((replica) => {
    const counter = replica.counter()
    return counter === undefined ? records.length === 0 : sameCounts(counter, reference, now)
  })
  const before = replicas.map((replica) => replica.state())
  exchange()
  const stable = replicas.every((replica, i) => replica.state() === before[i])
  return { converged, stable, idempotent }
}
