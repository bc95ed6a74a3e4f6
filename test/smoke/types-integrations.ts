// The user's TypeScript in the smoke test, for the Redux, Zustand and browser entries: smoke.mjs
// type-checks it with types-core.ts in a fresh project against the packed package's declarations
// (`strict`, `skipLibCheck: false`, no @types/node, the compiler's default libraries for ES2022,
// which Redux Toolkit's and zustand's own declarations need), once with `moduleResolution:
// nodenext` and once with `bundler`. Compiled, never run. (`tiny-counter/sqlite` is left out:
// better-sqlite3's types bring @types/node.)
import { configureStore } from '@reduxjs/toolkit'
import type * as O from 'fp-ts/lib/Option.js'
import { createJSONStorage, persist } from 'zustand/middleware'
import type { StateStorage } from 'zustand/middleware'
import { createStore } from 'zustand/vanilla'
import { EventStore, Layout, Window } from 'tiny-counter'
import { IndexedDbStorage } from 'tiny-counter/browser'
import type { DecodeError } from 'tiny-counter'
import { createCounterSlice } from 'tiny-counter/redux'
import { CounterState, counterSlice, persistCounters } from 'tiny-counter/zustand'
import type { CounterSlice } from 'tiny-counter/zustand'

const layout = Layout.utc
const at = Date.UTC(2026, 0, 5, 9)
const week = Window.last(7, 'days')

// Redux Toolkit.
const slice = createCounterSlice({ layout })
const reduxStore = configureStore({ reducer: { counters: slice.reducer } })
reduxStore.dispatch(slice.actions.recorded({ event: 'launch', at }))
export const fromRedux: O.Option<number> = slice.selectors.selectSum(reduxStore.getState(), 'launch', week, at)

// Zustand, with its own createJSONStorage and with a StateStorage.
const text: StateStorage = { getItem: () => null, setItem: () => undefined, removeItem: () => undefined }
const errors: Array<DecodeError | unknown> = []
export const zustandStore = createStore<CounterSlice>()(
  persist(counterSlice({ layout }), persistCounters({ name: 'app', layout, storage: createJSONStorage(() => text), onError: (e) => void errors.push(e) }))
)
export const alsoZustand = createStore<CounterSlice>()(
  persist(counterSlice({ layout }), { ...persistCounters({ name: 'app', layout, storage: () => text, onError: () => undefined }), storage: createJSONStorage(() => text) })
)
export const fromZustand: O.Option<number> = CounterState.sum(zustandStore.getState(), 'launch', week, at)

// The browser storage, with the DOM's own types.
export const inPage: Promise<EventStore> = IndexedDbStorage.open('app').then((storage) => EventStore.builder().withStorage(storage).build())
