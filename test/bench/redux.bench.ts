/**
 * The Redux cases: a `recorded` dispatch on a Redux Toolkit store whose slice holds 10, 1,000 or
 * 10,000 event names (each with some history), cycling through the names, at the machine's time;
 * `tiny-counter/redux`'s slice side by side with two hand-written RTK slices over the same counters
 * (`{ counters: Record<string, Counter> }`, one `Counter.record` per action):
 *
 * - `natural`: the reducer as RTK's docs teach it, reading the counter through the draft
 *   (`state.counters[event]`) and assigning the new one (`castDraft`);
 * - `tuned`: the same, reading the counter as it is (`original(state.counters)`), so that Immer
 *   makes no draft of it: the cheapest hand-written reducer we know.
 *
 * These run as in production (`NODE_ENV=production`: no development checks). For reference, ours
 * also runs in development with `configureStore`'s default checks (serializability and
 * immutability), once over the whole state and once scoped with `ignoredPaths` and `disableCache` as
 * docs/REDUX.md shows (`warnAfter` raised in both, so that the checks run in full without printing a warning).
 */
import type { PayloadAction } from '@reduxjs/toolkit'
import { configureStore, createSlice, original } from '@reduxjs/toolkit'
import { castDraft } from 'immer'
import * as E from 'fp-ts/lib/Either.js'
import { Counter, Layout } from 'tiny-counter'
import { createCounterSlice } from 'tiny-counter/redux'
import type { Body } from './harness.ts'

export const REDUX_SIZES = [10, 1_000, 10_000] as const
export type ReduxVariant = 'ours' | 'natural' | 'tuned' | 'ours-dev' | 'ours-dev-scoped'
export const reduxVariants: ReadonlyArray<ReduxVariant> = ['ours', 'natural', 'tuned', 'ours-dev', 'ours-dev-scoped']

const TIME_ZONE = 'Europe/Berlin'
const DAY = 86_400_000

export const reduxCaseId = (variant: ReduxVariant, names: number): string => `redux/${variant}/${names}`

interface Recorded {
  readonly event: string
  readonly at: number
  readonly count?: number
}

type CounterMap = Record<string, Counter.Counter>

/** Hand-written slices over the same counters; `tuned` reads the counter without drafting it. */
const handWritten = (layout: Layout.Layout, tuned: boolean) =>
  createSlice({
    name: 'counters',
    initialState: { counters: {} as CounterMap },
    reducers: {
      recorded(state, action: PayloadAction<Recorded>) {
        const { event, at, count = 1 } = action.payload
        const before = tuned ? original(state.counters)![event] : state.counters[event]
        const next = Counter.record(before ?? Counter.empty(layout), at, count)
        if (E.isRight(next)) state.counters[event] = castDraft(next.right)
      }
    }
  })

/** `n` counters, each with a few events over the last weeks, as a store would hold after a while. */
const history = (layout: Layout.Layout, names: ReadonlyArray<string>, now: number): CounterMap => {
  const counters: CounterMap = {}
  names.forEach((name, k) => {
    let c = Counter.empty(layout)
    for (const ago of [20 * DAY, 3 * DAY + (k % 24) * 3_600_000, (k % 60) * 60_000]) c = E.getOrElse(() => c)(Counter.record(c, now - ago, 1 + (k % 5)))
    counters[name] = c
  })
  return counters
}

const prepare = (variant: ReduxVariant, n: number) => (): Body => {
  process.env.NODE_ENV = variant.startsWith('ours-dev') ? 'development' : 'production'
  const layout = Layout.standard({ timeZone: TIME_ZONE })
  const names = Array.from({ length: n }, (_, i) => `event_${String(i).padStart(5, '0')}`)
  const preloaded = { counters: { counters: history(layout, names, Date.now()) } }
  const ours = createCounterSlice({ layout })
  const slice = variant === 'natural' || variant === 'tuned' ? handWritten(layout, variant === 'tuned') : ours
  const store = configureStore({
    reducer: { counters: slice.reducer },
    preloadedState: preloaded,
    middleware: (defaults) =>
      variant === 'ours-dev-scoped'
        ? defaults({ serializableCheck: { ignoredPaths: ['counters.counters'], disableCache: true }, immutableCheck: { ignoredPaths: ['counters.counters'] } })
        : defaults({ serializableCheck: { warnAfter: 1e9 }, immutableCheck: { warnAfter: 1e9 } })
  })
  const recorded = slice.actions.recorded as (payload: Recorded) => { type: string; payload: Recorded }
  let next = 0
  return (ops) => {
    let k = next
    for (let i = 0; i < ops; i++) {
      store.dispatch(recorded({ event: names[k]!, at: Date.now() }))
      if (++k === n) k = 0
    }
    next = k
    return Object.keys(store.getState().counters.counters).length
  }
}

export const reduxCases: ReadonlyArray<{ readonly id: string; readonly prepare: () => Body }> = REDUX_SIZES.flatMap((n) =>
  reduxVariants.map((variant) => ({ id: reduxCaseId(variant, n), prepare: prepare(variant, n) }))
)

/** Dispatches per round: a dispatch copies the record of counters, so bigger states take fewer. */
export const reduxOpsPerRound = (n: number, ops: number): number => Math.max(10, Math.round(ops / (30 + n)))
