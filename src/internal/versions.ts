/**
 * The version a replica takes when its counts change. `seq` counts the changes of an incarnation;
 * a peer can hand a store its own replica at any valid version (up to the largest safe integer),
 * and `seq + 1` past that is no longer an integer any codec accepts: the store could then never
 * persist again. So a replica whose `seq` has no room left starts a new incarnation, which is
 * later than every version before it (a later `born`), as merges and deltas need.
 */
import { MAX_INSTANT } from './grids.js'

interface Versioned {
  readonly born: number
  readonly seq: number
}

/**
 * The version after `version` for a change made at `at`: `seq + 1`, or, once `seq` is the largest
 * safe integer, a new incarnation born at `at` or just after the old one, whichever is later, at
 * `seq` 1. Born at the last instant, no later version exists: it stays (only a forged value gets
 * there, and the counts are still joined by maximum).
 */
export const nextVersion = (version: Versioned, at: number): Versioned => {
  if (version.seq < Number.MAX_SAFE_INTEGER) return { born: version.born, seq: version.seq + 1 }
  const born = Math.max(at, version.born + 1)
  return born <= MAX_INSTANT ? { born, seq: 1 } : version
}

/** A replica's version (`{ id, born, seq }`, in that order) without its buckets. */
export const versionOfReplica = ({ id, born, seq }: { readonly id: string; readonly born: number; readonly seq: number }): { id: string; born: number; seq: number } => ({ id, born, seq })

/** A replica of `id` at `version` holding `buckets` (the one place its fields are put in order). */
export const replicaOf = <B>(id: string, version: Versioned, buckets: B): { id: string; born: number; seq: number; buckets: B } => ({ id, born: version.born, seq: version.seq, buckets })
