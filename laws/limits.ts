// Limits on a store, as data fast-check can print and shrink: rules, the world they are checked in
// (a store with a history around DST changes in four zones), and the limit built from them. Shared
// by the limit properties (test/limit.properties.test.ts) and the refinement law of count plans
// (laws/refinement/plans.test.ts).
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { EventStore, Schedule, TestClock } from 'tiny-counter'
import type { LimitBuilder } from 'tiny-counter'

export const M = 60_000
export const H = 60 * M
const D = 24 * H
const EVENTS = ['api', 'login', 'reset'] as const
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe'] as const

export const orThrow = <A>(e: E.Either<Error, A>): A => {
  if (E.isLeft(e)) throw e.left
  return e.right
}

/** A limit description: data, so fast-check can print and shrink it. */
export type Rule =
  | { kind: 'atMost'; event: string; limit: number; window: 'minutes' | 'hours' | 'days' | readonly [number, 'minutes' | 'hours' | 'days'] | { minutes: number } }
  | { kind: 'cooldown'; event: string; minutes: number }
  | { kind: 'during' | 'outsideOf'; schedule: 'business' | 'businessLocal' | 'weekdaysLocal' | 'weekends' }
  | { kind: 'atLeast'; event: string; limit: number }
  | { kind: 'within'; event: string; minutes: number }

export const schedules = {
  business: () => orThrow(Schedule.hours(9, 17)),
  businessLocal: () => orThrow(Schedule.hoursLocalTz(9, 17)),
  weekdaysLocal: () => Schedule.weekdaysLocalTz(),
  weekends: () => Schedule.weekends()
} as const

export const apply = (limit: LimitBuilder, rule: Rule): LimitBuilder => {
  switch (rule.kind) {
    case 'atMost':
      return limit.atMost(rule.event, rule.limit, rule.window)
    case 'cooldown':
      return limit.cooldown(rule.event, { minutes: rule.minutes })
    case 'during':
      return limit.during(schedules[rule.schedule]())
    case 'outsideOf':
      return limit.outsideOf(schedules[rule.schedule]())
    case 'atLeast':
      return limit.atLeast(rule.event, rule.limit, 'days')
    case 'within':
      return limit.within(rule.event, { minutes: rule.minutes })
  }
}

export const event = fc.constantFrom(...EVENTS)
export const atMost = fc.record({
  kind: fc.constant('atMost' as const),
  event,
  limit: fc.integer({ min: 1, max: 6 }),
  window: fc.oneof(
    fc.constantFrom('minutes' as const, 'hours' as const, 'days' as const),
    fc.tuple(fc.integer({ min: 1, max: 24 }), fc.constantFrom('minutes' as const, 'hours' as const)),
    fc.integer({ min: 1, max: 59 }).map((minutes) => ({ minutes }))
  )
})
export const cooldown = fc.record({ kind: fc.constant('cooldown' as const), event, minutes: fc.integer({ min: 1, max: 180 }) })
export const schedule = fc.record({
  kind: fc.constantFrom('during' as const, 'outsideOf' as const),
  schedule: fc.constantFrom('business' as const, 'businessLocal' as const, 'weekdaysLocal' as const, 'weekends' as const)
})
export const prerequisite = fc.oneof(
  fc.record({ kind: fc.constant('atLeast' as const), event, limit: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('within' as const), event, minutes: fc.integer({ min: 1, max: 120 }) })
)
/** Rules whose refusals only time can lift (no prerequisites). */
export const limiting: fc.Arbitrary<Rule> = fc.oneof(atMost, atMost, cooldown, schedule)
export const anyRule: fc.Arbitrary<Rule> = fc.oneof(atMost, cooldown, schedule, prerequisite)

/** A store with a history: events recorded in the last days, up to now. */
export const world = fc.record({
  zone: fc.constantFrom(...ZONES),
  // Around DST changes and ordinary days of 2024-2026.
  now: fc.oneof(
    fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2026, 11, 31) }),
    fc.constantFrom(Date.UTC(2024, 2, 31, 0, 59), Date.UTC(2024, 9, 27, 1), Date.UTC(2024, 2, 10, 7), Date.UTC(2024, 9, 5, 15, 29)).chain((t) =>
      fc.integer({ min: -3 * H, max: 3 * H }).map((d) => t + d)
    )
  ),
  history: fc.array(fc.tuple(event, fc.integer({ min: 0, max: 3 * D }), fc.integer({ min: 1, max: 3 })), { maxLength: 25 })
})

export const build = ({ zone, now, history }: { zone: string; now: number; history: ReadonlyArray<readonly [string, number, number]> }) => {
  const clock = TestClock.at(now)
  const store = EventStore.builder().withClock(clock.copy()).timeZone(zone).build()
  for (const [e, ago, n] of history) orThrow(store.recordCountAt(e, n, now - ago))
  return { clock, store }
}

export const limitOf = (store: EventStore, rules: ReadonlyArray<Rule>): LimitBuilder => rules.reduce(apply, store.limit())
