/**
 * Which buckets a query reads: a range of one unit's buckets (bucket 0 is the current period), or
 * `ever`, every bucket of the unit whose buckets reach furthest back.
 */
import type { TimeUnit } from './TimeUnit.js'
import { checkBuckets } from './internal/windows.js'

/** Buckets `from <= i < to` of one unit, bucket 0 being the current period. */
export interface Buckets {
  readonly _tag: 'Buckets'
  readonly unit: TimeUnit
  readonly from: number
  readonly to: number
}

/** Every bucket of the unit whose buckets reach furthest back. */
export interface Ever {
  readonly _tag: 'Ever'
}

/** The buckets a query reads. The queries check a window built by hand as `range` checks its arguments. */
export type Window = Buckets | Ever

/**
 * Buckets `from <= i < to` of `unit`. Bounds beyond the tracked buckets are clamped by queries.
 * Throws `InvalidWindow` unless `0 <= from <= to` are integers, `UnknownUnit` for an unknown unit.
 *
 * @example
 * import { Window } from 'tiny-counter'
 * assert.deepEqual(Window.range('days', 7, 14), { _tag: 'Buckets', unit: 'days', from: 7, to: 14 })
 */
export const range = (unit: TimeUnit, from: number, to: number): Window => {
  checkBuckets(unit, from, to)
  return { _tag: 'Buckets', unit, from, to }
}

/**
 * The `n` most recent buckets of `unit`, the current one included: `last(7, 'days')` is today so
 * far and the six days before.
 *
 * @example
 * import { Window } from 'tiny-counter'
 * assert.deepEqual(Window.last(7, 'days'), Window.range('days', 0, 7))
 */
export const last = (n: number, unit: TimeUnit): Window => range(unit, 0, n)

/**
 * Day buckets `from <= i < to`: `days(0, 7)` is this week of days, `days(7, 14)` the one before.
 *
 * @example
 * import { Window } from 'tiny-counter'
 * assert.deepEqual(Window.days(7, 14), Window.range('days', 7, 14))
 */
export const days = (from: number, to: number): Window => range('days', from, to)

/**
 * Every bucket of the unit whose oldest bucket starts earliest.
 *
 * @example
 * import { Window } from 'tiny-counter'
 * assert.equal(Window.ever._tag, 'Ever')
 */
export const ever: Window = { _tag: 'Ever' }
