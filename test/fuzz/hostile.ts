// The hostile-input fuzzer: writes the corpus test/fixtures/hostile/ that test/fuzz/hostile.test.ts
// feeds, in a worker with a watchdog, to the decoders, every operation on what they accept, and the
// CLI. Run it with `npm run fuzz:hostile` (add `-- --count N --seed S` for another corpus); the
// corpus is committed so that `npm test` needs no generation, and it is deterministic for a seed.
//
// Inputs, in both formats (JSON and Bincode), with a valid checksum wherever one can be written, so
// that they get past it and reach the validation behind it:
// - structured: layouts at and past the bucket bounds, heads at and past the instant range of each
//   unit, counts up to 2^53 - 1, older arrays at and past their length, odd zones and alignments;
// - shapes: values nested thousands deep, huge arrays, wrong types;
// - mutations of valid payloads (byte changes, insertions, cuts), the checksum then made valid again.
import * as fc from 'fast-check'
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BincodeFormat, Calendar, Counter, JsonFormat, Layout, TimeUnit, crc32 } from '../../src/index.js'

export const corpusDir = fileURLToPath(new URL('../fixtures/hostile/', import.meta.url))

const NOW = Date.UTC(2026, 5, 1, 12, 30)
const MAX = Number.MAX_SAFE_INTEGER
const zones = ['UTC', 'Europe/Berlin', 'Australia/Lord_Howe', 'Pacific/Apia', 'America/Sao_Paulo', 'Asia/Kolkata', 'Pacific/Kiritimati'] as const

interface PlainTrack {
  unit: unknown
  buckets: unknown
}
interface PlainCounter {
  layout: { tracks: PlainTrack[]; alignment: unknown; timeZone: unknown }
  heads: unknown[]
  newest: unknown[]
  older: unknown[]
}

// Mostly within the bounds (the values that are accepted must then be handled), sometimes past them.
const bucketCount = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(1, 2, 24, 60, 1_000, 30_000) },
  { weight: 2, arbitrary: fc.constantFrom(99_999, 100_000) },
  { weight: 1, arbitrary: fc.constantFrom(100_001, 2 ** 31, MAX) }
)
const units = fc.subarray([...TimeUnit.all], { minLength: 1, maxLength: 4 })
const headFor = (alignment: 'calendar' | 'uniform', zone: string, unit: TimeUnit.TimeUnit): fc.Arbitrary<number> => {
  const [first, last] = Calendar.indexRange(alignment, zone, unit)
  const now = Calendar.bucketIndex(alignment, zone, unit, NOW)
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(first, last, first + 1, last - 1, now, now + 1, now - 1, 0) },
    { weight: 2, arbitrary: fc.integer({ min: first, max: last }) },
    { weight: 1, arbitrary: fc.constantFrom(first - 1, last + 1, 8.64e15, -8.64e15, 1e15, -1e15) }
  )
}
const count = fc.constantFrom(0, 1, 7, 2 ** 52, MAX - 1, MAX)

const structured: fc.Arbitrary<PlainCounter> = fc
  .record({ units, alignment: fc.constantFrom('calendar' as const, 'uniform' as const), zone: fc.constantFrom(...zones) })
  .chain(({ units: tracked, alignment, zone }) =>
    fc.record({
      layout: fc.record({
        tracks: fc.tuple(...tracked.map((unit) => bucketCount.map((buckets) => ({ unit, buckets })))),
        alignment: fc.constant(alignment),
        timeZone: fc.constant(zone)
      }),
      heads: fc.tuple(...tracked.map((unit) => headFor(alignment, zone, unit))),
      newest: fc.tuple(...tracked.map(() => count)),
      older: fc.tuple(
        ...tracked.map(() =>
          fc.oneof(
            fc.constant([] as number[]),
            fc.array(count, { maxLength: 8 }),
            fc.tuple(fc.constantFrom(23, 59, 60, 99, 1_000), count).map(([length, n]) => new Array<number>(length).fill(n))
          )
        )
      )
    })
  )
  .map((c) => ({ layout: { ...c.layout, tracks: [...c.layout.tracks] }, heads: [...c.heads], newest: [...c.newest], older: [...c.older] }))

/**
 * A value nested `depth` arrays deep, written as JSON text in place of the placeholder it returns
 * (JSON.stringify itself would overflow the stack on it).
 */
const nestedTexts = new Map<string, string>()
const nested = (depth: number, inner: unknown = 1): string => {
  const placeholder = `@nested-${nestedTexts.size}@`
  nestedTexts.set(JSON.stringify(placeholder), '['.repeat(depth) + JSON.stringify(inner) + ']'.repeat(depth))
  return placeholder
}

const utc = Layout.utc
const sample = Counter.fromBuckets(utc, [29_615_070, 493_584, 20_605, 677], [[3], [1, 0, 2], [9, 0, 0, 4], [12, 1]])
const shapes: ReadonlyArray<readonly [string, unknown]> = [
  ['heads-nested-5000', { version: 2, counter: { ...sample, heads: nested(5_000) } }],
  ['older-nested-5000', { version: 2, counter: { ...sample, older: nested(5_000, []) } }],
  ['layout-nested-5000', { version: 2, counter: { ...sample, layout: nested(5_000) } }],
  ['envelope-nested-5000', nested(5_000, { version: 2 })],
  ['envelope-v3-nested-5000', { version: 3, counter: { ...sample, older: nested(5_000) } }],
  ['version-nested-5000', { version: nested(5_000), counter: sample }],
  ['tracks-object-nested', { version: 2, counter: { ...sample, layout: { ...utc, tracks: [{ unit: 'days', buckets: nested(3_000) }] } } }],
  ['older-20000', { version: 2, counter: { ...sample, older: [new Array(20_000).fill(1), [], [], []] } }],
  ['heads-string', { version: 2, counter: { ...sample, heads: ['1', '2', '3', '4'] } }],
  ['counts-negative-zero', { version: 2, counter: { ...sample, newest: [-0, 0, 0, 0] } }],
  ['proto-key', JSON.parse('{"version":2,"counter":{"__proto__":{"heads":[1]},"layout":{"tracks":[],"alignment":"calendar","timeZone":"UTC"}}}')],
  ['zone-huge-name', { version: 2, counter: { ...sample, layout: { ...utc, timeZone: 'Europe/'.padEnd(10_000, 'x') } } }],
  ['tracks-7-max', { version: 2, counter: { layout: { tracks: TimeUnit.all.map((unit) => ({ unit, buckets: 100_000 })), alignment: 'calendar', timeZone: 'UTC' }, heads: [], newest: [], older: [] } }],
  ['tracks-2x100k', { version: 2, counter: { layout: { tracks: [{ unit: 'seconds', buckets: 100_000 }, { unit: 'minutes', buckets: 100_000 }], alignment: 'calendar', timeZone: 'UTC' }, heads: [0, 0], newest: [1, 1], older: [[], []] } }],
  ['far-heads-every-unit', { version: 2, counter: { ...sample, heads: [8.64e15, 8.64e15, 8.64e15, 8.64e15] } }],
  ['head-gap-2e8', { version: 2, counter: { layout: { tracks: [{ unit: 'days', buckets: 100_000 }], alignment: 'calendar', timeZone: 'UTC' }, heads: [-99_000_000], newest: [MAX], older: [new Array(5_000).fill(MAX)] } }],
  ['version-1-huge', { version: 1, counter: { layout: { tracks: [{ unit: 'minutes', buckets: MAX }], alignment: 'calendar', timeZone: 'UTC' }, heads: [-8e12], counts: [[1, 2, 3]] } }]
]

// ----------------------------------------------------------------------------------------------
// writing: JSON (version 3 with its checksum, or version 2) and Bincode (version 3, or 2)
// ----------------------------------------------------------------------------------------------

const utf8 = new TextEncoder()

/** JSON text of an envelope value; version 3 gets its checksum trailer as JsonFormat writes it. */
const jsonBytes = (envelope: unknown): Uint8Array => {
  let text = JSON.stringify(envelope)
  for (const [placeholder, nestedText] of nestedTexts) text = text.replace(placeholder, nestedText)
  if (typeof envelope !== 'object' || envelope === null || (envelope as { version?: unknown }).version !== 3) return utf8.encode(text)
  return withJsonChecksum(utf8.encode(text.slice(0, -1)))
}

const withJsonChecksum = (body: Uint8Array): Uint8Array => {
  const trailer = utf8.encode(`,"crc32":${crc32(body)}}`)
  const out = new Uint8Array(body.length + trailer.length)
  out.set(body)
  out.set(trailer, body.length)
  return out
}

/** Bincode bytes of version 3 (the checksum recomputed over `body`), or undefined when the writer refuses the value. */
const withBincodeChecksum = (body: Uint8Array): Uint8Array => {
  const sum = crc32(body)
  return Uint8Array.from([...body, sum >>> 24, (sum >>> 16) & 0xff, (sum >>> 8) & 0xff, sum & 0xff])
}

const bincodeBytes = (counter: PlainCounter): Uint8Array | undefined => {
  try {
    return BincodeFormat.serialize(counter as unknown as Counter.Counter)
  } catch {
    return undefined // a head or count the writer cannot express: JSON only
  }
}

// ----------------------------------------------------------------------------------------------
// mutations of valid payloads, checksum made valid again
// ----------------------------------------------------------------------------------------------

const valid = [
  sample,
  Counter.fromBuckets(Layout.standard({ timeZone: 'Australia/Lord_Howe' }), [29_615_070, 493_584, 20_605, 677], [[1, 2, 3], [4], [5, 0, 6], []]),
  Counter.fromBuckets(Layout.make({ seconds: 60, weeks: 52, years: 4 }, { timeZone: 'Pacific/Apia', alignment: 'uniform' }) as never, [1, 2, 3], [[1], [2], [3]])
].map((c) => ('right' in (c.layout as object) ? { ...c, layout: (c.layout as unknown as { right: Layout.Layout }).right } : c))

const mutation = fc.record({
  base: fc.nat(valid.length - 1),
  json: fc.boolean(),
  edits: fc.array(fc.tuple(fc.constantFrom('set', 'insert', 'cut'), fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })
})

const mutate = ({ base, json, edits }: { base: number; json: boolean; edits: Array<[string, number, number]> }): Uint8Array => {
  const written = (json ? JsonFormat : BincodeFormat).serialize(valid[base]!)
  // Without the checksum: the body a writer would checksum.
  const trailer = json ? new TextDecoder().decode(written).match(/,"crc32":\d+\}$/)![0].length - 1 : 4
  const bytes = [...written.subarray(0, written.length - trailer)]
  for (const [kind, at, value] of edits) {
    const i = at % Math.max(1, bytes.length)
    if (kind === 'set') bytes[i] = value
    else if (kind === 'insert') bytes.splice(i, 0, value)
    else bytes.splice(i, 1 + (value % 8))
  }
  const body = Uint8Array.from(bytes)
  return json ? withJsonChecksum(body.subarray(0, body.length - 1)) : withBincodeChecksum(body)
}

// ----------------------------------------------------------------------------------------------
// the corpus
// ----------------------------------------------------------------------------------------------

export const generate = (count: number, seed: number): Array<readonly [string, Uint8Array]> => {
  const out: Array<readonly [string, Uint8Array]> = []
  const pad = (n: number): string => String(n).padStart(3, '0')
  for (const [name, value] of shapes) out.push([`${pad(out.length)}-${name}.json`, jsonBytes(value)])
  const counters = fc.sample(structured, { numRuns: count, seed })
  counters.forEach((c, i) => {
    const version = i % 3 === 0 ? 2 : 3
    out.push([`${pad(out.length)}-structured-v${version}.json`, jsonBytes({ version, counter: c })])
    const bytes = bincodeBytes(c)
    if (bytes !== undefined) {
      const v2 = Uint8Array.from(bytes.subarray(0, bytes.length - 4), (b, k) => (k === 2 ? 2 : b))
      out.push([`${pad(out.length)}-structured-v${version}.bin`, version === 3 ? bytes : v2])
    }
  })
  for (const m of fc.sample(mutation, { numRuns: Math.ceil(count / 2), seed: seed + 1 })) {
    out.push([`${pad(out.length)}-mutated.${m.json ? 'json' : 'bin'}`, mutate(m as never)])
  }
  return out
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]
if (isMain) {
  const option = (name: string, fallback: number): number => {
    const i = process.argv.indexOf(`--${name}`)
    return i > 0 ? Number(process.argv[i + 1]) : fallback
  }
  const inputs = generate(option('count', 80), option('seed', 14))
  mkdirSync(corpusDir, { recursive: true })
  for (const name of readdirSync(corpusDir)) rmSync(join(corpusDir, name))
  for (const [name, bytes] of inputs) writeFileSync(join(corpusDir, name), bytes)
  const total = inputs.reduce((n, [, bytes]) => n + bytes.length, 0)
  console.log(`wrote ${inputs.length} inputs (${total} bytes) to ${corpusDir}`)
}
