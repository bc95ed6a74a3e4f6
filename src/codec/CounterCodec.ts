/**
 * io-ts codecs describing counters and layouts from the outside: decoding checks everything a
 * counter promises (known units in order, positive bucket counts, a known time zone, one head, one
 * newest count and one array of older counts per unit, no more buckets than the layout holds,
 * counts that are non-negative safe integers), so nothing invalid reaches a store. Counters written
 * in the shape of version 1 (`{ layout, heads, counts }`) are read too, and converted. Law:
 * `decode(encode(c))` is `right(c)`.
 */
// fp-ts and io-ts before the library's own modules: src/index.ts says why.
import * as E from '#fp-ts/Either'
import * as t from '#io-ts'
import type { Counter as CounterT } from '../Counter.js'
import { empty, fromBuckets, toBuckets } from '../Counter.js'
import type { Layout as LayoutT } from '../Layout.js'
import { MAX_BUCKETS, isBucketCount } from '../Layout.js'
import { all as allUnits } from '../TimeUnit.js'
import type { TimeUnit as TimeUnitT } from '../TimeUnit.js'
import { MAX_INSTANT } from '../Calendar.js'
import type { DecodeError } from './errors.js'
import { describeValue, firstDecodeError } from './internal/decodeErrors.js'
import { bucketsProblem, headProblem, isBounded } from './internal/bounds.js'
import { canonicalTimeZone } from '../internal/zoneOffsets.js'
import { trimmed } from '../internal/counts.js'
import { isVersion1Writing, knownCounter, knownCounterV1, knownLayout } from './internal/knownShapes.js'
import { refine } from './internal/refine.js'

/**
 * A type whose valid values are recognised first by a one-pass check (`internal/knownShapes.ts`,
 * the same rules); anything else goes to `validate`, the io-ts codecs, which name what is wrong.
 */
const withFastPath = <A, O>(
  name: string,
  is: (u: unknown) => u is A,
  known: (u: unknown) => A | undefined,
  bounded: (a: A) => boolean,
  validate: (u: unknown, c: t.Context) => t.Validation<A>,
  encode: (a: A) => O
): t.Type<A, O, unknown> =>
  new t.Type<A, O, unknown>(
    name,
    is,
    (u, c) => {
      const found = known(u)
      return found !== undefined && bounded(found) ? t.success(found) : validate(u, c)
    },
    encode
  )

/** A non-negative safe integer. */
export const Count = refine('Count', (u): u is number => Number.isSafeInteger(u) && (u as number) >= 0)

/** The bucket count of a unit: an integer from 1 to `Layout.MAX_BUCKETS` (100,000). */
export const BucketCount = new t.Type<number, number, unknown>(
  'BucketCount',
  isBucketCount,
  (u, c) => (isBucketCount(u) ? t.success(u) : t.failure(u, c, `a unit holds 1 to ${MAX_BUCKETS} buckets, got ${describeValue(u)}`)),
  t.identity
)

/** An absolute bucket index. */
export const BucketIndex = refine('BucketIndex', (u): u is number => Number.isSafeInteger(u) && Math.abs(u as number) <= MAX_INSTANT)

/** One of the time units. */
export const TimeUnit: t.Type<TimeUnitT> = t.keyof({ seconds: null, minutes: null, hours: null, days: null, weeks: null, months: null, years: null })

/** A known IANA time zone, decoded to its canonical name. */
export const TimeZone = new t.Type<string, string, unknown>(
  'TimeZone',
  (u): u is string => canonicalTimeZone(u) === u,
  (u, c) => {
    const zone = canonicalTimeZone(u)
    return zone === undefined ? t.failure(u, c, `unknown time zone ${JSON.stringify(u)}`) : t.success(zone)
  },
  t.identity
)

const Track = t.readonly(t.strict({ unit: TimeUnit, buckets: BucketCount }, 'Track'))

const rankOf = (unit: TimeUnitT): number => allUnits.indexOf(unit)

const LayoutShape = t.strict({
  tracks: t.readonlyArray(Track),
  alignment: t.keyof({ calendar: null, uniform: null }),
  timeZone: TimeZone
})

/**
 * A layout: tracks finest first, each unit once, at least one; an alignment; a time zone. A valid
 * layout is checked in one pass (`internal/knownShapes.ts`) and decoded to a shared frozen value,
 * once per distinct layout; anything else goes through the io-ts codecs below, which say why.
 */
export const Layout: t.Type<LayoutT, LayoutT, unknown> = withFastPath(
  'Layout',
  (u): u is LayoutT => E.isRight(LayoutShape.decode(u)),
  knownLayout,
  (layout) => bucketsProblem(layout) === undefined,
  validateLayout,
  t.identity
)

function validateLayout(u: unknown, c: t.Context): t.Validation<LayoutT> {
  return E.flatMap(LayoutShape.validate(u, c), (layout) =>
    layout.tracks.length === 0
      ? t.failure(u, t.appendContext(c, 'tracks', LayoutShape.type.props.tracks, layout.tracks), 'a layout tracks at least one unit')
      : layout.tracks.some((track, i) => i > 0 && rankOf(track.unit) <= rankOf(layout.tracks[i - 1]!.unit))
        ? t.failure(u, t.appendContext(c, 'tracks', LayoutShape.type.props.tracks, layout.tracks), 'units must be listed once each, finest first')
        : withinBuckets(u, c, layout)
  )
}

function withinBuckets(u: unknown, c: t.Context, layout: LayoutT): t.Validation<LayoutT> {
  const problem = bucketsProblem(layout)
  return problem === undefined ? t.success(layout) : t.failure(u, t.appendContext(c, 'tracks', LayoutShape.type.props.tracks, layout.tracks), problem)
}

/** Heads within the instant range of their units, or a failure at the first one outside it. */
function withinRange<A>(c: t.Context, layout: LayoutT, heads: ReadonlyArray<number>, headsType: t.Decoder<unknown, unknown>, value: A): t.Validation<A> {
  const problem = headProblem(layout, heads)
  if (problem === undefined) return t.success(value)
  const ctx = t.appendContext(t.appendContext(c, 'heads', headsType, heads), String(problem.unit), BucketIndex, heads[problem.unit])
  return t.failure(heads[problem.unit], ctx, problem.message)
}

const CounterShape = t.strict({
  layout: Layout,
  heads: t.readonlyArray(BucketIndex),
  newest: t.readonlyArray(Count),
  older: t.readonlyArray(t.readonlyArray(Count))
})

const CounterV1Shape = t.strict({
  layout: Layout,
  heads: t.readonlyArray(BucketIndex),
  counts: t.readonlyArray(t.readonlyArray(Count))
})

/**
 * A counter as version 1 (tiny-counter 0.1.0) wrote it: each unit's buckets in one array, newest
 * first, the newest bucket included (what `Counter.toBuckets` gives).
 */
export interface Version1 {
  readonly layout: LayoutT
  readonly heads: ReadonlyArray<number>
  readonly counts: ReadonlyArray<ReadonlyArray<number>>
}

/**
 * A counter written in the current shape (version 2), `{ layout, heads, newest, older }`, and that
 * shape only: the counter of an envelope of version 2. Decoding drops trailing zeros from the older
 * buckets. Most callers want `Counter`, which also reads the shape of version 1.
 *
 * @example
 * import { Counter, CounterCodec, Layout } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const counter = Counter.singleton(Layout.utc, Date.UTC(2026, 0, 1), 3)
 * assert.ok(E.isRight(counter))
 * const decoded = CounterCodec.CounterV2.decode(JSON.parse(JSON.stringify(counter.right)))
 * assert.ok(E.isRight(decoded) && Counter.Eq.equals(decoded.right, counter.right))
 * assert.ok(E.isLeft(CounterCodec.CounterV2.decode({ layout: Layout.utc, heads: [], counts: [] })))
 */
export const CounterV2: t.Type<CounterT, CounterT, unknown> = withFastPath(
  'Counter',
  (u): u is CounterT => E.isRight(CounterShape.decode(u)),
  knownCounter,
  isBounded,
  validateCounter,
  t.identity
)

function validateCounter(u: unknown, c: t.Context): t.Validation<CounterT> {
  return E.flatMap(CounterShape.validate(u, c), (counter) => {
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
    return withinRange(c, counter.layout, counter.heads, props.heads, { layout: counter.layout, heads: counter.heads, newest: counter.newest, older: counter.older.map(trimmed) })
  })
}

/**
 * A counter written in the shape of version 1, `{ layout, heads, counts }` (data stored or exported
 * by tiny-counter 0.1.0), and that shape only: the counter of an envelope of version 1. Decoding
 * validates it as version 1 did (one bucket array per unit, no longer than the unit's buckets
 * without its trailing zeros) and converts it with `Counter.fromBuckets`; encoding writes that
 * shape back.
 *
 * @example
 * import { CounterCodec, Layout } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const decoded = CounterCodec.CounterV1.decode({ layout: Layout.utc, heads: [29_000_000, 483_000, 20_000, 657], counts: [[1], [2, 0, 1], [], [1, 0, 0]] })
 * assert.ok(E.isRight(decoded))
 * assert.deepEqual([decoded.right.newest, decoded.right.older], [[1, 2, 0, 1], [[], [0, 1], [], []]])
 * assert.deepEqual(CounterCodec.CounterV1.encode(decoded.right).counts, [[1], [2, 0, 1], [], [1]])
 * const tooLong = CounterCodec.CounterV1.decode({ layout: Layout.utc, heads: [1, 1, 1, 1], counts: [[], new Array(25).fill(1), [], []] })
 * assert.ok(E.isLeft(tooLong) && tooLong.left[0]?.message === 'hours holds 24 buckets, got 25')
 */
export const CounterV1: t.Type<CounterT, Version1, unknown> = withFastPath(
  'CounterV1',
  (u): u is CounterT => CounterV2.is(u),
  knownCounterV1,
  isBounded,
  validateCounterV1,
  (counter): Version1 => ({ layout: counter.layout, heads: counter.heads, counts: toBuckets(counter) })
)

function validateCounterV1(u: unknown, c: t.Context): t.Validation<CounterT> {
  return E.flatMap(CounterV1Shape.validate(u, c), (counter) => {
    const { props } = CounterV1Shape.type
    const units = counter.layout.tracks.length
    if (counter.heads.length === 0 && counter.counts.length === 0) return t.success(empty(counter.layout))
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
    return withinRange(c, counter.layout, counter.heads, props.heads, fromBuckets(counter.layout, counter.heads, counter.counts))
  })
}

/**
 * A counter, in the current shape (`CounterV2`: what `JSON.parse(JSON.stringify(counter))` gives)
 * or in the shape of version 1 (`CounterV1`: `{ layout, heads, counts }`, as tiny-counter 0.1.0
 * exported counters), which it converts; a value with `counts` and neither `newest` nor `older` is
 * read as version 1. Encoding writes the current shape (it is the identity). Decoding also drops
 * trailing zero buckets, so any valid writing of a counter decodes to the one the library itself
 * would build. A valid counter is checked in one pass over its heads and counts
 * (`internal/knownShapes.ts`, the same rules); anything else goes through the io-ts codecs, which
 * name the offending field.
 *
 * @example
 * import { Counter, CounterCodec, Layout } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const counter = Counter.singleton(Layout.utc, Date.UTC(2026, 0, 1), 3)
 * assert.ok(E.isRight(counter))
 * const decoded = CounterCodec.Counter.decode(JSON.parse(JSON.stringify(counter.right)))
 * assert.ok(E.isRight(decoded) && Counter.Eq.equals(decoded.right, counter.right))
 * const negative = CounterCodec.Counter.decode({ ...counter.right, newest: [3, -1, 3, 3] })
 * assert.ok(E.isLeft(negative) && negative.left[0]?.context.map((entry) => entry.key).join('.') === '.newest.1')
 * // The shape of version 1, converted:
 * const old = CounterCodec.Counter.decode({ layout: Layout.utc, heads: counter.right.heads, counts: [[3], [3], [3], [3]] })
 * assert.ok(E.isRight(old) && Counter.Eq.equals(old.right, counter.right))
 */
export const Counter: t.Type<CounterT, CounterT, unknown> = new t.Type<CounterT, CounterT, unknown>(
  'Counter',
  (u): u is CounterT => CounterV2.is(u),
  (u, c) => {
    const known = knownCounter(u)
    if (known !== undefined && isBounded(known)) return t.success(known)
    return isVersion1Writing(u) ? CounterV1.validate(u, c) : validateCounter(u, c)
  },
  t.identity
)

/**
 * Decodes a counter, turning io-ts's errors into one `DecodeError` that names the event (`key`) and
 * the path of the first offending field.
 *
 * @example
 * import { CounterCodec } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const result = CounterCodec.decode('launch', { layout: { tracks: [{ unit: 'days', buckets: 0 }], alignment: 'calendar', timeZone: 'UTC' }, heads: [], newest: [], older: [] })
 * assert.ok(E.isLeft(result))
 * assert.equal(result.left.key, 'launch')
 * assert.equal(result.left.path, 'layout.tracks.0.buckets')
 */
export const decode = (key: string, input: unknown): E.Either<DecodeError, CounterT> =>
  E.mapLeft((errors: t.Errors) => firstDecodeError(key, errors, 'a counter'))(Counter.decode(input))
