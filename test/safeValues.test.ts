// Validated values are safe values (issue 14, item 2): what the codecs accept keeps documented
// bounds, the calendar answers for every finite number with no untyped RangeError, a value nested
// thousands deep is refused with a DecodeError (the error message does not overflow the stack),
// and a flipped bit in a stored value is refused (CRC-32 in both formats). The hostile corpus
// (test/fuzz/hostile.test.ts) runs every operation on what is accepted.
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { describe, expect, it } from 'vitest'
import { BincodeFormat, Calendar, Counter, CounterCodec, Envelope, EventStore, JsonFormat, Layout, Limit, MemoryStorage, TestClock } from 'tiny-counter'
import type { Formatter } from 'tiny-counter'

const at = Date.UTC(2026, 5, 1, 12, 30)

/** A value nested `depth` arrays deep, parsed from text (building it in JS recursion-free). */
const nested = (depth: number): unknown => JSON.parse('['.repeat(depth) + '1' + ']'.repeat(depth))

describe('the calendar answers for every finite number', () => {
  // The grids themselves (Calendar.grid): Calendar.bucketIndex, bucketStart and bucketEnd refuse
  // what lies outside the instant range (test/hostile.instants.test.ts).
  it('finds the start of a bucket index far outside the instant range at once, without a RangeError', () => {
    for (const unit of ['days', 'weeks', 'months', 'years', 'hours'] as const) {
      const grid = Calendar.grid('calendar', 'Europe/Berlin', unit)
      const [first, last] = Calendar.indexRange('calendar', 'Europe/Berlin', unit)
      expect(grid.start(first)).toBe(Calendar.MIN_INSTANT)
      expect(grid.start(first - 10 ** 15)).toBe(Calendar.MIN_INSTANT)
      expect(grid.start(last)).toBeLessThanOrEqual(Calendar.MAX_INSTANT)
      const beyond = grid.start(last + 10 ** 12)
      expect(beyond).toBeGreaterThan(Calendar.MAX_INSTANT)
      expect(grid.index(beyond)).toBeGreaterThan(last)
    }
  })

  it('indexes instants past Temporal’s range with the offset of its nearest end, and refuses NaN with a typed error', () => {
    expect(Calendar.grid('calendar', 'Europe/Berlin', 'days').index(9e15)).toBe(Math.floor((9e15 + 3_600_000) / 86_400_000))
    expect(() => Calendar.bucketIndex('calendar', 'Europe/Berlin', 'days', Number.NaN)).toThrow(expect.objectContaining({ _tag: 'InvalidInstant' }))
  })

  it('gives the instant range of each unit: the buckets of ±8.64e15 ms', () => {
    expect(Calendar.indexRange('uniform', 'UTC', 'seconds')).toEqual([-8.64e12, 8.64e12])
    const [first, last] = Calendar.indexRange('calendar', 'Pacific/Kiritimati', 'minutes')
    expect(Calendar.bucketIndex('calendar', 'Pacific/Kiritimati', 'minutes', Calendar.MIN_INSTANT)).toBe(first)
    expect(Calendar.bucketIndex('calendar', 'Pacific/Kiritimati', 'minutes', Calendar.MAX_INSTANT)).toBe(last)
  })
})

describe('the codecs accept only bounded values', () => {
  const refused = (input: unknown): readonly [string, string] => {
    const result = CounterCodec.decode('k', input)
    if (E.isRight(result)) throw new Error('accepted')
    return [result.left.path, result.left.message]
  }
  const one = (tracks: ReadonlyArray<{ unit: string; buckets: number }>, heads: number[]) => ({
    layout: { tracks, alignment: 'calendar', timeZone: 'UTC' },
    heads,
    newest: heads.map(() => 1),
    older: heads.map(() => [])
  })

  it('refuses a unit of more than 100,000 buckets, and more than 200,000 in all, naming the field', () => {
    expect(refused(one([{ unit: 'minutes', buckets: Number.MAX_SAFE_INTEGER }], [0]))).toEqual(['layout.tracks.0.buckets', expect.stringContaining('a unit holds 1 to 100000 buckets, got 9007199254740991')])
    expect(refused(one([{ unit: 'seconds', buckets: 100_000 }, { unit: 'minutes', buckets: 100_000 }, { unit: 'hours', buckets: 1 }], [0, 0, 0]))).toEqual([
      'layout.tracks',
      expect.stringContaining('at most 200000 buckets in all, got 200001')
    ])
    expect(E.isRight(CounterCodec.decode('k', one([{ unit: 'minutes', buckets: 100_000 }], [0])))).toBe(true)
  })

  it('refuses a head outside its unit’s instant range, naming it', () => {
    const [, last] = Calendar.indexRange('calendar', 'UTC', 'months')
    expect(E.isRight(CounterCodec.decode('k', one([{ unit: 'months', buckets: 12 }], [last])))).toBe(true)
    expect(refused(one([{ unit: 'months', buckets: 12 }], [last + 1]))).toEqual(['heads.0', expect.stringContaining(`the months head ${last + 1} is outside the instant range of months`)])
    expect(refused(one([{ unit: 'days', buckets: 7 }, { unit: 'months', buckets: 12 }], [0, 8e15]))[0]).toBe('heads.1')
    // The same through the envelope (both fast and slow paths) and a version-1 counter.
    const envelope = Envelope.decode('k', { version: 2, counter: one([{ unit: 'months', buckets: 12 }], [8.64e15]) })
    expect(E.isLeft(envelope) && envelope.left.path).toBe('counter.heads.0')
    const v1 = Envelope.decode('k', { version: 1, counter: { layout: Layout.utc, heads: [0, 0, 0, -8.64e15], counts: [[], [], [], []] } })
    expect(E.isLeft(v1) && v1.left.path).toBe('counter.heads.3')
  })

  it('refuses values nested 5,000 deep with a DecodeError, in the codec, the formats, importAll and a store’s load', async () => {
    const counter = { ...Counter.empty(Layout.utc), heads: nested(5_000) }
    const decoded = CounterCodec.decode('deep', counter)
    expect(E.isLeft(decoded) && decoded.left.path).toBe('heads.0')
    expect(E.isLeft(decoded) && decoded.left.message.length).toBeLessThan(300)
    const text = `{"version":2,"counter":{"layout":${JSON.stringify(Layout.utc)},"heads":${'['.repeat(5_000)}1${']'.repeat(5_000)},"newest":[],"older":[]}}`
    const bytes = new TextEncoder().encode(text)
    expect(E.isLeft(JsonFormat.deserialize('deep', bytes))).toBe(true)
    const store = EventStore.builder().withClock(TestClock.at(at)).build()
    const imported = store.importAll({ deep: counter })
    expect(E.isLeft(imported) && imported.left._tag).toBe('DecodeError')
    const storage = new MemoryStorage()
    await storage.save('deep', bytes)
    await storage.save('fine', JsonFormat.serialize(E.getOrElseW(() => Counter.empty(Layout.utc))(Counter.singleton(Layout.utc, at, 2))))
    const loaded = await EventStore.builder().withStorage(storage).withFormat(JsonFormat).withClock(TestClock.at(at)).timeZone('UTC').build()
    expect(loaded.loadErrors.map((e) => [e.key, e.path])).toEqual([['deep', 'counter.heads.0']])
    expect(loaded.events()).toEqual(['fine'])
  })
})

describe('counts of 2^53 - 1 saturate', () => {
  it('in a limit’s usage and in a store’s, rather than passing MAX_COUNT', () => {
    const max = Counter.MAX_COUNT
    const hours = Calendar.bucketIndex('calendar', 'UTC', 'hours', at)
    const full = Counter.fromBuckets(Layout.utc, Layout.utc.tracks.map((t) => Calendar.bucketIndex('calendar', 'UTC', t.unit, at)), Layout.utc.tracks.map(() => [max, max, max]))
    expect(full.heads[1]).toBe(hours)
    const rule = Limit.atMost('api', 10, [24, 'hours'])
    if (E.isLeft(rule)) throw rule.left
    expect(Limit.usage([rule.right], { counterOf: () => full }, at, Layout.utc)).toEqual(E.right(O.some({ count: max, limit: 10, remaining: 0 })))
    const store = EventStore.builder().withClock(TestClock.at(at)).timeZone('UTC').build()
    expect(E.isRight(store.importEvent('api', full))).toBe(true)
    expect(store.limit().atMost('api', 10, [24, 'hours']).usage('api')).toEqual(E.right({ count: max, limit: 10, remaining: 0 }))
    expect(store.query('api').lastHours(24).sum()).toEqual(O.some(max))
  })
})

describe('a checksum in both formats', () => {
  const counters = [
    E.getOrElseW(() => Counter.empty(Layout.utc))(Counter.singleton(Layout.utc, at, 3)),
    Counter.fromBuckets(Layout.standard({ timeZone: 'Europe/Berlin' }), [29_671_950, 494_532, 20_605, 677], [[1, 0, 4], [2, 2, 2, 0, 9], [300, 0, 0, 1], [12, 0, 7]])
  ]

  /** The share of the single-bit flips of each counter's bytes that `format` refuses. */
  const refusedFlips = (format: Formatter): number => {
    let flips = 0
    let refused = 0
    for (const counter of counters) {
      const bytes = format.serialize(counter)
      for (let i = 0; i < bytes.length; i++) {
        for (let bit = 0; bit < 8; bit++) {
          const flipped = bytes.slice()
          flipped[i]! ^= 1 << bit
          flips++
          if (E.isLeft(format.deserialize('k', flipped))) refused++
        }
      }
    }
    return refused / flips
  }

  it.each([JsonFormat, BincodeFormat].map((f) => [f.name, f] as const))('%s refuses every single-bit flip', (_name, format) => {
    expect(refusedFlips(format)).toBe(1)
  })

  it('still reads version 2, which has no checksum', () => {
    for (const counter of counters) {
      const json = new TextEncoder().encode(JSON.stringify({ version: 2, counter }))
      expect(JsonFormat.deserialize('k', json)).toEqual(E.right(counter))
      const bin = BincodeFormat.serialize(counter)
      const v2 = Uint8Array.from(bin.subarray(0, bin.length - 4), (b, i) => (i === 2 ? 2 : b))
      expect(BincodeFormat.deserialize('k', v2)).toEqual(E.right(counter))
    }
  })
})
