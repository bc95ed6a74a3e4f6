/**
 * Long work of the store (encoding or decoding 100,000 counters) in slices, between which the
 * event loop runs: `setImmediate` in Node, a zero-delay timer elsewhere. A slice ends after
 * `SLICE_MS`, or, for work on counters, after `SLICE_STEPS` steps, whichever comes first: the
 * count bounds a slice where a clock cannot (browsers coarsen `performance.now()`, by up to 100 ms
 * with fingerprinting protection), and makes the bound something a test can count. The store runs
 * in browsers too, so nothing here needs Node.
 */

/** How long a slice may run before the event loop gets a turn, in milliseconds. */
export const SLICE_MS = 5

/**
 * The most steps one slice of the store's counter work makes (a step: a counter encoded, decoded,
 * rotated or put in the table): 500 of them take 0.5 to 3 ms here, so the clock ends most slices
 * first.
 */
export const SLICE_STEPS = 500

const clock = (): number => (typeof performance === 'object' ? performance.now() : Date.now())

/** Gives the event loop a turn. */
export const yieldToEventLoop = (): Promise<void> =>
  new Promise((done) => (typeof setImmediate === 'function' ? setImmediate(done) : setTimeout(done, 0)))

/**
 * The slice a loop is in: `spent(n)` counts steps made and says whether the slice is used up,
 * and `next()` then yields to the event loop and starts the next slice. For loops that `inSlices`
 * does not fit (steps that await, or steps counted in bulk).
 */
export class Slice {
  #deadline = clock() + SLICE_MS
  #steps = 0

  /** `most`: the most steps a slice makes (`Infinity`: a slice ends by time alone). */
  constructor(private readonly most: number = SLICE_STEPS) {}

  /** Counts `n` more steps; whether the slice is used up (by time or by steps). */
  spent(n = 1): boolean {
    this.#steps += n
    return this.#steps >= this.most || clock() > this.#deadline
  }

  /** Whether the slice is used up, counting no step. */
  get over(): boolean {
    return this.spent(0)
  }

  /** Gives the event loop a turn and starts a new slice. */
  async next(): Promise<void> {
    await yieldToEventLoop()
    this.#deadline = clock() + SLICE_MS
    this.#steps = 0
  }
}

/**
 * Runs `step(0)` … `step(n - 1)` in order, yielding whenever a slice is used up (`SLICE_MS`, or
 * `most` steps: pass `SLICE_STEPS` for steps that handle a counter each; cheaper steps, such as
 * checking a key or writing a row, end their slices by time alone); stops at the first step that
 * returns `false` and resolves to its index (or `n`).
 */
export const inSlices = async (n: number, step: (i: number) => boolean | void, most = Infinity): Promise<number> => {
  const slice = new Slice(most)
  for (let i = 0; i < n; i++) {
    if (step(i) === false) return i
    if (slice.spent()) await slice.next()
  }
  return n
}
