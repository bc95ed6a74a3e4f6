// The counter and envelope codecs check a valid value in one pass (src/internal/knownShapes.ts) and
// leave anything else to io-ts. Whatever the input, they must decode exactly as the plain io-ts
// codecs they were first written as (rebuilt below from the exported parts): the same value for a
// valid input, the same first error (path and message) for an invalid one. Checked on random
// counters and on random corruptions of them, and on a few layouts decoded many times.
import * as fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts/lib/index.js'
import { describe, expect, it } from 'vitest'
import { BincodeFormat, CounterCodec, Envelope, JsonFormat, Layout, TimeUnit as Units } from 'tiny-counter'
import type { Counter } from 'tiny-counter'
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
          : t.success(layout)
    ),
  t.identity
)
const CounterShape = t.strict({ layout: ReferenceLayout, heads: t.readonlyArray(CounterCodec.BucketIndex), counts: t.readonlyArray(t.readonlyArray(CounterCodec.Count)) })
const trimmed = (counts: ReadonlyArray<number>): ReadonlyArray<number> => {
  let end = counts.length
  while (end > 0 && counts[end - 1] === 0) end--
  return end === counts.length ? counts : counts.slice(0, end)
}
const ReferenceCounter = new t.Type<Counter.Counter, Counter.Counter, unknown>(
  'Counter',
  (u): u is Counter.Counter => E.isRight(CounterShape.decode(u)),
  (u, c) =>
    E.flatMap(CounterShape.validate(u, c), (counter) => {
      const units = counter.layout.tracks.length
      if (counter.heads.length === 0 && counter.counts.length === 0) return t.success(counter)
      if (counter.heads.length !== units) {
        return t.failure(counter.heads, t.appendContext(c, 'heads', CounterShape.type.props.heads, counter.heads), `expected ${units} heads, one per tracked unit, or none`)
      }
      if (counter.counts.length !== units) {
        return t.failure(counter.counts, t.appendContext(c, 'counts', CounterShape.type.props.counts, counter.counts), `expected ${units} bucket arrays, one per tracked unit`)
      }
      for (let u = 0; u < units; u++) {
        const buckets = counter.layout.tracks[u]!.buckets
        const length = trimmed(counter.counts[u]!).length
        if (length > buckets) {
          const ctx = t.appendContext(t.appendContext(c, 'counts', CounterShape.type.props.counts, counter.counts), String(u), CounterShape.type.props.counts, counter.counts[u])
          return t.failure(counter.counts[u], ctx, `${counter.layout.tracks[u]!.unit} holds ${buckets} buckets, got ${length}`)
        }
      }
      return t.success({ layout: counter.layout, heads: counter.heads, counts: counter.counts.map(trimmed) })
    }),
  t.identity
)
const EnvelopeShape = t.strict({ version: t.literal(Envelope.VERSION), counter: ReferenceCounter }, 'Envelope')
const unsupported = (version: number): string =>
  Number.isSafeInteger(version) && version > Envelope.VERSION
    ? `envelope version ${version} was written by a newer tiny-counter; this one reads version ${Envelope.VERSION} only`
    : `unknown envelope version ${version}; this tiny-counter reads version ${Envelope.VERSION} only`
const ReferenceEnvelope = new t.Type<unknown, unknown, unknown>(
  'Envelope',
  (u): u is unknown => EnvelopeShape.is(u),
  (u, c) => {
    if (typeof u === 'object' && u !== null && 'version' in u && typeof u.version === 'number' && u.version !== Envelope.VERSION) {
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

const plainEnvelope = (c: Counter.Counter): unknown => JSON.parse(JSON.stringify(Envelope.Codec.encode(Envelope.of(c))))

describe('the counter and envelope codecs', () => {
  it('decode every valid counter as plain io-ts does', () => {
    fc.assert(
      fc.property(counter, fc.boolean(), (c, trailingZeros) => {
        const input = plainEnvelope(c) as { counter: { counts: number[][] } }
        if (trailingZeros) input.counter.counts.forEach((counts) => counts.push(0, 0))
        expect(outcome(Envelope.Codec.decode(input))).toEqual(outcome(ReferenceEnvelope.decode(input)))
        expect(outcome(CounterCodec.Counter.decode(input.counter))).toEqual(outcome(ReferenceCounter.decode(input.counter)))
        expect(E.isRight(Envelope.Codec.decode(input))).toBe(true)
      }),
      { numRuns: 1_000 }
    )
  })

  it('decode every corruption of a counter as plain io-ts does: the same value, or the same first error', () => {
    fc.assert(
      fc.property(counter, fc.array(change, { minLength: 1, maxLength: 3 }), (c, changes) => {
        const input = corrupt(plainEnvelope(c), changes)
        expect(outcome(Envelope.Codec.decode(input))).toEqual(outcome(ReferenceEnvelope.decode(input)))
        const inner = (input as { counter?: unknown } | null)?.counter
        expect(outcome(CounterCodec.Counter.decode(inner))).toEqual(outcome(ReferenceCounter.decode(inner)))
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
    // The decoded layout of a counter is shared and frozen; the input is left as it was.
    const first = orThrow(Envelope.decode('a', plainEnvelope({ layout: berlin, heads: [], counts: [] })))
    const second = orThrow(Envelope.decode('b', plainEnvelope({ layout: berlin, heads: [], counts: [] })))
    expect(second.layout).toBe(first.layout)
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
