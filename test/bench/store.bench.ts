/**
 * The store cases: `store.record(name)` and `store.query(name).lastDays(7).sum()` on a store with
 * the default layout (60 minutes, 24 hours, 32 days, 12 months) in Europe/Berlin, on the system
 * clock, cycling through 1,000 event names; side by side with the same work done on a
 * `Map<string, Counter>` with the pure core (what the store costs on top of it) and on a
 * `Map<string, TypedArrayCounter>` (the mutable typed-array yardstick of `baseline.ts`); and, for
 * reference, the floor of all of them: `Date.now()` and a `Map` look-up, no counting.
 *
 * Steady state: every event starts with a year of history in which every bucket of every unit holds
 * a count (a record a day for 400 days, an hour for a day, a minute for an hour, ending now). As in
 * `core.bench.ts`, the history is built once, by the parent process, and reaches each case process
 * as JSON (`exportAll`), like counters loaded from storage; there the store cases first call the
 * rest of the store API a few hundred times (`exerciseStore`). Time is the machine's: every
 * operation reads `Date.now()` (the store through `SystemClock`, the peers directly), so buckets
 * rotate as they do in a running application.
 */
import * as E from 'fp-ts/lib/Either.js'
import { Counter, EventStore, Layout, Query, Window } from 'tiny-counter'
import type { Body } from './harness.ts'
import type { TypedArrayState } from './baseline.ts'
import { DAYS, TypedArrayCounter } from './baseline.ts'

export const TIME_ZONE = 'Europe/Berlin'
export const EVENT_NAMES = 1_000
const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

export type StoreOp = 'record' | 'sum7' | 'sum7-fresh'
export type StoreVariant = 'store' | 'core' | 'typed-array' | 'floor'

/** The shared starting point of the store cases (and the limit cases), as plain data. */
export interface StoreHistory {
  readonly names: ReadonlyArray<string>
  /** `store.exportAll()` of a store holding the history of every name. */
  readonly counters: Readonly<Record<string, unknown>>
  /** The same history in typed-array rings, by name. */
  readonly typed: Readonly<Record<string, TypedArrayState>>
}

export const eventNames = (n: number, prefix = 'event_'): ReadonlyArray<string> =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`)

/** The store every store case measures: the default layout in Berlin, on the system clock. */
export const defaultStore = (): EventStore => EventStore.builder().timeZone(TIME_ZONE).build()

/** The instants and counts of one event's history, oldest first, ending at `now`; `k` varies it. */
export const historyOf = (k: number, now: number): ReadonlyArray<readonly [number, number]> => {
  const events: Array<readonly [number, number]> = []
  const at = (t: number, i: number): void => void events.push([t, 1 + ((k + i) % 7)])
  for (let d = 400; d >= 1; d--) at(now - d * DAY - (k % 600) * MINUTE, d)
  for (let h = 24; h >= 1; h--) at(now - h * HOUR - (k % 60) * MINUTE, h)
  for (let m = 60; m >= 0; m--) at(now - m * MINUTE, m)
  return events
}

const orThrow = <A>(result: E.Either<Error, A>): A => {
  if (E.isLeft(result)) throw result.left
  return result.right
}

export const buildStoreHistory = (): StoreHistory => {
  const names = eventNames(EVENT_NAMES)
  const store = defaultStore()
  const typed: Record<string, TypedArrayState> = {}
  const now = Date.now()
  names.forEach((name, k) => {
    const ring = new TypedArrayCounter()
    for (const [t, n] of historyOf(k, now)) {
      orThrow(store.recordCountAt(name, n, t))
      ring.record(t, n)
    }
    typed[name] = ring.toJSON()
  })
  return { names, counters: JSON.parse(JSON.stringify(store.exportAll())), typed }
}

/** A store holding the history, imported as an application imports what it loaded. */
export const storeWithHistory = (history: StoreHistory): EventStore => {
  const store = defaultStore()
  orThrow(store.importAll(history.counters))
  return store
}

/**
 * Calls the rest of the store API a few hundred times, as an application would between records and
 * queries, so that the call sites the store shares are as polymorphic as in real use. It records
 * only into events of its own.
 */
export const exerciseStore = (store: EventStore, names: ReadonlyArray<string>): void => {
  const own = eventNames(20, 'exercise_')
  for (let i = 0; i < 300; i++) {
    const name = names[(i * 37) % names.length]!
    const mine = own[i % own.length]!
    store.recordCount(mine, 1 + (i % 3))
    store.recordAgo(mine, { minutes: i % 90 })
    store.recordCountAt(mine, 2, Date.now() - i * HOUR)
    const q = store.query(name)
    q.lastHours(5).sum()
    q.lastMinutes(30).average()
    q.lastDays(28).countNonzero()
    q.lastMonths(3).averageNonzero()
    q.days(7, 14).buckets()
    q.ever().sum()
    q.lastSeen()
    q.firstSeen()
    q.firstSeenIn('days')
    store.query(mine).lastDays(7).sum()
    store.queryMany([name, mine]).lastDays(2).sum()
    store.queryRatio(mine, name).lastDays(7)
    store.queryDelta(name, mine).lastHours(3).sum()
    store.limit().atMost(mine, 1_000, 'minutes').check(mine)
    store.limit().atMost(mine, 1_000_000, 'hours').usage(mine)
  }
  store.events()
  store.isDirty()
}

// Each body keeps its state between rounds: the next name to use, the counters it recorded into.

const storeRecord = (history: StoreHistory): Body => {
  const store = storeWithHistory(history)
  const names = history.names
  exerciseStore(store, names)
  let next = 0
  return (ops) => {
    let k = next
    for (let i = 0; i < ops; i++) {
      const r = store.record(names[k]!)
      if (r._tag === 'Left') throw r.left
      if (++k === names.length) k = 0
    }
    next = k
    return k
  }
}

/** The history as `Counter`s of one layout value (the JSON layouts replaced by an equal one). */
const coreCounters = (history: StoreHistory): Map<string, Counter.Counter> => {
  const layout = orThrow(Layout.make({ minutes: 60, hours: 24, days: 32, months: 12 }, { timeZone: TIME_ZONE }))
  return new Map(history.names.map((name) => [name, Counter.convert(history.counters[name] as Counter.Counter, layout)]))
}

const coreRecord = (history: StoreHistory): Body => {
  const counters = coreCounters(history)
  const names = history.names
  let next = 0
  return (ops) => {
    let k = next
    for (let i = 0; i < ops; i++) {
      const name = names[k]!
      const r = Counter.record(counters.get(name)!, Date.now(), 1)
      if (r._tag === 'Left') throw r.left
      counters.set(name, r.right)
      if (++k === names.length) k = 0
    }
    next = k
    return k
  }
}

const typedRings = (history: StoreHistory): Map<string, TypedArrayCounter> =>
  new Map(history.names.map((name) => [name, new TypedArrayCounter(history.typed[name])]))

const typedRecord = (history: StoreHistory): Body => {
  const rings = typedRings(history)
  const names = history.names
  let next = 0
  return (ops) => {
    let k = next
    for (let i = 0; i < ops; i++) {
      rings.get(names[k]!)!.record(Date.now(), 1)
      if (++k === names.length) k = 0
    }
    next = k
    return k
  }
}

const storeSum7 = (history: StoreHistory): Body => {
  const store = storeWithHistory(history)
  const names = history.names
  exerciseStore(store, names)
  let next = 0
  return (ops) => {
    let k = next
    let s = 0
    for (let i = 0; i < ops; i++) {
      const o = store.query(names[k]!).lastDays(7).sum()
      if (o._tag === 'Some') s += o.value
      if (++k === names.length) k = 0
    }
    next = k
    return s
  }
}

/**
 * The 7-day sum when the store cannot answer from memory: each visit of a name asks for the other
 * of 7 and 8 days, and a store remembers one window per event. (The peers alternate alike.)
 */
const storeSum7Fresh = (history: StoreHistory): Body => {
  const store = storeWithHistory(history)
  const names = history.names
  exerciseStore(store, names)
  let next = 0
  let days = 7
  return (ops) => {
    let k = next
    let s = 0
    let n = days
    for (let i = 0; i < ops; i++) {
      const o = store.query(names[k]!).lastDays(n).sum()
      if (o._tag === 'Some') s += o.value
      if (++k === names.length) {
        k = 0
        n = 15 - n
      }
    }
    next = k
    days = n
    return s
  }
}

const coreSum7Fresh = (history: StoreHistory): Body => {
  const counters = coreCounters(history)
  const names = history.names
  const windows = { 7: Window.last(7, 'days'), 8: Window.last(8, 'days') } as const
  let next = 0
  let days: 7 | 8 = 7
  return (ops) => {
    let k = next
    let s = 0
    let n = days
    for (let i = 0; i < ops; i++) {
      const o = Query.sum(counters.get(names[k]!)!, windows[n], Date.now())
      if (o._tag === 'Some') s += o.value
      if (++k === names.length) {
        k = 0
        n = n === 7 ? 8 : 7
      }
    }
    next = k
    days = n
    return s
  }
}

const typedSum7Fresh = (history: StoreHistory): Body => {
  const rings = typedRings(history)
  const names = history.names
  let next = 0
  let days = 7
  return (ops) => {
    let k = next
    let s = 0
    let n = days
    for (let i = 0; i < ops; i++) {
      s += rings.get(names[k]!)!.sum(DAYS, 0, n, Date.now())
      if (++k === names.length) {
        k = 0
        n = 15 - n
      }
    }
    next = k
    days = n
    return s
  }
}

const coreSum7 = (history: StoreHistory): Body => {
  const counters = coreCounters(history)
  const names = history.names
  const week = Window.last(7, 'days')
  let next = 0
  return (ops) => {
    let k = next
    let s = 0
    for (let i = 0; i < ops; i++) {
      const o = Query.sum(counters.get(names[k]!)!, week, Date.now())
      if (o._tag === 'Some') s += o.value
      if (++k === names.length) k = 0
    }
    next = k
    return s
  }
}

const typedSum7 = (history: StoreHistory): Body => {
  const rings = typedRings(history)
  const names = history.names
  let next = 0
  return (ops) => {
    let k = next
    let s = 0
    for (let i = 0; i < ops; i++) {
      s += rings.get(names[k]!)!.sum(DAYS, 0, 7, Date.now())
      if (++k === names.length) k = 0
    }
    next = k
    return s
  }
}

/**
 * What every variant does besides its work: read the clock and look the name up in a 1,000-entry
 * `Map` (a reference, not a peer: no counting at all).
 */
const floor = (history: StoreHistory): Body => {
  const rings = typedRings(history)
  const names = history.names
  let next = 0
  return (ops) => {
    let k = next
    let s = 0
    for (let i = 0; i < ops; i++) {
      if (rings.get(names[k]!) !== undefined) s += Date.now() & 1
      if (++k === names.length) k = 0
    }
    next = k
    return s
  }
}

export interface StoreCase {
  readonly id: string
  readonly prepare: (history: StoreHistory) => Body
}

export const storeCaseId = (op: StoreOp, variant: StoreVariant): string => `store/${op}/${variant}`

export const storeCases: ReadonlyArray<StoreCase> = [
  { id: storeCaseId('record', 'store'), prepare: storeRecord },
  { id: storeCaseId('record', 'core'), prepare: coreRecord },
  { id: storeCaseId('record', 'typed-array'), prepare: typedRecord },
  { id: storeCaseId('sum7', 'store'), prepare: storeSum7 },
  { id: storeCaseId('sum7', 'core'), prepare: coreSum7 },
  { id: storeCaseId('sum7', 'typed-array'), prepare: typedSum7 },
  { id: storeCaseId('record', 'floor'), prepare: floor },
  { id: storeCaseId('sum7', 'floor'), prepare: floor },
  { id: storeCaseId('sum7-fresh', 'store'), prepare: storeSum7Fresh },
  { id: storeCaseId('sum7-fresh', 'core'), prepare: coreSum7Fresh },
  { id: storeCaseId('sum7-fresh', 'typed-array'), prepare: typedSum7Fresh },
  { id: storeCaseId('sum7-fresh', 'floor'), prepare: floor }
]
