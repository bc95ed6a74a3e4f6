/**
 * The memory cases: heap per tracked event, measured over 100,000 events in a process started with
 * `--expose-gc`: `gc()` before and after building them, and the difference of
 * `process.memoryUsage()` divided by the number of events. Event names (`event_000000`: 12
 * characters) are made inside the measured interval, so they count, as do the store's map and
 * dirty-set entries. `heapUsed` alone misses the backing stores of typed arrays longer than 64
 * bytes (they live outside the V8 heap): `arrayBuffers` is measured too, and the total is the sum.
 *
 * - `store/typical`: a store (default layout, Berlin, system clock) whose events were each recorded
 *   three times, now: the typical event, a few recent counts.
 * - `store/full`: every bucket of every unit of every event holds a count (recorded once a month
 *   for 12 months, a day for 32 days, an hour for 24 hours and a minute for 60 minutes): the most
 *   a counter of the default layout can hold.
 * - `core/typical`: `Counter`s of the typical events in a `Map`, without the store around them.
 * - `typed-array`: a `Map` of the `TypedArrayCounter` yardstick, each recorded three times (it
 *   holds 128 buckets whatever they contain).
 * - `limiter/once`: the rate-limiting preset (60 seconds, 60 minutes, 24 hours) on a server's
 *   path: each key checked and recorded once by a key-free policy (`atMost(10, 'minutes')`).
 * - `rlf/once`: rate-limiter-flexible's `RateLimiterMemory` (10 points per 60 s), each key
 *   consumed once: its memory store holds one window per key (and a timer).
 * - `limiter/swept`: `limiter/once`, then two days later (a test clock) `sweep()`: what is left
 *   of a key once every key went idle.
 *
 * The store cases also report `estimate`: `store.memoryUsage()` per event, to compare with what was
 * measured (the bench checks it within 15%).
 *
 * Each case builds its events once untimed as a warm-up (1,000 events), then three times over
 * (each measured alone, the previous set released) and reports the median.
 */
import * as E from 'fp-ts/lib/Either.js'
import { EventStore } from 'tiny-counter'
import { RateLimiterMemory } from 'rate-limiter-flexible'
import { Counter, Layout, Limit, TestClock } from 'tiny-counter'
import type { Prepared } from './harness.ts'
import { median } from './harness.ts'
import { TypedArrayCounter } from './baseline.ts'
import { TIME_ZONE, defaultStore } from './store.bench.ts'

export const MEMORY_EVENTS = 100_000
const REPETITIONS = 3
const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

export type MemoryVariant = 'store/typical' | 'store/full' | 'core/typical' | 'typed-array' | 'limiter/once' | 'rlf/once' | 'limiter/swept'

const nameOf = (i: number): string => `event_${String(i).padStart(6, '0')}`

const orThrow = <A>(result: E.Either<Error, A>): A => {
  if (E.isLeft(result)) throw result.left
  return result.right
}

/** Instants that put a count in every bucket of the default layout at `now` (oldest first). */
const everyBucket = (now: number): ReadonlyArray<number> => {
  const instants: number[] = []
  const today = new Date(now)
  for (let i = 11; i >= 1; i--) instants.push(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - i, 15, 12))
  for (let i = 31; i >= 1; i--) instants.push(now - i * DAY)
  for (let i = 23; i >= 1; i--) instants.push(now - i * HOUR)
  for (let i = 59; i >= 0; i--) instants.push(now - i * MINUTE)
  return instants
}

/** Non-zero buckets of `name`, all units together (128 when every bucket holds a count). */
const nonzeroBuckets = (store: EventStore, name: string): number => {
  const q = store.query(name)
  const count = (o: { readonly _tag: string; readonly value?: number }): number => (o._tag === 'Some' ? o.value! : 0)
  return count(q.lastMinutes(60).countNonzero()) + count(q.lastHours(24).countNonzero()) + count(q.lastDays(32).countNonzero()) + count(q.lastMonths(12).countNonzero())
}

/** Builds `n` events of a variant and returns what holds them (with a figure to check, if any). */
const builders: Record<MemoryVariant, (n: number) => { readonly held: unknown; readonly check?: number; readonly estimate?: () => number }> = {
  'store/typical': (n) => {
    const store = defaultStore()
    for (let i = 0; i < n; i++) {
      const name = nameOf(i)
      for (let r = 0; r < 3; r++) orThrow(store.record(name))
    }
    return { held: store, estimate: () => store.memoryUsage() }
  },
  'limiter/once': (n) => {
    const { store } = limiterWithKeys(n)
    return { held: store, estimate: () => store.memoryUsage() }
  },
  'limiter/swept': (n) => {
    const { store, clock } = limiterWithKeys(n)
    clock.advance({ days: 2 })
    const dropped = store.sweep()
    if (dropped !== n) throw new Error(`sweep dropped ${dropped} of ${n} idle keys`)
    return { held: store, estimate: () => store.memoryUsage() }
  },
  'rlf/once': (n) => {
    const limiter = new RateLimiterMemory({ points: 10, duration: 60 })
    for (let i = 0; i < n; i++) void limiter.consume(nameOf(i))
    return { held: limiter }
  },
  'store/full': (n) => {
    const store = defaultStore()
    let fewest = Infinity
    for (let i = 0; i < n; i++) {
      const name = nameOf(i)
      const now = Date.now()
      for (const t of everyBucket(now)) orThrow(store.recordCountAt(name, 1 + (i % 5), t))
      if (i % 1_000 === 0) fewest = Math.min(fewest, nonzeroBuckets(store, name))
    }
    return { held: store, check: fewest }
  },
  'core/typical': (n) => {
    const layout = orThrow(Layout.make({ minutes: 60, hours: 24, days: 32, months: 12 }, { timeZone: TIME_ZONE }))
    const counters = new Map<string, Counter.Counter>()
    for (let i = 0; i < n; i++) {
      const name = nameOf(i)
      let c = Counter.empty(layout)
      for (let r = 0; r < 3; r++) c = orThrow(Counter.record(c, Date.now(), 1))
      counters.set(name, c)
    }
    return { held: counters }
  },
  'typed-array': (n) => {
    const rings = new Map<string, TypedArrayCounter>()
    for (let i = 0; i < n; i++) {
      const ring = new TypedArrayCounter()
      for (let r = 0; r < 3; r++) ring.record(Date.now(), 1)
      rings.set(nameOf(i), ring)
    }
    return { held: rings }
  }
}

/** A rate-limiting store (on a test clock started at the system's time) where `n` keys were each checked and recorded once. */
const limiterWithKeys = (n: number): { readonly store: EventStore; readonly clock: TestClock } => {
  const clock = TestClock.fromSystem()
  const store = EventStore.builder().forRateLimiting().withClock(clock).timeZone(TIME_ZONE).build()
  const perKey = Limit.policy().atMost(10, 'minutes')
  for (let i = 0; i < n; i++) orThrow(store.limit(perKey).checkAndRecord(nameOf(i)))
  return { store, clock }
}

let retained: unknown

const settle = (): void => {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('the memory cases need node --expose-gc')
  for (let i = 0; i < 3; i++) gc()
}

const measure = (variant: MemoryVariant, n: number): { heap: number; buffers: number; check: number | undefined; estimate: number | undefined } => {
  retained = undefined
  settle()
  const before = process.memoryUsage()
  const built = builders[variant](n)
  retained = built.held
  settle()
  const after = process.memoryUsage()
  retained = undefined
  const estimate = built.estimate === undefined ? undefined : built.estimate() / n
  return { heap: (after.heapUsed - before.heapUsed) / n, buffers: (after.arrayBuffers - before.arrayBuffers) / n, check: built.check, estimate }
}

const memoryCase =
  (variant: MemoryVariant) =>
  (data: { readonly events?: number } | null): Prepared => {
    const n = data?.events ?? MEMORY_EVENTS
    measure(variant, 1_000) // warm-up: code, caches and the layout's compiled form
    const runs = Array.from({ length: REPETITIONS }, () => measure(variant, n))
    const checks = runs.map((r) => r.check).filter((c): c is number => c !== undefined)
    const estimates = runs.map((r) => r.estimate).filter((c): c is number => c !== undefined)
    const figures = {
      events: n,
      heap: median(runs.map((r) => r.heap)),
      buffers: median(runs.map((r) => r.buffers)),
      total: median(runs.map((r) => r.heap + r.buffers)),
      ...(checks.length > 0 ? { nonzeroBuckets: Math.min(...checks) } : {}),
      ...(estimates.length > 0 ? { estimate: median(estimates) } : {})
    }
    return { body: () => 0, report: () => figures }
  }

export interface MemoryCase {
  readonly id: string
  readonly prepare: (data: { readonly events?: number } | null) => Prepared
}

export const memoryVariants: ReadonlyArray<MemoryVariant> = ['store/typical', 'store/full', 'core/typical', 'typed-array', 'limiter/once', 'rlf/once', 'limiter/swept']
export const memoryCaseId = (variant: MemoryVariant): string => `memory/${variant}`
export const memoryCases: ReadonlyArray<MemoryCase> = memoryVariants.map((v) => ({ id: memoryCaseId(v), prepare: memoryCase(v) }))
