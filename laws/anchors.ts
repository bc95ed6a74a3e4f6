// What the laws need beyond tiny-counter/testing (which holds the instants of interest, computed
// with Temporal directly): unit lengths, the zones the model answers for, and the offset
// transitions of 1850–2005 for the structural calendar laws.
import { EARLIEST, transitionsBetween } from 'tiny-counter/testing'

export const SECOND = 1_000
export const MINUTE = 60 * SECOND
export const HOUR = 60 * MINUTE
export const DAY = 24 * HOUR

/** The zones the model answers for (see `model.ts`): DST both ways, a 30-minute shift, a half-hour offset, a skipped day. */
export const modelZones = ['America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Apia'] as const

/**
 * The offset transitions of a zone from 1850 to 2005: local mean time, wars, Samoa crossing the
 * date line in 1892 (a day that happened twice). For the structural calendar laws only.
 */
export const historicTransitionsOf = (zone: string): ReadonlyArray<number> => transitionsBetween(zone, Date.UTC(1850, 0, 1), EARLIEST - 1)
