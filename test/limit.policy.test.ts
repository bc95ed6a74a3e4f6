// Key-free policies (`Limit.policy()`, `store.limit(policy)`) and how often the store plans a limit:
// once per policy, whether the policy can be planned or not (a schedule), and once for a limit of
// the same shape built on every call.
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { describe, expect, it } from 'vitest'
import { EventStore, Limit, Schedule, TestClock } from 'tiny-counter'
import { planningCount } from 'tiny-counter/store/table/countPlan'

const monday = Date.UTC(2026, 0, 5, 10, 0, 20)
const storeAt = (at: number = monday): { store: EventStore; clock: TestClock } => {
  const clock = TestClock.at(at)
  return { store: EventStore.builder().withClock(clock).timeZone('UTC').build(), clock }
}
const tag = (r: E.Either<{ _tag: string }, unknown>): string => (E.isLeft(r) ? r.left._tag : 'passed')

describe('a key-free policy', () => {
  it('counts each key on its own, with the meaning of the event-naming limit', () => {
    const { store } = storeAt()
    const { store: twin } = storeAt()
    const perUser = Limit.policy().atMost(3, 'minutes').atMost(5, 'hours')
    for (let i = 0; i < 12; i++) {
      const key = `api:${i % 2}`
      const ours = store.limit(perUser).checkAndRecord(key)
      const named = twin.limit().atMost(key, 3, 'minutes').atMost(key, 5, 'hours').checkAndRecord(key)
      expect(ours).toEqual(named)
    }
    expect(store.query('api:0').lastHours(1).sum()).toEqual(O.some(3))
    expect(store.query('api:1').lastHours(1).sum()).toEqual(O.some(3))
    expect(store.exportAll()).toEqual(twin.exportAll())
  })

  it('names the failed rule on the checked key, with an exact retryAfter', () => {
    const { store } = storeAt()
    const perUser = Limit.policy().atMost(1, 'minutes')
    expect(tag(store.limit(perUser).checkAndRecord('api:7'))).toBe('passed')
    const refused = store.limit(perUser).checkAndRecord('api:7')
    expect(E.isLeft(refused) && refused.left._tag === 'LimitExceeded' && [refused.left.event, refused.left.constraint, refused.left.retryAfter]).toEqual([
      'api:7',
      { _tag: 'AtMost', event: 'api:7', limit: 1, span: { _tag: 'Buckets', unit: 'minutes', buckets: 1 } },
      O.some(40_000)
    ])
  })

  it('mixes with rules that name their event, and serves usage, reserve and allowed', () => {
    const { store } = storeAt()
    const perUser = Limit.policy().atMost(2, 'hours')
    const api = store.limit(perUser).atMost('api:all', 3, 'hours')
    expect(tag(api.checkAndRecord('api:alice'))).toBe('passed')
    store.record('api:all')
    expect(tag(api.checkAndRecord('api:bob'))).toBe('passed')
    store.record('api:all')
    expect(api.usage('api:alice')).toEqual(E.right({ count: 1, limit: 2, remaining: 1 }))
    const held = api.reserve('api:alice')
    expect(E.isRight(held)).toBe(true)
    expect(api.allowed('api:alice')).toBe(false) // 1 recorded + 1 held
    expect(tag(api.check('api:carol'))).toBe('passed') // api:all holds 2 of 3
    store.record('api:all')
    expect(tag(api.check('api:carol'))).toBe('LimitExceeded')
  })

  it('refuses invalid rules and keys with typed errors and records nothing', () => {
    const { store } = storeAt()
    expect(tag(store.limit(Limit.policy().atMost(-1, 'minutes')).checkAndRecord('api:1'))).toBe('InvalidCount')
    expect(tag(store.limit(Limit.policy().atMost(1, 'fortnights' as never)).checkAndRecord('api:1'))).toBe('UnknownUnit')
    expect(tag(store.limit(Limit.policy().atMost(1, 'weeks')).checkAndRecord('api:1'))).toBe('UntrackedWindow')
    expect(tag(store.limit(Limit.policy().cooldown({ months: 1 })).checkAndRecord('api:1'))).toBe('InvalidDuration')
    expect(tag(store.limit(Limit.policy().during(Schedule.hours(9, 24))).checkAndRecord('api:1'))).toBe('InvalidHour')
    expect(tag(store.limit(Limit.policy().atMost(1, 'minutes')).checkAndRecord(''))).toBe('InvalidEventName')
    expect(tag(store.limit().atMost(7 as never, 1, 'minutes').checkAndRecord('api:1'))).toBe('InvalidEventName')
    expect(tag(store.limit().atMost(undefined as never, 1, 'minutes').checkAndRecord('api:1'))).toBe('InvalidEventName')
    expect(tag(store.limit().during(Schedule.weekdays()).cooldown('' as never, { hours: 1 }).check('api:1'))).toBe('InvalidEventName')
    expect(store.events()).toEqual([])
  })

  it('gives Limit.check its rules on one key, for a store-free reducer', () => {
    const perUser = Limit.policy().atMost(1, 'minutes').during(Schedule.weekdays())
    expect(perUser.on('api:1')).toEqual([Limit.atMost('api:1', 1, 'minutes'), Limit.during(Schedule.weekdays())])
  })
})

describe('planning', () => {
  it('plans a limit with a schedule once (it cannot be planned, and that is remembered), not at every call', () => {
    const { store } = storeAt()
    const before = planningCount()
    const api = store.limit().atMost('api', 100, 'minutes').atMost('api', 1000, 'hours').during(Schedule.weekdaysLocalTz())
    for (let i = 0; i < 50; i++) expect(tag(api.checkAndRecord('api'))).toBe('passed')
    expect(planningCount() - before).toBe(1)
  })

  it('plans a policy once per store, whatever the keys', () => {
    const { store } = storeAt()
    const { store: other } = storeAt()
    const perUser = Limit.policy().atMost(10, 'minutes').atMost(100, 'hours')
    const before = planningCount()
    for (let i = 0; i < 200; i++) store.limit(perUser).checkAndRecord(`api:${i % 20}`)
    expect(planningCount() - before).toBe(1)
    other.limit(perUser).check('api:1')
    expect(planningCount() - before).toBe(2)
  })

  it('plans a limit built on every call once when its windows are units, and shares the policy', () => {
    const { store } = storeAt()
    const before = planningCount()
    for (let i = 0; i < 200; i++) {
      const key = `key:${i % 20}`
      store.limit().atMost(key, 10, 'minutes').atMost(key, 100, 'hours').checkAndRecord(key)
    }
    expect(planningCount() - before).toBe(1)
    expect(store.query('key:3').lastHours(1).sum()).toEqual(O.some(10))
  })
})
