// The network property at the level of stores: 3 to 5 EventStores built with `.replicaId(id)`, each
// on its own clock (skewed, moved forward), record events; they sync by asking a peer for
// `exportReplicated({ since: versionVectors() })` through a network that delays, reorders,
// duplicates and loses messages (with retries), in a mesh, through a hub or along a chain. A store
// refuses news whose heads lie more than a day ahead of its clock (a peer whose clock moved years
// on): the refusal names the heads and changes nothing, so the message is as good as lost. Then
// the clocks catch up with the latest (real time passing), and after a final full exchange every
// store's counts equal those of one counter that recorded everything, for every unit and every
// window, and another exchange changes nothing. The same when the stores
// persist into storage (MemoryStorage) and are reopened from it at random moments (issue 16): what a
// store reloads is what it had, so the exchanges after a reload still converge, and persisting and
// reloading every store at the end changes no count.
import * as fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { describe, it } from 'vitest'
import { EventStore, MemoryStorage, TestClock } from 'tiny-counter'
import type { Clock, EventStoreBuilder, Layout, ReplicatedCounters } from 'tiny-counter'
import { RUNS } from './drivers.js'
import type { NetworkCase } from './network.js'
import { linked, networkCase, oneRecorder } from './network.js'
import { sameCounts } from './replicated.predicates.js'

const EVENT = 'song_played'

type Message = { readonly from: number; readonly to: number } & ({ readonly _tag: 'Ask' } | { readonly _tag: 'News'; readonly news: ReplicatedCounters })

const exported = (store: EventStore, since?: EventStore): ReplicatedCounters =>
  E.getOrElseW((error: Error) => {
    throw error
  })(store.exportReplicated(since === undefined ? {} : { since: since.versionVectors() }))

/** A store of exactly `layout`, on `clock`, recording under `id`: in memory, or opened on `storage`. */
const storeOf = (layout: Layout.Layout, clock: Clock, id: string, storage?: MemoryStorage): EventStore | Promise<EventStore> => {
  const track = { seconds: 'trackSeconds', minutes: 'trackMinutes', hours: 'trackHours', days: 'trackDays', weeks: 'trackWeeks', months: 'trackMonths', years: 'trackYears' } as const
  const builder = layout.tracks.reduce(
    (b: EventStoreBuilder, { unit, buckets }) => b[track[unit]](buckets),
    EventStore.builder().alignment(layout.alignment).timeZone(layout.timeZone).withClock(clock)
  )
  return storage === undefined ? builder.replicaId(id).build() : builder.withStorage(storage).replicaId(id).build()
}

/** Persists a store and opens another on its storage, as a process that restarts. */
const reload = async (store: EventStore, storage: MemoryStorage, id: string): Promise<EventStore> => {
  const persisted = await store.persist()
  if (E.isLeft(persisted)) throw persisted.left
  const reopened = await storeOf(store.layout, store.clock, id, storage)
  if (reopened.loadErrors.length > 0) throw reopened.loadErrors[0]
  return reopened
}

/**
 * Runs a network case through stores; returns the stores, their clocks and every record made.
 * With `reloads` (operation indices), before each such operation one store (the index modulo the
 * number of stores) persists into its storage and is replaced by a store opened on it.
 */
const runStores = async (c: NetworkCase, reloads?: ReadonlyArray<number>) => {
  const clocks = c.skews.map((skew) => TestClock.at(c.start + skew))
  const storages = c.ids.map(() => (reloads === undefined ? undefined : new MemoryStorage()))
  const stores = await Promise.all(c.ids.map((id, i) => storeOf(c.layout, clocks[i]!, id, storages[i])))
  const reloading = new Set(reloads ?? [])
  const records: Array<{ at: number; n: number }> = []
  const inFlight: Message[] = []
  const waiting = c.ids.map(() => new Set<number>())
  const receive = (m: Message): void => {
    if (m._tag === 'Ask') inFlight.push({ _tag: 'News', from: m.to, to: m.from, news: exported(stores[m.to]!, stores[m.from]!) })
    else {
      const before = JSON.stringify(stores[m.to]!.exportReplicated())
      const merged = stores[m.to]!.mergeReplicated(m.news)
      if (E.isLeft(merged)) {
        const refused = merged.left
        const ahead = refused._tag === 'DecodeError' && refused.path === 'heads' && /more than a day after the clock/.test(refused.message)
        if (!ahead || JSON.stringify(stores[m.to]!.exportReplicated()) !== before) throw refused
      }
      waiting[m.to]!.delete(m.from)
    }
  }
  for (const [index, op] of c.ops.entries()) {
    if (reloading.has(index)) {
      const node = index % stores.length
      stores[node] = await reload(stores[node]!, storages[node]!, c.ids[node]!)
    }
    switch (op._tag) {
      case 'Record': {
        const at = clocks[op.node]!.now() - op.back
        const recorded = stores[op.node]!.recordCountAt(EVENT, op.n, at)
        if (E.isLeft(recorded)) throw recorded.left
        records.push({ at, n: op.n })
        break
      }
      case 'Tick':
        clocks[op.node]!.advance(op.by)
        break
      case 'Ask':
        if (linked(c.topology, op.node, op.peer)) {
          inFlight.push({ _tag: 'Ask', from: op.node, to: op.peer })
          waiting[op.node]!.add(op.peer)
        }
        break
      case 'Push':
        if (linked(c.topology, op.node, op.peer)) inFlight.push({ _tag: 'News', from: op.node, to: op.peer, news: exported(stores[op.node]!) })
        break
      case 'Deliver': {
        if (inFlight.length === 0) break
        const [m] = inFlight.splice(op.pick % inFlight.length, 1)
        receive(m!)
        if (op.copies === 2) inFlight.push(m!)
        break
      }
      case 'Lose':
        if (inFlight.length > 0) inFlight.splice(op.pick % inFlight.length, 1)
        break
      case 'Retry':
        for (const peer of waiting[op.node]!) inFlight.push({ _tag: 'Ask', from: op.node, to: peer })
        break
    }
  }
  for (const m of inFlight.splice(0)) receive(m)
  const latest = Math.max(...clocks.map((clock) => clock.now()))
  for (const clock of clocks) clock.advance(latest - clock.now())
  const exchange = (): void => {
    for (let round = 0; round < stores.length; round++) {
      for (let node = 0; node < stores.length; node++) {
        for (let peer = 0; peer < stores.length; peer++) {
          if (linked(c.topology, node, peer)) receive({ _tag: 'News', from: peer, to: node, news: exported(stores[peer]!, stores[node]!) })
        }
      }
    }
  }
  exchange()
  return { stores, storages, clocks, records, exchange }
}

describe('replicated stores over an unreliable network', () => {
  it('every store converges to the counts of one store that recorded everything, for every unit and window; a repeated exchange changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(networkCase, async (c) => {
        const { stores, clocks, records, exchange } = await runStores(c)
        const now = Math.max(...clocks.map((clock) => clock.now()))
        const reference = oneRecorder(c.layout, records)
        const counters = () => stores.map((store) => store.exportAll()[EVENT])
        const converged = counters().every((counter) => (counter === undefined ? records.length === 0 : sameCounts(counter, reference, now)))
        const before = JSON.stringify(counters())
        exchange()
        return converged && JSON.stringify(counters()) === before
      }),
      RUNS
    )
  })

  it('stores that persist and reload at random moments converge the same; persisting and reloading them all at the end changes no count', async () => {
    await fc.assert(
      fc.asyncProperty(networkCase, fc.array(fc.nat({ max: 60 }), { minLength: 1, maxLength: 6 }), async (c, reloads) => {
        const { stores, storages, clocks, records } = await runStores(c, reloads)
        const now = Math.max(...clocks.map((clock) => clock.now()))
        const reference = oneRecorder(c.layout, records)
        const counters = () => stores.map((store) => store.exportAll()[EVENT])
        const converged = counters().every((counter) => (counter === undefined ? records.length === 0 : sameCounts(counter, reference, now)))
        const before = JSON.stringify(counters())
        for (const [node, store] of stores.entries()) stores[node] = await reload(store, storages[node]!, c.ids[node]!)
        return converged && JSON.stringify(counters()) === before
      }),
      RUNS
    )
  })
})
