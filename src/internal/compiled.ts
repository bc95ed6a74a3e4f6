/**
 * A layout prepared for the hot path: the grid of each track and each unit's position, found once
 * per distinct layout and shared by every counter that carries an equal layout.
 */
import type { Layout } from '../Layout.js'
import type { TimeUnit } from '../TimeUnit.js'
import type { BucketGrid } from './grids.js'
import { gridOf } from './grids.js'

export interface Compiled {
  readonly grids: ReadonlyArray<BucketGrid>
  readonly lengths: ReadonlyArray<number>
  /** The tracked units, in the order of `layout.tracks`. */
  readonly units: ReadonlyArray<TimeUnit>
  /** Position of each tracked unit in `layout.tracks`, -1 when untracked. */
  readonly position: Readonly<Record<TimeUnit, number>>
}

const byObject = new WeakMap<Layout, Compiled>()
const byKey = new Map<string, Compiled>()
let lastLayout: Layout | undefined
let lastCompiled: Compiled | undefined

const keyOf = (layout: Layout): string =>
  `${layout.alignment}|${layout.timeZone}|${layout.tracks.map((t) => `${t.unit}:${t.buckets}`).join(',')}`

/** The compiled form of a layout (cached by identity, then by value). */
export const compile = (layout: Layout): Compiled => {
  if (layout === lastLayout) return lastCompiled!
  let compiled = byObject.get(layout)
  if (compiled === undefined) {
    const key = keyOf(layout)
    compiled = byKey.get(key)
    if (compiled === undefined) {
      const position: Record<TimeUnit, number> = { seconds: -1, minutes: -1, hours: -1, days: -1, weeks: -1, months: -1, years: -1 }
      layout.tracks.forEach((track, i) => (position[track.unit] = i))
      compiled = {
        grids: layout.tracks.map((track) => gridOf(layout.alignment, layout.timeZone, track.unit)),
        lengths: layout.tracks.map((track) => track.buckets),
        units: layout.tracks.map((track) => track.unit),
        position
      }
      byKey.set(key, compiled)
    }
    byObject.set(layout, compiled)
  }
  lastLayout = layout
  lastCompiled = compiled
  return compiled
}

/**
 * Position of `unit` in the layout's tracks, -1 when untracked. Same answer as `position[unit]`,
 * but a loop over at most seven units stays fast when one call site asks for different units,
 * where a keyed property read would turn into a generic look-up.
 */
export const positionOf = (compiled: Compiled, unit: TimeUnit): number => {
  const units = compiled.units
  for (let u = 0; u < units.length; u++) if (units[u] === unit) return u
  return -1
}
