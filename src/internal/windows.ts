/**
 * The one check of a window's buckets, shared by `Window.range` and the queries: a window can also
 * be an object built by hand (or in plain JavaScript), which the queries must not read as data.
 */
import { isTimeUnit } from '../TimeUnit.js'
import { InvalidWindow, UnknownUnit } from '../errors.js'

/** Throws `UnknownUnit` for a unit that is not a `TimeUnit`, `InvalidWindow` unless `0 <= from <= to` are safe integers. */
export const checkBuckets = (unit: unknown, from: unknown, to: unknown): void => {
  if (!isTimeUnit(unit)) throw new UnknownUnit(unit)
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || (from as number) < 0 || (to as number) < (from as number)) throw new InvalidWindow(from, to)
}
