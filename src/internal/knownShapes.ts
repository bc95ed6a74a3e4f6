/**
 * The fast path of the io-ts codecs of layouts and counters (`codec/CounterCodec.ts`) and of the
 * envelope (`codec/Envelope.ts`), for loading thousands of stored counters: one loop over plain
 * data, without io-ts's context arrays, checking every rule the codecs check (every count, every
 * head, every length, every track). It only ever answers "valid, and this is what the codec
 * decodes it to" or "ask the codec": on `undefined` the codec validates the value itself and
 * reports the offending field, so errors are exactly the codec's.
 *
 * Layouts are remembered by value: stored counters mostly carry one of a few layouts, which are
 * then checked once (the time zone above all) and shared, frozen, by every counter decoded with
 * them; later ones are still checked field by field (units, bucket counts) and compared.
 */
import type { Counter } from '../Counter.js'
import type { Layout } from '../Layout.js'
import { MAX_INSTANT } from '../Calendar.js'
import type { TimeUnit } from '../TimeUnit.js'
import { all as allUnits } from '../TimeUnit.js'
import { canonicalTimeZone } from './zoneOffsets.js'

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

/** Without trailing zeros (as `CounterCodec` decodes them). */
const trimmed = (counts: ReadonlyArray<number>): ReadonlyArray<number> => {
  let end = counts.length
  while (end > 0 && counts[end - 1] === 0) end--
  return end === counts.length ? counts : counts.slice(0, end)
}

/**
 * The counter `u` decodes to, when it is a valid counter: a valid layout; heads, an array of safe
 * integers within the instant range; counts, an array of arrays of non-negative safe integers;
 * either no heads and no counts, or one head and one array per track, each array (without its
 * trailing zeros) no longer than the track's buckets. `undefined` when anything is off.
 */
export const knownCounter = (u: unknown): Counter | undefined => {
  if (!isRecord(u)) return undefined
  const layout = knownLayout(u['layout'])
  const heads = u['heads']
  const counts = u['counts']
  if (layout === undefined || !Array.isArray(heads) || !Array.isArray(counts)) return undefined
  for (let i = 0; i < heads.length; i++) if (!isBucketIndex(heads[i])) return undefined
  for (let k = 0; k < counts.length; k++) {
    const unitCounts: unknown = counts[k]
    if (!Array.isArray(unitCounts)) return undefined
    for (let i = 0; i < unitCounts.length; i++) if (!isCount(unitCounts[i])) return undefined
  }
  if (heads.length === 0 && counts.length === 0) return { layout, heads, counts }
  const units = layout.tracks.length
  if (heads.length !== units || counts.length !== units) return undefined
  const kept = new Array<ReadonlyArray<number>>(units)
  for (let k = 0; k < units; k++) {
    const unitCounts = trimmed(counts[k] as ReadonlyArray<number>)
    if (unitCounts.length > layout.tracks[k]!.buckets) return undefined
    kept[k] = unitCounts
  }
  return { layout, heads, counts: kept }
}
