// tiny-counter/redux against the real Redux Toolkit: configureStore with its default middleware
// (thunk, and in development the serializability and immutability checks), actions that carry
// their instant, a selector per query, the limit thunk that reads the clock once, and sync
// actions that validate with the io-ts codec and change nothing when refused.
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { describe, expect, it, vi } from 'vitest'
import { Counter, Layout, Limit, Query, TestClock, Window } from 'tiny-counter'
import type { Clock } from 'tiny-counter'
import { createCounterSlice } from 'tiny-counter/redux'
import { failOnConsoleErrors, setup } from './reduxStore.js'
import type { CounterSlice } from 'tiny-counter/redux'

const M = 60_000
const H = 60 * M
const D = 24 * H
const start = Date.UTC(2026, 2, 28, 22, 30) // Berlin: the night clocks go forward (29 March, 02:00 → 03:00)
const berlin = Layout.standard({ timeZone: 'Europe/Berlin' })

/** A clock that counts how often it is read. */
const countingClock = (clock: TestClock): Clock & { reads: number } => {
  const counting = { reads: 0, now: () => (counting.reads++, clock.now()) }
  return counting
}

const consoleErrors = failOnConsoleErrors()

describe('the store as configureStore makes it', () => {
  it('has its development checks on, and they see what they should', () => {
    expect(process.env.NODE_ENV).not.toBe('production')
    const { store } = setup(createCounterSlice({ layout: berlin }))
    store.dispatch({ type: 'not/serializable', payload: new Map() })
    expect(consoleErrors.spy()).toHaveBeenCalledTimes(1)
    consoleErrors.spy().mockClear()
  })

  it('records from actions that carry the instant, and answers every query like the core', () => {
    const counters = createCounterSlice({ layout: berlin })
    const { store } = setup(counters)
    const { recorded } = counters.actions
    const instants = [start - 3 * D, start - H, start, start + 2 * H, start + 2 * H + 5 * M]
    for (const [i, at] of instants.entries()) store.dispatch(recorded({ event: 'launch', at, count: i + 1 }))
    store.dispatch(recorded({ event: 'purchase', at: start }))
    const core = instants.reduce((c, at, i) => E.getOrElse(() => c)(Counter.record(c, at, i + 1)), Counter.empty(berlin))
    const state = store.getState()
    expect(Counter.Eq.equals(state.counters.counters.launch!, core)).toBe(true)
    const s = counters.selectors
    const now = start + 3 * H
    for (const window of [Window.last(7, 'days'), Window.last(24, 'hours'), Window.ever, Window.last(2, 'weeks')]) {
      expect(s.selectSum(state, 'launch', window, now)).toEqual(Query.sum(core, window, now))
      expect(s.selectAverage(state, 'launch', window, now)).toEqual(Query.average(core, window, now))
      expect(s.selectAverageNonzero(state, 'launch', window, now)).toEqual(Query.averageNonzero(core, window, now))
      expect(s.selectCountNonzero(state, 'launch', window, now)).toEqual(Query.countNonzero(core, window, now))
      expect(s.selectBuckets(state, 'launch', window, now)).toEqual(Query.buckets(core, window, now))
    }
    expect(s.selectLastSeen(state, 'launch', now)).toEqual(Query.lastSeen(core, now))
    expect(s.selectFirstSeen(state, 'launch', now)).toEqual(Query.firstSeen(core, now))
    expect(s.selectFirstSeenIn(state, 'launch', 'days', now)).toEqual(Query.firstSeenIn(core, 'days', now))
    expect(s.selectCounter(state, 'launch')).toEqual(O.some(core))
    expect(s.selectSum(state, 'purchase', Window.last(2, 'days'), now)).toEqual(O.some(1))
    expect(s.selectSum(state, 'purchase', Window.last(1, 'days'), now)).toEqual(O.some(0)) // 03:30 CEST: a new day
    // An unknown event is no data, as an untracked unit is.
    expect(s.selectSum(state, 'unknown', Window.last(7, 'days'), now)).toEqual(O.none)
    expect(s.selectLastSeen(state, 'unknown', now)).toEqual(O.none)
    expect(s.selectCounter(state, 'unknown')).toEqual(O.none)
    expect(s.selectSum(state, 'launch', Window.last(2, 'weeks'), now)).toEqual(O.none) // weeks not tracked
  })

  it('keeps state plain: it survives JSON, and a store preloaded from JSON answers the same', () => {
    const counters = createCounterSlice({ layout: berlin })
    const { store } = setup(counters)
    store.dispatch(counters.actions.recorded({ event: 'launch', at: start, count: 3 }))
    const saved = JSON.parse(JSON.stringify(store.getState()))
    expect(saved).toEqual(store.getState())
    const { store: again } = setup(counters, saved)
    expect(counters.selectors.selectSum(again.getState(), 'launch', Window.last(1, 'days'), start)).toEqual(O.some(3))
    again.dispatch(counters.actions.recorded({ event: 'launch', at: start }))
    expect(counters.selectors.selectSum(again.getState(), 'launch', Window.last(1, 'days'), start)).toEqual(O.some(4))
  })
})

describe('reducers are pure', () => {
  it('never read the clock: replaying an action log gives the same state, whenever it runs', () => {
    const counters = createCounterSlice({ layout: berlin })
    const { recorded, rotated, merged } = counters.actions
    const other = E.getOrElseW(() => Counter.empty(Layout.utc))(Counter.singleton(Layout.utc, start - 2 * D, 7))
    const log = [
      recorded({ event: 'a', at: start }),
      recorded({ event: 'a', at: start + 90 * M, count: 4 }),
      rotated({ at: start + 40 * D }),
      merged({ counters: { a: other, b: other } }),
      recorded({ event: 'b', at: start + 41 * D })
    ]
    const replay = () => log.reduce(counters.reducer, counters.getInitialState())
    const now = vi.spyOn(Date, 'now')
    const first = replay()
    expect(now).not.toHaveBeenCalled()
    now.mockRestore()
    vi.useFakeTimers({ now: Date.UTC(2031, 0, 1) })
    const second = replay()
    vi.useRealTimers()
    expect(second).toEqual(first)
    expect(Object.keys(first.counters)).toEqual(['a', 'b'])
  })

  it('refuse invalid payloads by changing nothing (the very same state object)', () => {
    const counters = createCounterSlice({ layout: berlin })
    const { store } = setup(counters)
    const { recorded, rotated, merged, imported } = counters.actions
    store.dispatch(recorded({ event: 'launch', at: start }))
    const before = store.getState()
    store.dispatch(recorded({ event: 'launch', at: start, count: -1 }))
    store.dispatch(recorded({ event: 'launch', at: start, count: 1.5 }))
    store.dispatch(recorded({ event: 'launch', at: Number.NaN }))
    store.dispatch(recorded({ event: '', at: start }))
    store.dispatch(recorded({ event: '__proto__', at: start })) // not a key plain state can hold
    store.dispatch(recorded({ event: 'launch', at: start, count: 0 })) // valid, but changes nothing
    store.dispatch(rotated({ at: 1.5 }))
    store.dispatch(rotated({ at: start - D })) // never backwards
    store.dispatch(merged({ counters: { launch: { heads: 'nope' } } }))
    store.dispatch(merged({ counters: { fine: Counter.empty(berlin), launch: { layout: berlin, heads: [1, 1, 1, 1], newest: [-1, 0, 0, 0], older: [[], [], [], []] } } }))
    store.dispatch(imported({ counters: { '': Counter.empty(berlin) } }))
    store.dispatch(imported({ counters: null as never }))
    store.dispatch(merged({ counters: JSON.parse(`{"__proto__": ${JSON.stringify(Counter.empty(berlin))}}`) }))
    expect(store.getState()).toBe(before)
  })

  it('refuse a missing or null payload (a hand-made or replayed action) by changing nothing, with or without a replica id', () => {
    for (const replicaId of [undefined, 'tab-1']) {
      const counters = createCounterSlice({ layout: berlin, ...(replicaId === undefined ? {} : { replicaId }) })
      const { store } = setup(counters)
      store.dispatch(counters.actions.recorded({ event: 'launch', at: start }))
      const before = store.getState()
      for (const type of ['recorded', 'rotated', 'merged', 'imported', 'mergedReplicated']) {
        for (const payload of [null, undefined, 7, 'text']) {
          expect(() => store.dispatch({ type: `counters/${type}`, payload })).not.toThrow()
          expect(() => store.dispatch({ type: `counters/${type}` })).not.toThrow()
        }
      }
      expect(store.getState()).toBe(before)
      // On plain state too, outside Immer.
      const plain = Object.freeze({ counters: Object.freeze({}) })
      for (const reducer of Object.values(counters.caseReducers)) expect((reducer as (state: unknown, action: unknown) => unknown)(plain, { type: 'x', payload: null }) ?? plain).toBe(plain)
    }
  })

  it('work on plain (non-draft) state too, without mutating it', () => {
    const counters = createCounterSlice({ layout: berlin })
    const state = Object.freeze({ counters: Object.freeze({}) })
    const next = counters.caseReducers.recorded(state as never, counters.actions.recorded({ event: 'a', at: start }))
    expect(counters.selectors.selectSum({ counters: next as never }, 'a', Window.ever, start)).toEqual(O.some(1))
    expect(state).toEqual({ counters: {} })
    expect(counters.caseReducers.recorded(state as never, counters.actions.recorded({ event: 'a', at: start, count: -1 }))).toBe(state)
  })
})

describe('checkAndRecord', () => {
  it('reads the clock once, dispatches recorded only when the rules pass, and returns the decision', () => {
    const clock = TestClock.at(start)
    const counting = countingClock(clock)
    const counters = createCounterSlice({ layout: berlin, clock: counting })
    const { store, actions } = setup(counters)
    const rules = [Limit.atMost('api', 3, 'minutes'), Limit.atMost('api', 5, 'hours')]
    for (let i = 0; i < 3; i++) expect(store.dispatch(counters.checkAndRecord(rules, 'api'))).toEqual(E.right(undefined))
    expect(counting.reads).toBe(3)
    expect(actions.filter((a) => a.type === 'counters/recorded').map((a) => a.payload)).toEqual([0, 1, 2].map(() => ({ event: 'api', at: start })))
    const refused = store.dispatch(counters.checkAndRecord(rules, 'api'))
    expect(counting.reads).toBe(4)
    expect(E.isLeft(refused) && refused.left._tag === 'LimitExceeded' && refused.left.retryAfter).toEqual(O.some(M))
    expect(actions.filter((a) => a.type === 'counters/recorded')).toHaveLength(3)
    clock.advance({ minutes: 1 })
    expect(E.isRight(store.dispatch(counters.checkAndRecord(rules, 'api')))).toBe(true)
    expect(E.isRight(store.dispatch(counters.checkAndRecord(rules, 'api')))).toBe(true)
    const hourly = store.dispatch(counters.checkAndRecord(rules, 'api'))
    expect(E.isLeft(hourly) && hourly.left._tag === 'LimitExceeded' && Limit.describeConstraint(hourly.left.constraint)).toBe('atMost(api, 5 per hour)')
    expect(counters.selectors.selectSum(store.getState(), 'api', Window.last(1, 'hours'), clock.now())).toEqual(O.some(5))
  })

  it('refuses a rule that cannot be built or checked, and a bad event name, without dispatching', () => {
    const counters = createCounterSlice({ layout: berlin, clock: TestClock.at(start) })
    const { store, actions } = setup(counters)
    const refusals = [
      store.dispatch(counters.checkAndRecord([Limit.atMost('api', -1, 'minutes')], 'api')),
      store.dispatch(counters.checkAndRecord([Limit.atMost('api', 1, 'weeks')], 'api')),
      store.dispatch(counters.checkAndRecord([], ''))
    ]
    expect(refusals.map((r) => E.isLeft(r) && r.left._tag)).toEqual(['InvalidCount', 'UntrackedWindow', 'InvalidEventName'])
    expect(actions).toHaveLength(0)
  })

  it('works under any slice name (reading state[name])', () => {
    const usage = createCounterSlice({ name: 'usage', layout: Layout.utc, clock: TestClock.at(start) })
    const { store } = setup(usage)
    expect(E.isRight(store.dispatch(usage.checkAndRecord([Limit.atMost('x', 1, 'days')], 'x')))).toBe(true)
    expect(E.isLeft(store.dispatch(usage.checkAndRecord([Limit.atMost('x', 1, 'days')], 'x')))).toBe(true)
    expect(store.getState().usage.counters.x).toBeDefined()
    expect(usage.actions.recorded({ event: 'x', at: 0 }).type).toBe('usage/recorded')
  })
})

describe('sync: mergeCounters and importCounters', () => {
  const device = (events: ReadonlyArray<readonly [string, number, number]>) => {
    const counters = createCounterSlice({ layout: berlin })
    const { store, actions } = setup(counters)
    for (const [event, at, count] of events) store.dispatch(counters.actions.recorded({ event, at, count }))
    return { counters, store, actions, wire: () => JSON.parse(JSON.stringify(store.getState().counters.counters)) as unknown }
  }

  it('merges two devices into the same state whichever merges first', () => {
    const phone = device([['launch', start - D, 100], ['purchase', start, 1]])
    const laptop = device([['launch', start, 50]])
    const [fromPhone, fromLaptop] = [phone.wire(), laptop.wire()]
    expect(phone.store.dispatch(phone.counters.mergeCounters(fromLaptop))).toEqual(E.right(undefined))
    expect(laptop.store.dispatch(laptop.counters.mergeCounters(fromPhone))).toEqual(E.right(undefined))
    expect(phone.store.getState()).toEqual(laptop.store.getState())
    expect(phone.counters.selectors.selectSum(phone.store.getState(), 'launch', Window.last(7, 'days'), start)).toEqual(O.some(150))
    expect(phone.counters.selectors.selectSum(phone.store.getState(), 'purchase', Window.last(7, 'days'), start)).toEqual(O.some(1))
  })

  it('imports by replacing the given events and keeping the others', () => {
    const phone = device([['launch', start, 4]])
    const laptop = device([['launch', start, 100], ['other', start, 2]])
    expect(E.isRight(laptop.store.dispatch(laptop.counters.importCounters(phone.wire())))).toBe(true)
    const s = laptop.counters.selectors
    expect(s.selectSum(laptop.store.getState(), 'launch', Window.ever, start)).toEqual(O.some(4))
    expect(s.selectSum(laptop.store.getState(), 'other', Window.ever, start)).toEqual(O.some(2))
  })

  it('converts counters of another layout to the slice’s', () => {
    const laptop = device([])
    const utcCounter = E.getOrElseW(() => Counter.empty(Layout.utc))(Counter.singleton(Layout.utc, start, 5))
    expect(E.isRight(laptop.store.dispatch(laptop.counters.mergeCounters({ launch: utcCounter })))).toBe(true)
    const stored = laptop.store.getState().counters.counters.launch!
    expect(stored.layout).toEqual(berlin)
    expect(Query.sum(stored, Window.last(1, 'days'), start)).toEqual(O.some(5))
  })

  it('reports a DecodeError naming the event and the field, and dispatches nothing', () => {
    const laptop = device([['launch', start, 1]])
    const before = laptop.store.getState()
    const sent = laptop.actions.length
    const good = device([['launch', start, 2]]).wire() as Record<string, { older: number[][] }>
    const bad = { ...good, purchase: { ...good.launch!, older: [[1], [2], [-3], [4]] } }
    const refused = laptop.store.dispatch(laptop.counters.mergeCounters(bad))
    expect(E.isLeft(refused) && [refused.left._tag, (refused.left as { key?: string }).key, (refused.left as { path?: string }).path]).toEqual([
      'DecodeError',
      'purchase',
      'older.2.0'
    ])
    for (const input of [null, [], 'counters', { '': good.launch }, { launch: { ...good.launch, layout: { ...berlin, timeZone: 'Mars/Olympus' } } }]) {
      expect(E.isLeft(laptop.store.dispatch(laptop.counters.importCounters(input)))).toBe(true)
      expect(E.isLeft(laptop.store.dispatch(laptop.counters.mergeCounters(input)))).toBe(true)
    }
    expect(laptop.actions).toHaveLength(sent)
    expect(laptop.store.getState()).toBe(before)
  })
})

describe('selectors are stable, and a dispatch touches one counter', () => {
  const slice = createCounterSlice({ layout: berlin })
  const { recorded } = slice.actions
  const build = () => {
    const { store } = setup(slice)
    store.dispatch(recorded({ event: 'launch', at: start - 2 * D, count: 1_500 }))
    store.dispatch(recorded({ event: 'launch', at: start - 5 * M, count: 7 }))
    store.dispatch(recorded({ event: 'other', at: start, count: 3 }))
    return store
  }
  type Root = ReturnType<ReturnType<typeof build>['getState']>
  // Every selector, with arguments that give new objects from a plain query (averages, bucket
  // lists, sums over 1,024, times), and a window built anew on each call, as inline code does.
  const calls: Record<keyof typeof slice.selectors, (state: Root) => unknown> = {
    selectCounter: (s) => slice.selectors.selectCounter(s, 'launch'),
    selectSum: (s) => slice.selectors.selectSum(s, 'launch', Window.last(7, 'days'), start),
    selectAverage: (s) => slice.selectors.selectAverage(s, 'launch', Window.last(7, 'days'), start),
    selectAverageNonzero: (s) => slice.selectors.selectAverageNonzero(s, 'launch', Window.last(7, 'days'), start),
    selectCountNonzero: (s) => slice.selectors.selectCountNonzero(s, 'launch', Window.last(7, 'days'), start),
    selectBuckets: (s) => slice.selectors.selectBuckets(s, 'launch', Window.last(3, 'days'), start),
    selectLastSeen: (s) => slice.selectors.selectLastSeen(s, 'launch', start),
    selectFirstSeen: (s) => slice.selectors.selectFirstSeen(s, 'launch', start),
    selectFirstSeenIn: (s) => slice.selectors.selectFirstSeenIn(s, 'launch', 'days', start),
    // Refused in this slice (no replica id), the same refusal each time: see redux.replicated.test.ts.
    selectReplicated: (s) => slice.selectors.selectReplicated(s),
    selectVersionVectors: (s) => slice.selectors.selectVersionVectors(s)
  }

  it('give back the very same object when called twice with the same state, as react-redux checks in development', () => {
    const store = build()
    for (const [name, select] of Object.entries(calls)) {
      const first = select(store.getState())
      if (name === 'selectReplicated') expect(E.isLeft(first as E.Either<unknown, unknown>), name).toBe(true)
      else if (name === 'selectVersionVectors') expect(first, name).toEqual({})
      else expect(O.isSome(first as O.Option<unknown>), name).toBe(true)
      expect(select(store.getState()), name).toBe(first)
    }
    // A plain query makes new objects for these: the stability comes from the selectors.
    const launch = store.getState().counters.counters.launch!
    expect(Query.sum(launch, Window.last(7, 'days'), start)).not.toBe(Query.sum(launch, Window.last(7, 'days'), start))
    expect(Query.sum(launch, Window.last(7, 'days'), start)).toEqual(O.some(1_507))
  })

  it('keep their answers while a dispatch changes other counters, and answer anew when theirs changes', () => {
    const store = build()
    const before = Object.fromEntries(Object.entries(calls).map(([name, select]) => [name, select(store.getState())]))
    store.dispatch(recorded({ event: 'other', at: start, count: 1 }))
    for (const [name, select] of Object.entries(calls)) expect(select(store.getState()), name).toBe(before[name])
    store.dispatch(recorded({ event: 'launch', at: start, count: 1 }))
    const after = store.getState()
    expect(calls.selectSum(after)).toEqual(O.some(1_508))
    expect(calls.selectCounter(after)).not.toBe(before.selectCounter)
    // An equal answer at another instant is the same object too: nothing to re-render.
    const sumNow = slice.selectors.selectSum(after, 'launch', Window.last(7, 'days'), start)
    expect(slice.selectors.selectSum(after, 'launch', Window.last(7, 'days'), start + 1_000)).toBe(sumNow)
  })

  it('a recorded dispatch replaces only the counter it touches: the others are the very same objects', () => {
    const store = build()
    for (let i = 0; i < 50; i++) store.dispatch(recorded({ event: `event_${i}`, at: start - i * M }))
    const before = store.getState().counters.counters
    store.dispatch(recorded({ event: 'launch', at: start }))
    const after = store.getState().counters.counters
    expect(after).not.toBe(before)
    expect(after.launch).not.toBe(before.launch)
    expect(Query.sum(after.launch!, Window.ever, start)).toEqual(O.some(1_508))
    for (const event of Object.keys(before)) if (event !== 'launch') expect(after[event], event).toBe(before[event])
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort())
    // A new event is added the same way.
    store.dispatch(recorded({ event: 'new', at: start }))
    const added = store.getState().counters.counters
    for (const event of Object.keys(after)) expect(added[event], event).toBe(after[event])
  })
})
