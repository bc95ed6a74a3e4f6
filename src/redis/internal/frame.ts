/**
 * Frames: the bucket indices of every unit at an instant, with the interval of instants in which
 * they hold and the instant until which a write keeps its hash. The calendar (time zones,
 * daylight-saving days, month lengths) stays in the client: the scripts receive frames.
 */
import type { Grid } from '../../Calendar.js'
import { grid } from '../../Calendar.js'
import type { Layout } from '../../Layout.js'

/** The bucket indices of every unit at instants in `[lo, hi)`. */
export interface Frame {
  readonly lo: number
  readonly hi: number
  /** Index of the bucket holding the instant, per unit of the layout. */
  readonly index: ReadonlyArray<number>
  /** When a hash written now may expire: the end of the range of the unit that reaches furthest ahead. */
  readonly expireAt: number
  /** "lo hi expireAt i1 .. iU", as the scripts read it. */
  readonly text: string
}

/** Bounds that stand for "no bound" in a frame (Lua reads them as plain numbers). */
export const NO_LOWER_BOUND = -1e300
export const NO_UPPER_BOUND = 1e300

/** The frames of one layout, the last one remembered (frames change once per finest bucket). */
export class Frames {
  readonly grids: ReadonlyArray<Grid>
  private readonly lengths: ReadonlyArray<number>
  private last: Frame | undefined

  constructor(readonly layout: Layout) {
    this.grids = layout.tracks.map((t) => grid(layout.alignment, layout.timeZone, t.unit))
    this.lengths = layout.tracks.map((t) => t.buckets)
  }

  /** The frame holding instant `t`. */
  at(t: number): Frame {
    const last = this.last
    if (last !== undefined && t >= last.lo && t < last.hi) return last
    let lo = NO_LOWER_BOUND
    let hi = NO_UPPER_BOUND
    const index: number[] = []
    for (let u = 0; u < this.grids.length; u++) {
      const g = this.grids[u]!
      const i = g.index(t)
      index.push(i)
      lo = Math.max(lo, g.start(i))
      hi = Math.min(hi, g.start(i + 1))
    }
    const expireAt = this.keepUntil(index)
    return (this.last = { lo, hi, index, expireAt, text: `${lo} ${hi} ${expireAt} ${index.join(' ')}` })
  }

  /**
   * Until when a hash whose units' newest buckets are `heads` must be kept: the end of the range of
   * the unit that reaches furthest ahead, as the core keeps a counter (0 without heads).
   */
  keepUntil(heads: ReadonlyArray<number>): number {
    let until = 0
    heads.forEach((head, u) => {
      until = Math.max(until, this.grids[u]!.start(head + this.lengths[u]!))
    })
    return until
  }
}
