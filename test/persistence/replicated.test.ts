// Stores built with `.replicaId(id)` on every backend: each event is stored as a replicated counter
// (every replica's buckets and versions, in the checksummed envelope of ReplicatedJsonFormat or
// ReplicatedBincodeFormat) and loaded back; persists join what is stored by maximum, so processes
// with their own ids share a storage and repeat persists freely; a second writer of one id is
// refused; plain and replicated storage are never confused; expired events leave the storage.
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { afterAll, describe, expect, it } from 'vitest'
import {
  BincodeFormat,
  EventStore,
  JsonFormat,
  MemoryStorage,
  Replicated,
  ReplicatedBincodeFormat,
  ReplicatedJsonFormat,
  ReplicaIdConflict,
  StorageError,
  TestClock
} from 'tiny-counter'
import type { Formatter, ReplicatedCounters, Storage } from 'tiny-counter'
import { IndexedDbStorage, withBroadcast } from 'tiny-counter/browser'
import { IDBFactory } from 'fake-indexeddb'
import { backends, cleanUp, temporaryDirectory } from '../storage/backends.js'

afterAll(cleanUp)

const start = Date.UTC(2026, 4, 20, 9)
const orThrow = <A>(e: E.Either<Error, A>): A => E.getOrElseW((error: Error) => { throw error })(e)
const ever = (store: EventStore, event: string) => store.query(event).ever().sum()
const replicated = (clock: TestClock, storage: Storage, id: string, format: Formatter = BincodeFormat) =>
  EventStore.builder().withClock(clock).timeZone('UTC').withStorage(storage).withFormat(format).replicaId(id).build()
const pull = (asker: EventStore, peer: EventStore): void => orThrow(asker.mergeReplicated(orThrow(peer.exportReplicated({ since: asker.versionVectors() }))))

describe.each(backends)('a replicated store on $name', ({ open }) => {
  it.each([
    ['Bincode', BincodeFormat, ReplicatedBincodeFormat],
    ['JSON', JsonFormat, ReplicatedJsonFormat]
  ] as const)('persists every replica of every event in the replicated %s envelope and loads them back', async (_name, format, replicatedFormat) => {
    const clock = TestClock.at(start)
    const storage = await open(temporaryDirectory())
    const laptop = EventStore.builder().withClock(clock).timeZone('UTC').replicaId('laptop').build()
    laptop.recordCount('song_played', 3)
    const phone = await replicated(clock, storage, 'phone', format)
    phone.recordCount('song_played', 2)
    phone.record('app_launch')
    pull(phone, laptop)
    const before = orThrow(phone.exportReplicated())
    expect(orThrow(await phone.persist())).toBeUndefined()

    const stored = replicatedFormat.deserialize('song_played', (await storage.load('song_played'))!)
    expect(E.isRight(stored) && stored.right.replicas.map((r) => r.id)).toEqual(['laptop', 'phone'])

    // A store opened on the storage afterwards (phone is left alone from here: as after a restart).
    const again = await replicated(clock, storage, 'phone', format)
    expect(again.loadErrors).toEqual([])
    expect(ever(again, 'song_played')).toEqual(O.some(5))
    expect(ever(again, 'app_launch')).toEqual(O.some(1))
    const after = orThrow(again.exportReplicated())
    for (const event of ['song_played', 'app_launch']) expect(Replicated.Eq.equals(after[event]!, before[event]!)).toBe(true)
    // The laptop's copy arrives again after the reload: counted once.
    orThrow(again.mergeReplicated(orThrow(laptop.exportReplicated())))
    expect(ever(again, 'song_played')).toEqual(O.some(5))
    // Recording after the reload goes on from the stored version of this replica.
    again.record('song_played')
    expect(Replicated.versionOf(orThrow(again.exportReplicated()).song_played!, 'phone')).toEqual(O.some({ id: 'phone', born: start, seq: 2 }))
    expect(E.isRight(await again.close())).toBe(true)
  })
})

// The backends with `update` (a read-modify-write in one transaction): WebStorage has none, and a
// persist there writes its values over what is stored (the last writer wins, as for plain stores).
describe.each(backends.filter(({ name }) => name !== 'WebStorage'))('replicated stores sharing $name', ({ open }) => {
  it('two processes with their own ids share the storage: every persist joins by maximum, repeated persists change nothing', async () => {
    const clock = TestClock.at(start)
    const storage = await open(temporaryDirectory())
    const a = await replicated(clock, storage, 'worker-1')
    const b = await replicated(clock, storage, 'worker-2')
    a.recordCount('request', 4)
    b.recordCount('request', 3)
    for (let i = 0; i < 3; i++) {
      expect(E.isRight(await a.persistAll())).toBe(true)
      expect(E.isRight(await b.persistAll())).toBe(true)
    }
    a.record('request')
    await a.persist()
    const reader = await replicated(clock, storage, 'reader')
    expect(ever(reader, 'request')).toEqual(O.some(8))
    await storage.close()
  })

  it('a second store writing under the same replica id is refused at its persist, writes nothing and keeps its events dirty', async () => {
    const clock = TestClock.at(start)
    const storage = await open(temporaryDirectory())
    const first = await replicated(clock, storage, 'server-1')
    const second = await replicated(clock, storage, 'server-1')
    first.recordCount('request', 5)
    second.recordCount('request', 2)
    expect(E.isRight(await first.persist())).toBe(true)
    const stored = await storage.load('request')
    const refused = await second.persist()
    expect(E.isLeft(refused) && refused.left).toBeInstanceOf(StorageError)
    const cause = E.isLeft(refused) ? refused.left.cause : undefined
    expect(cause).toBeInstanceOf(ReplicaIdConflict)
    expect(cause).toMatchObject({ _tag: 'ReplicaIdConflict', replicaId: 'server-1', event: 'request' })
    expect(String((cause as Error).message)).toMatch(/each process needs its own replica id/)
    expect(await storage.load('request')).toEqual(stored)
    expect(second.isDirty()).toBe(true)
    // The same store persisting again and again is no conflict.
    first.record('request')
    expect(E.isRight(await first.persist())).toBe(true)
    expect(E.isRight(await first.persistAll())).toBe(true)
    const reopened = await replicated(clock, storage, 'server-1')
    expect(ever(reopened, 'request')).toEqual(O.some(6))
    reopened.record('request')
    expect(E.isRight(await reopened.persist())).toBe(true) // a restart reads its own stored version
    await storage.close()
  })
})

describe('a replicated store and its storage', () => {
  it('a plain store refuses a replicated storage, and a replicated store a plain one (StoredKindMismatch), writing nothing', async () => {
    const clock = TestClock.at(start)
    for (const format of [BincodeFormat, JsonFormat]) {
      const replicatedStorage = new MemoryStorage()
      const phone = await replicated(clock, replicatedStorage, 'phone', format)
      phone.record('app_launch')
      await phone.close()
      const plain = await EventStore.builder().withClock(clock).withStorage(replicatedStorage).withFormat(format).buildEither()
      expect(E.isLeft(plain) && plain.left).toMatchObject({ _tag: 'StoredKindMismatch', key: 'app_launch', stored: 'replicated' })

      const plainStorage = new MemoryStorage()
      const old = await EventStore.builder().withClock(clock).withStorage(plainStorage).withFormat(format).build()
      old.recordCount('app_launch', 3)
      await old.close()
      const bytes = await plainStorage.load('app_launch')
      const refused = await EventStore.builder().withClock(clock).withStorage(plainStorage).withFormat(format).replicaId('phone').buildEither()
      expect(E.isLeft(refused) && refused.left).toMatchObject({ _tag: 'StoredKindMismatch', key: 'app_launch', stored: 'plain' })
      expect(E.isLeft(refused) && refused.left.message).toMatch(/importAll/)
      expect(await plainStorage.load('app_launch')).toEqual(bytes)

      // The documented conversion: import the plain counters as this replica's own records, on a new storage.
      const reader = await EventStore.builder().withClock(clock).withStorage(plainStorage).withFormat(format).build()
      const converted = await replicated(clock, new MemoryStorage(), 'phone', format)
      orThrow(converted.importAll(reader.exportAll()))
      expect(Replicated.versionOf(orThrow(converted.exportReplicated()).app_launch!, 'phone')).toEqual(O.some({ id: 'phone', born: start, seq: 1 }))
      expect(ever(converted, 'app_launch')).toEqual(O.some(3))
    }
  })

  it('after a crash that lost records a peer had already received, a sync brings them back (this replica\'s own buckets join by maximum too)', async () => {
    const clock = TestClock.at(start)
    const storage = new MemoryStorage()
    const server = EventStore.builder().withClock(clock).timeZone('UTC').replicaId('server').build()
    const phone = await replicated(clock, storage, 'phone')
    phone.recordCount('song_played', 2)
    await phone.persist()
    phone.recordCount('song_played', 3)
    pull(server, phone) // the server has all 5 ...
    // ... and the phone crashes before persisting the last 3: a new process opens the storage.
    const restarted = await replicated(clock, storage, 'phone')
    expect(ever(restarted, 'song_played')).toEqual(O.some(2))
    pull(restarted, server)
    expect(ever(restarted, 'song_played')).toEqual(O.some(5))
    restarted.record('song_played')
    pull(server, restarted)
    expect(ever(server, 'song_played')).toEqual(O.some(6))
    expect(E.isRight(await restarted.persist())).toBe(true)
  })

  it('a value that does not decode is reported with its key and the others load', async () => {
    const clock = TestClock.at(start)
    const storage = new MemoryStorage()
    const phone = await replicated(clock, storage, 'phone')
    phone.record('a')
    phone.record('b')
    await phone.close()
    const bytes = (await storage.load('a'))!
    bytes[8] = bytes[8]! ^ 0x01
    await storage.save('a', bytes)
    const again = await replicated(clock, storage, 'phone')
    expect(again.loadErrors.map((error) => [error._tag, error.key])).toEqual([['DecodeError', 'a']])
    expect(again.events()).toEqual(['b'])
  })

  it('a custom Formatter (plain counters) with a replica id and storage is refused at build', async () => {
    const custom: Formatter = { ...JsonFormat, name: 'custom-json' }
    const refused = await EventStore.builder().withStorage(new MemoryStorage()).withFormat(custom).replicaId('phone').buildEither()
    expect(E.isLeft(refused) && refused.left._tag).toBe('StorageError')
    expect(E.isLeft(refused) && refused.left.message).toMatch(/"custom-json" writes plain counters/)
  })

  it('compact deletes the stored copy of an event whose every bucket expired, with its replicated state; a stale copy then brings no count back', async () => {
    const clock = TestClock.at(start)
    const storage = new MemoryStorage()
    const laptop = EventStore.builder().withClock(clock).timeZone('UTC').replicaId('laptop').build()
    laptop.recordCount('song_played', 3)
    const stale: ReplicatedCounters = orThrow(laptop.exportReplicated())
    const phone = await replicated(clock, storage, 'phone')
    phone.record('song_played')
    orThrow(phone.mergeReplicated(stale))
    await phone.persist()
    clock.advance({ days: 800 }) // past the 12 months of the default layout
    phone.record('app_launch')
    expect(E.isRight(await phone.compact())).toBe(true)
    expect(await storage.listKeys()).toEqual(['app_launch'])
    expect(Object.keys(orThrow(phone.exportReplicated()))).toEqual(['app_launch'])
    expect(Object.keys(phone.versionVectors())).toEqual(['app_launch'])
    orThrow(phone.mergeReplicated(stale)) // the laptop's old copy arrives late
    expect(ever(phone, 'song_played')).toEqual(O.some(0))
    expect(orThrow(phone.exportReplicated()).song_played!.replicas).toEqual([])
    await phone.persist()
    const reopened = await replicated(clock, storage, 'phone')
    expect(ever(reopened, 'song_played')).toEqual(O.some(0))
  })
})

describe('a replicated store on withBroadcast (tiny-counter/browser)', () => {
  it('is refused at its persist with a StorageError that says why, and writes nothing', async () => {
    const shared = withBroadcast(await IndexedDbStorage.open('replicated-tabs', { indexedDB: new IDBFactory() }), 'replicated-tabs', { channel: () => ({ postMessage: () => undefined, close: () => undefined, onmessage: null }) })
    const store = await EventStore.builder().withStorage(shared).replicaId('tab-1').build()
    await shared.attach(store)
    store.record('click')
    const refused = await store.persist()
    expect(E.isLeft(refused) && refused.left.message).toMatch(/withBroadcast shares plain counters between tabs, and this store has a replica id/)
    expect(await shared.listKeys()).toEqual([])
    expect(store.isDirty()).toBe(true)
  })
})
