// The counter and envelope codecs check a valid value in one pass (src/internal/knownShapes.ts) and
// leave anything else to io-ts. Whatever the input, they must decode exactly as the plain io-ts
// codecs they were first written as (rebuilt below from the exported parts): the same value for a
// valid input, the same first error (path and message) for an invalid one. Checked on random
// counters and on random corruptions of them, and on a few layouts decoded many times.
import * as fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts/lib/index.js'
import { describe, expect, it } from 'vitest'
import { BincodeFormat, Calendar, Counter, CounterCodec, Envelope, JsonFormat, Layout, TimeUnit as Units } from 'tiny-counter'
import * as Testing from 'tiny-counter/testing'
import { counter, layouts, orThrow } from './arbitraries.js'

// ----------------------------------------------------------------------------------------------
// the reference: the codecs as plain io-ts, as they were written before the fast path
// ----------------------------------------------------------------------------------------------

const rankOf = (unit: string): number => Units.all.indexOf(unit as never)
const Track = t.readonly(t.strict({ unit: CounterCodec.TimeUnit, buckets: CounterCodec.BucketCount }, 'Track'))
const LayoutShape = t.strict({ tracks: t.readonlyArray(Track), alignment: t.keyof({ calendar: null, uniform: null }), timeZone: CounterCodec.TimeZone })
const ReferenceLayout = new t.Type<Layout.Layout, Layout.Layout, unknown>(
  'Layout',
  (u): u is Layout.Layout => E.isRight(LayoutShape.decode(u)),
  (u, c) =>
    E.flatMap(LayoutShape.validate(u, c), (layout) =>
      layout.tracks.length === 0
        ? t.failure(u, t.appendContext(c, 'tracks', LayoutShape.type.props.tracks, layout.tracks), 'a layout tracks at least one unit')
        : layout.tracks.some((track, i) => i > 0 && rankOf(track.unit) <= rankOf(layout.tracks[i - 1]!.unit))
          ? t.failure(u, t.appendContext(c, 'tracks', LayoutShape.type.props.tracks, layout.tracks), 'units must be listed once each, finest first')
          : layout.tracks.reduce((n, track) => n + track.buckets, 0) > Layout.MAX_TOTAL_BUCKETS
            ? t.failure(u, t.appendContext(c, 'tracks', LayoutShape.type.props.tracks, layout.tracks), `a layout holds at most 200000 buckets in all, got ${layout.tracks.reduce((n, track) => n + track.buckets, 0)}`)
            : t.success(layout)
    ),
  t.identity
)

/** Heads within the instant range of their units (Calendar.indexRange), or the failure at the first one outside. */
const headsInRange = <A>(c: t.Context, layout: Layout.Layout, heads: ReadonlyArray<number>, headsType: t.Decoder<unknown, unknown>, value: A): t.Validation<A> => {
  for (let u = 0; u < heads.length; u++) {
    const unit = layout.tracks[u]!.unit
    const [first, last] = Calendar.indexRange(layout.alignment, layout.timeZone, unit)
    const head = heads[u]!
    if (head < first || head > last) {
      const ctx = t.appendContext(t.appendContext(c, 'heads', headsType, heads), String(u), CounterCodec.BucketIndex, head)
      return t.failure(head, ctx, `the ${unit} head ${head} is outside the instant range of ${unit} (${first} to ${last})`)
    }
  }
  return t.success(value)
}
const trimmed = (counts: ReadonlyArray<number>): ReadonlyArray<number> => {
  let end = counts.length
  while (end > 0 && counts[end - 1] === 0) end--
  return end === counts.length ? counts : counts.slice(0, end)
}

// The current shape (envelope version 2): { layout, heads, newest, older }.
const CounterShape = t.strict({
  layout: ReferenceLayout,
  heads: t.readonlyArray(CounterCodec.BucketIndex),
  newest: t.readonlyArray(CounterCodec.Count),
  older: t.readonlyArray(t.readonlyArray(CounterCodec.Count))
})
const ReferenceCounterV2 = new t.Type<Counter.Counter, Counter.Counter, unknown>(
  'Counter',
  (u): u is Counter.Counter => E.isRight(CounterShape.decode(u)),
  (u, c) =>
    E.flatMap(CounterShape.validate(u, c), (counter) => {
      const { props } = CounterShape.type
      const units = counter.layout.tracks.length
      if (counter.heads.length === 0 && counter.newest.length === 0 && counter.older.length === 0) return t.success(counter)
      if (counter.heads.length !== units) {
        return t.failure(counter.heads, t.appendContext(c, 'heads', props.heads, counter.heads), `expected ${units} heads, one per tracked unit, or none`)
      }
      if (counter.newest.length !== units) {
        return t.failure(counter.newest, t.appendContext(c, 'newest', props.newest, counter.newest), `expected ${units} newest counts, one per tracked unit`)
      }
      if (counter.older.length !== units) {
        return t.failure(counter.older, t.appendContext(c, 'older', props.older, counter.older), `expected ${units} arrays of older counts, one per tracked unit`)
      }
      for (let u = 0; u < units; u++) {
        const buckets = counter.layout.tracks[u]!.buckets
        const length = trimmed(counter.older[u]!).length
        if (length > buckets - 1) {
          const ctx = t.appendContext(t.appendContext(c, 'older', props.older, counter.older), String(u), props.older.type, counter.older[u])
          return t.failure(counter.older[u], ctx, `${counter.layout.tracks[u]!.unit} holds ${buckets} buckets, the newest and ${buckets - 1} older, got ${length} older`)
        }
      }
      return headsInRange(c, counter.layout, counter.heads, props.heads, { layout: counter.layout, heads: counter.heads, newest: counter.newest, older: counter.older.map(trimmed) })
    }),
  t.identity
)

// The shape of version 1 (tiny-counter 0.1.0): { layout, heads, counts }, each unit's buckets in one
// array, the newest first. Validated as 0.1.0 did, then converted here by hand (not with the library).
const CounterV1Shape = t.strict({ layout: ReferenceLayout, heads: t.readonlyArray(CounterCodec.BucketIndex), counts: t.readonlyArray(t.readonlyArray(CounterCodec.Count)) })
const fromV1 = (layout: Layout.Layout, heads: ReadonlyArray<number>, counts: ReadonlyArray<ReadonlyArray<number>>): Counter.Counter =>
  heads.length === 0
    ? { layout, heads: [], newest: [], older: [] }
    : { layout, heads, newest: counts.map((unit) => unit[0] ?? 0), older: counts.map((unit) => trimmed(unit.slice(1))) }
const ReferenceCounterV1 = new t.Type<Counter.Counter, Counter.Counter, unknown>(
  'CounterV1',
  (u): u is Counter.Counter => E.isRight(CounterShape.decode(u)),
  (u, c) =>
    E.flatMap(CounterV1Shape.validate(u, c), (counter) => {
      const { props } = CounterV1Shape.type
      const units = counter.layout.tracks.length
      if (counter.heads.length === 0 && counter.counts.length === 0) return t.success(fromV1(counter.layout, [], []))
      if (counter.heads.length !== units) {
        return t.failure(counter.heads, t.appendContext(c, 'heads', props.heads, counter.heads), `expected ${units} heads, one per tracked unit, or none`)
      }
      if (counter.counts.length !== units) {
        return t.failure(counter.counts, t.appendContext(c, 'counts', props.counts, counter.counts), `expected ${units} bucket arrays, one per tracked unit`)
      }
      for (let u = 0; u < units; u++) {
        const buckets = counter.layout.tracks[u]!.buckets
        const length = trimmed(counter.counts[u]!).length
        if (length > buckets) {
          const ctx = t.appendContext(t.appendContext(c, 'counts', props.counts, counter.counts), String(u), props.counts.type, counter.counts[u])
          return t.failure(counter.counts[u], ctx, `${counter.layout.tracks[u]!.unit} holds ${buckets} buckets, got ${length}`)
        }
      }
      return headsInRange(c, counter.layout, counter.heads, props.heads, fromV1(counter.layout, counter.heads, counter.counts))
    }),
  t.identity
)

/** Either shape: `counts` without `newest` and `older` is the shape of version 1. */
const ReferenceCounter = new t.Type<Counter.Counter, Counter.Counter, unknown>(
  'Counter',
  ReferenceCounterV2.is,
  (u, c) => {
    const record = u !== null && typeof u === 'object' && !Array.isArray(u) ? (u as Record<string, unknown>) : undefined
    const v1 = record !== undefined && record['counts'] !== undefined && record['newest'] === undefined && record['older'] === undefined
    return (v1 ? ReferenceCounterV1 : ReferenceCounterV2).validate(u, c)
  },
  t.identity
)

const EnvelopeShape = t.strict({ version: t.literal(3), counter: ReferenceCounterV2 }, 'Envelope')
const EnvelopeV2Shape = t.strict({ version: t.literal(2), counter: ReferenceCounterV2 }, 'Envelope')
const EnvelopeV1Shape = t.strict({ version: t.literal(1), counter: ReferenceCounterV1 }, 'Envelope')
const unsupported = (version: number): string =>
  Number.isSafeInteger(version) && version > 3
    ? `envelope version ${version} was written by a newer tiny-counter; this one reads versions 1 to 3 only`
    : `unknown envelope version ${version}; this tiny-counter reads versions 1 to 3 only`
const ReferenceEnvelope = new t.Type<unknown, unknown, unknown>(
  'Envelope',
  (u): u is unknown => EnvelopeShape.is(u),
  (u, c) => {
    if (typeof u === 'object' && u !== null && 'version' in u && (u.version === 1 || u.version === 2)) {
      const shape = u.version === 1 ? EnvelopeV1Shape : EnvelopeV2Shape
      return E.map((envelope: { readonly counter: Counter.Counter }) => ({ version: 3, counter: envelope.counter }))(shape.validate(u, c))
    }
    if (typeof u === 'object' && u !== null && 'version' in u && typeof u.version === 'number' && u.version !== 3) {
      return t.failure(u.version, t.appendContext(c, 'version', EnvelopeShape.type.props.version, u.version), unsupported(u.version))
    }
    return EnvelopeShape.validate(u, c)
  },
  t.identity
)

/** What a decoding says: the value, or the first error's path and message. */
const outcome = (result: t.Validation<unknown>): unknown => {
  if (E.isRight(result)) return { value: result.right }
  const first = result.left[0]!
  return { path: first.context.map((entry) => entry.key).join('.'), message: first.message, value: first.value }
}

// ----------------------------------------------------------------------------------------------
// inputs: counters as plain data, and corruptions of them
// ----------------------------------------------------------------------------------------------

/** Every path into a plain value (object keys and array indices). */
const pathsOf = (value: unknown, prefix: ReadonlyArray<string | number> = []): Array<ReadonlyArray<string | number>> => {
  if (Array.isArray(value)) return [prefix, ...value.flatMap((item, i) => pathsOf(item, [...prefix, i]))]
  if (value !== null && typeof value === 'object') return [prefix, ...Object.entries(value).flatMap(([k, item]) => pathsOf(item, [...prefix, k]))]
  return [prefix]
}

const weird: ReadonlyArray<unknown> = [
  -1, 0, 1, 2, 5, 1.5, Number.NaN, Infinity, -Infinity, 2 ** 53, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 8.64e15 + 1, -8.64e15, 1e21,
  '1', '', null, undefined, true, [], [0], [1, 2], [[]], {}, { unit: 'days', buckets: 3 },
  'UTC', 'utc', 'Etc/UTC', 'europe/berlin', 'Europe/Berlin', 'Mars/Base', 'Asia/Calcutta', 'calendar', 'uniform', 'CALENDAR',
  'seconds', 'minutes', 'hours', 'days', 'weeks', 'months', 'years', 'toString', '__proto__', 'constructor'
]

type Change =
  | { readonly kind: 'set'; readonly at: number; readonly value: unknown }
  | { readonly kind: 'delete'; readonly at: number }
  | { readonly kind: 'extra'; readonly at: number }
  | { readonly kind: 'push'; readonly at: number; readonly value: unknown }

const change: fc.Arbitrary<Change> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.constantFrom(...weird) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('extra' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('push' as const), at: fc.nat(), value: fc.constantFrom(0, 0, 1, 7, -1, 'x') }) }
)

/** A deep copy of `value` with `changes` made, each at one of its paths. */
const corrupt = (value: unknown, changes: ReadonlyArray<Change>): unknown => {
  const root = { root: structuredClone(value) as unknown }
  for (const c of changes) {
    const paths = pathsOf(root.root, ['root'])
    const path = paths[c.at % paths.length]!
    const parent = path.slice(0, -1).reduce<any>((node, k) => node[k], root)
    const last = path[path.length - 1]!
    const target = parent[last]
    if (c.kind === 'set') parent[last] = structuredClone(c.value)
    else if (c.kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(last), 1)
      else delete parent[last]
    } else if (c.kind === 'extra') {
      if (target !== null && typeof target === 'object' && !Array.isArray(target)) target.extra = 'ignored'
    } else if (Array.isArray(target)) target.push(c.value)
  }
  return root.root
}

const plainEnvelope = (c: Counter.Counter): any => JSON.parse(JSON.stringify(Envelope.Codec.encode(Envelope.of(c))))

/**
 * The version-1 writing of a counter, as tiny-counter 0.1.0 stored it: each unit's buckets in one
 * array, newest first, trailing zeros left out (written out here by hand, not with the library).
 */
const countsOf = (c: Counter.Counter): number[][] => c.older.map((older, u) => [...trimmed([c.newest[u]!, ...older])])
const plainEnvelopeV1 = (c: Counter.Counter): any => {
  const { layout } = JSON.parse(JSON.stringify(c))
  return { version: 1, counter: { layout, heads: [...c.heads], counts: countsOf(c) } }
}

describe('the counter and envelope codecs', () => {
  it('decode every valid counter as plain io-ts does, in either shape, to the counter written', () => {
    fc.assert(
      fc.property(counter, fc.boolean(), fc.boolean(), (c, v1, trailingZeros) => {
        const input = v1 ? plainEnvelopeV1(c) : plainEnvelope(c)
        if (trailingZeros) (v1 ? input.counter.counts : input.counter.older).forEach((counts: number[]) => counts.push(0, 0))
        expect(outcome(Envelope.Codec.decode(input))).toEqual(outcome(ReferenceEnvelope.decode(input)))
        expect(outcome(CounterCodec.Counter.decode(input.counter))).toEqual(outcome(ReferenceCounter.decode(input.counter)))
        expect(outcome((v1 ? CounterCodec.CounterV1 : CounterCodec.CounterV2).decode(input.counter))).toEqual(outcome(ReferenceCounter.decode(input.counter)))
        expect(Envelope.Codec.decode(input)).toEqual(E.right({ version: 3, counter: c }))
        expect(CounterCodec.Counter.decode(input.counter)).toEqual(E.right(c))
      }),
      { numRuns: 1_000 }
    )
  })

  it('decode every corruption of a counter as plain io-ts does: the same value, or the same first error', () => {
    fc.assert(
      fc.property(counter, fc.boolean(), fc.array(change, { minLength: 1, maxLength: 3 }), (c, v1, changes) => {
        const input = corrupt(v1 ? plainEnvelopeV1(c) : plainEnvelope(c), changes)
        expect(outcome(Envelope.Codec.decode(input))).toEqual(outcome(ReferenceEnvelope.decode(input)))
        const inner = (input as { counter?: unknown } | null)?.counter
        expect(outcome(CounterCodec.Counter.decode(inner))).toEqual(outcome(ReferenceCounter.decode(inner)))
        expect(outcome(CounterCodec.CounterV1.decode(inner))).toEqual(outcome(ReferenceCounterV1.decode(inner)))
        expect(outcome(CounterCodec.CounterV2.decode(inner))).toEqual(outcome(ReferenceCounterV2.decode(inner)))
        const layout = (inner as { layout?: unknown } | null)?.layout
        expect(outcome(CounterCodec.Layout.decode(layout))).toEqual(outcome(ReferenceLayout.decode(layout)))
      }),
      { numRuns: 5_000 }
    )
  })

  it('decode a layout seen before as before: a non-canonical zone, other bucket counts, a changed unit', () => {
    const berlin = Layout.standard({ timeZone: 'Europe/Berlin' })
    const plain = JSON.parse(JSON.stringify(berlin))
    const variants = [
      plain,
      { ...plain, timeZone: 'europe/berlin' },
      { ...plain, timeZone: 'Europe/Berlinn' },
      { ...plain, alignment: 'uniform' },
      { ...plain, tracks: plain.tracks.map((track: any, i: number) => (i === 1 ? { ...track, buckets: 25 } : track)) },
      { ...plain, tracks: plain.tracks.map((track: any, i: number) => (i === 1 ? { ...track, unit: 'weeks' } : track)) },
      { ...plain, tracks: plain.tracks.slice(1) },
      { ...plain, tracks: [...plain.tracks, { unit: 'years', buckets: 2 }] }
    ]
    for (let round = 0; round < 3; round++) {
      for (const input of [...variants, ...layouts.map((l) => JSON.parse(JSON.stringify(l)))]) {
        expect(outcome(CounterCodec.Layout.decode(input))).toEqual(outcome(ReferenceLayout.decode(input)))
      }
    }
    // The decoded layout of a counter is shared and frozen, whatever the envelope's version; the input is left as it was.
    const first = orThrow(Envelope.decode('a', plainEnvelope(Counter.empty(berlin))))
    const second = orThrow(Envelope.decode('b', plainEnvelope(Counter.empty(berlin))))
    const third = orThrow(Envelope.decode('c', plainEnvelopeV1(Counter.empty(berlin))))
    expect(second.layout).toBe(first.layout)
    expect(third.layout).toBe(first.layout)
    expect(Object.isFrozen(first.layout) && Object.isFrozen(first.layout.tracks) && Object.isFrozen(first.layout.tracks[0])).toBe(true)
    expect(Layout.Eq.equals(first.layout, berlin)).toBe(true)
  })

  it('round-trip through both formats as before', () => {
    fc.assert(
      fc.property(counter, (c) => {
        for (const format of [JsonFormat, BincodeFormat]) expect(format.deserialize('k', format.serialize(c))).toEqual(E.right(c))
      }),
      { numRuns: 500 }
    )
  })
})

describe('round-trip laws: decode(encode(x)) = x', () => {
  const EnvelopeEq = { equals: (x: Envelope.Envelope, y: Envelope.Envelope) => x.version === y.version && Counter.Eq.equals(x.counter, y.counter) }
  const arbitraries = [
    ['histories near bucket boundaries (tiny-counter/testing)', Testing.counter()],
    ['histories without rotations (tiny-counter/testing)', Testing.counter({ rotations: false })],
    ['records over years, huge counts, the ends of time', counter]
  ] as const

  describe.each(arbitraries)('of counters: %s', (_name, counters) => {
    it('CounterCodec.Counter, directly and through JSON text', () => {
      fc.assert(Testing.codecRoundTrip(CounterCodec.Counter, Counter.Eq, counters), { numRuns: 300 })
    })

    it('CounterCodec.CounterV2 and CounterCodec.CounterV1 (which writes the shape of version 1)', () => {
      fc.assert(Testing.codecRoundTrip(CounterCodec.CounterV2, Counter.Eq, counters), { numRuns: 200 })
      fc.assert(Testing.codecRoundTrip(CounterCodec.CounterV1, Counter.Eq, counters), { numRuns: 200 })
      // The version-1 writing is also read by CounterCodec.Counter.
      fc.assert(fc.property(counters, (c) => Counter.Eq.equals(orThrow(CounterCodec.decode('k', CounterCodec.CounterV1.encode(c))), c)), { numRuns: 200 })
    })

    it('the envelope, which always writes version 3', () => {
      fc.assert(Testing.codecRoundTrip(Envelope.Codec, EnvelopeEq, counters.map(Envelope.of)), { numRuns: 300 })
      fc.assert(fc.property(counters, (c) => Envelope.Codec.encode(Envelope.of(c)).version === 3), { numRuns: 50 })
    })

    it('JsonFormat and BincodeFormat', () => {
      fc.assert(Testing.formatterRoundTrip(JsonFormat, counters), { numRuns: 300 })
      fc.assert(Testing.formatterRoundTrip(BincodeFormat, counters), { numRuns: 300 })
    })
  })
})

describe('migration from version 1 (tiny-counter 0.1.0)', () => {
  // Written by hand from the layout of 0.1.0: { layout, heads, counts }, each unit's buckets in one
  // array, the newest (the head bucket) first, trailing zeros left out.
  const layout = { tracks: [{ unit: 'minutes', buckets: 60 }, { unit: 'hours', buckets: 24 }, { unit: 'days', buckets: 32 }, { unit: 'months', buckets: 12 }], alignment: 'calendar', timeZone: 'UTC' }
  const heads = [29_454_300, 490_905, 20_454, 672] // 2026-01-01T09:00Z: minute, hour, day and month indices
  const v1Counter = { layout, heads, counts: [[2], [2, 0, 5], [7, 0, 0, 1], []] }
  const expected: Counter.Counter = { layout: Layout.utc, heads, newest: [2, 2, 7, 0], older: [[], [0, 5], [0, 0, 1], []] }

  it('reads the heads as the indices of the instant they were written at', () => {
    const at = Date.UTC(2026, 0, 1, 9)
    expect(orThrow(Counter.singleton(Layout.utc, at, 1)).heads).toEqual(heads)
  })

  it('CounterCodec converts a counter of version 1', () => {
    expect(CounterCodec.decode('k', v1Counter)).toEqual(E.right(expected))
    expect(CounterCodec.Counter.decode(JSON.parse(JSON.stringify(v1Counter)))).toEqual(E.right(expected))
    expect(CounterCodec.CounterV1.decode(v1Counter)).toEqual(E.right(expected))
    // Trailing zeros, an empty counter, and a unit whose only count is 0.
    expect(CounterCodec.decode('k', { ...v1Counter, counts: [[2, 0], [2, 0, 5, 0, 0], [7, 0, 0, 1, 0], [0, 0]] })).toEqual(E.right(expected))
    expect(CounterCodec.decode('k', { layout, heads: [], counts: [] })).toEqual(E.right(Counter.empty(Layout.utc)))
    expect(CounterCodec.decode('k', { ...v1Counter, counts: [[], [0, 3], [], [0]] })).toEqual(
      E.right({ layout: Layout.utc, heads, newest: [0, 0, 0, 0], older: [[], [3], [], []] })
    )
    // The current shape is not read as version 1, nor version 1 as the current shape.
    expect(E.isLeft(CounterCodec.CounterV2.decode(v1Counter))).toBe(true)
    expect(E.isLeft(CounterCodec.CounterV1.decode(expected))).toBe(true)
  })

  it('CounterCodec validates a counter of version 1 as 0.1.0 did, naming the field', () => {
    const refused = (counter: unknown): readonly [string, string] => {
      const result = CounterCodec.decode('k', counter)
      if (E.isRight(result)) throw new Error(`decoded ${JSON.stringify(counter)}`)
      return [result.left.path, result.left.message]
    }
    expect(refused({ ...v1Counter, counts: [[2], [2, -1], [], []] })).toEqual(['counts.1.1', expect.stringContaining('-1')])
    expect(refused({ ...v1Counter, counts: [[2], [2], []] })).toEqual(['counts', expect.stringContaining('expected 4 bucket arrays, one per tracked unit')])
    expect(refused({ ...v1Counter, heads: [1, 2] })).toEqual(['heads', expect.stringContaining('expected 4 heads, one per tracked unit, or none')])
    expect(refused({ ...v1Counter, counts: [[2], new Array(25).fill(1), [], []] })).toEqual(['counts.1', expect.stringContaining('hours holds 24 buckets, got 25')])
    // 24 buckets with trailing zeros after them still fit.
    expect(E.isRight(CounterCodec.decode('k', { ...v1Counter, counts: [[2], [...new Array(24).fill(1), 0, 0], [], []] }))).toBe(true)
  })

  it('CounterCodec names the offending field of the current shape', () => {
    const refused = (counter: unknown): readonly [string, string] => {
      const result = CounterCodec.decode('k', counter)
      if (E.isRight(result)) throw new Error(`decoded ${JSON.stringify(counter)}`)
      return [result.left.path, result.left.message]
    }
    expect(refused({ ...expected, newest: [2, -1, 7, 0] })[0]).toBe('newest.1')
    expect(refused({ ...expected, older: [[], [0, 5], [0, 0.5, 1], []] })[0]).toBe('older.2.1')
    expect(refused({ ...expected, newest: [2, 2, 7] })).toEqual(['newest', expect.stringContaining('expected 4 newest counts, one per tracked unit')])
    expect(refused({ ...expected, older: [[], [0, 5], [0, 0, 1]] })).toEqual(['older', expect.stringContaining('expected 4 arrays of older counts, one per tracked unit')])
    expect(refused({ ...expected, older: [[], [0, 5], new Array(32).fill(1), []] })).toEqual(['older.2', expect.stringContaining('days holds 32 buckets, the newest and 31 older, got 32 older')])
    expect(refused({ ...expected, older: undefined })[0]).toBe('older')
    // 31 older buckets with trailing zeros after them still fit.
    expect(E.isRight(CounterCodec.decode('k', { ...expected, older: [[], [], [...new Array(31).fill(1), 0], []] }))).toBe(true)
  })

  it('a JSON envelope of version 1 written by 0.1.0 decodes to the counter, in JsonFormat and in Envelope', () => {
    const text =
      '{"version":1,"counter":{"layout":{"tracks":[{"unit":"minutes","buckets":60},{"unit":"hours","buckets":24},{"unit":"days","buckets":32},{"unit":"months","buckets":12}],"alignment":"calendar","timeZone":"UTC"},"heads":[29454300,490905,20454,672],"counts":[[2],[2,0,5],[7,0,0,1],[]]}}'
    expect(JsonFormat.deserialize('k', new TextEncoder().encode(text))).toEqual(E.right(expected))
    expect(Envelope.decode('k', JSON.parse(text))).toEqual(E.right(expected))
    expect(Envelope.Codec.decode(JSON.parse(text))).toEqual(E.right({ version: 3, counter: expected }))
    // Written back, it is version 3, with its checksum.
    expect(JSON.parse(new TextDecoder().decode(JsonFormat.serialize(expected)))).toEqual({ version: 3, counter: { layout, heads, newest: [2, 2, 7, 0], older: [[], [0, 5], [0, 0, 1], []] }, crc32: expect.any(Number) })
    // An empty counter, and a version 1 envelope whose counter is refused at its field.
    expect(Envelope.decode('k', { version: 1, counter: { layout, heads: [], counts: [] } })).toEqual(E.right(Counter.empty(Layout.utc)))
    const refused = Envelope.decode('k', { version: 1, counter: { ...v1Counter, counts: [[2], [2], [], [-3]] } })
    expect(E.isLeft(refused) && refused.left.path).toBe('counter.counts.3.0')
    // A version 1 envelope holds a counter of version 1, and version 2 one of version 2.
    expect(E.isLeft(Envelope.decode('k', { version: 1, counter: expected }))).toBe(true)
    expect(E.isLeft(Envelope.decode('k', { version: 2, counter: v1Counter }))).toBe(true)
  })

  it('Bincode bytes of version 1 written by 0.1.0 decode to the counter', () => {
    // prettier-ignore
    const bytes = Uint8Array.from([
      0x54, 0x43, // magic "TC"
      1, // version 1
      0, // calendar
      3, 0x55, 0x54, 0x43, // zone: 3 bytes, "UTC"
      4, 1, 60, 2, 24, 3, 32, 5, 12, // 4 tracks: minutes 60, hours 24, days 32, months 12
      4, // 4 heads, zigzag varints: 2 × head
      0xb8, 0xbf, 0x8b, 0x1c, // 58_908_600 = 29_454_300 × 2
      0xb2, 0xf6, 0x3b, //       981_810 = 490_905 × 2
      0xcc, 0xbf, 0x02, //        40_908 = 20_454 × 2
      0xc0, 0x0a, //               1_344 = 672 × 2
      4, // 4 count arrays
      1, 2, // minutes: [2]
      3, 2, 0, 5, // hours: [2, 0, 5]
      4, 7, 0, 0, 1, // days: [7, 0, 0, 1]
      0 // months: []
    ])
    expect(BincodeFormat.deserialize('k', bytes)).toEqual(E.right(expected))
    // A refused field is named at its version-1 path.
    const tooMany = Uint8Array.from([...bytes.subarray(0, bytes.length - 1), 25, ...new Array(25).fill(1)])
    expect(tooMany.length).toBe(bytes.length + 25)
    const error = BincodeFormat.deserialize('k', tooMany)
    expect(E.isLeft(error) && [error.left.path, error.left.message]).toEqual(['counter.counts.3', expect.stringContaining('months holds 12 buckets, got 25')])
    // Written back, it is version 3: the same header and heads, then newest and older, then the checksum.
    const written = BincodeFormat.serialize(expected)
    // prettier-ignore
    expect([...written.subarray(0, written.length - 4)]).toEqual([
      ...bytes.subarray(0, 2), 3, ...bytes.subarray(3, 30),
      4, 2, 2, 7, 0, // newest
      4, 0, 2, 0, 5, 3, 0, 0, 1, 0 // older
    ])
    expect(written.length).toBe(30 + 5 + 10 + 4)
  })
})
