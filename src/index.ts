/**
 * tiny-counter: event counts across calendar-correct time windows, with fixed memory and fast
 * queries. Counters are immutable plain values; `record`, `rotate` and `merge` are pure, and
 * `merge` makes them a commutative monoid. Queries return `Option`; refusals return `Either`.
 */
export * as Calendar from './Calendar.js'
export * as Counter from './Counter.js'
export * as Layout from './Layout.js'
export * as Query from './Query.js'
export * as TimeUnit from './TimeUnit.js'
export * as Window from './Window.js'
export {
  InvalidBucketCount,
  InvalidCount,
  InvalidInstant,
  InvalidLayout,
  InvalidWindow,
  TinyCounterError,
  UnknownTimeZone,
  UnknownUnit
} from './errors.js'
export type { LayoutError, RecordError } from './errors.js'
