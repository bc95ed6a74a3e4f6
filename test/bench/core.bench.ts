/**
 * The core cases: pure `Counter.record(c, at, 1)` and `Query.sum(c, Window.last(7, 'days'), at)` on
 * the default layout (60 minutes, 24 hours, 32 days, 12 months) in Europe/Berlin, with calendar
 * alignment, with uniform alignment, and done with typed-array ring buffers as a baseline.
 *
 * Every case starts from the same history: a year and a month of events every 10 minutes and then
 * an hour of one event per second, so each unit holds its full number of buckets (steady state).
 * The history is built once, by the parent process, and reaches each case process as JSON, like a
 * counter loaded from storage: the JIT of a measuring process is not trained by 60,000 records of
 * another rhythm. There the library cases first call the rest of the API a few hundred times, as an
 * application does (`exerciseApi`); then `at` moves forward one second per operation, so minute,
 * hour and day buckets rotate as in real use, and the record cases cross Berlin's switch to summer
 * time (29 March 2026).
 */
import * as E from 'fp-ts/lib/Either.js'
// The core modules only (what `import { Counter, ... } from 'tiny-counter'` gives), without the store.
import * as Counter from 'tiny-counter/Counter'
import * as Layout from 'tiny-counter/Layout'
import * as Query from 'tiny-counter/Query'
import * as Window from 'tiny-counter/Window'
import type { Body } from './harness.ts'
import type { TypedArrayState } from './baseline.ts'
import { DAYS, TypedArrayCounter } from './baseline.ts'

export type Op = 'record' | 'sum7'
export type Variant = 'calendar' | 'uniform' | 'typed-array'

export interface BenchCase {
  readonly id: string
  readonly op: Op
  readonly variant: Variant
  /** Takes the case's data from the shared history (untimed) and returns the body to time. */
  readonly prepare: (history: History) => Body
}

export const TIME_ZONE = 'Europe/Berlin'
const SECOND = 1_000
const DAY = 86_400_000
/** 20 March 2026, 12:00 UTC: the record cases run through Berlin's DST change of 29 March. */
export const START = Date.UTC(2026, 2, 20, 12)

/** The instants and counts of the shared history, oldest first, ending at `START`. */
export const history = (): ReadonlyArray<readonly [number, number]> => {
  const events: Array<readonly [number, number]> = []
  for (let t = START - 400 * DAY; t < START - 3_600 * SECOND; t += 600 * SECOND) events.push([t, 1 + (t % 7)])
  for (let t = START - 3_600 * SECOND; t <= START; t += SECOND) events.push([t, 1])
  return events
}

export const layoutOf = (alignment: 'calendar' | 'uniform'): Layout.Layout =>
  E.getOrElseW((e: Error) => {
    throw e
  })(Layout.make({ minutes: 60, hours: 24, days: 32, months: 12 }, { alignment, timeZone: TIME_ZONE }))

export const counterWithHistory = (layout: Layout.Layout): Counter.Counter => {
  let c = Counter.empty(layout)
  for (const [t, n] of history()) {
    const r = Counter.record(c, t, n)
    if (r._tag === 'Left') throw r.left
    c = r.right
  }
  return c
}

export const baselineWithHistory = (): TypedArrayCounter => {
  const ring = new TypedArrayCounter()
  for (const [t, n] of history()) ring.record(t, n)
  return ring
}

/** The shared starting point of every case, as plain data. */
export interface History {
  readonly calendar: Counter.Counter
  readonly uniform: Counter.Counter
  readonly typed: TypedArrayState
}

export const buildHistory = (): History => ({
  calendar: counterWithHistory(layoutOf('calendar')),
  uniform: counterWithHistory(layoutOf('uniform')),
  typed: baselineWithHistory().toJSON()
})

/**
 * Calls the rest of the API on `c` a few hundred times, as an application would between records
 * and queries, so that the call sites the library shares between its functions are as polymorphic
 * in the measuring process as in real use (measuring one function alone flatters it).
 */
const exerciseApi = (c: Counter.Counter, at: number): void => {
  const days = Window.last(3, 'days')
  let other = Counter.empty(c.layout)
  for (let i = 0; i < 300; i++) {
    const t = at - i * 3_600_000
    other = Counter.merge(other, Counter.rotate(c, t))
    Counter.convert(c, c.layout)
    Query.average(c, days, t)
    Query.averageNonzero(c, days, t)
    Query.countNonzero(c, days, t)
    Query.buckets(c, days, t)
    Query.sum(c, Window.last(5, 'hours'), t)
    Query.sum(c, Window.ever, t)
    Query.lastSeen(c, t)
    Query.firstSeen(c, t)
    Query.firstSeenIn(c, 'days', t)
    const r = Counter.record(other, t - 86_400_000, 2)
    if (r._tag === 'Right') other = r.right
  }
}

// Each body keeps its state between rounds: `record` goes on moving forward, one second a time.
// `sum7` reads one counter frozen at `START`, from `START` on (each round takes the same path).

const recordCounter = (start: Counter.Counter): Body => {
  exerciseApi(start, START)
  let c = start
  let at = START
  return (ops) => {
    let x = c
    let t = at
    for (let i = 0; i < ops; i++) {
      t += SECOND
      const r = Counter.record(x, t, 1)
      if (r._tag === 'Left') throw r.left
      x = r.right
    }
    c = x
    at = t
    return x.heads[0]!
  }
}

const recordBaseline = (start: TypedArrayState): Body => {
  const ring = new TypedArrayCounter(start)
  let at = START
  return (ops) => {
    let t = at
    for (let i = 0; i < ops; i++) {
      t += SECOND
      ring.record(t, 1)
    }
    at = t
    return ring.sum(DAYS, 0, 1, t)
  }
}

const sum7Counter = (c: Counter.Counter): Body => {
  exerciseApi(c, START)
  const window = Window.last(7, 'days')
  return (ops) => {
    let t = START
    let s = 0
    for (let i = 0; i < ops; i++) {
      t += SECOND
      const o = Query.sum(c, window, t)
      if (o._tag === 'Some') s += o.value
    }
    return s
  }
}

const sum7Baseline = (start: TypedArrayState): Body => {
  const ring = new TypedArrayCounter(start)
  return (ops) => {
    let t = START
    let s = 0
    for (let i = 0; i < ops; i++) {
      t += SECOND
      s += ring.sum(DAYS, 0, 7, t)
    }
    return s
  }
}

export const cases: ReadonlyArray<BenchCase> = [
  { id: 'record/calendar', op: 'record', variant: 'calendar', prepare: (h) => recordCounter(h.calendar) },
  { id: 'record/uniform', op: 'record', variant: 'uniform', prepare: (h) => recordCounter(h.uniform) },
  { id: 'record/typed-array', op: 'record', variant: 'typed-array', prepare: (h) => recordBaseline(h.typed) },
  { id: 'sum7/calendar', op: 'sum7', variant: 'calendar', prepare: (h) => sum7Counter(h.calendar) },
  { id: 'sum7/uniform', op: 'sum7', variant: 'uniform', prepare: (h) => sum7Counter(h.uniform) },
  { id: 'sum7/typed-array', op: 'sum7', variant: 'typed-array', prepare: (h) => sum7Baseline(h.typed) }
]

/**
 * Checks, before any timing, that the baseline does the same work as the library: after the same
 * history and the same one-second steps, the typed-array rings and a uniform counter agree on every
 * bucket of every unit. Returns a description of the first difference, or `undefined`.
 */
export const verifyBaseline = (): string | undefined => {
  const ring = baselineWithHistory()
  let c = counterWithHistory(layoutOf('uniform'))
  const units = ['minutes', 'hours', 'days', 'months'] as const
  const lengths = [60, 24, 32, 12]
  let t = START
  for (let step = 0; step <= 200_000; step++) {
    if (step % 9_973 === 0) {
      for (let u = 0; u < units.length; u++) {
        for (let i = 0; i < lengths[u]!; i++) {
          const expected = Query.sum(c, Window.range(units[u]!, i, i + 1), t)
          const actual = ring.sum(u, i, i + 1, t)
          if (expected._tag !== 'Some' || expected.value !== actual) {
            return `${units[u]} bucket ${i} at ${new Date(t).toISOString()}: counter ${JSON.stringify(expected)}, typed arrays ${actual}`
          }
        }
      }
      const week = Query.sum(c, Window.last(7, 'days'), t + 3 * 3_600_000)
      if (week._tag !== 'Some' || week.value !== ring.sum(DAYS, 0, 7, t + 3 * 3_600_000)) return `7-day sum at ${t} differs`
    }
    t += SECOND
    ring.record(t, 1)
    const r = Counter.record(c, t, 1)
    if (r._tag === 'Left') return r.left.message
    c = r.right
  }
  return undefined
}
