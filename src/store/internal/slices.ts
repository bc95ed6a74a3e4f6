/**
 * Long work of the store (encoding or decoding 100,000 counters) in slices of a few milliseconds,
 * between which the event loop runs: `setImmediate` in Node, a zero-delay timer elsewhere. The
 * store runs in browsers too, so nothing here needs Node.
 */

/** How long a slice may run before the event loop gets a turn, in milliseconds. */
export const SLICE_MS = 5

const clock = (): number => (typeof performance === 'object' ? performance.now() : Date.now())

/** Gives the event loop a turn. */
export const yieldToEventLoop = (): Promise<void> =>
  new Promise((done) => (typeof setImmediate === 'function' ? setImmediate(done) : setTimeout(done, 0)))

/**
 * Runs `step(0)` … `step(n - 1)` in order, yielding whenever a slice has run `SLICE_MS`; stops at
 * the first step that returns `false` and resolves to its index (or `n`).
 */
export const inSlices = async (n: number, step: (i: number) => boolean | void): Promise<number> => {
  let deadline = clock() + SLICE_MS
  for (let i = 0; i < n; i++) {
    if (step(i) === false) return i
    if (clock() > deadline) {
      await yieldToEventLoop()
      deadline = clock() + SLICE_MS
    }
  }
  return n
}
