// tiny-counter/zustand against the real zustand: the slice in a vanilla store (alone, among other
// slices, under the immer middleware), and persistence through zustand's persist middleware with
// sync and async storage: round trips, bad stored state reported and never loaded, versions and
// migrations (whose results are validated too), and layouts converted on load.
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { describe, expect, it, vi } from 'vitest'
import { createJSONStorage, persist } from 'zustand/middleware'
import type { StateStorage } from 'zustand/middleware'
import { castDraft } from 'immer'
import { immer } from 'zustand/middleware/immer'
import { createStore } from 'zustand/vanilla'
import type { StateCreator } from 'zustand/vanilla'
import { Counter, DecodeError, Layout, Limit, Query, TestClock, Window } from 'tiny-counter'
import type { Clock } from 'tiny-counter'
import { CounterState, counterSlice, counterStorage, persistCounters } from 'tiny-counter/zustand'
import type { CounterSlice } from 'tiny-counter/zustand'
import { memoryStorage, slowStorage } from './textStorage.js'

const M = 60_000
const H = 60 * M
const D = 24 * H
const start = Date.UTC(2026, 9, 25, 0, 30) // Berlin: the night clocks go back (25 October, 03:00 → 02:00)
const berlin = Layout.standard({ timeZone: 'Europe/Berlin' })

const countingClock = (clock: TestClock): Clock & { reads: number } => {
  const counting = { reads: 0, now: () => (counting.reads++, clock.now()) }
  return counting
}

const stored = (counters: Record<string, unknown>, version = 0) => JSON.stringify({ state: { counters }, version })

const counterAt = (layout: Layout.Layout, at: number, n: number) => E.getOrElseW(() => Counter.empty(layout))(Counter.singleton(layout, at, n))

describe('the slice in a vanilla store', () => {
  it('records now and at instants, reading the clock once per action, and queries like the core', () => {
    const clock = TestClock.at(start)
    const counting = countingClock(clock)
    const store = createStore<CounterSlice>()(counterSlice({ layout: berlin, clock: counting }))
    const s = store.getState()
    expect(s.record('launch')).toEqual(E.right(undefined))
    expect(s.recordCount('launch', 4)).toEqual(E.right(undefined))
    expect(counting.reads).toBe(2)
    expect(s.recordAt('launch', start - 2 * D)).toEqual(E.right(undefined))
    expect(s.recordCountAt('launch', 3, start + 3 * H)).toEqual(E.right(undefined))
    expect(counting.reads).toBe(2)
    const core = [[start, 1], [start, 4], [start - 2 * D, 1], [start + 3 * H, 3]].reduce(
      (c, [at, n]) => E.getOrElse(() => c)(Counter.record(c, at!, n!)),
      Counter.empty(berlin)
    )
    const state = store.getState()
    expect(Counter.Eq.equals(state.counters.launch!, core)).toBe(true)
    for (const window of [Window.last(7, 'days'), Window.last(1, 'days'), Window.last(25, 'hours'), Window.ever]) {
      expect(CounterState.sum(state, 'launch', window, start + 4 * H)).toEqual(Query.sum(core, window, start + 4 * H))
      expect(CounterState.buckets(state, 'launch', window, start + 4 * H)).toEqual(Query.buckets(core, window, start + 4 * H))
    }
    expect(CounterState.lastSeen(state, 'launch', start + 4 * H)).toEqual(Query.lastSeen(core, start + 4 * H))
    // 25 October 2026 in Berlin has 25 hours: 00:30 UTC is 02:30 CEST, 03:30 UTC is 04:30 CET, the same day.
    expect(CounterState.sum(state, 'launch', Window.last(1, 'days'), start + 3 * H)).toEqual(O.some(8))
  })

  it('refuses bad input with a Left and leaves the state object as it was', () => {
    const store = createStore<CounterSlice>()(counterSlice({ layout: berlin, clock: TestClock.at(start) }))
    store.getState().record('launch')
    const before = store.getState()
    const listener = vi.fn()
    store.subscribe(listener)
    const refusals: ReadonlyArray<E.Either<{ readonly _tag: string }, void>> = [
      before.recordCount('launch', -1),
      before.recordAt('launch', Number.NaN),
      before.record(''),
      before.record('__proto__'),
      before.mergeAll(JSON.parse(`{"__proto__": ${JSON.stringify(Counter.empty(berlin))}}`)),
      before.mergeAll({ launch: { heads: [] } }),
      before.importAll([]),
      before.checkAndRecord([Limit.atMost('launch', 1, 'weeks')], 'launch')
    ]
    expect(refusals.map((r) => E.isLeft(r) && r.left._tag)).toEqual(['InvalidCount', 'InvalidInstant', 'InvalidEventName', 'InvalidEventName', 'InvalidEventName', 'DecodeError', 'DecodeError', 'UntrackedWindow'])
    expect(before.recordCount('launch', 0)).toEqual(E.right(undefined)) // valid, changes nothing
    expect(before.rotate()).toEqual(E.right(undefined)) // already there
    expect(listener).not.toHaveBeenCalled()
    expect(store.getState()).toBe(before)
  })

  it('checks limits at one clock reading and records only when they pass', () => {
    const clock = TestClock.at(start)
    const counting = countingClock(clock)
    const store = createStore<CounterSlice>()(counterSlice({ layout: berlin, clock: counting }))
    const rules = [Limit.atMost('mail', 2, 'days'), Limit.cooldown('mail', { minutes: 10 })]
    expect(E.isRight(store.getState().checkAndRecord(rules, 'mail'))).toBe(true)
    expect(counting.reads).toBe(1)
    const cooling = store.getState().checkAndRecord(rules, 'mail')
    expect(counting.reads).toBe(2)
    expect(E.isLeft(cooling) && cooling.left._tag === 'LimitExceeded' && Limit.describeConstraint(cooling.left.constraint)).toBe('cooldown(mail, 600000 ms)')
    clock.advance({ minutes: 10 })
    expect(E.isRight(store.getState().checkAndRecord(rules, 'mail'))).toBe(true)
    clock.advance({ minutes: 10 })
    const daily = store.getState().checkAndRecord(rules, 'mail')
    expect(E.isLeft(daily) && daily.left._tag === 'LimitExceeded' && Limit.describeConstraint(daily.left.constraint)).toBe('atMost(mail, 2 per day)')
    expect(CounterState.sum(store.getState(), 'mail', Window.last(1, 'days'), clock.now())).toEqual(O.some(2))
  })

  it('merges two devices into the same counters whichever merges first, converting layouts', () => {
    const phone = createStore<CounterSlice>()(counterSlice({ layout: berlin, clock: TestClock.at(start) }))
    const laptop = createStore<CounterSlice>()(counterSlice({ layout: berlin, clock: TestClock.at(start + H) }))
    phone.getState().recordCount('launch', 100)
    laptop.getState().recordCount('launch', 50)
    laptop.getState().record('purchase')
    const [fromPhone, fromLaptop] = [phone, laptop].map((s) => JSON.parse(JSON.stringify(s.getState().counters)) as unknown)
    expect(phone.getState().mergeAll(fromLaptop)).toEqual(E.right(undefined))
    expect(laptop.getState().mergeAll(fromPhone)).toEqual(E.right(undefined))
    expect(phone.getState().counters).toEqual(laptop.getState().counters)
    expect(CounterState.sum(phone.getState(), 'launch', Window.last(1, 'days'), start + H)).toEqual(O.some(150))
    expect(phone.getState().importAll({ launch: counterAt(Layout.utc, start, 4) })).toEqual(E.right(undefined))
    expect(phone.getState().counters.launch!.layout).toEqual(berlin)
    expect(CounterState.sum(phone.getState(), 'launch', Window.ever, start + H)).toEqual(O.some(4))
    expect(CounterState.sum(phone.getState(), 'purchase', Window.ever, start + H)).toEqual(O.some(1))
  })

  it('works as one slice of a bigger store', () => {
    interface Theme {
      readonly theme: 'light' | 'dark'
      readonly toggle: () => void
    }
    const themeSlice: StateCreator<CounterSlice & Theme, [], [], Theme> = (set) => ({
      theme: 'light',
      toggle: () => set((s) => ({ theme: s.theme === 'light' ? 'dark' : 'light' }))
    })
    const store = createStore<CounterSlice & Theme>()((...a) => ({
      ...counterSlice<CounterSlice & Theme>({ layout: berlin, clock: TestClock.at(start) })(...a),
      ...themeSlice(...a)
    }))
    store.getState().toggle()
    store.getState().recordCount('launch', 2)
    store.getState().toggle()
    expect(store.getState().theme).toBe('light')
    expect(CounterState.sum(store.getState(), 'launch', Window.ever, start)).toEqual(O.some(2))
  })

  it('works under the immer middleware, next to recipes that record on drafts', () => {
    const store = createStore<CounterSlice>()(immer(counterSlice({ layout: berlin, clock: TestClock.at(start) })))
    store.getState().recordCount('launch', 2)
    expect(Object.isFrozen(store.getState().counters.launch!.newest)).toBe(false) // the slice sets plain values
    // A recipe of one's own: Counter.record on the draft, the result assigned back.
    store.setState((draft) => {
      const next = Counter.record(draft.counters.launch!, start + H, 3)
      if (E.isRight(next)) draft.counters.launch = castDraft(next.right)
    })
    const launch = store.getState().counters.launch!
    expect(launch.older[1]).toEqual([2]) // hours: the bucket before, moved out of the newest one by the record
    expect(Object.isFrozen(launch) && Object.isFrozen(launch.newest) && Object.isFrozen(launch.older) && Object.isFrozen(launch.older[1])).toBe(true)
    // The slice's actions go on working on what Immer froze.
    expect(store.getState().recordCount('launch', 1)).toEqual(E.right(undefined))
    expect(CounterState.sum(store.getState(), 'launch', Window.last(1, 'days'), start + H)).toEqual(O.some(6))
    expect(E.isRight(store.getState().mergeAll(JSON.parse(JSON.stringify(store.getState().counters))))).toBe(true)
    expect(CounterState.sum(store.getState(), 'launch', Window.last(1, 'days'), start + H)).toEqual(O.some(12))
  })
})

describe('persistence with persist and counterStorage', () => {
  const persisted = (text: StateStorage, at = start, onError: (error: unknown) => void = (error) => expect.unreachable(String(error))) =>
    createStore<CounterSlice>()(
      persist(counterSlice({ layout: berlin, clock: TestClock.at(at) }), persistCounters({ name: 'counters', layout: berlin, storage: () => text, onError }))
    )

  it.each([false, true])('round-trips through a storage (async: %s)', async (async) => {
    const { text, storage } = memoryStorage({}, async)
    const first = persisted(storage)
    await first.persist.rehydrate()
    first.getState().recordCount('launch', 3)
    first.getState().recordAt('launch', start - D)
    expect(JSON.parse(text.get('counters')!)).toEqual({ state: { counters: first.getState().counters }, version: 0 })
    const again = persisted(storage, start + H)
    await again.persist.rehydrate()
    expect(again.persist.hasHydrated()).toBe(true)
    expect(again.getState().counters).toEqual(first.getState().counters)
    expect(CounterState.sum(again.getState(), 'launch', Window.last(2, 'days'), start + H)).toEqual(O.some(4))
    again.getState().record('launch')
    expect(CounterState.sum(again.getState(), 'launch', Window.last(2, 'days'), start + H)).toEqual(O.some(5))
  })

  it('converts stored counters of another layout to the store’s', () => {
    const { storage } = memoryStorage({ counters: stored({ launch: counterAt(Layout.utc, start, 7) }) })
    const store = persisted(storage)
    expect(store.getState().counters.launch!.layout).toEqual(berlin)
    expect(CounterState.sum(store.getState(), 'launch', Window.last(1, 'days'), start)).toEqual(O.some(7))
  })

  const good = counterAt(berlin, start, 2)
  const badStates: ReadonlyArray<readonly [string, string, Record<string, string>]> = [
    ['not JSON', '{"state":', { _tag: 'DecodeError', key: 'counters', path: '' }],
    ['not what persist writes', '[1, 2]', { _tag: 'DecodeError', key: 'counters', path: '' }],
    ['a state that is not an object', JSON.stringify({ state: 42, version: 0 }), { _tag: 'DecodeError', key: 'counters', path: 'state' }],
    ['no counters', JSON.stringify({ state: { theme: 'dark' }, version: 0 }), { _tag: 'DecodeError', key: 'counters', path: 'state.counters' }],
    ['a negative count', stored({ launch: good, broken: { ...good, newest: [-1, 0, 0, 0] } }), { _tag: 'DecodeError', key: 'broken', path: 'newest.0' }],
    ['an unknown time zone', stored({ launch: { ...good, layout: { ...good.layout, timeZone: 'Europe/Atlantis' } } }), { _tag: 'DecodeError', key: 'launch', path: 'layout.timeZone' }],
    ['too many buckets', stored({ launch: { ...good, older: [Array.from({ length: 60 }, () => 1), [], [], []] } }), { _tag: 'DecodeError', key: 'launch', path: 'older.0' }],
    ['an empty event name', stored({ '': good }), { _tag: 'InvalidEventName', event: '' }]
  ]

  it.each(badStates)('reports stored state with %s, loads none of it, and leaves it in storage until then', (_what, text, expected) => {
    const { text: texts, storage } = memoryStorage({ counters: text })
    const errors: unknown[] = []
    const seenInStorage: Array<string | undefined> = []
    const store = persisted(storage, start, (error) => {
      errors.push(error)
      seenInStorage.push(texts.get('counters'))
    })
    expect(store.getState().counters).toEqual({})
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject(expected)
    expect(seenInStorage).toEqual([text])
  })

  it('reports bad state from an async storage too, through onRehydrateStorage, without loading it', async () => {
    const { storage } = memoryStorage({ counters: stored({ launch: { heads: 'oops' } }) }, true)
    const errors: unknown[] = []
    const store = createStore<CounterSlice>()(
      persist(counterSlice({ layout: berlin, clock: TestClock.at(start) }), {
        name: 'counters',
        storage: counterStorage({ layout: berlin, storage: () => storage }),
        onRehydrateStorage: () => (_state, error) => void errors.push(error)
      })
    )
    await store.persist.rehydrate()
    // The hydration started by create is overtaken by rehydrate(): persist reports the latest only.
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ _tag: 'DecodeError', key: 'launch', path: 'layout' })
    expect(store.getState().counters).toEqual({})
    expect(store.persist.hasHydrated()).toBe(false)
  })

  it('migrates state of an older version and validates what migrate returns', () => {
    const v1 = JSON.stringify({ state: { events: { launch: good } }, version: 1 })
    const open = (migrate: (persisted: unknown, version: number) => unknown, errors: unknown[]) => {
      const { text, storage } = memoryStorage({ app: v1 })
      const store = createStore<CounterSlice>()(
        persist(
          counterSlice({ layout: berlin, clock: TestClock.at(start) }),
          persistCounters({ name: 'app', layout: berlin, storage: () => storage, version: 2, migrate, onError: (e) => void errors.push(e) })
        )
      )
      return { store, text }
    }
    const errors: unknown[] = []
    const migrate = vi.fn((persisted: unknown) => ({ counters: (persisted as { events: unknown }).events }))
    const { store, text } = open(migrate, errors)
    expect(migrate).toHaveBeenCalledWith({ events: { launch: good } }, 1)
    expect(errors).toEqual([])
    expect(CounterState.sum(store.getState(), 'launch', Window.ever, start)).toEqual(O.some(2))
    expect(JSON.parse(text.get('app')!)).toEqual({ state: { counters: { launch: good } }, version: 2 })

    const refused: unknown[] = []
    const bad = open(() => ({ counters: { launch: { ...good, heads: [1] } } }), refused)
    expect(bad.store.getState().counters).toEqual({})
    expect((refused[0] as { _tag: string; key: string; path: string })).toMatchObject({ _tag: 'DecodeError', key: 'launch', path: 'heads' })
    expect(bad.text.get('app')).toBe(v1)
  })

  it('refuses state of another version when no migrate is given', () => {
    const { storage } = memoryStorage({ counters: stored({ launch: good }, 3) })
    const errors: unknown[] = []
    const store = persisted(storage, start, (e) => void errors.push(e))
    expect(store.getState().counters).toEqual({})
    expect(errors.map((e) => [(e as { _tag: string })._tag, (e as { path: string }).path])).toEqual([['DecodeError', 'version']])
  })

  it('keeps the fields a wider partialize persists, and validates the counters among them', () => {
    interface App extends CounterSlice {
      readonly theme: string
    }
    const { text, storage } = memoryStorage()
    const open = () =>
      createStore<App>()(
        persist((...a) => ({ ...counterSlice<App>({ layout: berlin, clock: TestClock.at(start) })(...a), theme: 'light' }), {
          ...persistCounters<App>({ name: 'app', layout: berlin, storage: () => storage, onError: (e) => expect.unreachable(String(e)) }),
          partialize: (s) => ({ counters: s.counters, theme: s.theme })
        })
      )
    const first = open()
    first.setState({ theme: 'dark' })
    first.getState().recordCount('launch', 2)
    expect(JSON.parse(text.get('app')!).state.theme).toBe('dark')
    const again = open()
    expect(again.getState().theme).toBe('dark')
    expect(CounterState.sum(again.getState(), 'launch', Window.ever, start)).toEqual(O.some(2))
  })
})

describe('rehydration merges what is stored with what was recorded meanwhile', () => {
  const five = stored({ launch: counterAt(berlin, start, 5) })
  const launches = (state: CounterState.CounterState) => CounterState.sum(state, 'launch', Window.ever, start)
  const storedLaunches = (text: Map<string, string>) => launches(JSON.parse(text.get('counters')!).state)
  const open = (storage: Parameters<typeof persistCounters>[0]['storage'], onError: (e: unknown) => void = (e) => expect.unreachable(String(e)), skipHydration = false) =>
    createStore<CounterSlice>()(
      persist(counterSlice({ layout: berlin, clock: TestClock.at(start) }), {
        ...persistCounters({ name: 'counters', layout: berlin, storage, onError }),
        skipHydration
      })
    )

  it.each([
    ['a StateStorage', (s: StateStorage) => () => s],
    ["zustand's createJSONStorage", (s: StateStorage) => createJSONStorage(() => s)]
  ] as const)('keeps an event recorded while an async storage (%s) is read: stored 5 + recorded 1 = 6, stored too', async (_how, wrap) => {
    const { text, storage, release } = slowStorage({ counters: five })
    const store = open(wrap(storage))
    store.getState().record('launch')
    expect(launches(store.getState())).toEqual(O.some(1))
    expect(storedLaunches(text)).toEqual(O.some(5)) // the write waits for the read: nothing overwritten
    await release()
    expect(store.persist.hasHydrated()).toBe(true)
    expect(launches(store.getState())).toEqual(O.some(6))
    expect(storedLaunches(text)).toEqual(O.some(6))
    store.getState().record('launch')
    expect(storedLaunches(text)).toEqual(O.some(7))
  })

  it.each([false, true])('loads a sync storage at once and never counts twice, however often it rehydrates (createJSONStorage: %s)', async (json) => {
    const { text, storage } = memoryStorage({ counters: five })
    const store = open(json ? createJSONStorage(() => storage) : () => storage)
    expect(launches(store.getState())).toEqual(O.some(5))
    store.getState().record('launch')
    expect(storedLaunches(text)).toEqual(O.some(6))
    await store.persist.rehydrate()
    await store.persist.rehydrate()
    expect(launches(store.getState())).toEqual(O.some(6))
    // A later rehydration takes the stored counter of each event, and keeps events only memory holds.
    store.setState({ counters: { ...store.getState().counters, only_here: counterAt(berlin, start, 1) } })
    text.set('counters', stored({ launch: counterAt(berlin, start, 9) }))
    await store.persist.rehydrate()
    expect(launches(store.getState())).toEqual(O.some(9))
    expect(CounterState.sum(store.getState(), 'only_here', Window.ever, start)).toEqual(O.some(1))
  })

  it('with skipHydration, holds writes until rehydrate() and then merges', async () => {
    const { text, storage } = memoryStorage({ counters: five })
    const store = open(() => storage, undefined, true)
    store.getState().recordCount('launch', 2)
    expect(storedLaunches(text)).toEqual(O.some(5))
    await store.persist.rehydrate()
    expect(launches(store.getState())).toEqual(O.some(7))
    expect(storedLaunches(text)).toEqual(O.some(7))
  })

  it.each([false, true])('reports damaged stored data as a DecodeError and leaves the counters in memory as they were (async: %s)', async (async) => {
    const damaged = stored({ launch: { ...counterAt(berlin, start, 5), newest: [-5, 0, 0, 0] } })
    for (const text of [damaged, '{"state":']) {
      for (const json of [false, true]) {
        const slow = slowStorage({ counters: text })
        const { storage } = async ? slow : memoryStorage({ counters: text })
        const errors: unknown[] = []
        const store = open(json ? createJSONStorage(() => storage) : () => storage, (e) => void errors.push(e))
        expect(store.getState().counters).toEqual({})
        store.getState().record('launch')
        const recorded = store.getState().counters
        await slow.release()
        expect(errors).toHaveLength(1)
        expect(errors[0]).toBeInstanceOf(DecodeError)
        expect(errors[0]).toMatchObject(text === damaged ? { _tag: 'DecodeError', key: 'launch', path: 'newest.0' } : { _tag: 'DecodeError', key: 'counters', path: '' })
        expect(store.getState().counters).toBe(recorded)
        expect(launches(store.getState())).toEqual(O.some(1))
      }
    }
  })

  it('accepts createJSONStorage in its options, or spread over them, with the types zustand gives', () => {
    const { storage } = memoryStorage({ counters: five })
    const given = createStore<CounterSlice>()(
      persist(counterSlice({ layout: berlin }), persistCounters({ name: 'counters', layout: berlin, storage: createJSONStorage(() => storage), onError: () => undefined }))
    )
    const spread = createStore<CounterSlice>()(
      persist(counterSlice({ layout: berlin }), {
        ...persistCounters({ name: 'counters', layout: berlin, onError: () => undefined }),
        storage: createJSONStorage(() => storage)
      })
    )
    expect(launches(given.getState())).toEqual(O.some(5))
    expect(launches(spread.getState())).toEqual(O.some(5))
  })
})

describe('persistCounters when the storage fails, or holds what it should not', () => {
  const five = stored({ launch: counterAt(berlin, start, 5) })
  const launches = (state: CounterState.CounterState) => CounterState.sum(state, 'launch', Window.ever, start)
  const storedLaunches = (text: Map<string, string>) => launches(JSON.parse(text.get('counters')!).state)
  const quota = () => new DOMException('the quota has been exceeded', 'QuotaExceededError')
  const open = (storage: StateStorage, errors: unknown[], more: Partial<Parameters<typeof persistCounters>[0]> = {}) =>
    createStore<CounterSlice>()(
      persist(counterSlice({ layout: berlin, clock: TestClock.at(start) }), persistCounters({ name: 'counters', layout: berlin, storage: () => storage, onError: (e) => void errors.push(e), ...more }))
    )
  const tags = (errors: ReadonlyArray<unknown>) => errors.map((e) => [(e as { _tag?: string })._tag, ((e as { cause?: { name?: string } }).cause ?? {}).name])

  it('loads the stored state when the write of what was held during an async read fails, says so, and writes it all once there is room', async () => {
    const { text, storage, release } = slowStorage({ counters: five })
    let full = true
    const setItem = storage.setItem
    storage.setItem = (name, value) => (full ? (() => { throw quota() })() : setItem(name, value))
    const errors: unknown[] = []
    const store = open(storage, errors)
    store.getState().record('launch') // held until the stored 5 is read
    await release()
    expect(store.persist.hasHydrated()).toBe(true)
    expect(launches(store.getState())).toEqual(O.some(6)) // stored 5 + the 1 held: loaded although the write failed
    expect(tags(errors)).toEqual([['StorageError', 'QuotaExceededError']])
    expect(storedLaunches(text)).toEqual(O.some(5)) // untouched
    full = false
    expect(store.getState().record('launch')).toEqual(E.right(undefined))
    expect(storedLaunches(text)).toEqual(O.some(7))
  })

  it('returns Right from an action whose write a sync storage refuses, keeps the change, and tells onError', () => {
    const { text, storage } = memoryStorage({ counters: five })
    const errors: unknown[] = []
    const store = open(storage, errors)
    storage.setItem = () => {
      throw quota()
    }
    expect(store.getState().recordCount('launch', 2)).toEqual(E.right(undefined))
    expect(launches(store.getState())).toEqual(O.some(7))
    expect(tags(errors)).toEqual([['StorageError', 'QuotaExceededError']])
    expect((errors[0] as Error).message).toMatch(/could not save "counters"/)
    expect(storedLaunches(text)).toEqual(O.some(5))
  })

  it('turns the rejected write of an async storage into onError, not an unhandled rejection', async () => {
    const { storage } = memoryStorage({ counters: five }, true)
    const errors: unknown[] = []
    const unhandled: unknown[] = []
    const listener = (reason: unknown) => void unhandled.push(reason)
    process.on('unhandledRejection', listener)
    try {
      const store = open(storage, errors)
      await store.persist.rehydrate()
      storage.setItem = async () => {
        throw quota()
      }
      expect(store.getState().record('launch')).toEqual(E.right(undefined))
      await new Promise((resolve) => setTimeout(resolve, 10))
      expect(unhandled).toEqual([])
      expect(tags(errors)).toEqual([['StorageError', 'QuotaExceededError']])
      expect(launches(store.getState())).toEqual(O.some(6))
    } finally {
      process.off('unhandledRejection', listener)
    }
  })

  it('writes nothing after a first hydration that failed, until one succeeds: the stored state is never written over unread', async () => {
    const { text, storage } = memoryStorage({ counters: five }, true)
    const getItem = storage.getItem
    let failing = true
    storage.getItem = (name) => (failing ? Promise.reject(new Error('the database is busy')) : getItem(name))
    const errors: unknown[] = []
    const store = open(storage, errors)
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(errors.map((e) => (e as Error).message)).toEqual(['the database is busy'])
    store.getState().recordCount('launch', 2)
    expect(storedLaunches(text)).toEqual(O.some(5)) // held: what is stored was not read
    failing = false
    await store.persist.rehydrate()
    expect(launches(store.getState())).toEqual(O.some(7))
    expect(storedLaunches(text)).toEqual(O.some(7))
  })

  it('refuses stored state holding a field that would replace an action, and the actions stay', () => {
    const text = JSON.stringify({ state: { counters: { launch: counterAt(berlin, start, 5) }, record: 1, recordCount: null }, version: 0 })
    const { text: texts, storage } = memoryStorage({ counters: text })
    const errors: unknown[] = []
    const store = open(storage, errors)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ _tag: 'DecodeError', key: 'counters', path: 'state.record' })
    expect(typeof store.getState().record).toBe('function')
    expect(typeof store.getState().recordCount).toBe('function')
    expect(store.getState().record('launch')).toEqual(E.right(undefined))
    expect(launches(store.getState())).toEqual(O.some(1))
    expect(texts.get('counters')).toBe(text) // not loaded, not written over
    // counterStorage under persist's own merge refuses it too.
    const alone: unknown[] = []
    const plain = createStore<CounterSlice>()(
      persist(counterSlice({ layout: berlin, clock: TestClock.at(start) }), {
        name: 'counters',
        storage: counterStorage({ layout: berlin, storage: () => storage }),
        onRehydrateStorage: () => (_state, error) => void alone.push(error)
      })
    )
    expect(alone[0]).toMatchObject({ _tag: 'DecodeError', path: 'state.record' })
    expect(typeof plain.getState().record).toBe('function')
  })

  it.each([undefined, null])('refuses a migrate that returns %s as a DecodeError, and leaves the stored state as it was', (returned) => {
    const v1 = JSON.stringify({ state: { events: { launch: counterAt(berlin, start, 7) } }, version: 1 })
    const { text, storage } = memoryStorage({ counters: v1 })
    const errors: unknown[] = []
    const store = open(storage, errors, { version: 2, migrate: () => returned })
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ _tag: 'DecodeError', key: 'counters', path: 'version' })
    expect(text.get('counters')).toBe(v1)
    store.getState().record('launch')
    expect(text.get('counters')).toBe(v1)
  })
})
