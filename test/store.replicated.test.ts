// A store built with `.replicaId(id)` keeps, beside its counters, what the other replicas recorded
// and the version of its own: when an event leaves the store (swept because every bucket expired,
// evicted by maxEvents, deleted), that replicated state goes with it, and a stale copy from another
// device cannot bring expired buckets back (the store advances every incoming copy to its clock).
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { describe, expect, it } from 'vitest'
import { EventStore, Replicated, TestClock } from 'tiny-counter'
import type { ReplicatedCounters } from 'tiny-counter'

const start = Date.UTC(2026, 0, 5, 12)
const orThrow = <A>(e: E.Either<Error, A>): A => E.getOrElseW((error: Error) => { throw error })(e)
const device = (clock: TestClock, id: string, max?: number) => {
  const builder = EventStore.builder().withClock(clock).timeZone('UTC').trackHours(24).trackDays(7).replicaId(id)
  return (max === undefined ? builder : builder.maxEvents(max)).build()
}
const pull = (asker: EventStore, peer: EventStore): void => orThrow(asker.mergeReplicated(orThrow(peer.exportReplicated({ since: asker.versionVectors() }))))
const ever = (store: EventStore, event: string) => store.query(event).ever().sum()

describe('a replicated event that is swept', () => {
  it('loses its replicated state with its counter; a stale copy then brings no bucket back, and a new record starts a new incarnation', () => {
    const clock = TestClock.at(start)
    const phone = device(clock, 'phone')
    const tablet = device(clock, 'tablet')
    tablet.recordCount('song_played', 4)
    phone.recordCount('song_played', 2)
    pull(phone, tablet)
    const stale: ReplicatedCounters = orThrow(tablet.exportReplicated())
    expect(Object.keys(phone.versionVectors())).toEqual(['song_played'])

    clock.advance({ days: 8 }) // past the 7 days: every bucket expired
    expect(phone.sweep()).toBe(1)
    expect(orThrow(phone.exportReplicated())).toEqual({})
    expect(phone.versionVectors()).toEqual({})
    expect(ever(phone, 'song_played')).toEqual(O.none)

    orThrow(phone.mergeReplicated(stale)) // the tablet's copy from before arrives late
    const merged = orThrow(phone.exportReplicated()).song_played!
    expect(merged.replicas).toEqual([]) // no expired bucket came back
    expect(ever(phone, 'song_played')).toEqual(O.some(0))

    phone.record('song_played')
    const version = Replicated.versionOf(orThrow(phone.exportReplicated()).song_played!, 'phone')
    expect(version).toEqual(O.some({ id: 'phone', born: start + 8 * 86_400_000, seq: 1 }))
    pull(tablet, phone) // the tablet takes the new incarnation: its count is the new record only
    expect(ever(tablet, 'song_played')).toEqual(O.some(1))
  })

  it('the automatic sweep drops it too', () => {
    const clock = TestClock.at(start)
    const phone = device(clock, 'phone')
    const tablet = device(clock, 'tablet')
    tablet.record('old')
    pull(phone, tablet)
    clock.advance({ days: 8 })
    for (let i = 0; i < 64; i++) phone.record('new') // records drive the sweep, a slice at a time
    expect(phone.events()).toEqual(['new'])
    expect(Object.keys(orThrow(phone.exportReplicated()))).toEqual(['new'])
  })
})

describe('a replicated event that is evicted (maxEvents)', () => {
  it('loses its replicated state; merged back from a peer, it counts everything again, this replica\'s own records included', () => {
    const clock = TestClock.at(start)
    const phone = device(clock, 'phone', 1)
    const server = device(clock, 'server')
    server.recordCount('launch', 5)
    phone.recordCount('launch', 2)
    pull(phone, server)
    pull(server, phone)
    expect(ever(phone, 'launch')).toEqual(O.some(7))

    phone.record('purchase') // evicts launch
    expect(phone.events()).toEqual(['purchase'])
    expect(Object.keys(orThrow(phone.exportReplicated()))).toEqual(['purchase'])
    expect(Object.keys(phone.versionVectors())).toEqual(['purchase'])

    pull(phone, server) // brings launch back, evicting purchase
    expect(phone.events()).toEqual(['launch'])
    expect(ever(phone, 'launch')).toEqual(O.some(7))
    phone.record('launch')
    pull(server, phone)
    expect(ever(server, 'launch')).toEqual(O.some(8))
  })

  it('a merge that brings new events evicts down to the bound', () => {
    const clock = TestClock.at(start)
    const phone = device(clock, 'phone', 2)
    const server = device(clock, 'server')
    for (const event of ['a', 'b', 'c', 'd']) server.record(event)
    pull(phone, server)
    expect(phone.events().length).toBe(2)
    expect(Object.keys(orThrow(phone.exportReplicated())).length).toBe(2)
  })
})

describe('a replicated event that is deleted', () => {
  it('loses its replicated state; a peer\'s copy brings it back', () => {
    const clock = TestClock.at(start)
    const phone = device(clock, 'phone')
    const server = device(clock, 'server')
    server.recordCount('launch', 3)
    pull(phone, server)
    expect(phone.delete('launch')).toBe(true)
    expect(orThrow(phone.exportReplicated())).toEqual({})
    pull(phone, server)
    expect(ever(phone, 'launch')).toEqual(O.some(3))
  })
})
