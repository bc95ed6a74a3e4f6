// What a store built with `.replicaId(id)` takes from its peers, and what it refuses: a message that
// is not a replicated counter it could have made (heads outside the calendar), or whose heads lie
// far ahead of its clock, is refused whole with a DecodeError naming the event and changes nothing;
// a valid message costs time linear in its size, whatever the layout it comes in; a `since` is
// decoded as the messages are; counts imported or added are the store's own and reach its peers.
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { describe, expect, it } from 'vitest'
import { Calendar, Counter, EventStore, Layout, MemoryStorage, ReplicatedBincodeFormat, ReplicatedCodec, TestClock } from 'tiny-counter'
import type { ReplicatedCounters } from 'tiny-counter'

const now = Date.UTC(2026, 4, 20, 9)
const orThrow = <A>(e: E.Either<Error, A>): A => E.getOrElseW((error: Error) => { throw error })(e)
const device = (clock: TestClock, id: string) => EventStore.builder().withClock(clock).timeZone('UTC').replicaId(id).build()
const ever = (store: EventStore, event: string) => store.query(event).ever().sum()
/** The path of a refusal, or 'accepted'. */
const refusedAt = (result: E.Either<Error & { readonly path?: string }, unknown>): string | undefined => (E.isLeft(result) ? result.left.path : 'accepted')

describe('a message whose heads lie outside the calendar', () => {
  it('is refused at heads.0 and leaves the store as it was', () => {
    const store = device(TestClock.at(now), 'me')
    store.recordCount('launch', 5)
    const before = JSON.stringify(store.exportAll())
    const far = 8e15
    const message = { launch: { layout: Layout.utc, heads: [far, far, far, far], replicas: [{ id: 'x', born: 0, seq: 1, buckets: [[far, 1], [], [], []] }] } }
    expect(refusedAt(store.mergeReplicated(JSON.parse(JSON.stringify(message))))).toBe('heads.0')
    expect(JSON.stringify(store.exportAll())).toBe(before)
    expect(ever(store, 'launch')).toEqual(O.some(5))
  })
})

describe('a replica id with a lone surrogate', () => {
  it('is refused when a store is built with it, as a record or merge naming it is (stored in UTF-8 it would become U+FFFD)', async () => {
    const refused = await EventStore.builder().withStorage(new MemoryStorage()).replicaId('dev\uD800').buildEither()
    expect(E.isLeft(refused) && refused.left._tag).toBe('InvalidReplicaId')
    expect(E.isLeft(EventStore.builder().replicaId('\uDC00').buildEither())).toBe(true)
    const store = device(TestClock.at(now), 'me')
    const laptop = device(TestClock.at(now), 'laptop')
    laptop.record('launch')
    const message = JSON.parse(JSON.stringify(orThrow(laptop.exportReplicated())).replace('"laptop"', '"\\udc00"'))
    expect(refusedAt(store.mergeReplicated(message))).toBe('replicas.0.id')
    expect(store.events()).toEqual([])
  })
})

describe('a message of many replicas in a layout of many buckets', () => {
  it('is converted to the store\'s layout pair by pair: 21 KB of Bincode no longer hold the event loop for seconds', () => {
    const clock = TestClock.at(now)
    const huge = { tracks: [{ unit: 'seconds', buckets: 100_000 }, { unit: 'minutes', buckets: 100_000 }], alignment: 'uniform', timeZone: 'UTC' } as const
    const heads = [Calendar.bucketIndex('uniform', 'UTC', 'seconds', now), Calendar.bucketIndex('uniform', 'UTC', 'minutes', now)]
    // Each replica: a second 99,999 seconds back, and in the minutes (the one unit the store tracks too) now and 69 days back.
    const buckets = [[heads[0]! - 99_999, 1], [heads[1]!, 1, heads[1]! - 99_999, 1]]
    const replicas = Array.from({ length: 1000 }, (_, i) => ({ id: `r${String(i).padStart(4, '0')}`, born: 0, seq: 1, buckets }))
    const bytes = ReplicatedBincodeFormat.serialize(orThrow(ReplicatedCodec.decode('launch', { layout: huge, heads, replicas })))
    expect(bytes.length).toBeLessThan(22_000)
    const store = device(clock, 'me')
    const started = performance.now()
    expect(E.isRight(store.mergeReplicated({ launch: orThrow(ReplicatedBincodeFormat.deserialize('launch', bytes)) }))).toBe(true)
    expect(performance.now() - started).toBeLessThan(1000) // 6.6 s when each replica went through a dense counter
    expect(store.query('launch').lastMinutes(1).sum()).toEqual(O.some(1000)) // each replica's newest minute; the rest lies beyond the store's 60 minutes
  })
})

describe('exportReplicated({ since }) with a since that is not version vectors (it comes from a peer)', () => {
  it('is refused with a DecodeError naming the event and the field, and a valid one still answers', () => {
    const phone = device(TestClock.at(now), 'phone')
    phone.recordCount('launch', 2)
    const since = (value: unknown) => phone.exportReplicated({ since: value as never })
    const refused = (value: unknown): readonly [string, string] | 'accepted' => {
      const answer = since(value)
      return E.isLeft(answer) && answer.left._tag === 'DecodeError' ? [answer.left.key, answer.left.path] : 'accepted'
    }
    expect(refused({ launch: {} })).toEqual(['launch', ''])
    expect(refused({ launch: null })).toEqual(['launch', ''])
    expect(refused({ launch: [{ id: 'phone', born: Number.NaN, seq: 1 }] })).toEqual(['launch', '0.born'])
    expect(refused({ launch: [{ id: 'phone', born: now, seq: 1 }, { id: 'phone', born: now, seq: 2 }] })).toEqual(['launch', '1'])
    expect(refused({ other: 'x' })).toEqual(['other', '']) // an event this store does not hold is checked too
    expect(refused(null)).toEqual(['since', ''])
    expect(refused([])).toEqual(['since', ''])
    const seen = JSON.parse(JSON.stringify(phone.versionVectors()))
    expect(orThrow(since(seen)).launch!.replicas).toEqual([])
    expect(orThrow(since({})).launch!.replicas.length).toBe(1)
  })
})

describe('importAll and mergeAll on a store with a replica id', () => {
  // The phone's own counts change: its replica's version goes up, so a delta since the server's
  // version vectors carries them, as it carries a record.
  const pull = (asker: EventStore, peer: EventStore): void => orThrow(asker.mergeReplicated(orThrow(peer.exportReplicated({ since: asker.versionVectors() }))))
  const answers = (store: EventStore) => ['launch', 'purchase'].map((event) => [store.query(event).ever().sum(), store.query(event).lastHours(1).sum()])
  const five = (layout: Layout.Layout) => ({ launch: orThrow(Counter.singleton(layout, now, 5)), purchase: orThrow(Counter.singleton(layout, now - 3_600_000, 2)) })
  const cases: ReadonlyArray<readonly [string, (phone: EventStore) => E.Either<Error, void>]> = [
    ['importAll', (phone) => phone.importAll(five(phone.layout))],
    ['mergeAll', (phone) => phone.mergeAll(five(phone.layout))],
    ['importEvent', (phone) => phone.importEvent('launch', five(phone.layout).launch)],
    ['mergeEvent', (phone) => phone.mergeEvent('launch', five(phone.layout).launch)],
    ['merge', (phone) => { const other = EventStore.builder().withClock(phone.clock).timeZone('UTC').build(); other.recordCount('launch', 3); return phone.merge(other) }]
  ]
  for (const [name, change] of cases) {
    it(`${name}: the server's next pull (with since) brings the phone's new counts`, () => {
      const clock = TestClock.at(now)
      const phone = device(clock, 'phone')
      const server = device(clock, 'server')
      phone.record('launch')
      pull(server, phone)
      orThrow(change(phone))
      pull(server, phone)
      expect(answers(server)).toEqual(answers(phone))
      pull(server, phone) // and the next one changes nothing
      expect(answers(server)).toEqual(answers(phone))
    })
  }
})

describe("a peer's copy of this store's own replica at the largest seq", () => {
  it('is taken; the next change starts a new incarnation, so persist, close and peers keep working', async () => {
    const clock = TestClock.at(now)
    const storage = new MemoryStorage()
    const phone = await EventStore.builder().withClock(clock).timeZone('UTC').withStorage(storage).replicaId('phone').build()
    const server = device(clock, 'server')
    phone.record('launch')
    orThrow(await phone.persist())
    const mine = orThrow(phone.exportReplicated()).launch!
    const forged = { launch: { ...mine, replicas: mine.replicas.map((r) => ({ ...r, seq: Number.MAX_SAFE_INTEGER, buckets: r.buckets.map((pairs) => pairs.map((x, i) => (i % 2 === 1 ? x + 1 : x))) })) } }
    orThrow(phone.mergeReplicated(JSON.parse(JSON.stringify(forged))))
    orThrow(server.mergeReplicated(JSON.parse(JSON.stringify(forged))))
    phone.record('launch')
    expect(phone.versionVectors().launch).toEqual([{ id: 'phone', born: now + 1, seq: 1 }])
    orThrow(server.mergeReplicated(orThrow(phone.exportReplicated({ since: server.versionVectors() }))))
    expect(ever(server, 'launch')).toEqual(O.some(3))
    orThrow(await phone.persist())
    expect(phone.isDirty()).toBe(false)
    orThrow(await phone.close())
    const again = await EventStore.builder().withClock(clock).timeZone('UTC').withStorage(storage).replicaId('phone').build()
    expect([again.loadErrors, ever(again, 'launch')]).toEqual([[], O.some(3)])
  })
})

describe('a message from a peer whose clock runs far ahead', () => {
  const YEAR = 365 * 86_400_000
  it('is refused whole (a DecodeError naming the event) and changes nothing; a day ahead is still taken', () => {
    const server = device(TestClock.at(now), 'server')
    const laptop = device(TestClock.at(now), 'laptop')
    const tablet = device(TestClock.at(now + 2 * YEAR), 'tablet')
    server.recordCount('launch', 5)
    laptop.record('purchase')
    tablet.record('launch')
    const before = JSON.stringify(orThrow(server.exportReplicated()))
    // The laptop's event first: a merge that applied events one by one would have taken it.
    const message: ReplicatedCounters = { purchase: orThrow(laptop.exportReplicated()).purchase!, launch: orThrow(tablet.exportReplicated()).launch! }
    const refused = server.mergeReplicated(JSON.parse(JSON.stringify(message)))
    expect(E.isLeft(refused) && refused.left._tag === 'DecodeError' && [refused.left.key, refused.left.path]).toEqual(['launch', 'heads'])
    expect(E.isLeft(refused) && refused.left.message).toMatch(/more than a day after the clock/)
    expect(JSON.stringify(orThrow(server.exportReplicated()))).toBe(before)
    expect([ever(server, 'launch'), server.events()]).toEqual([O.some(5), ['launch']])

    const nearlyADay = device(TestClock.at(now + 23 * 3_600_000), 'watch')
    nearlyADay.record('launch')
    orThrow(server.mergeReplicated(orThrow(nearlyADay.exportReplicated())))
    expect(ever(server, 'launch')).toEqual(O.some(6))
  })
})
