/**
 * What the table and loading need to know about a counter's place in time: the newest instant its heads
 * stand for (the limit of clock steps, see `docs/DESIGN.md`, "Clock steps") and whether every
 * bucket of it has left its window (what `sweep` drops).
 */
import type { Compiled } from '../../internal/compiled.js'

/**
 * The latest first instant of a head bucket, over the units: an instant that lies in the head
 * bucket of every unit (each head bucket holds the newest instant recorded, which is at or after
 * every head's first instant). `-Infinity` for a counter without heads.
 */
export const headInstant = (heads: ReadonlyArray<number>, compiled: Compiled): number => {
  let latest = -Infinity
  for (let u = 0; u < heads.length; u++) {
    const start = compiled.grids[u]!.startOf(heads[u]!)
    if (start > latest) latest = start
  }
  return latest
}

/** The index of the bucket holding `now`, per unit: what `isExpired` compares heads with. */
export const indicesAt = (compiled: Compiled, now: number): ReadonlyArray<number> => compiled.grids.map((grid) => grid.indexOf(now))

/**
 * Whether every bucket of a counter with these heads lies before its unit's window at the
 * instant whose indices are `current` (a counter without heads holds nothing: expired too).
 */
export const isExpired = (heads: ReadonlyArray<number>, compiled: Compiled, current: ReadonlyArray<number>): boolean => {
  for (let u = 0; u < heads.length; u++) if (current[u]! - heads[u]! < compiled.lengths[u]!) return false
  return true
}
