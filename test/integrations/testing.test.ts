// tiny-counter/testing as its users meet it: the instants it draws hit the boundaries it promises
// (DST changes, local midnights, month ends, leap days), counters come from clustered histories,
// and each law passes on the real library and fails on a broken monoid, formatter or codec.
import * as fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { Temporal } from '@js-temporal/polyfill'
import { describe, expect, it } from 'vitest'
import { BincodeFormat, Counter, CounterCodec, DecodeError, Envelope, JsonFormat, Layout, TestClock as MainTestClock } from 'tiny-counter'
import type { Formatter } from 'tiny-counter'
import {
  TestClock,
  codecRoundTrip,
  commutativeMonoid,
  counter,
  counterMonoid,
  counters,
  formatterRoundTrip,
  instant,
  layouts,
  transitionsOf
} from 'tiny-counter/testing'

const failed = (property: fc.IProperty<any>): boolean => fc.check(property, { numRuns: 300, seed: 42 }).failed

describe('instants', () => {
  const berlin = Layout.standard({ timeZone: 'Europe/Berlin' })
  const drawn = fc.sample(instant(berlin), { numRuns: 3000, seed: 11 })
  const local = (t: number) => Temporal.Instant.fromEpochMilliseconds(t).toZonedDateTimeISO('Europe/Berlin')

  it('land on offset transitions and a millisecond either side', () => {
    const transitions = new Set(transitionsOf('Europe/Berlin'))
    for (const d of [0, -1, 1]) expect(drawn.filter((t) => transitions.has(t + d)).length).toBeGreaterThan(5)
  })

  it('land on local midnights, month starts, the last millisecond of months, and leap days', () => {
    const midnight = (t: number) => local(t).toPlainTime().equals(Temporal.PlainTime.from('00:00'))
    expect(drawn.filter(midnight).length).toBeGreaterThan(100)
    expect(drawn.filter((t) => midnight(t) && local(t).day === 1).length).toBeGreaterThan(30)
    expect(drawn.filter((t) => midnight(t + 1) && local(t + 1).day === 1).length).toBeGreaterThan(3)
    expect(drawn.filter((t) => midnight(t) && local(t).month === 2 && local(t).day === 29).length).toBeGreaterThan(0)
    expect(drawn.filter((t) => midnight(t) && local(t).hoursInDay !== 24).length).toBeGreaterThan(5) // DST days
  })

  it('come from every year of 2005–2035 sometimes, not only from anchors', () => {
    expect(new Set(drawn.map((t) => new Date(t).getUTCFullYear())).size).toBeGreaterThan(25)
  })
})

describe('counters', () => {
  it('are well formed, of the listed layouts, and decode after JSON', () => {
    fc.assert(
      fc.property(counter(), (c) => layouts.includes(c.layout) && E.isRight(CounterCodec.Counter.decode(JSON.parse(JSON.stringify(c))))),
      { numRuns: 300 }
    )
  })

  it('come n at a time in one layout, clustered so that they share buckets', () => {
    const drawn = fc.sample(counters(3), { numRuns: 300, seed: 5 })
    expect(drawn.every((cs) => cs.length === 3 && cs.every((c) => c.layout === cs[0]!.layout))).toBe(true)
    // The newest bucket of the coarsest unit is the same in most pairs that both hold something.
    const both = drawn.filter(([a, b]) => a!.heads.length > 0 && b!.heads.length > 0)
    const sharing = both.filter(([a, b]) => a!.heads.at(-1) === b!.heads.at(-1))
    expect(both.length).toBeGreaterThan(150)
    expect(sharing.length).toBeGreaterThan(both.length / 2)
  })

  it('print as the history that built them', () => {
    const result = fc.check(
      fc.property(counter(), (c) => c.heads.length === 0),
      { numRuns: 300, seed: 3 }
    )
    expect(result.failed).toBe(true)
    expect(fc.stringify(result.counterexample![0])).toMatch(/^Scene\(.*record\(\d+ \/\* \d{4}-/)
  })
})

describe('the laws', () => {
  it('hold for the counters’ monoid and fail for a monoid that is not commutative', () => {
    for (const law of Object.values(counterMonoid())) fc.assert(law, { numRuns: 200 })
    const layout = Layout.utc
    const leftBiased = { concat: (x: Counter.Counter, y: Counter.Counter) => (Counter.isEmpty(x) ? y : x), empty: Counter.empty(layout) }
    const laws = commutativeMonoid(leftBiased, Counter.Eq, counter({ layouts: [layout] }))
    expect(Object.keys(laws)).toEqual(['concat is associative', 'concat is commutative', 'empty is a left identity', 'empty is a right identity'])
    expect(failed(laws['concat is commutative']!)).toBe(true)
    expect(failed(laws['concat is associative']!)).toBe(false)
  })

  it('hold for both formats, and fail for a formatter that loses old buckets', () => {
    fc.assert(formatterRoundTrip(JsonFormat), { numRuns: 200 })
    fc.assert(formatterRoundTrip(BincodeFormat), { numRuns: 200 })
    const lossy: Formatter = {
      ...JsonFormat,
      serialize: (c) => JsonFormat.serialize({ ...c, older: c.older.map(() => []) })
    }
    expect(failed(formatterRoundTrip(lossy))).toBe(true)
    const refusing: Formatter = { ...JsonFormat, deserialize: (key) => E.left(new DecodeError(key, '', 'never')) }
    expect(failed(formatterRoundTrip(refusing))).toBe(true)
  })

  it('hold for the codecs, and fail for a codec whose output does not survive JSON', () => {
    fc.assert(codecRoundTrip(CounterCodec.Counter, Counter.Eq, counter()), { numRuns: 200 })
    const EnvelopeEq = { equals: (x: Envelope.Envelope, y: Envelope.Envelope) => x.version === y.version && Counter.Eq.equals(x.counter, y.counter) }
    fc.assert(codecRoundTrip(Envelope.Codec, EnvelopeEq, counter().map(Envelope.of)), { numRuns: 200 })
    const viaMap = {
      encode: (c: Counter.Counter) => new Map(Object.entries(c)),
      decode: (u: unknown) => (u instanceof Map ? CounterCodec.Counter.decode(Object.fromEntries(u)) : E.left('not a map'))
    }
    expect(failed(codecRoundTrip(viaMap, Counter.Eq, counter()))).toBe(true)
  })
})

it('re-exports the TestClock of the main entry', () => {
  expect(TestClock).toBe(MainTestClock)
})
