// Several Redux stores, and several Zustand stores, each a slice with its own replica id, exchange
// replicated payloads (as JSON) through a network that duplicates, reorders, delays and drops them
// (with retries), in a mesh, through a hub or along a chain: after a final exchange every one holds
// the counts of one counter that recorded everything, for every unit and window; a payload merged
// again gives the very same state, and so does a further exchange. Cases: laws/network.ts, drawn
// with the arbitraries of tiny-counter/testing.
import { configureStore } from '@reduxjs/toolkit'
import * as fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createStore } from 'zustand/vanilla'
import type { Layout, TestClock } from 'tiny-counter'
import { createCounterSlice } from 'tiny-counter/redux'
import { CounterState, counterSlice } from 'tiny-counter/zustand'
import type { CounterSlice } from 'tiny-counter/zustand'
import { networkCase } from '../../laws/network.js'
import type { NetworkReplica } from './replicatedNetwork.js'
import { EVENT, orThrow, runNetwork } from './replicatedNetwork.js'

/**
 * Cases per network (each up to 5 stores and 80 operations): Redux's reducers run under Immer, about
 * six times slower than Zustand's plain functions, so it runs fewer.
 */
const REDUX_RUNS = 300
const ZUSTAND_RUNS = 1000

const reduxReplica = (layout: Layout.Layout, id: string, clock: TestClock): NetworkReplica => {
  const slice = createCounterSlice({ layout, replicaId: id, clock })
  // The development checks walk the whole state on every dispatch: redux.replicated.test.ts runs them.
  const store = configureStore({ reducer: { counters: slice.reducer }, middleware: (getDefault) => getDefault({ serializableCheck: false, immutableCheck: false }) })
  const { recorded, rotated } = slice.actions
  const { selectReplicated, selectVersionVectors, selectCounter } = slice.selectors
  return {
    record: (at, n) => void store.dispatch(recorded({ event: EVENT, at, count: n })),
    rotate: (at) => void store.dispatch(rotated({ at })),
    exported: (since) => orThrow(selectReplicated(store.getState(), since)),
    versionVectors: () => selectVersionVectors(store.getState()),
    merge: (payload) => store.dispatch(slice.mergeReplicated(payload)),
    counter: () => {
      const counter = selectCounter(store.getState(), EVENT)
      return counter._tag === 'Some' ? counter.value : undefined
    },
    state: () => store.getState()
  }
}

const zustandReplica = (layout: Layout.Layout, id: string, clock: TestClock): NetworkReplica => {
  const store = createStore<CounterSlice>()(counterSlice({ layout, replicaId: id, clock }))
  return {
    record: (at, n) => orThrow(store.getState().recordCountAt(EVENT, n, at)),
    rotate: (at) => {
      // The slice's rotate reads its clock; a state manager of one's own rotates with the pure function.
      store.setState(orThrow(CounterState.rotate(store.getState(), at)))
    },
    exported: (since) => orThrow(CounterState.exportReplicated(store.getState(), since === undefined ? {} : { since })),
    versionVectors: () => CounterState.versionVectors(store.getState()),
    merge: (payload) => store.getState().mergeReplicated(payload),
    counter: () => store.getState().counters[EVENT],
    state: () => store.getState()
  }
}

describe('replicated state managers over an unreliable network', () => {
  it.each([
    ['Redux stores (createCounterSlice({ replicaId }))', reduxReplica, REDUX_RUNS],
    ['Zustand stores (counterSlice({ replicaId }))', zustandReplica, ZUSTAND_RUNS]
  ] as const)('%s converge to the counts of one store that recorded everything; repeats change nothing', (_name, make, numRuns) => {
    let cases = 0
    fc.assert(
      fc.property(networkCase, (c) => {
        cases++
        const { converged, stable, idempotent } = runNetwork(c, make)
        return converged && stable && idempotent
      }),
      { numRuns }
    )
    expect(cases).toBe(numRuns)
  })

  it('would catch a merge that adds: plain counters exchanged the same way double count', () => {
    // The same runner with the additive merge of plain counters (mergeAll) must fail: the property can fail.
    const adding = (layout: Layout.Layout, id: string, clock: TestClock): NetworkReplica => {
      const inner = zustandReplica(layout, id, clock)
      const store = createStore<CounterSlice>()(counterSlice({ layout }))
      return {
        ...inner,
        record: (at, n) => orThrow(store.getState().recordCountAt(EVENT, n, at)),
        rotate: () => undefined,
        exported: () => {
          const counter = store.getState().counters[EVENT]
          return (counter === undefined ? {} : { [EVENT]: counter }) as never
        },
        versionVectors: () => ({}),
        merge: (payload) => store.getState().mergeAll(payload),
        counter: () => store.getState().counters[EVENT],
        state: () => store.getState()
      }
    }
    const failed = fc.check(fc.property(networkCase, (c) => {
      const { converged, idempotent } = runNetwork(c, adding)
      return converged && idempotent
    }), { numRuns: 50 })
    expect(failed.failed).toBe(true)
    expect(String(failed.errorInstance)).toMatch(/returning false/) // by its counts, not by a refusal
  })
})
