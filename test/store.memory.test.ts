/**
 * Bounded memory: events whose every bucket expired are dropped (`sweep()`, and by the store
 * itself as it records), `maxEvents` evicts the least recently recorded, and nothing unsaved or
 * reserved is dropped (docs/DESIGN.md, "Bounded memory").
 */
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { describe, expect, it } from 'vitest'
import { EventStore, Limit, MemoryStorage, TestClock } from 'tiny-counter'

const START = Date.UTC(2026, 0, 5, 10)
const rateLimiter = (clock: TestClock, max?: number): EventStore => {
  const builder = EventStore.builder().forRateLimiting().withClock(clock).timeZone('UTC')
  return (max === undefined ? builder : builder.maxEvents(max)).build()
}

describe('sweep', () => {
  it('drops the events whose buckets all expired, and the store returns to its empty size', () => {
    const clock = TestClock.at(START)
    const store = rateLimiter(clock)
    const empty = store.memoryUsage()
    for (let i = 0; i < 1_000; i++) store.record(`ip:${i}`)
    clock.advance({ hours: 23 })
    store.record('ip:recent')
    expect(store.sweep()).toBe(0) // the last 24 hours still hold every key
    clock.advance({ hours: 1, minutes: 1 })
    expect(store.sweep()).toBe(1_000)
    expect(store.events()).toEqual(['ip:recent'])
    expect(store.query('ip:0').lastHours(24).sum()).toEqual(O.none)
    clock.advance({ hours: 24 })
    expect(store.sweep()).toBe(1)
    expect(store.memoryUsage()).toBe(empty)
    expect(store.isDirty()).toBe(false) // the sync baselines went with them
  })

  it('sweeps by itself, a few events at a time, as the store records', () => {
    const clock = TestClock.at(START)
    const store = rateLimiter(clock)
    for (let i = 0; i < 10_000; i++) store.record(`ip:${i}`)
    clock.advance({ days: 2 })
    for (let i = 0; i < 5_000; i++) store.record('ip:active')
    expect(store.events()).toEqual(['ip:active'])
  })

  it('never drops what is not persisted yet, nor what a limit reserved', async () => {
    const clock = TestClock.at(START)
    const storage = new MemoryStorage()
    const store = await EventStore.builder().forRateLimiting().withClock(clock).timeZone('UTC').withStorage(storage).build()
    store.record('saved')
    await store.persist()
    store.record('unsaved')
    const held = store.limit().atMost('held', 5, 'hours').reserve('held', { expiresAfter: { days: 3 } })
    expect(E.isRight(held)).toBe(true)
    store.recordCount('held', 0)
    clock.advance({ days: 2 })
    expect(store.sweep()).toBe(1) // 'saved'
    expect([...store.events()].sort()).toEqual(['held', 'unsaved'])
    expect(await storage.listKeys()).toEqual(['saved']) // a stored copy stays stored
    await store.persist()
    expect(store.sweep()).toBe(1) // 'unsaved', now saved
    expect(await store.compact()).toEqual(E.right(undefined)) // compact deletes expired stored copies
    expect([...(await storage.listKeys())]).toEqual([])
  })

  it('is what compact() does without storage', async () => {
    const clock = TestClock.at(START)
    const store = rateLimiter(clock)
    store.record('old')
    clock.advance({ days: 2 })
    store.record('new')
    expect(await store.compact()).toEqual(E.right(undefined))
    expect(store.events()).toEqual(['new'])
  })

  it('keeps a counter the clock stepped back from', () => {
    const clock = TestClock.at(START)
    const store = rateLimiter(clock)
    store.record('ip:1')
    clock.set(START - 86_400_000 * 3)
    expect(store.sweep()).toBe(0)
  })
})

describe('maxEvents', () => {
  it('evicts the least recently recorded event, counting checkAndRecord as a record', () => {
    const clock = TestClock.at(START)
    const store = rateLimiter(clock, 3)
    const perKey = Limit.policy().atMost(10, 'minutes')
    for (const key of ['a', 'b', 'c']) store.record(key)
    expect(E.isRight(store.limit(perKey).checkAndRecord('a'))).toBe(true)
    store.record('b')
    store.record('d') // evicts c
    expect([...store.events()].sort()).toEqual(['a', 'b', 'd'])
    store.record('e') // evicts a
    expect([...store.events()].sort()).toEqual(['b', 'd', 'e'])
    expect(store.query('a').lastMinutes(1).sum()).toEqual(O.none)
  })

  it('bounds what imports and merges bring too', () => {
    const clock = TestClock.at(START)
    const source = rateLimiter(clock)
    for (const key of ['a', 'b', 'c', 'd']) source.record(key)
    const store = rateLimiter(clock, 2)
    store.record('mine')
    expect(store.mergeAll(source.exportAll())).toEqual(E.right(undefined))
    expect([...store.events()].sort()).toEqual(['c', 'd'])
  })

  it('never evicts an event with a pending reservation', () => {
    const clock = TestClock.at(START)
    const store = rateLimiter(clock, 2)
    store.record('reserved')
    const reservation = store.limit().atMost('reserved', 5, 'hours').reserve('reserved')
    expect(E.isRight(reservation)).toBe(true)
    store.record('b')
    store.record('c') // evicts b: reserved is older but held
    expect([...store.events()].sort()).toEqual(['c', 'reserved'])
  })

  it('is refused unless a positive integer, and with storage', async () => {
    for (const max of [0, -1, 1.5, Number.NaN]) {
      const refused = EventStore.builder().maxEvents(max).buildEither()
      expect(E.isLeft(refused) && refused.left._tag).toBe('InvalidMaxEvents')
    }
    const stored = await EventStore.builder().withStorage(new MemoryStorage()).maxEvents(10).buildEither()
    expect(E.isLeft(stored) && stored.left._tag).toBe('InvalidMaxEvents')
  })
})
