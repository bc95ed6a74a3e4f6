/**
 * The fast path of the io-ts codecs of layouts and counters (`codec/CounterCodec.ts`) and of the
 * envelope (`codec/Envelope.ts`), for loading thousands of stored counters: one loop over plain
 * data, without io-ts's context arrays, checking every rule the codecs check (every count, every
 * head, every length, every track). It only ever answers "valid, and this is what the codec
 * decodes it to" or "ask the codec": on `undefined` the codec validates the value itself and
 * reports the offending field, so errors are exactly the codec's. Counters of both shapes have
 * their fast path: the current one (`knownCounter`) and version 1's (`knownCounterV1`, converted).
 *
 * Layouts are remembered by value: stored counters mostly carry one of a few layouts, which are
 * then checked once (the time zone above all) and shared, frozen, by every counter decoded with
 * them; later ones are still checked field by field (units, bucket counts) and compared.
 */
import type { Counter } from '../../Counter.js'
import { empty, fromBuckets } from '../../Counter.js'
import type { Layout } from '../../Layout.js'
import { MAX_INSTANT } from '../../Calendar.js'
import type { TimeUnit } from '../../TimeUnit.js'
import { all as allUnits } from '../../TimeUnit.js'
import { canonicalTimeZone } from '../../internal/zoneOffsets.js'
import { trimmed } from '../../internal/counts.js'

const RANK: ReadonlyMap<unknown, number> = new Map(allUnits.map((unit, rank) => [unit, rank]))

/** What io-ts accepts as an object with fields (`t.UnknownRecord`). */
const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => u !== null && typeof u === 'object' && !Array.isArray(u)

const isBucketCount = (u: unknown): u is number => Number.isSafeInteger(u) && (u as number) > 0
const isCount = (u: unknown): u is number => Number.isSafeInteger(u) && (u as number) >= 0
const isBucketIndex = (u: unknown): u is number => Number.isSafeInteger(u) && Math.abs(u as number) <= MAX_INSTANT

/** A decoded layout and the writing it was decoded from (units and buckets as given, zone as given). */
interface Known {
  readonly alignment: string
  readonly timeZone: string
  readonly units: ReadonlyArray<unknown>
  readonly buckets: ReadonlyArray<unknown>
  readonly layout: Layout
}

/** The layouts decoded lately, the one used last first. */
const known: Known[] = []
const MAX_KNOWN = 32

/** Whether `tracks` (already checked) are written as `entry`'s. */
const sameTracks = (entry: Known, tracks: ReadonlyArray<Readonly<Record<string, unknown>>>): boolean => {
  if (entry.units.length !== tracks.length) return false
  for (let i = 0; i < tracks.length; i++) {
    const track = tracks[i]!
    if (track['unit'] !== entry.units[i] || track['buckets'] !== entry.buckets[i]) return false
  }
  return true
}

/**
 * The layout `u` decodes to, when it is a valid layout: an object with a non-empty array of
 * tracks (objects with a known unit and a positive safe integer of buckets, units strictly finest
 * first), an alignment and a known time zone (decoded to its canonical name). Other fields are
 * dropped, as `t.strict` drops them. `undefined` when anything is off.
 */
export const knownLayout = (u: unknown): Layout | undefined => {
  if (!isRecord(u)) return undefined
  const tracks = u['tracks']
  const alignment = u['alignment']
  const timeZone = u['timeZone']
  if (!Array.isArray(tracks) || tracks.length === 0 || (alignment !== 'calendar' && alignment !== 'uniform') || typeof timeZone !== 'string') return undefined
  let previous = -1
  for (let i = 0; i < tracks.length; i++) {
    const track: unknown = tracks[i]
    if (!isRecord(track)) return undefined
    const rank = RANK.get(track['unit'])
    if (rank === undefined || rank <= previous || !isBucketCount(track['buckets'])) return undefined
    previous = rank
  }
  for (let k = 0; k < known.length; k++) {
    const entry = known[k]!
    if (entry.alignment === alignment && entry.timeZone === timeZone && sameTracks(entry, tracks)) {
      if (k > 0) known.unshift(...known.splice(k, 1))
      return entry.layout
    }
  }
  const zone = canonicalTimeZone(timeZone)
  if (zone === undefined) return undefined
  const kept = tracks.map((track: Readonly<Record<string, unknown>>) => Object.freeze({ unit: track['unit'] as TimeUnit, buckets: track['buckets'] as number }))
  const layout: Layout = Object.freeze({ tracks: Object.freeze(kept), alignment, timeZone: zone })
  known.unshift({ alignment, timeZone, units: kept.map((track) => track.unit), buckets: kept.map((track) => track.buckets), layout })
  if (known.length > MAX_KNOWN) known.pop()
  return layout
}

/** Whether `u` is an array of arrays of counts. */
const isCountTable = (u: unknown): u is ReadonlyArray<ReadonlyArray<number>> => {
  if (!Array.isArray(u)) return false
  for (let k = 0; k < u.length; k++) {
    const row: unknown = u[k]
    if (!Array.isArray(row)) return false
    for (let i = 0; i < row.length; i++) if (!isCount(row[i])) return false
  }
  return true
}

/**
 * Whether a counter is written in the shape of version 1, `{ layout, heads, counts }` (each unit's
 * buckets in one array, as tiny-counter 0.1.0 stored them), rather than the current one (`newest`
 * and `older`): it has `counts` and neither of the current fields. `CounterCodec.Counter` reads both.
 */
export const isVersion1Writing = (u: unknown): boolean =>
  isRecord(u) && u['counts'] !== undefined && u['newest'] === undefined && u['older'] === undefined

/**
 * The counter `u` decodes to, when it is a valid counter of the current shape: a valid layout;
 * heads, an array of safe integers within the instant range; newest, an array of non-negative safe
 * integers; older, an array of arrays of them; either all three empty, or one head, one newest count
 * and one array of older counts per track, each array (without its trailing zeros) holding at most
 * the track's buckets less one. `undefined` when anything is off.
 */
export const knownCounter = (u: unknown): Counter | undefined => {
  if (!isRecord(u)) return undefined
  const layout = knownLayout(u['layout'])
  const heads = u['heads']
  const newest = u['newest']
  const older = u['older']
  if (layout === undefined || !Array.isArray(heads) || !Array.isArray(newest) || !isCountTable(older)) return undefined
  for (let i = 0; i < heads.length; i++) if (!isBucketIndex(heads[i])) return undefined
  for (let i = 0; i < newest.length; i++) if (!isCount(newest[i])) return undefined
  if (heads.length === 0 && newest.length === 0 && older.length === 0) return { layout, heads, newest, older }
  const units = layout.tracks.length
  if (heads.length !== units || newest.length !== units || older.length !== units) return undefined
  let kept: Array<ReadonlyArray<number>> | undefined
  for (let k = 0; k < units; k++) {
    const unitOlder = trimmed(older[k]!)
    if (unitOlder.length >= layout.tracks[k]!.buckets) return undefined
    if (unitOlder !== older[k]) {
      kept ??= older.slice()
      kept[k] = unitOlder
    }
  }
  return { layout, heads, newest, older: kept ?? older }
}

/**
 * The counter `u` decodes to, when it is a valid counter written in the shape of version 1: a valid
 * layout; heads as above; counts, an array of arrays of non-negative safe integers; either no heads
 * and no counts, or one head and one array per track, each array (without its trailing zeros) no
 * longer than the track's buckets. Converted with `fromBuckets`. `undefined` when anything is off.
 */
export const knownCounterV1 = (u: unknown): Counter | undefined => {
  if (!isRecord(u)) return undefined
  const layout = knownLayout(u['layout'])
  const heads = u['heads']
  const counts = u['counts']
  if (layout === undefined || !Array.isArray(heads) || !isCountTable(counts)) return undefined
  for (let i = 0; i < heads.length; i++) if (!isBucketIndex(heads[i])) return undefined
  if (heads.length === 0 && counts.length === 0) return empty(layout)
  const units = layout.tracks.length
  if (heads.length !== units || counts.length !== units) return undefined
  for (let k = 0; k < units; k++) if (trimmed(counts[k]!).length > layout.tracks[k]!.buckets) return undefined
  return fromBuckets(layout, heads, counts)
}
