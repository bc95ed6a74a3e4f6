// CounterState, the pure layer under both bindings: merging states is a commutative monoid (so
// devices that sync in any order agree), and a Redux store and a Zustand store fed the same
// operations hold exactly the counters that folding the pure functions gives; made with a replica
// id, they hold the same counts, each counter the value of its replicated counter.
import { configureStore } from '@reduxjs/toolkit'
import * as fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import * as R from 'fp-ts/lib/ReadonlyRecord.js'
import { describe, expect, it } from 'vitest'
import { createStore } from 'zustand/vanilla'
import { Counter, Layout, Replicated, TestClock } from 'tiny-counter'
import { createCounterSlice } from 'tiny-counter/redux'
import { anchorsOf, commutativeMonoid, count, counters, instantNear } from 'tiny-counter/testing'
import { CounterState, counterSlice } from 'tiny-counter/zustand'
import type { CounterSlice } from 'tiny-counter/zustand'

const layout = Layout.standard({ timeZone: 'America/New_York' })
const focal = Date.UTC(2026, 2, 8, 7) // New York springs forward
const near = instantNear(anchorsOf(layout), focal)

/** States of up to three events, built from clustered histories. */
const state: fc.Arbitrary<CounterState.CounterState> = fc
  .tuple(counters(3, { layouts: [layout] }), fc.subarray(['a', 'b', 'c']))
  .map(([cs, events]) => ({ counters: Object.fromEntries(events.map((event, i) => [event, cs[i]!])) }))

describe('merging states', () => {
  const M = {
    concat: (x: CounterState.CounterState, y: CounterState.CounterState) =>
      E.getOrElseW((error: Error) => {
        throw error
      })(CounterState.mergeAll(x, layout, y.counters)),
    empty: CounterState.initial
  }
  const eq = { equals: (x: CounterState.CounterState, y: CounterState.CounterState) => R.getEq(Counter.Eq).equals(x.counters, y.counters) }
  for (const [name, law] of Object.entries(commutativeMonoid(M, eq, state))) it(name, () => fc.assert(law, { numRuns: 300 }))
})

type Operation =
  | { readonly _tag: 'record'; readonly event: string; readonly at: number; readonly count: number }
  | { readonly _tag: 'rotate'; readonly at: number }
  | { readonly _tag: 'merge'; readonly counters: unknown }

const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ _tag: fc.constant('record' as const), event: fc.constantFrom('a', 'b', ''), at: near, count: fc.oneof(count, fc.constant(-1)) }) },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant('rotate' as const), at: near }) },
  { weight: 1, arbitrary: state.map((s) => ({ _tag: 'merge' as const, counters: JSON.parse(JSON.stringify(s.counters)) as unknown })) }
)

const fold = (operations: ReadonlyArray<Operation>): CounterState.CounterState =>
  operations.reduce((s: CounterState.CounterState, op) => {
    const next =
      op._tag === 'record' ? CounterState.record(s, layout, op.event, op.at, op.count) : op._tag === 'rotate' ? CounterState.rotate(s, op.at) : CounterState.mergeAll(s, layout, op.counters)
    return E.getOrElse(() => s)(next)
  }, CounterState.initial)

/** A Redux store and a Zustand store (with `replicaId`, if given) fed the same operations; their states. */
const feed = (operations: ReadonlyArray<Operation>, replicaId?: string): ReadonlyArray<CounterState.CounterState> => {
  const slice = createCounterSlice(replicaId === undefined ? { layout } : { layout, replicaId })
  const redux = configureStore({ reducer: { counters: slice.reducer } })
  const clock = TestClock.at(focal)
  const zustand = createStore<CounterSlice>()(counterSlice(replicaId === undefined ? { layout, clock } : { layout, clock, replicaId }))
  for (const op of operations) {
    if (op._tag === 'record') {
      redux.dispatch(slice.actions.recorded({ event: op.event, at: op.at, count: op.count }))
      zustand.getState().recordCountAt(op.event, op.count, op.at)
    } else if (op._tag === 'rotate') {
      redux.dispatch(slice.actions.rotated({ at: op.at }))
      clock.set(op.at)
      zustand.getState().rotate()
    } else {
      // With a replica id, merged plain counters are added to the own replica: the plain merge's counts.
      redux.dispatch(slice.mergeCounters(op.counters))
      zustand.getState().mergeAll(op.counters)
    }
  }
  return [redux.getState().counters, zustand.getState()]
}

it('Redux and Zustand hold what folding the pure functions gives (200 runs)', () => {
  fc.assert(
    fc.property(fc.array(operation, { maxLength: 12 }), (operations) => {
      const expected = fold(operations).counters
      for (const state of feed(operations)) expect(state.counters).toEqual(expected)
    }),
    { numRuns: 200 }
  )
})

it('with a replica id, Redux and Zustand give the counts of the plain fold, and each counter is the value of its replicated counter (200 runs)', () => {
  fc.assert(
    fc.property(fc.array(operation, { maxLength: 12 }), (operations) => {
      const expected = fold(operations).counters
      for (const s of feed(operations, 'phone')) {
        expect(Object.keys(s.counters).sort()).toEqual(Object.keys(expected).sort())
        for (const [event, counter] of Object.entries(expected)) {
          expect(Counter.Eq.equals(s.counters[event]!, counter), event).toBe(true)
          expect(Counter.Eq.equals(s.counters[event]!, Replicated.value(s.replicated!.events[event]!)), event).toBe(true)
        }
      }
    }),
    { numRuns: 200 }
  )
})
