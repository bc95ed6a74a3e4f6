/**
 * The UTC offset of a time zone as a set of cached segments: spans of time between two offset
 * transitions, during which local time is UTC plus a constant. This is the only module of the core
 * that calls Temporal, and it does so only for an instant outside every segment seen so far.
 */
import { Temporal } from '@js-temporal/polyfill'

/** A span `[start, end)` of epoch milliseconds during which the zone's offset is constant. */
export interface Segment {
  readonly start: number
  readonly end: number
  /** Local time minus UTC, in milliseconds. */
  readonly offset: number
  /** The offset in force just before `start`, or `undefined` when nothing precedes the segment. */
  readonly previousOffset: number | undefined
}

/** The segments found so far for one zone, sorted by start, and the one hit last. */
interface ZoneSegments {
  readonly sorted: Segment[]
  last: Segment
}

const MAX_SEGMENTS_PER_ZONE = 4096
/** Temporal's last representable epoch millisecond. */
const LAST_MILLISECOND = 8.64e15
const zones = new Map<string, ZoneSegments>()

const canonical = new Map<string, string | undefined>()

/** Whether `timeZone` names a zone Temporal knows; returns its canonical id (cached). */
export const canonicalTimeZone = (timeZone: string): string | undefined => {
  if (canonical.has(timeZone)) return canonical.get(timeZone)
  let id: string | undefined
  try {
    id = Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(timeZone).timeZoneId
  } catch {
    id = undefined
  }
  if (canonical.size < 1024) canonical.set(timeZone, id)
  return id
}

/** The segment of `timeZone` that holds the epoch millisecond `t`. */
export const segmentAt = (timeZone: string, t: number): Segment => {
  const known = zones.get(timeZone)
  if (known === undefined) {
    const segment = computeSegment(timeZone, t)
    zones.set(timeZone, { sorted: [segment], last: segment })
    return segment
  }
  const last = known.last
  if (t >= last.start && t < last.end) return last
  const found = search(known.sorted, t)
  if (found !== undefined) {
    known.last = found
    return found
  }
  const segment = computeSegment(timeZone, t)
  if (known.sorted.length >= MAX_SEGMENTS_PER_ZONE) known.sorted.length = 0
  insert(known.sorted, segment)
  known.last = segment
  return segment
}

const search = (sorted: ReadonlyArray<Segment>, t: number): Segment | undefined => {
  let lo = 0
  let hi = sorted.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    const segment = sorted[mid]!
    if (t < segment.start) hi = mid - 1
    else if (t >= segment.end) lo = mid + 1
    else return segment
  }
  return undefined
}

const insert = (sorted: Segment[], segment: Segment): void => {
  let i = sorted.length
  while (i > 0 && sorted[i - 1]!.start > segment.start) i--
  sorted.splice(i, 0, segment)
}

const offsetAt = (timeZone: string, t: number): number =>
  Temporal.Instant.fromEpochMilliseconds(t).toZonedDateTimeISO(timeZone).offsetNanoseconds / 1e6

const computeSegment = (timeZone: string, t: number): Segment => {
  // One nanosecond past `t` (Temporal's last instant excepted), so that a transition exactly at `t`
  // counts as "previous".
  const nanoseconds = BigInt(t) * 1_000_000n + (t < LAST_MILLISECOND ? 1n : 0n)
  const zoned = Temporal.Instant.fromEpochNanoseconds(nanoseconds).toZonedDateTimeISO(timeZone)
  const previous = zoned.getTimeZoneTransition('previous')
  const next = zoned.getTimeZoneTransition('next')
  const start = previous === null ? -Infinity : previous.epochMilliseconds
  return {
    start,
    end: next === null ? Infinity : next.epochMilliseconds,
    offset: zoned.offsetNanoseconds / 1e6,
    previousOffset: previous === null ? undefined : offsetAt(timeZone, start - 1)
  }
}
