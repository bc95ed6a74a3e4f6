/**
 * `some(n)` for the small counts queries answer most, each made once, when first needed: an
 * `Option` is an immutable value, so one object can stand for every `some(3)`. A query then
 * allocates nothing for a small answer, and a selector that asks again gets the very same object
 * (React and Redux compare by identity).
 */
import * as O from 'fp-ts/lib/Option.js'

const SHARED = 1024
const shared: Array<O.Option<number> | undefined> = []

/** `O.some(n)`, one shared frozen object for each integer from 0 to 1023. */
export const someCount = (n: number): O.Option<number> =>
  n >= 0 && n < SHARED && Number.isInteger(n) ? (shared[n] ??= Object.freeze(O.some(n))) : O.some(n)
