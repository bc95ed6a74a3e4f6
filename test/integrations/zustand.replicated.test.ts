// tiny-counter/zustand with a replica id, against the real zustand and its persist middleware: the
// slice keeps each event as a Replicated, `mergeReplicated` merges copies idempotently, rehydration
// merges the stored replicated counters by the replicated merge (rehydrating twice, or what another
// tab wrote, never counts twice; what was recorded while an async storage was read is kept), and
// `syncTabs` merges other tabs' writes from storage events (delivered twice, late or damaged).
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { describe, expect, it, vi } from 'vitest'
import { persist } from 'zustand/middleware'
import type { StateStorage } from 'zustand/middleware'
import { createStore } from 'zustand/vanilla'
import { Counter, Layout, Replicated, TestClock, Window } from 'tiny-counter'
import { CounterState, counterSlice, counterStorage, persistCounters, syncTabs } from 'tiny-counter/zustand'
import type { CounterSlice, StorageEventLike, StorageEventTarget } from 'tiny-counter/zustand'
import { memoryStorage, slowStorage } from './textStorage.js'

const H = 3_600_000
const D = 24 * H
const start = Date.UTC(2026, 9, 25, 0, 30)
const berlin = Layout.standard({ timeZone: 'Europe/Berlin' })

const orThrow = <A>(e: E.Either<Error, A>): A =>
  E.getOrElseW((error: Error) => {
    throw error
  })(e)

const launches = (state: CounterState.CounterState) => CounterState.sum(state, 'launch', Window.ever, start)
const never = (error: unknown) => expect.unreachable(String(error))

const tab = (replicaId: string, storage: StateStorage, onError: (error: unknown) => void = never, at = start) =>
  createStore<CounterSlice>()(
    persist(counterSlice({ layout: berlin, clock: TestClock.at(at), replicaId }), persistCounters({ name: 'app', layout: berlin, storage: () => storage, onError }))
  )

const storedState = (text: Map<string, string>) => JSON.parse(text.get('app')!).state as CounterState.CounterState

describe('the slice with a replica id', () => {
  it('records to its own replica and merges a payload given twice once (the second time nothing is set)', () => {
    const clock = TestClock.at(start)
    const first = createStore<CounterSlice>()(counterSlice({ layout: berlin, clock, replicaId: 'tab-1' }))
    const second = createStore<CounterSlice>()(counterSlice({ layout: berlin, clock, replicaId: 'tab-2' }))
    first.getState().recordCount('launch', 3)
    first.getState().recordCountAt('launch', 2, start - D)
    second.getState().record('launch')
    const r = first.getState().replicated!.events.launch!
    expect(Replicated.versionVector(r)).toEqual([{ id: 'tab-1', born: start, seq: 2 }])
    expect(Counter.Eq.equals(first.getState().counters.launch!, Replicated.value(r))).toBe(true)
    const payload = JSON.parse(JSON.stringify(orThrow(CounterState.exportReplicated(first.getState()))))
    const listener = vi.fn()
    second.subscribe(listener)
    expect(second.getState().mergeReplicated(payload)).toEqual(E.right(undefined))
    expect(second.getState().mergeReplicated(payload)).toEqual(E.right(undefined))
    expect(listener).toHaveBeenCalledTimes(1)
    expect(launches(second.getState())).toEqual(O.some(6))
    // Refused: hostile payloads, imports; nothing is set.
    for (const input of [null, { launch: { heads: 'oops' } }, { '': payload.launch }]) expect(E.isLeft(second.getState().mergeReplicated(input))).toBe(true)
    const refused = second.getState().importAll({ launch: Counter.empty(berlin) })
    expect(E.isLeft(refused) && refused.left._tag).toBe('DecodeError')
    expect(listener).toHaveBeenCalledTimes(1)
  })

  it("refuses a peer's value more than a day ahead of the slice's clock, setting nothing; takes it once the clock gets there", () => {
    const clock = TestClock.at(start)
    const mine = createStore<CounterSlice>()(counterSlice({ layout: berlin, clock, replicaId: 'tab-1' }))
    const ahead = createStore<CounterSlice>()(counterSlice({ layout: berlin, clock: TestClock.at(start + 3 * D), replicaId: 'tab-2' }))
    ahead.getState().record('launch')
    ahead.getState().recordAt('view', start + 20 * H)
    const payload = JSON.parse(JSON.stringify(orThrow(CounterState.exportReplicated(ahead.getState()))))
    mine.getState().recordCount('launch', 5)
    const listener = vi.fn()
    mine.subscribe(listener)
    const refused = mine.getState().mergeReplicated(payload)
    expect(E.isLeft(refused) && [refused.left._tag, (refused.left as { key?: string }).key, (refused.left as { path?: string }).path]).toEqual(['DecodeError', 'launch', 'heads'])
    expect(E.isLeft(refused) && refused.left.message).toMatch(/more than a day after the clock/)
    expect(listener).not.toHaveBeenCalled()
    expect(launches(mine.getState())).toEqual(O.some(5))
    // Less than a day ahead is taken (time zones, skew); the rest once the clock gets there.
    expect(mine.getState().mergeReplicated({ view: payload.view })).toEqual(E.right(undefined))
    clock.advance({ days: 3 })
    expect(mine.getState().mergeReplicated(payload)).toEqual(E.right(undefined))
    expect(CounterState.sum(mine.getState(), 'launch', Window.ever, clock.now())).toEqual(O.some(6))
    // The pure function checks against the instant it is given, and refuses one that is no instant.
    const state = CounterState.initialReplicated('tab-3')
    expect(E.isLeft(CounterState.mergeReplicated(state, berlin, payload, start))).toBe(true)
    expect(E.isRight(CounterState.mergeReplicated(state, berlin, payload, start + 3 * D))).toBe(true)
    const notAnInstant = CounterState.mergeReplicated(state, berlin, payload, Number.NaN)
    expect(E.isLeft(notAnInstant) && notAnInstant.left._tag).toBe('InvalidInstant')
  })

  it('without a replica id is the plain slice: no replicated state, mergeReplicated refused', () => {
    const store = createStore<CounterSlice>()(counterSlice({ layout: berlin, clock: TestClock.at(start) }))
    store.getState().record('launch')
    expect(store.getState().replicated).toBeUndefined()
    const refused = store.getState().mergeReplicated({})
    expect(E.isLeft(refused) && refused.left._tag).toBe('InvalidReplicaId')
  })
})

describe('persist with persistCounters, for a slice with a replica id', () => {
  it('stores the replicated counters, and a reload (the same replica) rehydrating twice counts nothing twice', async () => {
    const { text, storage } = memoryStorage()
    const first = tab('tab-1', storage)
    first.getState().recordCount('launch', 3)
    expect(storedState(text).replicated!.replicaId).toBe('tab-1')
    expect(launches(storedState(text))).toEqual(O.some(3))
    const reloaded = tab('tab-1', storage, never, start + H)
    expect(launches(reloaded.getState())).toEqual(O.some(3))
    await reloaded.persist.rehydrate()
    await reloaded.persist.rehydrate()
    expect(launches(reloaded.getState())).toEqual(O.some(3))
    reloaded.getState().record('launch') // its own replica goes on where it was
    expect(Replicated.versionVector(reloaded.getState().replicated!.events.launch!)).toEqual([{ id: 'tab-1', born: start, seq: 2 }])
    await reloaded.persist.rehydrate()
    expect(launches(reloaded.getState())).toEqual(O.some(4))
    expect(launches(storedState(text))).toEqual(O.some(4))
  })

  it('rehydrating what another tab wrote, twice, adds its counts once', async () => {
    const { storage } = memoryStorage()
    const first = tab('tab-1', storage)
    const second = tab('tab-2', storage)
    first.getState().recordCount('launch', 2)
    second.getState().recordCount('launch', 5) // written last: the storage holds the second tab's state
    await first.persist.rehydrate()
    await first.persist.rehydrate()
    expect(launches(first.getState())).toEqual(O.some(7))
    first.getState().record('launch') // persist writes on a change (a rehydration alone writes nothing)
    await second.persist.rehydrate()
    await second.persist.rehydrate()
    expect(launches(second.getState())).toEqual(O.some(8))
  })

  it('keeps what was recorded while an async storage was read: stored 5 + recorded 1 = 6, then rehydrates without counting twice', async () => {
    const before = memoryStorage()
    tab('tab-1', before.storage).getState().recordCount('launch', 5)
    const { text, storage, release } = slowStorage(Object.fromEntries(before.text))
    const reloaded = tab('tab-1', storage)
    reloaded.getState().record('launch')
    expect(launches(reloaded.getState())).toEqual(O.some(1))
    await release()
    expect(reloaded.persist.hasHydrated()).toBe(true)
    expect(launches(reloaded.getState())).toEqual(O.some(6))
    expect(launches(storedState(text))).toEqual(O.some(6))
    // The own replica holds both, under a version later than the stored one.
    expect(Replicated.versionVector(reloaded.getState().replicated!.events.launch!)).toEqual([{ id: 'tab-1', born: start, seq: 2 }])
    const again = reloaded.persist.rehydrate()
    await release()
    await again
    expect(launches(reloaded.getState())).toEqual(O.some(6))
  })

  it('counts its own replica once when copies of it arrive before the first hydration (a server, another tab), with or without records of its own meanwhile', async () => {
    const before = memoryStorage()
    const phone = tab('phone', before.storage)
    phone.getState().recordCount('launch', 5)
    const server = JSON.parse(JSON.stringify(orThrow(CounterState.exportReplicated(phone.getState())))) // the server has the phone's 5
    for (const recordedMeanwhile of [0, 2]) {
      const { text, storage, release } = slowStorage(Object.fromEntries(before.text))
      const again = tab('phone', storage) // the next start: the server's copy comes before the stored one
      expect(again.getState().mergeReplicated(server)).toEqual(E.right(undefined))
      expect(again.getState().mergeReplicated(server)).toEqual(E.right(undefined))
      if (recordedMeanwhile > 0) again.getState().recordCount('launch', recordedMeanwhile)
      await release()
      expect(launches(again.getState())).toEqual(O.some(5 + recordedMeanwhile))
      expect(launches(storedState(text))).toEqual(O.some(5 + recordedMeanwhile))
      const rehydrated = again.persist.rehydrate()
      await release()
      await rehydrated
      expect(launches(again.getState())).toEqual(O.some(5 + recordedMeanwhile))
    }
  })

  it('takes counters stored before the replica id was given as its own on the first hydration, and refuses them later', async () => {
    const plain = memoryStorage()
    createStore<CounterSlice>()(
      persist(counterSlice({ layout: berlin, clock: TestClock.at(start) }), persistCounters({ name: 'app', layout: berlin, storage: () => plain.storage, onError: never }))
    ).getState().recordCount('launch', 4)
    const errors: unknown[] = []
    const upgraded = tab('tab-1', plain.storage, (error) => void errors.push(error))
    expect(launches(upgraded.getState())).toEqual(O.some(4))
    expect(upgraded.getState().replicated!.events.launch!.replicas.map((r) => r.id)).toEqual(['tab-1'])
    upgraded.getState().record('launch')
    expect(launches(storedState(plain.text))).toEqual(O.some(5))
    expect(storedState(plain.text).replicated!.events.launch!.replicas.map((r) => r.id)).toEqual(['tab-1'])
    // An old version of the app in another tab writes plain counters again: refused, not added twice.
    const old = createStore<CounterSlice>()(
      persist(counterSlice({ layout: berlin, clock: TestClock.at(start) }), persistCounters({ name: 'app', layout: berlin, storage: () => plain.storage, onError: never }))
    )
    old.getState().record('launch')
    await upgraded.persist.rehydrate()
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ _tag: 'DecodeError', path: 'state.replicated' })
    expect(launches(upgraded.getState())).toEqual(O.some(5))
  })

  it('refuses damaged stored replicated counters with a DecodeError naming the event, leaving memory as it was', async () => {
    const good = memoryStorage()
    tab('tab-2', good.storage).getState().recordCount('launch', 2)
    const damaged = storedState(good.text) as unknown as { replicated: { events: { launch: { replicas: Array<{ seq: number }> } } } }
    damaged.replicated.events.launch.replicas[0]!.seq = -1
    const { storage } = memoryStorage({ app: JSON.stringify({ state: damaged, version: 0 }) })
    const errors: unknown[] = []
    const store = tab('tab-1', storage, (error) => void errors.push(error))
    expect(errors[0]).toMatchObject({ _tag: 'DecodeError', key: 'launch' })
    expect(store.getState().counters).toEqual({})
  })
})

describe('counterStorage alone', () => {
  it('validates stored replicated counters too, and refuses damaged ones', async () => {
    const good = memoryStorage()
    tab('tab-2', good.storage).getState().recordCount('launch', 2)
    const value = JSON.parse(good.text.get('app')!)
    const read = await counterStorage({ layout: berlin, storage: () => good.storage }).getItem('app')
    expect(Replicated.Eq.equals(read!.state.replicated!.events.launch!, value.state.replicated.events.launch)).toBe(true)
    for (const [replicated, path] of [
      [{ ...value.state.replicated, replicaId: '' }, 'state.replicated'],
      [{ ...value.state.replicated, events: [] }, 'state.replicated.events'],
      [{ ...value.state.replicated, events: { launch: { ...value.state.replicated.events.launch, heads: [1] } } }, 'heads']
    ] as const) {
      const { storage } = memoryStorage({ app: JSON.stringify({ state: { ...value.state, replicated }, version: 0 }) })
      await expect(Promise.resolve().then(() => counterStorage({ layout: berlin, storage: () => storage }).getItem('app'))).rejects.toMatchObject({ _tag: 'DecodeError', path })
    }
  })
})

describe('syncTabs', () => {
  /** Tabs sharing one localStorage: each write fires a storage event in every other tab, delivered when the test says. */
  const browser = () => {
    const text = new Map<string, string>()
    const targets: Array<{ readonly listeners: Set<(event: StorageEventLike) => void>; readonly target: StorageEventTarget }> = []
    const pending: Array<{ readonly to: number; readonly event: StorageEventLike }> = []
    const storageOf = (me: number): StateStorage => ({
      getItem: (name) => text.get(name) ?? null,
      setItem: (name, value) => {
        if (text.get(name) === value) return
        text.set(name, value)
        targets.forEach((_, to) => {
          if (to !== me) pending.push({ to, event: { key: name, newValue: value } })
        })
      },
      removeItem: (name) => void text.delete(name)
    })
    const open = (replicaId: string, onError: (error: unknown) => void = never) => {
      const listeners = new Set<(event: StorageEventLike) => void>()
      const target: StorageEventTarget = { addEventListener: (_, l) => void listeners.add(l), removeEventListener: (_, l) => void listeners.delete(l) }
      targets.push({ listeners, target })
      const store = tab(replicaId, storageOf(targets.length - 1), onError)
      const stop = syncTabs(store, { name: 'app', target, onError })
      return { store, stop, listeners }
    }
    const deliver = (event: { readonly to: number; readonly event: StorageEventLike }) => targets[event.to]!.listeners.forEach((l) => l(event.event))
    return { text, open, pending, deliver }
  }

  it('merges what another tab wrote, once however often the event comes, and an older write after a newer one changes nothing', () => {
    const { open, pending, deliver } = browser()
    const first = open('tab-1')
    const second = open('tab-2')
    second.store.getState().recordCount('launch', 2)
    second.store.getState().recordCount('launch', 3)
    const [older, newer] = pending.splice(0)
    deliver(newer!)
    deliver(newer!)
    deliver(older!)
    expect(launches(first.store.getState())).toEqual(O.some(5))
    // The first tab persisted what it merged: the second tab hears it and has nothing new.
    first.store.getState().record('launch')
    const state = second.store.getState()
    for (const event of pending.splice(0)) {
      deliver(event)
      deliver(event)
    }
    expect(launches(second.store.getState())).toEqual(O.some(6))
    expect(second.store.getState()).not.toBe(state)
    expect(launches(first.store.getState())).toEqual(O.some(6))
  })

  it('converges, whatever order and however often the events of both tabs arrive', () => {
    const { open, pending, deliver } = browser()
    const tabs = [open('tab-1'), open('tab-2'), open('tab-3')]
    tabs.forEach(({ store }, i) => store.getState().recordCount('launch', i + 1))
    tabs[0]!.store.getState().recordAt('launch', start - D)
    for (let round = 0; round < 5 && pending.length > 0; round++) {
      for (const event of pending.splice(0).reverse()) {
        deliver(event)
        deliver(event)
      }
    }
    expect(pending).toEqual([])
    for (const { store } of tabs) expect(launches(store.getState())).toEqual(O.some(7))
  })

  it('counts a reloaded tab\'s own replica once when another tab\'s write, which holds it, arrives before the reload rehydrates', async () => {
    const { text, open, pending, deliver } = browser()
    const first = open('tab-1')
    const second = open('tab-2')
    first.store.getState().recordCount('launch', 5)
    pending.splice(0).forEach(deliver)
    first.stop()
    // Tab 1 reloads under the same id and rehydrates later (skipHydration, rehydrate() in an effect).
    const listeners = new Set<(event: StorageEventLike) => void>()
    const target: StorageEventTarget = { addEventListener: (_, l) => void listeners.add(l), removeEventListener: (_, l) => void listeners.delete(l) }
    const reloaded = createStore<CounterSlice>()(
      persist(counterSlice({ layout: berlin, clock: TestClock.at(start), replicaId: 'tab-1' }), {
        ...persistCounters({ name: 'app', layout: berlin, storage: () => ({ getItem: (k) => text.get(k) ?? null, setItem: (k, v) => void text.set(k, v), removeItem: (k) => void text.delete(k) }), onError: never }),
        skipHydration: true
      })
    )
    syncTabs(reloaded, { name: 'app', target, onError: never })
    second.store.getState().record('launch') // its write holds tab 1's 5 as well
    listeners.forEach((l) => l({ key: 'app', newValue: text.get('app')! }))
    expect(launches(reloaded.getState())).toEqual(O.some(6))
    await reloaded.persist.rehydrate()
    expect(launches(reloaded.getState())).toEqual(O.some(6))
    expect(launches(storedState(text))).toEqual(O.some(6))
    pending.splice(0).forEach(deliver)
    expect(launches(second.store.getState())).toEqual(O.some(6))
  })

  it('refuses what it cannot read (onError), merges nothing of it, ignores other keys, and stops when told', () => {
    const errors: unknown[] = []
    const { open, deliver } = browser()
    const first = open('tab-1', (error) => void errors.push(error))
    first.store.getState().record('launch')
    const before = first.store.getState()
    const damaged = { state: { counters: {}, replicated: { replicaId: 'tab-2', events: { launch: { heads: 'oops' } } } }, version: 0 }
    for (const newValue of ['{ not json', JSON.stringify(damaged), JSON.stringify({ state: { counters: {} }, version: 0 })]) deliver({ to: 0, event: { key: 'app', newValue } })
    deliver({ to: 0, event: { key: 'other', newValue: '{ not json' } })
    deliver({ to: 0, event: { key: 'app', newValue: null } }) // a removal
    expect(errors.map((error) => (error as { _tag: string })._tag)).toEqual(['DecodeError', 'DecodeError', 'DecodeError'])
    expect((errors[1] as { key: string }).key).toBe('launch')
    expect(first.store.getState()).toBe(before)
    first.stop()
    expect(first.listeners.size).toBe(0)
  })
})

describe("CounterState.exportReplicated with a peer's since", () => {
  it('answers a DecodeError naming the event and field for what is no version vector, as the store does, and the delta for what is', () => {
    const at = Date.UTC(2026, 0, 5, 9)
    const phone = E.getOrElseW((e: Error) => { throw e })(CounterState.record(CounterState.initialReplicated('phone'), Layout.utc, 'launch', at, 2))
    const refused = (since: unknown) => {
      const answer = CounterState.exportReplicated(phone, { since: since as never })
      return E.isLeft(answer) && answer.left._tag === 'DecodeError' ? [answer.left.key, answer.left.path] : answer
    }
    expect(refused({ launch: {} })).toEqual(['launch', ''])
    expect(refused({ launch: null })).toEqual(['launch', ''])
    expect(refused({ launch: [{ id: 'phone', born: Number.NaN, seq: 1 }] })).toEqual(['launch', '0.born'])
    expect(refused([])).toEqual(['since', ''])
    // A real vector: the phone's own version seen, nothing new to send.
    const seen = CounterState.versionVectors(phone)
    const news = CounterState.exportReplicated(phone, { since: seen })
    expect(E.isRight(news) && news.right.launch!.replicas.length).toBe(0)
  })
})
