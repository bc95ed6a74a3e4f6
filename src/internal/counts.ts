/**
 * Values shared by everything that builds bucket arrays and answers: runs of zeros to grow arrays
 * with, and `some(n)` for small answers.
 */
import * as O from './option.js'

const zeroRuns: Array<ReadonlyArray<number>> = []

/**
 * `n` zeros, one shared array per length, never to be changed: `concat` it (the result has an
 * exact size) or `slice` it. Built by `push` and not frozen: both keep it packed small integers,
 * and so the arrays made from it (a holey array is read more slowly everywhere).
 */
export const zerosOf = (n: number): ReadonlyArray<number> => {
  let run = zeroRuns[n]
  if (run === undefined) {
    const made: number[] = []
    for (let i = 0; i < n; i++) made.push(0)
    zeroRuns[n] = run = made
  }
  return run
}

const SHARED = 1024
const shared: Array<O.Option<number> | undefined> = []

/**
 * `O.some(n)`, one shared frozen object for each integer from 0 to 1023, made when first needed:
 * an `Option` is an immutable value, so one object can stand for every `some(3)`. A query then
 * allocates nothing for a small answer, and a selector that asks again gets the very same object
 * (React and Redux compare by identity).
 */
export const someCount = (n: number): O.Option<number> =>
  n >= 0 && n < SHARED && Number.isInteger(n) ? (shared[n] ??= Object.freeze(O.some(n))) : O.some(n)

/** The one frozen empty list of counts (or pairs, or a ring) that every module hands out. */
export const NO_COUNTS: ReadonlyArray<number> = Object.freeze([])

/** `n` capped at `MAX_COUNT` (`Number.MAX_SAFE_INTEGER`): counts saturate instead of losing precision. */
export const saturated = (n: number): number => (n > Number.MAX_SAFE_INTEGER ? Number.MAX_SAFE_INTEGER : n)

/** Two lists of numbers, element by element. */
export const sameNumbers = (x: ReadonlyArray<number>, y: ReadonlyArray<number>): boolean =>
  x === y || (x.length === y.length && x.every((n, i) => n === y[i]))

/** Without trailing zeros: the one way to write each counter (`counts` itself when it has none). */
export const trimmed = (counts: ReadonlyArray<number>): ReadonlyArray<number> => {
  let end = counts.length
  while (end > 0 && counts[end - 1] === 0) end--
  return end === counts.length ? counts : counts.slice(0, end)
}
