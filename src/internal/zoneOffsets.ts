/**
 * The UTC offset of a time zone as a set of cached segments: spans of time during which local time
 * is UTC plus a constant. The offsets come from the platform's `Intl.DateTimeFormat` (the time zone
 * data of the browser or of Node), which is also where the Temporal polyfill reads them; this module
 * is the only one of the core that asks, and only for an instant outside every segment seen so far.
 *
 * A segment ends at an offset change, found by probing every day and then bisecting to the
 * millisecond, or (in a zone without changes nearby) where the probing gave up, a month away: such
 * a boundary has the same offset on both sides, and two segments that meet at one are merged into
 * one. Probing every day sees every change that is at least a day from the next one, which every
 * change of the time zone data is, so a segment holds what `Intl` says for each of its instants,
 * whatever was looked up before.
 */
import { InvalidInstant, UnknownTimeZone } from '../errors.js'
import { DAY_MS, daysFromCivil } from './civil.js'

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
  /** The zone's offset at an epoch millisecond, read from `Intl`. */
  readonly offsetAt: (t: number) => number
}

const MAX_SEGMENTS_PER_ZONE = 4096
/**
 * The span between two probes. Two offset changes closer than this could go unseen (the second
 * back to the first offset), and an instant between them would then get the offset around them
 * once a segment around it was known, but its own when looked up first. The time zone data has 23
 * spans of less than two weeks (the polyfill's step) between changes, the shortest 7 days (Recife
 * 2000, Gaza's predicted pauses; 4 days with the database's `backzone`: Freetown 1939): a day is
 * well below them.
 */
const PROBE_STEP = DAY_MS
/**
 * How far a search for the next (or previous) offset change goes before it gives up: a month of
 * daily probes costs about what a year of probes every two weeks did, and a zone is searched no
 * further than it is asked about (segments that meet are merged).
 */
const SEARCH_HORIZON = 31 * DAY_MS
/** Before this instant every zone keeps its local mean time (the polyfill's assumption too): 1847-01-01T00:00Z. */
const BEFORE_FIRST_CHANGE = -3_881_174_400_000
/** Temporal's last representable epoch millisecond. */
const LAST_MILLISECOND = 8.64e15

const zones = new Map<string, ZoneSegments>()

/** `±HH:MM`, `±HHMM` or `±HH`, as Temporal accepts an offset time zone. */
const OFFSET_ZONE = /^([+-])([01]\d|2[0-3])(?::?([0-5]\d))?$/

/** ICU's three-letter aliases that are not IANA names (Temporal refuses them too). */
const ICU_LEGACY = new Set(
  'ACT AET AGT ART AST BET BST CAT CNT CST CTT EAT ECT IET IST JST MIT NET NST PLT PNT PRT PST SST VST'.split(' ')
)

/** The IANA names the platform lists, by their lower-case form (`null` where `Intl` cannot list them; `undefined` until asked). */
let primaryNames: Map<string, string> | undefined | null

const canonical = new Map<string, string | undefined>()

/**
 * Whether `timeZone` names a zone the platform knows, and its name as Temporal writes it (`timeZoneId`):
 * the IANA case (`europe/berlin` is `Europe/Berlin`), an alias kept as such (`Asia/Calcutta`), an
 * offset as `±HH:MM`. `undefined` for an unknown zone. Cached.
 */
export const canonicalTimeZone = (timeZone: unknown): string | undefined => {
  if (typeof timeZone !== 'string') return undefined
  if (canonical.has(timeZone)) return canonical.get(timeZone)
  const id = identify(timeZone)
  if (canonical.size < 1024) canonical.set(timeZone, id)
  return id
}

/** Temporal's `GetAvailableNamedTimeZoneIdentifier` (and its offset zones), on the platform's `Intl`. */
const identify = (timeZone: string): string | undefined => {
  const offset = OFFSET_ZONE.exec(timeZone)
  if (offset !== null) {
    const [, sign, hours, minutes = '00'] = offset
    return `${hours === '00' && minutes === '00' ? '+' : sign}${hours}:${minutes}`
  }
  if (!/^[A-Za-z0-9_+/-]+$/.test(timeZone)) return undefined
  const lower = timeZone.toLowerCase()
  primaryNames ??= namesOfPlatform()
  const primary = primaryNames?.get(lower)
  if (primary !== undefined) return primary
  if (ICU_LEGACY.has(timeZone)) return undefined
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: lower })
  } catch {
    return undefined
  }
  return ianaCase(lower)
}

const namesOfPlatform = (): Map<string, string> | null => {
  const names = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : undefined
  return names === undefined ? null : new Map(names.map((name) => [name.toLowerCase(), name]))
}

/** The second and third parts of IANA names whose case does not follow the rule. */
const IRREGULAR_CASE: Readonly<Record<string, string>> = {
  Act: 'ACT',
  Lhi: 'LHI',
  Nsw: 'NSW',
  Dar_Es_Salaam: 'Dar_es_Salaam',
  Port_Of_Spain: 'Port_of_Spain',
  'Port-Au-Prince': 'Port-au-Prince',
  Isle_Of_Man: 'Isle_of_Man',
  Comodrivadavia: 'ComodRivadavia',
  Knox_In: 'Knox_IN',
  Dumontdurville: 'DumontDUrville',
  Mcmurdo: 'McMurdo',
  Denoronha: 'DeNoronha',
  Easterisland: 'EasterIsland',
  Bajanorte: 'BajaNorte',
  Bajasur: 'BajaSur'
}

/** The IANA case of an alias the platform knows but does not list (the polyfill's rules). */
const ianaCase = (lower: string): string => {
  const standard = lower.replace(/(^|[/_-])([a-z])/g, (_, separator: string, letter: string) => separator + letter.toUpperCase())
  const parts = standard.split('/')
  if (parts.length === 1) {
    if (lower === 'gb-eire') return 'GB-Eire'
    return lower.length <= 3 || /[-0-9]/.test(lower) ? lower.toUpperCase() : standard
  }
  if (parts[0] === 'Etc') return `Etc/${['Zulu', 'Greenwich', 'Universal'].includes(parts[1]!) ? parts[1]! : parts[1]!.toUpperCase()}`
  if (parts[0] === 'Us') return `US/${parts[1]!}`
  return parts.map((part, i) => (i > 0 ? (IRREGULAR_CASE[part] ?? part) : part)).join('/')
}

/**
 * The segment of `timeZone` that holds the epoch millisecond `t`; throws `InvalidInstant` for a
 * value that is not an integer, and `UnknownTimeZone` for a name `canonicalTimeZone` refuses (from a
 * layout or schedule built by hand). The segments are shared by every grid and schedule of the
 * process: one computed around NaN (bounds NaN) or a fraction (a boundary off the millisecond)
 * would answer wrongly for every later look-up of the zone.
 */
export const segmentAt = (timeZone: string, t: number): Segment => {
  if (!Number.isInteger(t)) throw new InvalidInstant(t)
  let known = zones.get(timeZone)
  if (known === undefined) {
    known = zoneSegments(timeZone)
    zones.set(timeZone, known)
  }
  const last = known.last
  if (t >= last.start && t < last.end) return last
  const sorted = known.sorted
  const i = firstStartingAfter(sorted, t)
  const before = sorted[i - 1]
  if (before !== undefined && t < before.end) {
    known.last = before
    return before
  }
  if (sorted.length >= MAX_SEGMENTS_PER_ZONE) {
    sorted.length = 0
    known.last = insert(sorted, 0, computeSegment(known.offsetAt, t, -Infinity, Infinity))
  } else {
    known.last = insert(sorted, i, computeSegment(known.offsetAt, t, before?.end ?? -Infinity, sorted[i]?.start ?? Infinity))
  }
  return known.last
}

/** Holds no instant: the first look-up of a zone computes its first segment. */
const NOTHING: Segment = { start: Infinity, end: -Infinity, offset: 0, previousOffset: undefined }

const zoneSegments = (timeZone: string): ZoneSegments => {
  // Once per name: a name Layout.make would refuse is refused here too (Intl knows a few more, such
  // as `CST`), before anything is cached.
  if (canonicalTimeZone(timeZone) === undefined) throw new UnknownTimeZone(timeZone)
  const fixed = OFFSET_ZONE.exec(timeZone)
  if (fixed === null && timeZone !== 'UTC') return { sorted: [], last: NOTHING, offsetAt: offsetReader(timeZone) }
  const [, sign = '+', hours = '0', minutes = '0'] = fixed ?? []
  const offset = (sign === '-' ? -1 : 1) * (Number(hours) * 3_600_000 + Number(minutes) * 60_000)
  const whole: Segment = { start: -Infinity, end: Infinity, offset, previousOffset: undefined }
  return { sorted: [whole], last: whole, offsetAt: () => offset }
}

/**
 * Local time minus UTC at `t`, read from an `en-US` formatter of the zone (one per zone), whose
 * output is parsed as the polyfill parses it: `M/D/Y E, HH:MM:SS` with the era (`BC` years count
 * back from year 1: 1 BC is year 0), and an hour shown as `24` (an `hourCycle` some engines use
 * whatever is asked) read as 0.
 */
const offsetReader = (timeZone: string): ((t: number) => number) => {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    era: 'short',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric'
  })
  return (t) => {
    const [month, day, year, era, hour, minute, second] = format.format(t).split(/[^A-Za-z0-9]+/)
    const fullYear = era!.startsWith('B') || era!.startsWith('b') ? 1 - Number(year) : Number(year)
    const hours = hour === '24' ? 0 : Number(hour)
    const wall = daysFromCivil(fullYear, Number(month), Number(day)) * DAY_MS + hours * 3_600_000 + Number(minute) * 60_000 + Number(second) * 1000
    const millisecond = ((t % 1000) + 1000) % 1000
    return wall + millisecond - t
  }
}

/** The index of the first segment that starts after `t` (the segments never overlap). */
const firstStartingAfter = (sorted: ReadonlyArray<Segment>, t: number): number => {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid]!.start <= t) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * Puts `segment` at index `i`, merged with a neighbour it meets at a boundary where the offset does
 * not change (where a search gave up); returns the segment that holds it.
 */
const insert = (sorted: Segment[], i: number, segment: Segment): Segment => {
  let merged = segment
  let from = i
  let count = 0
  const before = sorted[i - 1]
  if (before !== undefined && before.end === merged.start && before.offset === merged.offset) {
    merged = { ...merged, start: before.start, previousOffset: before.previousOffset }
    from = i - 1
    count++
  }
  const after = sorted[i]
  if (after !== undefined && after.start === merged.end && after.offset === merged.offset) {
    merged = { ...merged, end: after.end }
    count++
  }
  sorted.splice(from, count, merged)
  return merged
}

/**
 * The segment holding `t`: from the offset change before it to the one after it, or to where the
 * search gave up (a year away, or at `floor` and `ceiling`: the segments known on either side).
 */
const computeSegment = (offsetAt: (t: number) => number, t: number, floor: number, ceiling: number): Segment => {
  const offset = offsetAt(t)
  const early = t < BEFORE_FIRST_CHANGE
  const end = nextChange(offsetAt, early ? BEFORE_FIRST_CHANGE : t, offset, ceiling)
  if (early) return { start: -Infinity, end, offset, previousOffset: undefined }
  const start = previousChange(offsetAt, t, offset, floor)
  return { start, end, offset, previousOffset: start === -Infinity ? undefined : offsetAt(start - 1) }
}

/** The first instant after `from` whose offset differs from `offset`, or where the search gave up. */
const nextChange = (offsetAt: (t: number) => number, from: number, offset: number, ceiling: number): number => {
  const limit = Math.min(LAST_MILLISECOND, from + SEARCH_HORIZON, ceiling)
  let left = from
  while (left < limit) {
    const right = Math.min(limit, left + PROBE_STEP)
    if (offsetAt(right) !== offset) return firstDifferent(offsetAt, left, right, offset)
    left = right
  }
  return limit === LAST_MILLISECOND ? Infinity : limit
}

/** The first instant of the run of `offset` that holds `from` (an offset change), or where the search gave up. */
const previousChange = (offsetAt: (t: number) => number, from: number, offset: number, floor: number): number => {
  const limit = Math.max(BEFORE_FIRST_CHANGE, from - SEARCH_HORIZON, floor)
  let right = from
  while (right > limit) {
    const left = Math.max(limit, right - PROBE_STEP)
    if (offsetAt(left) !== offset) return firstDifferent(offsetAt, left, right, offsetAt(left))
    right = left
  }
  return limit === BEFORE_FIRST_CHANGE ? -Infinity : limit
}

/** Given `offsetAt(left) === offset !== offsetAt(right)`, an instant in `(left, right]` where the offset stops being `offset`. */
const firstDifferent = (offsetAt: (t: number) => number, left: number, right: number, offset: number): number => {
  let lo = left
  let hi = right
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2)
    if (offsetAt(mid) === offset) lo = mid
    else hi = mid
  }
  return hi
}
