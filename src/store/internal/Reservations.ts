/**
 * The slots held by unsettled reservations, by event: what an `atMost` counts as used besides the
 * recorded events. A slot is held until it is released (commit, cancel, dispose) or expires at the
 * store's clock; expired slots are dropped when a decision next counts the event (`pendingOf`),
 * not when a read does (`liveOf`): so that a clock that steps back finds the same slots whatever
 * was only read in between, as the Redis store does (its reads write nothing).
 */
import type { Clock } from '../../Clock.js'

/** A slot held by a reservation. */
export interface Slot {
  readonly expiresAt: number
  /** Releases the slot; returns false when it was already released or had expired. */
  readonly release: () => boolean
}

export class Reservations {
  private readonly pending = new Map<string, Set<{ readonly expiresAt: number }>>()

  constructor(private readonly clock: Clock) {}

  /** Unexpired slots held for `event` (expired ones are dropped on the way). */
  readonly pendingOf = (event: string): number => {
    if (this.pending.size === 0) return 0 // no reservation anywhere: the common case
    const slots = this.pending.get(event)
    if (slots === undefined) return 0
    const now = this.clock.now()
    for (const slot of slots) if (slot.expiresAt <= now) slots.delete(slot)
    if (slots.size === 0) this.pending.delete(event)
    return slots.size
  }

  /** Unexpired slots held for `event`, forgetting none (what `usage` reads). */
  readonly liveOf = (event: string): number => {
    const slots = this.pending.get(event)
    if (slots === undefined) return 0
    const now = this.clock.now()
    let live = 0
    for (const slot of slots) if (slot.expiresAt > now) live++
    return live
  }

  /** Holds a slot for `event` until `expiresAt`. */
  hold(event: string, expiresAt: number): Slot {
    const slot = { expiresAt }
    const slots = this.pending.get(event) ?? new Set()
    slots.add(slot)
    this.pending.set(event, slots)
    return {
      expiresAt,
      release: () => {
        const held = this.pending.get(event)
        const found = held?.delete(slot) ?? false
        if (held !== undefined && held.size === 0) this.pending.delete(event)
        return found && expiresAt > this.clock.now()
      }
    }
  }
}
