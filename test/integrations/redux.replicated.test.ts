// tiny-counter/redux with a replica id, against the real Redux Toolkit (default middleware, with
// the serializability and immutability checks on): the state keeps each event as a Replicated
// beside its counter, records go to the slice's own replica, `mergedReplicated` merges copies from
// elsewhere idempotently, `selectReplicated` exports all or since a version vector (the format of
// an EventStore's exportReplicated, both ways), hostile payloads are refused with a typed error and
// dispatch nothing, and a slice without a replica id is the plain one.
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { describe, expect, it } from 'vitest'
import { Counter, EventStore, Layout, Replicated, TestClock, Window } from 'tiny-counter'
import { CounterState, createCounterSlice } from 'tiny-counter/redux'
import { failOnConsoleErrors, setup } from './reduxStore.js'

const M = 60_000
const H = 60 * M
const D = 24 * H
const start = Date.UTC(2026, 2, 28, 22, 30) // Berlin: the night clocks go forward
const berlin = Layout.standard({ timeZone: 'Europe/Berlin' })

const orThrow = <A>(e: E.Either<Error, A>): A =>
  E.getOrElseW((error: Error) => {
    throw error
  })(e)

const device = (replicaId: string) => setup(createCounterSlice({ layout: berlin, replicaId }))

failOnConsoleErrors()

describe('a slice made with a replica id', () => {
  it('keeps each event as a Replicated whose value is the counter the selectors read; records go to its own replica', () => {
    const phone = device('phone')
    const plain = setup(createCounterSlice({ layout: berlin }))
    const records = [[start, 2], [start - 2 * D, 5], [start + 3 * H, 1], [start - 40 * D, 9]] as const
    for (const [at, count] of records) {
      phone.store.dispatch(phone.slice.actions.recorded({ event: 'launch', at, count }))
      plain.store.dispatch(plain.slice.actions.recorded({ event: 'launch', at, count }))
    }
    const state = phone.store.getState().counters
    const r = state.replicated!.events.launch!
    expect(state.replicated!.replicaId).toBe('phone')
    expect(Replicated.versionVector(r)).toEqual([{ id: 'phone', born: start, seq: 4 }])
    expect(Counter.Eq.equals(state.counters.launch!, Replicated.value(r))).toBe(true)
    // The selectors give what the plain slice gives for the same actions.
    const at = start + 4 * H
    for (const window of [Window.last(7, 'days'), Window.last(25, 'hours'), Window.last(3, 'months'), Window.ever]) {
      expect(phone.slice.selectors.selectSum(phone.store.getState(), 'launch', window, at)).toEqual(plain.slice.selectors.selectSum(plain.store.getState(), 'launch', window, at))
      expect(phone.slice.selectors.selectBuckets(phone.store.getState(), 'launch', window, at)).toEqual(plain.slice.selectors.selectBuckets(plain.store.getState(), 'launch', window, at))
    }
    expect(phone.slice.selectors.selectSum(phone.store.getState(), 'launch', Window.last(7, 'days'), at)).toEqual(O.some(8))
    // Rotating rotates the replicated counters too; the counters stay their values.
    phone.store.dispatch(phone.slice.actions.rotated({ at: start + 2 * D }))
    const rotated = phone.store.getState().counters
    expect(rotated.replicated!.events.launch!.heads).not.toEqual(r.heads)
    expect(Counter.Eq.equals(rotated.counters.launch!, Replicated.value(rotated.replicated!.events.launch!))).toBe(true)
  })

  it('merges a payload dispatched twice once: the second dispatch leaves the very same state', () => {
    const phone = device('phone')
    const laptop = device('laptop')
    phone.store.dispatch(phone.slice.actions.recorded({ event: 'launch', at: start, count: 2 }))
    laptop.store.dispatch(laptop.slice.actions.recorded({ event: 'launch', at: start + M, count: 1 }))
    const payload = JSON.parse(JSON.stringify(orThrow(phone.slice.selectors.selectReplicated(phone.store.getState()))))
    expect(E.isRight(laptop.store.dispatch(laptop.slice.mergeReplicated(payload)))).toBe(true)
    const once = laptop.store.getState()
    laptop.store.dispatch(laptop.slice.actions.mergedReplicated({ replicated: payload }))
    expect(laptop.store.getState()).toBe(once)
    expect(laptop.slice.selectors.selectSum(once, 'launch', Window.last(1, 'days'), start + M)).toEqual(O.some(3))
    // An older payload after a newer one changes nothing either.
    const old = JSON.parse(JSON.stringify(orThrow(phone.slice.selectors.selectReplicated(phone.store.getState()))))
    phone.store.dispatch(phone.slice.actions.recorded({ event: 'launch', at: start + 2 * M, count: 4 }))
    orThrow(laptop.store.dispatch(laptop.slice.mergeReplicated(orThrow(phone.slice.selectors.selectReplicated(phone.store.getState())))))
    const newer = laptop.store.getState()
    orThrow(laptop.store.dispatch(laptop.slice.mergeReplicated(old)))
    expect(laptop.store.getState()).toBe(newer)
    expect(laptop.slice.selectors.selectSum(newer, 'launch', Window.last(1, 'days'), start + 2 * M)).toEqual(O.some(7))
  })

  it('exports everything, or since a version vector only what the peer lacks; selectors give the same objects for the same state', () => {
    const phone = device('phone')
    const server = device('server')
    phone.store.dispatch(phone.slice.actions.recorded({ event: 'launch', at: start, count: 2 }))
    phone.store.dispatch(phone.slice.actions.recorded({ event: 'purchase', at: start }))
    const { selectReplicated, selectVersionVectors } = phone.slice.selectors
    const all = selectReplicated(phone.store.getState())
    expect(selectReplicated(phone.store.getState())).toBe(all)
    expect(Object.keys(orThrow(all)).sort()).toEqual(['launch', 'purchase'])
    orThrow(server.store.dispatch(server.slice.mergeReplicated(orThrow(all))))
    const since = server.slice.selectors.selectVersionVectors(server.store.getState())
    expect(server.slice.selectors.selectVersionVectors(server.store.getState())).toBe(since)
    expect(since.launch).toEqual([{ id: 'phone', born: start, seq: 1 }])
    const nothingNew = orThrow(selectReplicated(phone.store.getState(), since))
    expect(selectReplicated(phone.store.getState(), since)).toEqual(E.right(nothingNew))
    expect(Object.values(nothingNew).map((r) => r.replicas.length)).toEqual([0, 0])
    phone.store.dispatch(phone.slice.actions.recorded({ event: 'launch', at: start + M }))
    const news = orThrow(selectReplicated(phone.store.getState(), since))
    expect(news.launch!.replicas.map((r) => r.id)).toEqual(['phone'])
    expect(news.purchase!.replicas).toEqual([])
    orThrow(server.store.dispatch(server.slice.mergeReplicated(news)))
    expect(server.slice.selectors.selectSum(server.store.getState(), 'launch', Window.ever, start + M)).toEqual(O.some(3))
    expect(selectVersionVectors(phone.store.getState())).toEqual(server.slice.selectors.selectVersionVectors(server.store.getState()))
  })

  it("speaks the format of an EventStore's exportReplicated / mergeReplicated, both ways", () => {
    const clock = TestClock.at(start)
    const tablet = EventStore.builder().withClock(clock).timeZone('Europe/Berlin').replicaId('tablet').build()
    const phone = device('phone')
    tablet.recordCount('launch', 5)
    phone.store.dispatch(phone.slice.actions.recorded({ event: 'launch', at: start, count: 2 }))
    const fromTablet = orThrow(tablet.exportReplicated({ since: phone.slice.selectors.selectVersionVectors(phone.store.getState()) }))
    orThrow(phone.store.dispatch(phone.slice.mergeReplicated(fromTablet)))
    orThrow(phone.store.dispatch(phone.slice.mergeReplicated(fromTablet)))
    orThrow(tablet.mergeReplicated(orThrow(phone.slice.selectors.selectReplicated(phone.store.getState(), tablet.versionVectors()))))
    orThrow(tablet.mergeReplicated(orThrow(phone.slice.selectors.selectReplicated(phone.store.getState()))))
    expect(phone.slice.selectors.selectSum(phone.store.getState(), 'launch', Window.last(1, 'days'), start)).toEqual(O.some(7))
    expect(tablet.query('launch').lastDays(1).sum()).toEqual(O.some(7))
  })

  it('refuses hostile payloads with a typed error, dispatching nothing and changing nothing', () => {
    const phone = device('phone')
    const laptop = device('laptop')
    phone.store.dispatch(phone.slice.actions.recorded({ event: 'launch', at: start, count: 2 }))
    laptop.store.dispatch(laptop.slice.actions.recorded({ event: 'launch', at: start, count: 1 }))
    const good = orThrow(phone.slice.selectors.selectReplicated(phone.store.getState())).launch!
    const replica = good.replicas[0]!
    const before = laptop.store.getState()
    const sent = laptop.actions.length
    const hostile: ReadonlyArray<readonly [unknown, string]> = [
      [null, 'DecodeError'],
      [[good], 'DecodeError'],
      ['launch', 'DecodeError'],
      [{ '': good }, 'InvalidEventName'],
      [JSON.parse('{"__proto__": {"layout": 1}}'), 'InvalidEventName'],
      [{ launch: { ...good, heads: 'oops' } }, 'DecodeError'],
      [{ launch: { ...good, replicas: [{ ...replica, seq: 0 }] } }, 'DecodeError'],
      [{ launch: { ...good, replicas: [{ ...replica, buckets: replica.buckets.map(() => [1, 1]) }] } }, 'DecodeError'],
      [{ launch: { ...good, replicas: [{ ...replica, id: '' }] } }, 'DecodeError'],
      [{ launch: { ...good, replicas: [replica, replica] } }, 'DecodeError'],
      [{ launch: { ...good, layout: { ...good.layout, timeZone: 'Mars/Olympus' } } }, 'DecodeError'],
      [{ launch: good, purchase: { heads: [] } }, 'DecodeError'] // all or nothing: the good event is not merged either
    ]
    for (const [input, tag] of hostile) {
      const refused = laptop.store.dispatch(laptop.slice.mergeReplicated(input))
      expect(E.isLeft(refused) && refused.left._tag, JSON.stringify(input)).toBe(tag)
      // Dispatched by hand, the reducer validates too, and leaves the state as it was.
      laptop.store.dispatch(laptop.slice.actions.mergedReplicated({ replicated: input as Record<string, unknown> }))
    }
    expect(laptop.actions.length - sent).toBe(hostile.length) // only the hand-made dispatches
    expect(laptop.store.getState()).toBe(before)
  })

  it("refuses a peer's value more than a day ahead of the slice's clock: the thunk reads the clock, the action carries the instant", () => {
    const clock = TestClock.at(start)
    const laptop = setup(createCounterSlice({ layout: berlin, replicaId: 'laptop', clock }))
    const tablet = device('tablet') // its clock three days ahead of the laptop's
    tablet.store.dispatch(tablet.slice.actions.recorded({ event: 'launch', at: start + 3 * D, count: 1 }))
    tablet.store.dispatch(tablet.slice.actions.recorded({ event: 'purchase', at: start + 20 * H, count: 1 }))
    const payload = JSON.parse(JSON.stringify(orThrow(tablet.slice.selectors.selectReplicated(tablet.store.getState()))))
    laptop.store.dispatch(laptop.slice.actions.recorded({ event: 'launch', at: start, count: 5 }))
    const before = laptop.store.getState()
    const sent = laptop.actions.length
    const refused = laptop.store.dispatch(laptop.slice.mergeReplicated(payload))
    expect(E.isLeft(refused) && [refused.left._tag, (refused.left as { key?: string }).key, (refused.left as { path?: string }).path]).toEqual(['DecodeError', 'launch', 'heads'])
    expect(laptop.actions.length).toBe(sent) // nothing dispatched
    // Dispatched by hand with the instant of the merge, the reducer refuses it too.
    laptop.store.dispatch(laptop.slice.actions.mergedReplicated({ replicated: payload, at: start }))
    laptop.store.dispatch(laptop.slice.actions.mergedReplicated({ replicated: payload, at: Number.NaN })) // not an instant: refused
    expect(laptop.store.getState()).toBe(before)
    expect(laptop.slice.selectors.selectSum(laptop.store.getState(), 'launch', Window.ever, start)).toEqual(O.some(5))
    // Less than a day ahead (time zones, skew) is taken; so is all of it once the laptop's clock gets there.
    orThrow(laptop.store.dispatch(laptop.slice.mergeReplicated({ purchase: payload.purchase })))
    expect(laptop.slice.selectors.selectSum(laptop.store.getState(), 'purchase', Window.ever, start + 20 * H)).toEqual(O.some(1))
    clock.advance({ days: 3 })
    orThrow(laptop.store.dispatch(laptop.slice.mergeReplicated(payload)))
    expect(laptop.slice.selectors.selectSum(laptop.store.getState(), 'launch', Window.ever, clock.now())).toEqual(O.some(6))
    expect(E.isLeft(CounterState.mergeReplicated(before.counters, berlin, payload, start))).toBe(true)
  })

  it('adds merged plain counters to its own replica, and refuses to import (replicated counts only grow)', () => {
    const phone = device('phone')
    phone.store.dispatch(phone.slice.actions.recorded({ event: 'launch', at: start, count: 2 }))
    const backup = { launch: orThrow(Counter.singleton(berlin, start - D, 3)), purchase: orThrow(Counter.singleton(berlin, start, 1)) }
    orThrow(phone.store.dispatch(phone.slice.mergeCounters(JSON.parse(JSON.stringify(backup)))))
    const state = phone.store.getState().counters
    expect(Replicated.versionVector(state.replicated!.events.launch!)).toEqual([{ id: 'phone', born: start, seq: 2 }])
    expect(state.replicated!.events.purchase!.replicas.map((r: Replicated.Replica) => r.id)).toEqual(['phone'])
    expect(phone.slice.selectors.selectSum(phone.store.getState(), 'launch', Window.last(7, 'days'), start)).toEqual(O.some(5))
    // What was added travels to peers like a record.
    const laptop = device('laptop')
    orThrow(laptop.store.dispatch(laptop.slice.mergeReplicated(orThrow(phone.slice.selectors.selectReplicated(phone.store.getState())))))
    expect(laptop.slice.selectors.selectSum(laptop.store.getState(), 'launch', Window.last(7, 'days'), start)).toEqual(O.some(5))
    const before = phone.store.getState()
    const sent = phone.actions.length
    const refused = phone.store.dispatch(phone.slice.importCounters(backup))
    expect(E.isLeft(refused) && refused.left._tag).toBe('DecodeError')
    expect(phone.actions.length).toBe(sent)
    phone.store.dispatch(phone.slice.actions.imported({ counters: backup })) // by hand: the reducer refuses it too
    expect(phone.store.getState()).toBe(before)
    expect(E.isLeft(CounterState.importAll(before.counters, berlin, backup))).toBe(true)
  })

  it('refuses a bad replica id when the slice is made', () => {
    expect(() => createCounterSlice({ replicaId: '' })).toThrow(/replica id/)
    expect(() => createCounterSlice({ replicaId: 'x'.repeat(257) })).toThrow(/replica id/)
  })
})

describe('a slice made without a replica id', () => {
  it('is the plain slice: no replicated state, mergeReplicated refused with InvalidReplicaId, mergedReplicated ignored', () => {
    const { store, slice, actions } = setup(createCounterSlice({ layout: berlin }))
    expect(store.getState().counters).toEqual({ counters: {} })
    store.dispatch(slice.actions.recorded({ event: 'launch', at: start, count: 2 }))
    expect(Object.keys(store.getState().counters)).toEqual(['counters'])
    const phone = device('phone')
    phone.store.dispatch(phone.slice.actions.recorded({ event: 'launch', at: start, count: 2 }))
    const payload = orThrow(phone.slice.selectors.selectReplicated(phone.store.getState()))
    const before = store.getState()
    const sent = actions.length
    const refused = store.dispatch(slice.mergeReplicated(payload))
    expect(E.isLeft(refused) && refused.left._tag).toBe('InvalidReplicaId')
    expect(actions.length).toBe(sent)
    store.dispatch(slice.actions.mergedReplicated({ replicated: payload }))
    expect(store.getState()).toBe(before)
    expect(E.isLeft(slice.selectors.selectReplicated(store.getState()))).toBe(true)
    expect(slice.selectors.selectVersionVectors(store.getState())).toEqual({})
  })
})
