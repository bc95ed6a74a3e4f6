// The two formats on their own: what the bytes look like, that truncated, garbage and mutated
// bytes give a DecodeError naming the key (never a throw), that another envelope version is
// refused by name, and how many bytes a typical event takes in each.
import * as fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { BincodeFormat, Counter, CounterCodec, DecodeError, Envelope, JsonFormat, Layout } from 'tiny-counter'
import type { Formatter } from 'tiny-counter'
import { counter, orThrow, uniformEvery } from './arbitraries.js'

const MINUTE = 60_000
const DAY = 86_400_000
const now = Date.UTC(2026, 4, 20, 17, 42, 13)
const berlin = Layout.standard({ timeZone: 'Europe/Berlin' })

const recordAll = (layout: Layout.Layout, instants: ReadonlyArray<number>, n = 1): Counter.Counter =>
  instants.reduce((c, at) => orThrow(Counter.record(c, at, n)), Counter.empty(layout))

/** Counters of the default layout (Europe/Berlin) as events are typically used. */
const typical: ReadonlyArray<readonly [string, Counter.Counter]> = [
  ['recorded once, just now', recordAll(berlin, [now])],
  [
    'used daily: 3 times a day for 60 days, 5 times in the last hour',
    recordAll(berlin, [
      ...Array.from({ length: 60 }, (_, d) => [9, 13, 20].map((h) => Date.UTC(2026, 4, 20 - d, h) - 2 * 3_600_000)).flat().filter((t) => t <= now),
      ...Array.from({ length: 5 }, (_, i) => now - i * 11 * MINUTE)
    ])
  ],
  ['busy: every 5 minutes for 400 days (every bucket full)', recordAll(berlin, Array.from({ length: (400 * DAY) / (5 * MINUTE) }, (_, i) => now - i * 5 * MINUTE), 7)]
]

const formats: ReadonlyArray<Formatter> = [JsonFormat, BincodeFormat]
const busy = typical[2]![1]

const expectDecodeError = (result: E.Either<DecodeError, Counter.Counter>, key: string): DecodeError => {
  expect(E.isLeft(result)).toBe(true)
  const error = (result as E.Left<DecodeError>).left
  expect(error).toBeInstanceOf(DecodeError)
  expect(error._tag).toBe('DecodeError')
  expect(error.key).toBe(key)
  return error
}

describe('bytes per typical event', () => {
  it('Bincode takes less than a third of JSON, and a fresh event a few dozen bytes', () => {
    const rows = typical.map(([label, c]) => ({ event: label, json: JsonFormat.serialize(c).length, bincode: BincodeFormat.serialize(c).length }))
    console.log(`bytes per event (default layout, Europe/Berlin):\n${rows.map((r) => `  ${r.event}: JSON ${r.json} B, Bincode ${r.bincode} B`).join('\n')}`)
    for (const row of rows) expect(row.bincode * 3).toBeLessThan(row.json)
    expect(rows[0]!.bincode).toBeLessThan(64)
  })
})

describe.each(formats.map((f) => [f.name, f] as const))('%s', (_name, format) => {
  it('refuses every truncation of a real payload with a DecodeError naming the key', () => {
    for (const [, c] of typical) {
      const bytes = format.serialize(c)
      for (let length = 0; length < bytes.length; length++) expectDecodeError(format.deserialize('cut', bytes.subarray(0, length)), 'cut')
      expect(format.deserialize('whole', bytes)).toEqual(E.right(c))
    }
  })

  it('never throws on garbage bytes: a DecodeError naming the key, or (by chance) a valid counter', () => {
    // Headers of every version read: 3 (written now), 2 and 1 (tiny-counter 0.1.0).
    const headers = [1, 2, 3].map((version) => (format === BincodeFormat ? [0x54, 0x43, version] : [...new TextEncoder().encode(`{"version":${version},"counter":`)]))
    const garbage = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.tuple(fc.constantFrom(...headers), fc.uint8Array({ maxLength: 300 })).map(([header, tail]) => Uint8Array.from([...header, ...tail]))
    )
    fc.assert(
      fc.property(garbage, (bytes) => {
        const result = format.deserialize('garbage', bytes)
        if (E.isLeft(result)) expectDecodeError(result, 'garbage')
        else expect(CounterCodec.Counter.is(result.right)).toBe(true)
      }),
      { numRuns: 2_000 }
    )
  })

  it('never throws on a real payload with bytes changed: each result is an error or a valid counter', () => {
    fc.assert(
      fc.property(counter, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }), (c, changes) => {
        const bytes = format.serialize(c).slice()
        for (const [at, value] of changes) bytes[at % bytes.length] = value
        const result = format.deserialize('mutated', bytes)
        if (E.isLeft(result)) expectDecodeError(result, 'mutated')
        else expect(E.isRight(CounterCodec.Counter.decode(result.right))).toBe(true)
      }),
      { numRuns: 2_000 }
    )
  })

  it('writes the same bytes for equal counters (no field but the counter’s own)', () => {
    const [, c] = typical[1]!
    const decorated = { ...c, extra: 'ignored', layout: { ...c.layout, note: 'ignored' } } as Counter.Counter
    expect(format.serialize(decorated)).toEqual(format.serialize(structuredClone(c)))
  })
})

describe('envelope versions', () => {
  const c = typical[1]![1]
  const jsonWith = (version: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify({ version, counter: Envelope.Codec.encode(Envelope.of(c)).counter }))
  const bincodeWith = (version: number): Uint8Array => {
    const bytes = BincodeFormat.serialize(c).slice()
    bytes[2] = version
    return bytes
  }

  it.each([
    ['json', 4, jsonWith(4)],
    ['bincode', 4, bincodeWith(4)],
    ['json', 0, jsonWith(0)],
    ['bincode', 0, bincodeWith(0)],
    ['bincode', 255, bincodeWith(255)]
  ] as const)('a %s envelope of version %i is refused, naming the version', (name, version, bytes) => {
    const format = name === 'json' ? JsonFormat : BincodeFormat
    const error = expectDecodeError(format.deserialize('old', bytes), 'old')
    expect(error.path).toBe('version')
    expect(error.message).toContain(`version ${version}`)
    expect(error.message).toContain('reads versions 1 to 3 only')
  })

  it('says a newer version comes from a newer tiny-counter', () => {
    expect(expectDecodeError(JsonFormat.deserialize('k', jsonWith(4)), 'k').message).toMatch(/newer tiny-counter/)
    expect(expectDecodeError(BincodeFormat.deserialize('k', bincodeWith(4)), 'k').message).toMatch(/newer tiny-counter/)
  })

  it('reads version 2 (no checksum) and refuses version 3 without its checksum', () => {
    expect(JsonFormat.deserialize('k', jsonWith(2))).toEqual(E.right(c))
    const v3 = BincodeFormat.serialize(c)
    const v2 = Uint8Array.from([...v3.subarray(0, v3.length - 4)].map((b, i) => (i === 2 ? 2 : b)))
    expect(BincodeFormat.deserialize('k', v2)).toEqual(E.right(c))
    expect(expectDecodeError(JsonFormat.deserialize('k', jsonWith(3)), 'k').path).toBe('crc32')
    expect(expectDecodeError(BincodeFormat.deserialize('k', v3.subarray(0, v3.length - 4)), 'k').message).toContain('checksum')
  })

  it('reads the counter of a version 1 envelope in the shape of version 1 only', () => {
    // A counter of the current shape under version 1 is refused at the field version 1 lacks.
    expect(expectDecodeError(JsonFormat.deserialize('k', jsonWith(1)), 'k').path).toBe('counter.counts')
    // The current body under a version byte of 1 is read as version 1 (heads, then counts): here
    // the newest counts are read as the number of count arrays, and the rest does not fit.
    expect(E.isLeft(BincodeFormat.deserialize('k', bincodeWith(1)))).toBe(true)
  })

  it('refuses a JSON envelope without a number version, at the version field', () => {
    expect(expectDecodeError(JsonFormat.deserialize('k', jsonWith('1')), 'k').path).toBe('version')
    const missing = new TextEncoder().encode(JSON.stringify({ counter: c }))
    expect(expectDecodeError(JsonFormat.deserialize('k', missing), 'k').path).toBe('version')
  })
})

describe('JsonFormat', () => {
  const c = typical[0]![1]

  it('writes the envelope as readable JSON', () => {
    const text = new TextDecoder().decode(JsonFormat.serialize(c))
    expect(JSON.parse(text)).toEqual({ version: 3, counter: JSON.parse(JSON.stringify(c)), crc32: expect.any(Number) })
    expect(text.startsWith('{"version":3,"counter":{"layout":{"tracks":')).toBe(true)
    expect(text).toMatch(/\},"crc32":\d+\}$/)
    expect(Object.keys(JSON.parse(text).counter)).toEqual(['layout', 'heads', 'newest', 'older'])
  })

  it('reports bytes that are not UTF-8, and text that is not JSON, at the top', () => {
    const notUtf8 = expectDecodeError(JsonFormat.deserialize('k', Uint8Array.from([0x7b, 0xff, 0x7d])), 'k')
    expect([notUtf8.path, notUtf8.message]).toEqual(['', expect.stringContaining('UTF-8')])
    const notJson = expectDecodeError(JsonFormat.deserialize('k', new TextEncoder().encode('{"version":2,')), 'k')
    expect([notJson.path, notJson.message]).toEqual(['', expect.stringContaining('not JSON')])
  })

  it('reports a hand-edited field at its path (edited by hand: version 2, without a checksum)', () => {
    const edited = (change: (envelope: any) => void): Uint8Array => {
      const envelope = JSON.parse(new TextDecoder().decode(JsonFormat.serialize(c)))
      delete envelope.crc32
      envelope.version = 2
      change(envelope)
      return new TextEncoder().encode(JSON.stringify(envelope))
    }
    expect(expectDecodeError(JsonFormat.deserialize('k', edited((e) => (e.counter.heads = 'x'))), 'k').path).toBe('counter.heads')
    expect(expectDecodeError(JsonFormat.deserialize('k', edited((e) => (e.counter.older[2] = [-1]))), 'k').path).toBe('counter.older.2.0')
    expect(expectDecodeError(JsonFormat.deserialize('k', edited((e) => (e.counter.newest[1] = 0.5))), 'k').path).toBe('counter.newest.1')
    expect(expectDecodeError(JsonFormat.deserialize('k', edited((e) => e.counter.newest.pop())), 'k').path).toBe('counter.newest')
    expect(expectDecodeError(JsonFormat.deserialize('k', edited((e) => (e.counter.older[3] = new Array(12).fill(1)))), 'k').path).toBe('counter.older.3')
    expect(expectDecodeError(JsonFormat.deserialize('k', edited((e) => (e.counter.layout.timeZone = 'Mars/Base'))), 'k').path).toBe('counter.layout.timeZone')
    // Trailing zeros are another writing of the same counter.
    expect(JsonFormat.deserialize('k', edited((e) => e.counter.older[0].push(0, 0)))).toEqual(E.right(c))
  })
})

describe('BincodeFormat', () => {
  const c = typical[0]![1]
  const bytes = BincodeFormat.serialize(c)

  it('starts with the magic "TC" and the version byte 3', () => {
    expect([...bytes.subarray(0, 3)]).toEqual([0x54, 0x43, 3])
    const wrongMagic = bytes.slice()
    wrongMagic[1] = 0x44
    const error = expectDecodeError(BincodeFormat.deserialize('k', wrongMagic), 'k')
    expect([error.path, error.message]).toEqual(['', expect.stringContaining('"TC"')])
  })

  it('refuses bytes after the counter', () => {
    // After a checksum they break it; in version 2, they are left over.
    expect(expectDecodeError(BincodeFormat.deserialize('k', Uint8Array.from([...bytes, 0])), 'k').message).toContain('checksum')
    expect(expectDecodeError(BincodeFormat.deserialize('k', Uint8Array.from([...payload([5], [2], [7], [0]), 0])), 'k').message).toContain('1 unexpected bytes')
  })

  /**
   * A hand-written payload of version 2: uniform, zone "UTC", one track of `seconds` with `buckets`,
   * one head, then the newest counts (one) and the arrays of older counts (one: length, then counts).
   */
  const payload = (buckets: number[], head: number[], newest: number[], older: number[]): Uint8Array =>
    Uint8Array.from([0x54, 0x43, 2, 1, 3, 0x55, 0x54, 0x43, 1, 0, ...buckets, 1, ...head, 1, ...newest, 1, ...older])
  /** The same in version 1 (tiny-counter 0.1.0): one head, then one count array (length, then counts, newest first). */
  const payloadV1 = (buckets: number[], head: number[], counts: number[]): Uint8Array =>
    Uint8Array.from([0x54, 0x43, 1, 1, 3, 0x55, 0x54, 0x43, 1, 0, ...buckets, 1, ...head, 1, ...counts])
  const seconds = { tracks: [{ unit: 'seconds', buckets: 5 }], alignment: 'uniform', timeZone: 'UTC' }

  it('reads a hand-written payload, and reports a bad field at its path', () => {
    const ok = BincodeFormat.deserialize('k', payload([5], [2], [7], [1, 0x80, 0x01]))
    expect(ok).toEqual(E.right({ layout: seconds, heads: [1], newest: [7], older: [[128]] }))
    expect(expectDecodeError(BincodeFormat.deserialize('k', payload([0], [2], [1], [0])), 'k').path).toBe('counter.layout.tracks.0.buckets')
    expect(expectDecodeError(BincodeFormat.deserialize('k', payload([5], [2], [1], [5, 1, 1, 1, 1, 1])), 'k').path).toBe('counter.older.0')
    const unknownUnit = Uint8Array.from(payload([5], [2], [1], [0]).map((b, i) => (i === 9 ? 7 : b)))
    expect(expectDecodeError(BincodeFormat.deserialize('k', unknownUnit), 'k').path).toBe('counter.layout.tracks.0.unit')
    const unknownAlignment = Uint8Array.from(payload([5], [2], [1], [0]).map((b, i) => (i === 3 ? 2 : b)))
    expect(expectDecodeError(BincodeFormat.deserialize('k', unknownAlignment), 'k').path).toBe('counter.layout.alignment')
    const badZone = Uint8Array.from(payload([5], [2], [1], [0]).map((b, i) => (i === 5 ? 0xff : b)))
    expect(expectDecodeError(BincodeFormat.deserialize('k', badZone), 'k').path).toBe('counter.layout.timeZone')
    // Truncated in the newest counts or in the older ones.
    const newestCut = payload([5], [2], [0x87], [0]).subarray(0, 15)
    expect(expectDecodeError(BincodeFormat.deserialize('k', newestCut), 'k').path).toBe('counter.newest.0')
    const olderCut = payload([5], [2], [1], [2, 3])
    expect(expectDecodeError(BincodeFormat.deserialize('k', olderCut), 'k').path).toBe('counter.older.0')
  })

  it('reads a hand-written payload of version 1, converted, and reports a bad field at its version-1 path', () => {
    const ok = BincodeFormat.deserialize('k', payloadV1([5], [2], [2, 7, 0x80, 0x01]))
    expect(ok).toEqual(E.right({ layout: seconds, heads: [1], newest: [7], older: [[128]] }))
    expect(BincodeFormat.deserialize('k', payloadV1([5], [2], [4, 0, 3, 0, 0]))).toEqual(E.right({ layout: seconds, heads: [1], newest: [0], older: [[3]] }))
    expect(BincodeFormat.deserialize('k', payloadV1([5], [2], [0]))).toEqual(E.right({ layout: seconds, heads: [1], newest: [0], older: [[]] }))
    expect(BincodeFormat.deserialize('k', Uint8Array.from([0x54, 0x43, 1, 1, 3, 0x55, 0x54, 0x43, 1, 0, 5, 0, 0]))).toEqual(
      E.right({ layout: seconds, heads: [], newest: [], older: [] })
    )
    expect(expectDecodeError(BincodeFormat.deserialize('k', payloadV1([5], [2], [6, 1, 1, 1, 1, 1, 1])), 'k').path).toBe('counter.counts.0')
    expect(expectDecodeError(BincodeFormat.deserialize('k', payloadV1([5], [2], [2, 1])), 'k').path).toBe('counter.counts.0')
    expect(expectDecodeError(BincodeFormat.deserialize('k', payloadV1([0], [2], [1, 7])), 'k').path).toBe('counter.layout.tracks.0.buckets')
    expect(expectDecodeError(BincodeFormat.deserialize('k', Uint8Array.from([...payloadV1([5], [2], [1, 7]), 0])), 'k').message).toContain('1 unexpected bytes')
  })

  it('keeps counts up to Number.MAX_SAFE_INTEGER exact and refuses larger ones', () => {
    const max = Number.MAX_SAFE_INTEGER
    const big = {
      layout: uniformEvery,
      heads: uniformEvery.tracks.map(() => 0),
      newest: uniformEvery.tracks.map(() => max),
      older: uniformEvery.tracks.map((t) => [max - 1, 2 ** 52, 2 ** 32 + 1, 2 ** 31, 127, 128].slice(0, t.buckets - 1))
    }
    expect(BincodeFormat.deserialize('k', BincodeFormat.serialize(big))).toEqual(E.right(big))
    // 2^53 as a varint: seven 0x80 bytes and then 0x10.
    const tooBig = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10]
    expect(expectDecodeError(BincodeFormat.deserialize('k', payload([5], [2], tooBig, [0])), 'k').message).toContain('MAX_SAFE_INTEGER')
    expect(expectDecodeError(BincodeFormat.deserialize('k', payload([5], [2], [1], [1, ...tooBig])), 'k').message).toContain('MAX_SAFE_INTEGER')
    expect(expectDecodeError(BincodeFormat.deserialize('k', payloadV1([5], [2], [1, ...tooBig])), 'k').message).toContain('MAX_SAFE_INTEGER')
    expect(expectDecodeError(BincodeFormat.deserialize('k', payload([5], [2], [0x87, 0x00], [0])), 'k').message).toContain('needless bytes')
    expect(expectDecodeError(BincodeFormat.deserialize('k', payload([5], [2], [1], [1, 0x87, 0x00])), 'k').message).toContain('needless bytes')
    const nineBytes = [0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]
    expect(expectDecodeError(BincodeFormat.deserialize('k', payload([5], [2], [1], [1, ...nineBytes])), 'k').message).toContain('longer than 8 bytes')
    expect(expectDecodeError(BincodeFormat.deserialize('k', payloadV1([5], [2], [1, ...nineBytes])), 'k').message).toContain('longer than 8 bytes')
  })

  it('keeps every head exact (zigzag varints past 2^53), and refuses one outside its unit’s instant range', () => {
    const head = fc.oneof(
      fc.integer({ min: -8.64e15, max: 8.64e15 }),
      fc.integer({ min: -8.64e12, max: 8.64e12 }),
      fc.constantFrom(0, -1, 1, 63, -63, 64, -64, 65, -65, 2 ** 31, -(2 ** 31), 2 ** 32 + 1, -(2 ** 32) - 1, 8.64e12, -8.64e12, 8.64e12 + 1, 8.64e15, -8.64e15, 4.5e15 + 1, -4.5e15 - 1)
    )
    // Seconds hold the instants ±8.64e15 ms in the buckets ±8.64e12.
    const one = orThrow(Layout.make({ seconds: 1 }, { alignment: 'uniform', timeZone: 'UTC' }))
    fc.assert(
      fc.property(head, (h) => {
        const c = { layout: one, heads: [h], newest: [1], older: [[]] }
        const decoded = BincodeFormat.deserialize('k', BincodeFormat.serialize(c))
        if (Math.abs(h) <= 8.64e12) expect(decoded).toEqual(E.right(c))
        else {
          const error = expectDecodeError(decoded, 'k')
          expect([error.path, error.message]).toEqual(['counter.heads.0', `cannot decode "k" at counter.heads.0: the seconds head ${h} is outside the instant range of seconds (-8640000000000 to 8640000000000)`])
        }
      }),
      { numRuns: 1_000 }
    )
  })

  it('refuses to write what is not a counter rather than write wrong bytes', () => {
    expect(() => BincodeFormat.serialize({ ...c, newest: [-1, 0, 0, 0] })).toThrow(RangeError)
    expect(() => BincodeFormat.serialize({ ...c, older: [[-1], [], [], []] })).toThrow(RangeError)
    expect(() => BincodeFormat.serialize({ ...c, heads: [0.5, 0, 0, 0] })).toThrow(RangeError)
  })
})
