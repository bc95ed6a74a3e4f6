/**
 * Loading refuses a stored counter whose newest bucket lies far ahead of the store's clock: a
 * clock that ran years ahead and was corrected, or a corrupted head. Kept, such a counter would
 * take every record made "now" into that future bucket (records are never counted before a
 * counter's newest instant: `docs/DESIGN.md`, "Clock steps"), so its key would stay at its limit
 * until real time caught up. It is reported as a `DecodeError` naming the event instead; the
 * other events load. `mergeReplicated` refuses a peer's value so too (merged, its heads would
 * also expire every bucket the store holds).
 */
import type { Layout } from '../../Layout.js'
import type { Counter } from '../../Counter.js'
import { DecodeError } from '../../codec/errors.js'
import { compile } from '../../internal/compiled.js'
import { headInstant, indicesAt } from '../table/expiry.js'

/** How far ahead of the clock a stored counter's newest bucket may start: one day (time zones, clock skew between machines). */
export const FUTURE_TOLERANCE_MILLIS = 86_400_000

const iso = (t: number): string => (Math.abs(t) <= 8.64e15 ? new Date(t).toISOString() : `${t} ms`)

/**
 * A check for loading and merging: the `DecodeError` of a counter (or replicated counter) of
 * `layout` whose head starts more than `FUTURE_TOLERANCE_MILLIS` after `now`, or `undefined`. A
 * head starts after `now + tolerance` exactly when its index passes the index of the bucket
 * holding that instant, so a check compares integers, one per unit, and finds a bucket's start
 * only for the values it refuses.
 */
export const futureHeadCheck = (layout: Layout, now: number): ((name: string, counter: Pick<Counter, 'heads'>) => DecodeError | undefined) => {
  const compiled = compile(layout)
  const latest = indicesAt(compiled, now + FUTURE_TOLERANCE_MILLIS)
  return (name, counter) => {
    if (counter.heads.every((head, u) => head <= latest[u]!)) return undefined
    let head: number
    try {
      head = headInstant(counter.heads, compiled)
    } catch {
      head = NaN // a head beyond the calendar's range (its grid cannot say when it starts)
    }
    return new DecodeError(name, 'heads', Number.isNaN(head) ? 'the newest bucket lies beyond the calendar' : `the newest bucket starts at ${iso(head)}, more than a day after the clock (${iso(now)})`)
  }
}
