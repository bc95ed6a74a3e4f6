/**
 * tiny-counter: event counts across calendar-correct time windows, with fixed memory and fast
 * queries. Counters are immutable plain values; `record`, `rotate` and `merge` are pure, and
 * `merge` makes them a commutative monoid. Queries return `Option`; refusals return `Either`.
 */
export * as Calendar from './Calendar.js'
export type { Clock } from './Clock.js'
export { SystemClock, TestClock } from './Clock.js'
export * as CounterCodec from './codec/CounterCodec.js'
export * as Envelope from './codec/Envelope.js'
export type { Formatter } from './codec/Formatter.js'
export { BincodeFormat } from './codec/BincodeFormat.js'
export { JsonFormat } from './codec/JsonFormat.js'
export { crc32 } from './codec/crc32.js'
export * as Counter from './Counter.js'
export * as Duration from './Duration.js'
export * as Instant from './Instant.js'
export * as Layout from './Layout.js'
export * as Limit from './Limit.js'
export * as Query from './Query.js'
export * as Schedule from './Schedule.js'
export * as TimeUnit from './TimeUnit.js'
export * as Window from './Window.js'
export type { Storage, Update, Write } from './store/Storage.js'
export { invalidStorageKey } from './store/Storage.js'
export { MemoryStorage } from './storage/MemoryStorage.js'
export { EventStore } from './store/EventStore.js'
export type { Counters, ImportRefusal, RecordRefusal } from './store/EventStore.js'
export { SyncedStore } from './store/SyncedStore.js'
export { EventStoreBuilder } from './store/EventStoreBuilder.js'
export { DEFAULT_RESERVATION_MILLIS, LimitBuilder, NoAtMostConstraint, Reservation, ReservationSettled } from './store/LimitBuilder.js'
export type { ReserveOptions, Usage } from './store/LimitBuilder.js'
export { LimitExceeded, UntrackedWindow } from './Limit.js'
export type { Constraint, ConstraintError, LimitError, WindowInput } from './Limit.js'
export { DeltaQuery, DeltaRange, EventQuery, ManyQuery, RangeQuery, RatioQuery, WindowChooser } from './store/EventQuery.js'
export {
  InvalidBucketCount,
  InvalidCount,
  InvalidDuration,
  InvalidHour,
  InvalidInstant,
  InvalidLayout,
  InvalidRange,
  InvalidWindow,
  TinyCounterError,
  UnknownTimeZone,
  UnknownUnit
} from './errors.js'
export { DecodeError } from './codec/errors.js'
export { FutureEvent, InvalidEventName, StorageError, StoreClosed } from './store/errors.js'
export type { LayoutError, RecordError } from './errors.js'
