/**
 * Clocks that step back (NTP, a VM migrated) and forward glitches corrected later: a record made
 * "now" is never counted before its counter's newest instant, so a limit never lets more through
 * than it allows and no record is dropped (docs/DESIGN.md, "Clock steps").
 */
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Counter, EventStore, Limit, MemoryStorage, Schedule, TestClock } from 'tiny-counter'

const MINUTE = 60_000
const START = Date.UTC(2026, 0, 5, 10, 0, 30) // a Monday

const storeAt = (clock: TestClock): EventStore => EventStore.builder().forRateLimiting().withClock(clock).timeZone('UTC').build()

const passes = (n: number, attempt: () => E.Either<unknown, unknown>): number => {
  let passed = 0
  for (let i = 0; i < n; i++) if (E.isRight(attempt())) passed++
  return passed
}

describe('a clock that steps back', () => {
  const perMinute = Limit.policy().atMost(10, 'minutes')
  const limits: ReadonlyArray<readonly [string, (store: EventStore) => () => E.Either<unknown, unknown>]> = [
    ['a policy (the planned path)', (store) => () => store.limit(perMinute).checkAndRecord('user:1')],
    ['a limit with a schedule (the general path)', (store) => () => store.limit().atMost('user:1', 10, 'minutes').during(Schedule.weekdays()).checkAndRecord('user:1')],
    ['allowed, then record', (store) => () => (store.limit(perMinute).allowed('user:1') ? store.record('user:1') : E.left('refused'))]
  ]

  for (const [name, limitOf] of limits) {
    it(`lets a key with 5 of 10 used through 5 more times, not 100 (${name})`, () => {
      const clock = TestClock.at(START)
      const store = storeAt(clock)
      const attempt = limitOf(store)
      expect(passes(5, attempt)).toBe(5)
      clock.set(START - 2 * MINUTE)
      expect(passes(100, attempt)).toBe(5)
      expect(store.query('user:1').lastMinutes(1).sum()).toEqual(O.some(10))
    })
  }

  it('keeps a key at its limit blocked until real time leaves the minute it filled', () => {
    const clock = TestClock.at(START)
    const store = storeAt(clock)
    expect(passes(10, () => store.limit(perMinute).checkAndRecord('user:1'))).toBe(10)
    clock.set(START - 2 * MINUTE)
    expect(passes(10, () => store.limit(perMinute).checkAndRecord('user:1'))).toBe(0)
    clock.set(START + MINUTE)
    expect(passes(10, () => store.limit(perMinute).checkAndRecord('user:1'))).toBe(10)
  })

  it('counts every record made after a forward glitch of years was corrected', () => {
    const clock = TestClock.at(START)
    const store = storeAt(clock)
    clock.set(Date.UTC(2031, 0, 1))
    expect(E.isRight(store.record('api'))).toBe(true)
    clock.set(START + MINUTE)
    for (let i = 0; i < 100; i++) expect(E.isRight(store.record('api'))).toBe(true)
    expect(store.query('api').lastMinutes(1).sum()).toEqual(O.some(101))
    expect(store.query('api').lastHours(24).sum()).toEqual(O.some(101))
    expect(store.limit().atMost('api', 101, 'minutes').allowed('api')).toBe(false)
  })

  it('still backfills an explicit past instant into its own bucket', () => {
    const clock = TestClock.at(START)
    const store = storeAt(clock)
    store.record('sync')
    clock.set(START - 2 * MINUTE)
    expect(E.isRight(store.recordAt('sync', START - 30 * MINUTE))).toBe(true)
    expect(E.isRight(store.recordAgo('sync', { minutes: 10 }))).toBe(true)
    clock.set(START)
    expect(store.query('sync').lastMinutes(1).sum()).toEqual(O.some(1))
    expect(store.query('sync').lastMinutes(12).sum()).toEqual(O.some(1)) // recordAgo: START - 12 minutes
    expect(store.query('sync').lastMinutes(13).sum()).toEqual(O.some(2))
    expect(store.query('sync').lastMinutes(30).sum()).toEqual(O.some(2))
    expect(store.query('sync').lastMinutes(31).sum()).toEqual(O.some(3))
  })
})

describe('loading a counter whose newest bucket is far in the future', () => {
  it('reports it as a DecodeError naming the event and loads the others', async () => {
    const storage = new MemoryStorage()
    const future = TestClock.at(START + 3 * 86_400_000)
    const writer = await EventStore.builder().forRateLimiting().withClock(future).timeZone('UTC').withStorage(storage).build()
    writer.record('glitched')
    future.set(START + 3_600_000) // an hour ahead: within the tolerance of a day
    writer.record('skewed')
    future.set(START)
    writer.record('fine')
    expect(await writer.persist()).toEqual(E.right(undefined))
    const store = await EventStore.builder().forRateLimiting().withClock(TestClock.at(START)).timeZone('UTC').withStorage(storage).build()
    expect(store.loadErrors.map((e) => [e._tag, e.key])).toEqual([['DecodeError', 'glitched']])
    expect([...store.events()].sort()).toEqual(['fine', 'skewed'])
  })
})

describe('under random clock steps back and forth', () => {
  it('no bucket ever holds more than its limit, and every accepted record is counted', () => {
    const YEAR = 365 * 86_400_000
    const step = fc.oneof(
      { arbitrary: fc.record({ kind: fc.constant('step' as const), by: fc.integer({ min: -4 * MINUTE, max: 4 * MINUTE }) }), weight: 2 },
      // A glitch of years ahead, a few calls, and its correction.
      { arbitrary: fc.record({ kind: fc.constant('glitch' as const), years: fc.integer({ min: 1, max: 3 }) }), weight: 1 },
      { arbitrary: fc.record({ kind: fc.constantFrom('policy' as const, 'allowed' as const, 'schedule' as const, 'record' as const), key: fc.constantFrom('a', 'b') }), weight: 12 }
    )
    fc.assert(
      fc.property(fc.array(step, { maxLength: 100 }), (steps) => {
        const clock = TestClock.at(START)
        const store = EventStore.builder().trackMinutes(60).trackHours(24).withClock(clock).timeZone('UTC').build()
        const policy = Limit.policy().atMost(3, 'minutes').atMost(20, 'hours')
        /**
         * What each event's 24 hours must hold: every accepted record, except those a record
         * years later moved out of the window (the store cannot tell a glitch from a year passing).
         */
        const expected = new Map<string, number>()
        const newest = new Map<string, number>()
        /** Events that were idle through a glitch: a sweep made then (the store's own, as it records) may drop them. */
        const idleThroughGlitch = new Set<string>()
        const counted = (event: string, n: number): void => {
          idleThroughGlitch.delete(event)
          const now = clock.now()
          if (now > (newest.get(event) ?? -Infinity) + 25 * 3_600_000) expected.set(event, 0)
          if (now > (newest.get(event) ?? -Infinity)) newest.set(event, now)
          expected.set(event, (expected.get(event) ?? 0) + n)
        }
        const attempt = (kind: 'policy' | 'allowed' | 'schedule' | 'record', key: 'a' | 'b'): void => {
          if (kind === 'record') {
            if (E.isRight(store.recordCount(key + '-free', 2))) counted(key + '-free', 2)
            return
          }
          let passed = false
          if (kind === 'policy') passed = E.isRight(store.limit(policy).checkAndRecord(key))
          else if (kind === 'schedule') passed = E.isRight(store.limit(policy).during(Schedule.weekdays()).checkAndRecord(key))
          else passed = store.limit(policy).allowed(key) && E.isRight(store.record(key))
          if (passed) counted(key, 1)
        }
        for (const s of steps) {
          if (s.kind === 'step') clock.set(clock.now() + s.by)
          else if (s.kind === 'glitch') {
            const before = clock.now()
            for (const event of expected.keys()) idleThroughGlitch.add(event)
            clock.set(before + s.years * YEAR)
            for (const key of ['a', 'b'] as const) for (let i = 0; i < 2; i++) attempt('policy', key)
            attempt('record', 'a')
            clock.set(before)
          } else attempt(s.kind, s.key)
          const exported = store.exportAll()
          for (const event of ['a', 'b', 'a-free', 'b-free']) {
            const counter = exported[event]
            if (counter === undefined && idleThroughGlitch.has(event)) expected.delete(event)
            const [minutes, hours] = counter === undefined ? [[], []] : Counter.toBuckets(counter)
            if (!event.endsWith('-free')) {
              for (const n of minutes!) expect(n).toBeLessThanOrEqual(3)
              for (const n of hours!) expect(n).toBeLessThanOrEqual(20)
            }
            expect(hours!.reduce((a, b) => a + b, 0)).toBe(expected.get(event) ?? 0)
          }
        }
      }),
      { numRuns: 200 }
    )
  })
})
