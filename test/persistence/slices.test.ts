// Long persistence work leaves the event loop running (issue 14, item 6: "a 100k-event persist/load
// blocks it for ~0.5 s"), measured in work rather than time, so that the test says the same on a
// fast machine and a slow one: a formatter counts the counters it encodes and decodes, and a ticker
// that runs once per turn of the event loop (setImmediate) notes that count. A persist, persistAll,
// compact and load of 100,000 events must give the ticker at least 100 turns, with at most 1,000
// counters encoded or decoded between two of them. And records made between the slices of a
// persist are counted exactly once: neither lost nor counted twice.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { afterAll, describe, expect, it } from 'vitest'
import type { Formatter, Storage } from 'tiny-counter'
import { BincodeFormat, EventStore, MemoryStorage, TestClock } from 'tiny-counter'
import { FilePerEvent } from 'tiny-counter/files'
import { Sqlite } from 'tiny-counter/sqlite'

const EVENTS = 100_000
const names = Array.from({ length: EVENTS }, (_, i) => `event_${String(i).padStart(6, '0')}`)
/** At least so many turns of the event loop during 100,000 events of work... */
const LEAST_TURNS = 100
/** ...and at most so many counters encoded or decoded between two of them. */
const MOST_PER_TURN = 1_000

const directories: string[] = []
const temporaryDirectory = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'tiny-counter-slices-'))
  directories.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of directories) rmSync(dir, { recursive: true, force: true })
})

const backends: Record<string, () => Promise<Storage>> = {
  MemoryStorage: async () => new MemoryStorage(),
  Sqlite: () => Sqlite.open(join(temporaryDirectory(), 'events.db')),
  FilePerEvent: () => FilePerEvent.open(temporaryDirectory(), '.bin')
}

/** Bincode that counts the counters it encodes and decodes. */
const counting = (): { readonly format: Formatter; readonly work: () => number } => {
  let work = 0
  const format: Formatter = {
    ...BincodeFormat,
    serialize: (counter) => (work++, BincodeFormat.serialize(counter)),
    deserialize: (key, bytes) => (work++, BincodeFormat.deserialize(key, bytes))
  }
  return { format, work: () => work }
}

interface Turns {
  /** How many times the event loop ran the ticker while the work ran. */
  readonly turns: number
  /** The most counters encoded or decoded between two turns (or before the first, after the last). */
  readonly mostPerTurn: number
}

/** Runs `work` beside a ticker that runs once per turn of the event loop; `onTurn` runs at each turn. */
const watched = async <A>(work: () => Promise<A>, counted: () => number, onTurn: () => void = () => undefined): Promise<readonly [A, Turns]> => {
  let turns = 0
  let mostPerTurn = 0
  let last = counted()
  let running = true
  const tick = (): void => {
    if (!running) return
    const now = counted()
    mostPerTurn = Math.max(mostPerTurn, now - last)
    last = now
    turns++
    onTurn()
    setImmediate(tick)
  }
  setImmediate(tick)
  const result = await work()
  running = false
  mostPerTurn = Math.max(mostPerTurn, counted() - last)
  return [result, { turns, mostPerTurn }]
}

const clock = () => TestClock.at(Date.UTC(2026, 4, 20, 9))
const open = (storage: Storage, format: Formatter, at = clock()) => EventStore.builder().withClock(at).timeZone('UTC').withStorage(storage).withFormat(format).build()
const right = E.right(undefined)

describe('100,000 events of persistence work, in slices', () => {
  for (const [backend, storageOf] of Object.entries(backends)) {
    it(`persist (${backend}) lets the event loop run at least every ${MOST_PER_TURN} counters`, async () => {
      const { format, work } = counting()
      const storage = await storageOf()
      const store = await open(storage, format)
      for (const name of names) store.record(name)
      const [persisted, turns] = await watched(() => store.persist(), work)
      expect(persisted).toEqual(right)
      expect(work()).toBe(EVENTS)
      expect(turns.mostPerTurn).toBeLessThanOrEqual(MOST_PER_TURN)
      expect(turns.turns).toBeGreaterThanOrEqual(LEAST_TURNS)
      expect(store.isDirty()).toBe(false)
      if (backend === 'FilePerEvent') return // the rest reads and writes 100,000 files again: the SQLite and memory cases cover it
      // A persist of events that are all stored: each is added to what is stored.
      for (const name of names) store.record(name)
      const [again, turnsAgain] = await watched(() => store.persist(), work)
      expect(again).toEqual(right)
      expect(turnsAgain.mostPerTurn).toBeLessThanOrEqual(MOST_PER_TURN)
      expect(turnsAgain.turns).toBeGreaterThanOrEqual(LEAST_TURNS)
      const [all, turnsAll] = await watched(() => store.persistAll(), work)
      expect(all).toEqual(right)
      expect(turnsAll.mostPerTurn).toBeLessThanOrEqual(MOST_PER_TURN)
      expect(turnsAll.turns).toBeGreaterThanOrEqual(LEAST_TURNS)
      const [compacted, turnsCompact] = await watched(() => store.compact(), work)
      expect(compacted).toEqual(right)
      expect(turnsCompact.turns).toBeGreaterThanOrEqual(LEAST_TURNS)
      const loading = counting()
      const [loaded, turnsLoad] = await watched(() => open(storage, loading.format), loading.work)
      expect(loading.work()).toBe(EVENTS)
      expect(turnsLoad.mostPerTurn).toBeLessThanOrEqual(MOST_PER_TURN)
      expect(turnsLoad.turns).toBeGreaterThanOrEqual(LEAST_TURNS)
      expect(loaded.events()).toHaveLength(EVENTS)
      expect(loaded.query(names[EVENTS - 1]!).ever().sum()).toEqual(O.some(2))
    })
  }

  for (const backend of ['MemoryStorage', 'Sqlite'] as const) {
    it(`records made between the slices of a persist (${backend}) are counted once: a second persist and a reload give exact counts`, async () => {
      const { format, work } = counting()
      const storage = await backends[backend]!()
      const store = await open(storage, format)
      const expected = new Map<string, number>()
      const record = (name: string): void => {
        expect(store.record(name)).toEqual(right)
        expected.set(name, (expected.get(name) ?? 0) + 1)
      }
      for (const name of names) record(name)
      // At each turn: the first event (encoded at once: the record lands after it was taken), the
      // last one (taken last: the record lands before), one in between, and a new event.
      let turn = 0
      const between = (): void => {
        turn++
        record(names[0]!)
        record(names[EVENTS - 1]!)
        record(names[(turn * 7_919) % EVENTS]!)
        record(`new_${turn}`)
      }
      const [first, turns] = await watched(() => store.persist(), work, between)
      expect(first).toEqual(right)
      expect(turns.turns).toBeGreaterThanOrEqual(LEAST_TURNS)
      expect(store.isDirty()).toBe(true) // what landed after its event was taken waits for the next persist
      const [second] = await watched(() => store.persist(), work, between)
      expect(second).toEqual(right)
      expect(await store.persist()).toEqual(right) // what landed during the second one
      expect(store.isDirty()).toBe(false)
      const reloaded = await open(storage, BincodeFormat)
      expect(reloaded.events().length).toBe(expected.size)
      const wrong = [...expected].filter(([name, n]) => O.getOrElse(() => -1)(reloaded.query(name).ever().sum()) !== n)
      expect(wrong).toEqual([])
    })
  }

  it('a persist into events another store of the storage wrote (each value merged in its transaction) stays in slices and adds exactly', async () => {
    const storage = new MemoryStorage()
    const one = await open(storage, BincodeFormat)
    const { format, work } = counting()
    const other = await open(storage, format)
    for (const name of names) {
      one.record(name)
      other.recordCount(name, 2)
    }
    expect(await one.persist()).toEqual(right)
    // Every value `other` persists is stored already and unknown to it: read, decoded and merged.
    const [persisted, turns] = await watched(() => other.persist(), work)
    expect(persisted).toEqual(right)
    expect(turns.mostPerTurn).toBeLessThanOrEqual(MOST_PER_TURN)
    expect(turns.turns).toBeGreaterThanOrEqual(LEAST_TURNS)
    one.record(names[0]!)
    expect(await one.persist()).toEqual(right)
    const reloaded = await open(storage, BincodeFormat)
    expect(reloaded.query(names[0]!).ever().sum()).toEqual(O.some(4))
    expect(names.every((name, i) => i === 0 || O.getOrElse(() => -1)(reloaded.query(name).ever().sum()) === 3)).toBe(true)
  })
})
