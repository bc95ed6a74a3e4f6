/**
 * A store's table of events: each name's counter, whether the store may record into it in place,
 * and the last window sum it answered. One look-up finds all three, so that `store.record(e)` and
 * `store.query(e).lastDays(7).sum()` each read the table once.
 *
 * The remembered sum is a pure function of the counter, the window and the index of the bucket
 * holding "now" in the window's unit: it is kept with the instants between which that index stays
 * the same, and dropped whenever the counter changes (replaced, or recorded into in place). A
 * dashboard or a limit asking the same question again within the same minute, hour or day is then
 * answered without reading the buckets.
 */
import * as O from '#fp-ts/Option'
import type { Counter } from '../Counter.js'
import * as Query from '../Query.js'
import type { Window } from '../Window.js'
import type { Compiled } from './compiled.js'
import { compile, positionOf } from './compiled.js'
import { someCount } from './counts.js'
import type { Counted, CountPlan } from './countPlan.js'
import { countPasses, countedBy } from './countPlan.js'
import type { Owned } from './transient.js'
import { own, recordInPlace, toCounter, windowCount } from './transient.js'
import { countIn } from './windowCount.js'

/**
 * One event. The remembered sum lives in the entry itself (not in an object of its own), so that a
 * repeated query reads one object after the map: `sum` is the answer for `window` at every instant
 * of `[from, until)`, and `window` is `undefined` when nothing is remembered.
 */
interface Entry {
  /**
   * The counter; for an owned entry, the plain counter made from `owned` when last asked for
   * (`undefined` until then, and again after each record). Never changed once set.
   */
  counter: Counter | undefined
  /** The store's private copy, recorded into in place; `undefined` when the entry is not owned. */
  owned: Owned | undefined
  window: Window | undefined
  from: number
  until: number
  /**
   * The remembered sum, -1 for `none`. A number, not the `Option` itself: storing a new object in
   * a long-lived one costs a write barrier and more work at each minor garbage collection.
   */
  sum: number
}

export class Entries implements Iterable<readonly [string, Counter]> {
  private readonly entries = new Map<string, Entry>()
  /** Names whose entry is owned, so that `disownAll` visits those alone. */
  private readonly owned = new Set<string>()
  /**
   * The entry found last, by name: a limit's check and the record that follows it, or a query
   * after a record, ask for the same name (usually the very same string) twice in a row.
   */
  private lastName: string | undefined
  private lastEntry: Entry | undefined

  /** The entry of `name`, if any. */
  private find(name: string): Entry | undefined {
    if (name === this.lastName) return this.lastEntry
    const entry = this.entries.get(name)
    if (entry !== undefined) {
      this.lastName = name
      this.lastEntry = entry
    }
    return entry
  }

  constructor(counters: Iterable<readonly [string, Counter]> = []) {
    for (const [name, counter] of counters) this.set(name, counter)
  }

  get(name: string): Counter | undefined {
    const entry = this.find(name)
    return entry === undefined ? undefined : counterOf(entry)
  }

  /**
   * The count of `name` in the `buckets` newest buckets of unit `position` at `at` (0 for an
   * unknown name): what a limit reads, from an owned counter without making a `Counter` of it.
   */
  windowCount(name: string, compiled: Compiled, position: number, at: number, buckets: number): number {
    const entry = this.find(name)
    if (entry === undefined) return 0
    if (entry.owned !== undefined) return windowCount(entry.owned, compiled, position, at, buckets)
    return countIn(entry.counter!, compiled, position, at, buckets)
  }

  has(name: string): boolean {
    return this.entries.has(name)
  }

  /** Sets the counter of `name` (shared with whoever handed it over: never changed in place). */
  set(name: string, counter: Counter): this {
    const entry = this.find(name)
    if (entry === undefined) {
      this.entries.set(name, { counter, owned: undefined, window: undefined, from: Infinity, until: -Infinity, sum: -1 })
      return this
    }
    entry.counter = counter
    entry.window = undefined
    if (entry.owned !== undefined) {
      entry.owned = undefined
      this.owned.delete(name)
    }
    return this
  }

  /** Sets a private copy of the non-empty `counter` as the counter of `name`, to be recorded into in place. */
  setOwned(name: string, counter: Counter): void {
    this.set(name, counter)
    const entry = this.find(name)!
    entry.owned = own(counter)
    this.owned.add(name)
  }

  /**
   * Records `n` at `at` into the counter of `name` in place and returns true when the store owns
   * it; returns false (and changes nothing) otherwise.
   */
  recordInPlace(name: string, at: number, n: number): boolean {
    const entry = this.find(name)
    if (entry === undefined || entry.owned === undefined) return false
    recordInPlace(entry.owned, at, n)
    entry.counter = undefined
    entry.window = undefined
    return true
  }

  /**
   * Records one `name` at `at` in place and returns true when the store owns its counter and every
   * constraint of `plan`, counting `counted`, passes at `at` (decided as `Limit.decide` decides,
   * reservations held counted through `pendingOf`); returns false and changes nothing otherwise.
   */
  recordIfPasses(plan: CountPlan, counted: Counted, name: string, at: number, pendingOf: (event: string) => number): boolean {
    const entry = this.find(name)
    // `passes` finds this entry again through the memory of the last name: no second look-up.
    if (entry === undefined || entry.owned === undefined || !this.passes(plan, counted, at, pendingOf)) return false
    recordInPlace(entry.owned, at, 1)
    entry.counter = undefined
    entry.window = undefined
    return true
  }

  /** Whether every constraint of `plan`, counting `counted`, passes at `at`, as `recordIfPasses` decides it (records nothing). */
  passes(plan: CountPlan, counted: Counted, at: number, pendingOf: (event: string) => number): boolean {
    const { compiled, numbers } = plan
    for (let n = 0; n < numbers.length; n += 4) {
      const event = countedBy(counted, n >> 2)
      const count = this.windowCount(event, compiled, numbers[n + 1]!, at, numbers[n + 2]!)
      if (!countPasses(numbers[n] === 1, numbers[n + 3]!, count, pendingOf, event)) return false
    }
    return true
  }

  delete(name: string): boolean {
    this.owned.delete(name)
    if (name === this.lastName) this.lastName = this.lastEntry = undefined
    return this.entries.delete(name)
  }

  /** From now on no counter is changed in place: they are about to be seen from outside. */
  disownAll(): void {
    for (const name of this.owned) {
      const entry = this.entries.get(name)
      if (entry !== undefined) {
        entry.counter = counterOf(entry)
        entry.owned = undefined
      }
    }
    this.owned.clear()
  }

  keys(): IterableIterator<string> {
    return this.entries.keys()
  }

  *[Symbol.iterator](): IterableIterator<readonly [string, Counter]> {
    // A plain counter made from a private copy here is not kept: an iteration (an estimate of the
    // memory used, say) would otherwise double what every recorded event holds.
    for (const [name, entry] of this.entries) yield [name, entry.counter ?? toCounter(entry.owned!)]
  }

  /** `Query.sum` of the counter of `name` (`none` for an unknown name), remembered as described above. */
  sum(name: string, window: Window, now: number): O.Option<number> {
    // A plain look-up: queries go from name to name (a dashboard), where `find`'s memory of the
    // last name would only be written over. This part is kept small, so that V8 inlines it into
    // the query builders (and can then drop their objects); the rest is `sumAfresh`.
    const entry = this.entries.get(name)
    if (entry === undefined) return O.none
    if (entry.window === window && now >= entry.from && now < entry.until) return entry.sum < 0 ? O.none : someCount(entry.sum)
    return this.sumAfresh(entry, window, now)
  }

  /** Reads the sum from the buckets, and remembers it when the window is a run of buckets. */
  private sumAfresh(entry: Entry, window: Window, now: number): O.Option<number> {
    const counter = counterOf(entry)
    const sum = Query.sum(counter, window, now)
    if (window._tag === 'Buckets') {
      const compiled = compile(counter.layout)
      const position = positionOf(compiled, window.unit)
      // An untracked unit's answer (none) never changes.
      entry.from = position < 0 ? -Infinity : compiled.grids[position]!.spanStart(now)
      entry.until = position < 0 ? Infinity : compiled.grids[position]!.spanEnd(now)
      entry.window = window
      entry.sum = O.isSome(sum) ? sum.value : -1
    }
    return sum
  }
}

/** The plain counter of an entry, made from its owned copy (and kept) when it has none. */
const counterOf = (entry: Entry): Counter => (entry.counter ??= toCounter(entry.owned!))
