// A naive model of a counter: it keeps every (instant, count) it was given and answers window
// queries by asking @js-temporal/polyfill directly which local date, Monday, month or year each
// instant falls in (never through src/Calendar.ts). The model test compares the real queries with it.
import { Temporal } from '@js-temporal/polyfill'
import type { Layout, TimeUnit, Window } from 'tiny-counter'
import { Counter } from 'tiny-counter'

type Unit = TimeUnit.TimeUnit

/** One recorded event. */
export interface Event {
  readonly at: number
  readonly n: number
}

const NOMINAL: Readonly<Record<Unit, number>> = {
  seconds: 1_000,
  minutes: 60_000,
  hours: 3_600_000,
  days: 86_400_000,
  weeks: 7 * 86_400_000,
  months: 30 * 86_400_000,
  years: 365 * 86_400_000
}
const SUB_DAY: ReadonlySet<Unit> = new Set(['seconds', 'minutes', 'hours'])
const EPOCH_DATE = Temporal.PlainDate.from('1970-01-01')

// -------------------------------------------------------------------------------------------------
// where an instant falls, by Temporal
// -------------------------------------------------------------------------------------------------

interface Local {
  readonly date: Temporal.PlainDate
  /** Days from 1970-01-01 to the local date. */
  readonly epochDay: number
  /** Days from 1970-01-01 to the Monday on or before the local date. */
  readonly mondayEpochDay: number
  /** Local time minus UTC, in milliseconds. */
  readonly offset: number
}

const locals = new Map<string, Local>()

const localOf = (zone: string, t: number): Local => {
  const key = `${zone}|${t}`
  const known = locals.get(key)
  if (known !== undefined) return known
  const zoned = Temporal.Instant.fromEpochMilliseconds(t).toZonedDateTimeISO(zone)
  const date = zoned.toPlainDate()
  const epochDay = EPOCH_DATE.until(date, { largestUnit: 'days' }).days
  const local = { date, epochDay, mondayEpochDay: epochDay - (date.dayOfWeek - 1), offset: zoned.offsetNanoseconds / 1e6 }
  if (locals.size > 200_000) locals.clear()
  locals.set(key, local)
  return local
}

/**
 * Whether the model knows where the buckets of `unit` fall: always under uniform alignment; under
 * calendar alignment for days and coarser, and for seconds, minutes and hours when every offset of
 * the zone is the same modulo the unit (so that they are fixed periods shifted by that remainder).
 * Lord Howe's 30-minute shift moves hour boundaries: its hours are left to the calendar laws.
 * The model assumes local dates never step back: true in the model zones, not in St John's, whose
 * clocks fell back from 00:01 to 23:01 until 2011.
 */
export const knowsUnit = (layout: Layout.Layout, unit: Unit): boolean =>
  layout.alignment === 'uniform' || !(unit === 'hours' && layout.timeZone === 'Australia/Lord_Howe')

/**
 * A bucket number of `unit` for the instant `t`: differences between two of them count buckets.
 * Calendar: local dates (a skipped date still counts), Monday-starting weeks, year * 12 + month,
 * years; uniform: fixed lengths from the Unix epoch, weeks from Monday 1969-12-29.
 */
export const bucketNumber = (layout: Layout.Layout, unit: Unit, t: number): number => {
  if (layout.alignment === 'uniform') {
    const origin = unit === 'weeks' ? -3 * NOMINAL.days : 0
    return Math.floor((t - origin) / NOMINAL[unit])
  }
  const local = localOf(layout.timeZone, t)
  switch (unit) {
    case 'days':
      return local.epochDay
    case 'weeks':
      return (local.mondayEpochDay + 3) / 7
    case 'months':
      return local.date.year * 12 + local.date.month - 1
    case 'years':
      return local.date.year
    default: {
      const length = NOMINAL[unit]
      const shift = ((local.offset % length) + length) % length
      return Math.floor((t + shift) / length)
    }
  }
}

/** Where the bucket of a calendar day-or-coarser unit holding `t` starts: Temporal's start of its first day. */
export const calendarBucketStart = (zone: string, unit: 'days' | 'weeks' | 'months' | 'years', t: number): number => {
  const date = localOf(zone, t).date
  const first =
    unit === 'days'
      ? date
      : unit === 'weeks'
        ? date.subtract({ days: date.dayOfWeek - 1 })
        : unit === 'months'
          ? date.with({ day: 1 })
          : date.with({ month: 1, day: 1 })
  return first.toZonedDateTime(zone).epochMilliseconds
}

/** Whether the local wall clock at `t` shows a whole second, minute or hour (by Temporal). */
export const wallClockIsWhole = (zone: string, unit: 'seconds' | 'minutes' | 'hours', t: number): boolean => {
  const wall = Temporal.Instant.fromEpochMilliseconds(t).toZonedDateTimeISO(zone)
  return wall.millisecond === 0 && (unit === 'seconds' || (wall.second === 0 && (unit === 'minutes' || wall.minute === 0)))
}

/** Whether the zone's UTC offset changes at the instant `t`. */
export const offsetChangesAt = (zone: string, t: number): boolean =>
  Temporal.Instant.fromEpochMilliseconds(t - 1).toZonedDateTimeISO(zone).offsetNanoseconds !==
  Temporal.Instant.fromEpochMilliseconds(t).toZonedDateTimeISO(zone).offsetNanoseconds

/** Where the oldest of `buckets` buckets of `unit`, seen from `at`, starts. */
const oldestStart = (layout: Layout.Layout, unit: Unit, buckets: number, at: number): number => {
  const oldest = bucketNumber(layout, unit, at) - buckets + 1
  if (layout.alignment === 'uniform') return (unit === 'weeks' ? -3 * NOMINAL.days : 0) + oldest * NOMINAL[unit]
  if (SUB_DAY.has(unit)) {
    const length = NOMINAL[unit]
    return oldest * length - (((localOf(layout.timeZone, at).offset % length) + length) % length)
  }
  const date = localOf(layout.timeZone, at).date
  const back = buckets - 1
  const first =
    unit === 'days'
      ? date.subtract({ days: back })
      : unit === 'weeks'
        ? date.subtract({ days: date.dayOfWeek - 1 }).subtract({ weeks: back })
        : unit === 'months'
          ? date.with({ day: 1 }).subtract({ months: back })
          : date.with({ month: 1, day: 1 }).subtract({ years: back })
  return first.toZonedDateTime(layout.timeZone).epochMilliseconds
}

/** The unit `ever` reads: the one whose oldest bucket starts earliest (ties: the coarser). */
export const everUnit = (layout: Layout.Layout, at: number): Unit => {
  let best: Unit | undefined
  let earliest = Infinity
  for (const track of layout.tracks) {
    if (!knowsUnit(layout, track.unit)) continue
    const start = oldestStart(layout, track.unit, track.buckets, at)
    if (start <= earliest) {
      earliest = start
      best = track.unit
    }
  }
  if (best === undefined) throw new Error('the model knows no unit of this layout')
  return best
}

// -------------------------------------------------------------------------------------------------
// answers
// -------------------------------------------------------------------------------------------------

/** What the model says about a window: `undefined` when the unit is not tracked. */
export interface Answer {
  readonly sum: number
  readonly countNonzero: number
  /** `[i, count]` for every bucket of the window, bucket 0 (the current period) first. */
  readonly buckets: ReadonlyArray<readonly [number, number]>
}

/**
 * The model's answer at `at` (no earlier than any event): an event at t is in bucket
 * `i = number(at) - number(t)`, and counts when `from <= i < min(to, L)`.
 */
export const answer = (layout: Layout.Layout, events: ReadonlyArray<Event>, window: Window.Window, at: number): Answer | undefined => {
  const unit = window._tag === 'Ever' ? everUnit(layout, at) : window.unit
  const track = layout.tracks.find((t) => t.unit === unit)
  if (track === undefined) return undefined
  if (!knowsUnit(layout, unit)) throw new Error(`the model does not know ${unit} in ${layout.timeZone}`)
  const from = window._tag === 'Ever' ? 0 : window.from
  const to = Math.min(window._tag === 'Ever' ? Infinity : window.to, track.buckets)
  const now = bucketNumber(layout, unit, at)
  const perBucket = new Map<number, number>()
  for (const event of events) {
    const i = now - bucketNumber(layout, unit, event.at)
    if (i < 0) throw new Error(`the model is asked at ${at}, before an event at ${event.at}`)
    if (i >= from && i < to) perBucket.set(i, Math.min((perBucket.get(i) ?? 0) + event.n, Counter.MAX_COUNT))
  }
  const buckets: Array<readonly [number, number]> = []
  for (let i = from; i < to; i++) buckets.push([i, perBucket.get(i) ?? 0])
  return {
    sum: buckets.reduce((s, [, n]) => Math.min(s + n, Counter.MAX_COUNT), 0),
    countNonzero: buckets.filter(([, n]) => n > 0).length,
    buckets
  }
}
