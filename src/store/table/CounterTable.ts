/**
 * The store's counter table: the one owner of how counters are held in memory. It answers with
 * plain `Counter` values and keeps, behind its methods, what makes the hot paths fast:
 *
 * - **rings**: a counter the table records into is held as a private, mutable copy (`rings.ts`),
 *   recorded into in place; the plain counter is made from it when asked for and kept until the
 *   next record. A `Counter` the table hands out (`get`, `export`) is never changed afterwards:
 *   only the private copy is, and `export` freezes what it hands out.
 * - **open and sealed entries**: an entry is *open* while the table holds such a private copy and
 *   *sealed* once its counter came from outside (`set`) or after `seal()`. `record` says which it
 *   was: into a sealed entry it returns the counter the entry held (its state before the change,
 *   which the store keeps as a sync baseline) and opens it; into an open one it returns `WAS_OPEN`.
 * - **remembered sums**: each entry keeps its last window sum, with the window (compared by value)
 *   and the instants between which the bucket holding "now" stays the same; any change drops it.
 * - **count plans**: a policy's count rules resolved once per policy (`countPlan.ts`), kept by
 *   policy, with `CANNOT_PLAN` for those that cannot be planned; `check` and `checkAndRecord`
 *   decide a planned policy from the private copies and record in the same step.
 * - **the entry look-up**: one `Map` look-up finds all of the above, and the last name found is
 *   remembered (a limit's check and its record, a query after a record, ask for one name twice).
 *
 * Nothing outside `src/store/` imports this folder.
 */
import * as O from '../../internal/option.js'
import type { Counter } from '../../Counter.js'
import type { Layout } from '../../Layout.js'
import type { Policy } from '../../Limit.js'
import * as Query from '../../Query.js'
import type { TimeUnit } from '../../TimeUnit.js'
import { nominalMillis } from '../../TimeUnit.js'
import type { Window } from '../../Window.js'
import type { Compiled } from '../../internal/compiled.js'
import { compile, positionOf } from '../../internal/compiled.js'
import { someCount } from '../../internal/counts.js'
import { admits } from '../../internal/spans.js'
import { countIn } from '../../internal/windowCount.js'
import type { Counted, CountPlan } from './countPlan.js'
import { CANNOT_PLAN, countedBy, planOf } from './countPlan.js'
import type { Owned } from './rings.js'
import { fresh, own, recordInPlace, toCounter, windowCount } from './rings.js'
import { indicesAt, isExpired } from './expiry.js'
import { BOXED_NUMBER_BYTES, MAP_ENTRY_BYTES, counterBytes, isSmall, objectBytes, ownedBytes, stringBytes } from './heapBytes.js'

export type { Counted, CountPlan } from './countPlan.js'
export { CANNOT_PLAN } from './countPlan.js'

/** What `record` returns when the entry was open: the store had been told of an earlier change. */
export const WAS_OPEN: unique symbol = Symbol('was open')

/**
 * One event. The remembered sum lives in the entry itself (not in an object of its own), so that a
 * repeated query reads one object after the map: `sum` is the sum of buckets `first <= i < end` of
 * `unit` at every instant of `[since, until)`; `unit` is '' when nothing is remembered.
 */
interface Entry {
  /**
   * The counter; for an open entry, the plain counter made from `owned` when last asked for
   * (`undefined` until then, and again after each record). Never changed once set.
   */
  counter: Counter | undefined
  /** The private copy, recorded into in place; `undefined` when the entry is sealed. */
  owned: Owned | undefined
  unit: string
  first: number
  end: number
  since: number
  until: number
  /**
   * The remembered sum, -1 for `none`. A number, not the `Option` itself: storing a new object in
   * a long-lived one costs a write barrier and more work at each minor garbage collection.
   */
  sum: number
}

export class CounterTable implements Iterable<readonly [string, Counter]> {
  private readonly entries = new Map<string, Entry>()
  private readonly plans = new WeakMap<Policy, CountPlan | typeof CANNOT_PLAN>()
  /** The policy planned last and its plan: a server applies one policy call after call. */
  private lastPolicy: Policy | undefined
  private lastPlan: CountPlan | typeof CANNOT_PLAN = CANNOT_PLAN
  private readonly compiled: Compiled
  private lastName: string | undefined
  private lastEntry: Entry | undefined
  /** Where the amortised sweep (`sweep` with a budget) goes on; `undefined` to start a new pass. */
  private cursor: Iterator<[string, Entry]> | undefined
  /**
   * The unit whose window lasts longest (months, in the default layout), and a bound at or below
   * every entry's head in it: an entry expires only once every unit's window has passed its head,
   * so while this unit's window still reaches the bound, no entry has expired and `sweep` need not
   * look (a record only moves heads forward; a counter put in anew lowers the bound).
   */
  private readonly longest: number
  private oldestHead = Infinity
  /** The same bound over what the pass under way has kept and what came in since it started. */
  private passOldest = Infinity
  /** Whether a record moves its entry to the end of the map (least recently recorded first: `evict`). */
  private readonly byRecency: boolean
  /** The name recorded last (moving it to the end again would change nothing). */
  private lastRecorded: string | undefined

  constructor(
    /** The layout of every counter of the table (what comes in is converted by the store first). */
    readonly layout: Layout,
    options: { readonly byRecency?: boolean } = {}
  ) {
    this.compiled = compile(layout)
    this.byRecency = options.byRecency === true
    const lasting = (u: number): number => this.compiled.lengths[u]! * nominalMillis[this.compiled.units[u]!]
    this.longest = this.compiled.units.reduce((longest, _, u) => (lasting(u) > lasting(longest) ? u : longest), 0)
  }

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

  // -----------------------------------------------------------------------------------------------
  // reading
  // -----------------------------------------------------------------------------------------------

  /** The counter of `name` (a plain value that never changes), if any. */
  get(name: string): Counter | undefined {
    const entry = this.find(name)
    return entry === undefined ? undefined : counterOf(entry)
  }

  has(name: string): boolean {
    return this.entries.has(name)
  }

  get size(): number {
    return this.entries.size
  }

  names(): IterableIterator<string> {
    return this.entries.keys()
  }

  *[Symbol.iterator](): IterableIterator<readonly [string, Counter]> {
    // A plain counter made from a private copy here is not kept: an iteration (an estimate of the
    // memory used, say) would otherwise double what every recorded event holds.
    for (const [name, entry] of this.entries) yield [name, entry.counter ?? toCounter(entry.owned!)]
  }

  /** The bytes the entries take on the V8 heap, names and map entries included (`heapBytes.ts`). */
  heapBytes(): number {
    let bytes = 0
    for (const [name, entry] of this.entries) {
      bytes += MAP_ENTRY_BYTES + stringBytes(name) + objectBytes(8)
      if (!isSmall(entry.since)) bytes += 2 * BOXED_NUMBER_BYTES // a remembered sum's span, in instants
      if (entry.owned !== undefined) bytes += ownedBytes(entry.owned, Object.isFrozen(entry.owned.rings))
      if (entry.counter !== undefined) bytes += counterBytes(entry.counter)
    }
    return bytes
  }

  /** The counter of `name` to hand out of the store: plain, deeply frozen, never changed afterwards. */
  export(name: string): Counter | undefined {
    const entry = this.find(name)
    return entry === undefined ? undefined : frozen(counterOf(entry))
  }

  /** `Query.sum` of the counter of `name` (`none` for an unknown name), remembered as described above. */
  sum(name: string, window: Window, now: number): O.Option<number> {
    // A plain look-up: queries go from name to name (a dashboard), where `find`'s memory of the
    // last name would only be written over. This part is kept small, so that V8 inlines it into
    // the query builders (and can then drop their objects); the rest is `sumAfresh`.
    const entry = this.entries.get(name)
    if (entry === undefined) return O.none
    if (window._tag === 'Buckets' && entry.unit === window.unit && entry.first === window.from && entry.end === window.to && now >= entry.since && now < entry.until) {
      return entry.sum < 0 ? O.none : someCount(entry.sum)
    }
    return this.sumAfresh(entry, window, now)
  }

  /** Reads the sum from the buckets, and remembers it when the window is a run of buckets. */
  private sumAfresh(entry: Entry, window: Window, now: number): O.Option<number> {
    const sum = Query.sum(counterOf(entry), window, now)
    if (window._tag === 'Buckets') {
      const grid = this.compiled.grids[positionOf(this.compiled, window.unit)]
      // An untracked unit's answer (none) never changes.
      entry.since = grid === undefined ? -Infinity : grid.spanStart(now)
      entry.until = grid === undefined ? Infinity : grid.spanEnd(now)
      entry.unit = window.unit
      entry.first = window.from
      entry.end = window.to
      entry.sum = O.isSome(sum) ? sum.value : -1
    }
    return sum
  }

  /**
   * The number of events of `name` in the `buckets` newest buckets of `unit` (tracked) at `at`, the
   * current one first, read from the private copy when there is one (0 for an unknown name): the
   * `countIn` of the store's `LimitState`.
   */
  countIn(name: string, unit: TimeUnit, buckets: number, at: number): number {
    return this.countAt(name, positionOf(this.compiled, unit), at, buckets)
  }

  private countAt(name: string, position: number, at: number, buckets: number): number {
    return this.countOf(this.find(name), position, at, buckets)
  }

  private countOf(entry: Entry | undefined, position: number, at: number, buckets: number): number {
    if (entry === undefined) return 0
    if (entry.owned !== undefined) return windowCount(entry.owned, this.compiled, position, at, buckets)
    return countIn(entry.counter!, this.compiled, position, at, buckets)
  }

  // -----------------------------------------------------------------------------------------------
  // writing
  // -----------------------------------------------------------------------------------------------

  /**
   * Records `n` (a count) at `at` (an instant) into the counter of `name`, creating it. Returns
   * `WAS_OPEN` when the entry was open; otherwise the counter it held (`undefined` for a new name),
   * and the entry is open from now on.
   *
   * `now` says that `at` is the clock's reading rather than an instant the caller chose: in each
   * unit whose newest bucket is after `at` (the clock stepped back), such a record is counted in
   * that newest bucket, where the limits read it (they read a counter at its newest bucket when
   * the clock is behind it). An explicit instant (`recordAt`, a backfill) lands in its own bucket.
   */
  record(name: string, at: number, n: number, now = true): Counter | undefined | typeof WAS_OPEN {
    let entry = this.find(name)
    if (entry !== undefined && this.byRecency) this.recorded(name, entry)
    if (entry !== undefined && entry.owned !== undefined) {
      recordInPlace(entry.owned, at, n, now, this.compiled)
      changed(entry)
      return WAS_OPEN
    }
    const before = entry === undefined ? undefined : counterOf(entry)
    let owned: Owned
    if (before === undefined || before.heads.length === 0) owned = fresh(this.layout, at, n)
    else {
      owned = own(before)
      recordInPlace(owned, at, n, now, this.compiled)
    }
    if (entry === undefined) {
      entry = this.add(name, undefined)
      this.lastRecorded = name
    }
    entry.owned = owned
    this.lowerBound(owned.heads)
    changed(entry)
    return before
  }

  /** Sets the counter of `name` (shared with whoever handed it over: the entry is sealed). */
  set(name: string, counter: Counter): void {
    const entry = this.find(name)
    this.lowerBound(counter.heads)
    if (entry === undefined) {
      this.add(name, counter)
      return
    }
    entry.counter = counter
    entry.unit = ''
    entry.owned = undefined
  }

  private add(name: string, counter: Counter | undefined): Entry {
    // `since` and `until` start as small integers (an empty span): a double field holds a boxed
    // number of its own (12 bytes), which a key that is never summed need not pay for.
    const entry: Entry = { counter, owned: undefined, unit: '', first: 0, end: 0, since: 0, until: 0, sum: -1 }
    this.entries.set(name, entry)
    return entry
  }

  delete(name: string): boolean {
    if (name === this.lastName) this.lastName = this.lastEntry = undefined
    if (name === this.lastRecorded) this.lastRecorded = undefined
    return this.entries.delete(name)
  }

  /** Keeps `oldestHead` (and `passOldest`) at or below the heads of a counter put in an entry. */
  private lowerBound(heads: ReadonlyArray<number>): void {
    // A counter without heads holds nothing: it has expired from the start.
    const head = heads.length === 0 ? -Infinity : heads[this.longest]!
    if (head < this.oldestHead) this.oldestHead = head
    if (head < this.passOldest) this.passOldest = head
  }

  /** Moves a recorded entry to the end of the map, where `evict` looks last. */
  private recorded(name: string, entry: Entry): void {
    if (name === this.lastRecorded) return
    this.entries.delete(name)
    this.entries.set(name, entry)
    this.lastRecorded = name
  }

  // -----------------------------------------------------------------------------------------------
  // bounded memory
  // -----------------------------------------------------------------------------------------------

  /**
   * Drops the entries whose every bucket has left its window at `now` and that `mayDrop` lets go,
   * examining at most `budget` entries from where the last call stopped (a full pass by default).
   * Returns the names dropped.
   */
  sweep(now: number, mayDrop: (name: string) => boolean, budget = Infinity): string[] {
    const current = indicesAt(this.compiled, now)
    const dropped: string[] = []
    let seen = 0
    if (budget === Infinity) this.cursor = undefined
    if (this.cursor === undefined) {
      // A new pass, unless no entry can have expired (see `oldestHead`).
      if (current[this.longest]! - this.oldestHead < this.compiled.lengths[this.longest]!) return dropped
      this.cursor = this.entries.entries()
      this.passOldest = Infinity
    }
    const cursor = this.cursor
    while (seen < budget) {
      const next = cursor.next()
      if (next.done === true) {
        this.cursor = undefined
        this.oldestHead = this.passOldest
        break
      }
      seen++
      const [name, entry] = next.value
      const heads = entry.owned === undefined ? entry.counter!.heads : entry.owned.heads
      if (isExpired(heads, this.compiled, current) && mayDrop(name)) dropped.push(name)
      else {
        const head = heads.length === 0 ? -Infinity : heads[this.longest]!
        if (head < this.passOldest) this.passOldest = head
      }
    }
    for (const name of dropped) this.delete(name)
    return dropped
  }

  /** Whether a sweep with a budget stopped before the end of the table (the next one goes on). */
  midPass(): boolean {
    return this.cursor !== undefined
  }

  /**
   * Drops entries, least recently recorded first (a table made `byRecency`; else in the order
   * they came), skipping those `mayDrop` keeps, until at most `max` are left or none may go.
   * Returns the names dropped.
   */
  evict(max: number, mayDrop: (name: string) => boolean): string[] {
    const dropped: string[] = []
    let over = this.entries.size - max
    if (over <= 0) return dropped
    for (const name of this.entries.keys()) {
      if (over === 0) break
      if (mayDrop(name)) {
        dropped.push(name)
        over--
      }
    }
    for (const name of dropped) this.delete(name)
    return dropped
  }

  /**
   * Seals every entry: the next record into each returns the counter it replaces. It visits every
   * entry (rarely: at `resetDirty`); a set of the open ones would cost every key ~26 bytes.
   */
  seal(): void {
    for (const entry of this.entries.values()) {
      if (entry.owned !== undefined) {
        entry.counter = counterOf(entry)
        entry.owned = undefined
      }
    }
  }

  // -----------------------------------------------------------------------------------------------
  // limits
  // -----------------------------------------------------------------------------------------------

  /** The count plan of `policy` in this table's layout, found once per policy. */
  planOf(policy: Policy): CountPlan | typeof CANNOT_PLAN {
    if (policy === this.lastPolicy) return this.lastPlan
    let plan = this.plans.get(policy)
    if (plan === undefined) this.plans.set(policy, (plan = planOf(policy, this.layout)))
    this.lastPolicy = policy
    return (this.lastPlan = plan)
  }

  /**
   * Whether every rule of `plan`, counting `counted` for the checked `key`, passes at `at`, decided
   * as `Limit.decide` decides (reservations held counted through `pendingOf`). Records nothing.
   */
  check(plan: CountPlan, counted: Counted, key: string, at: number, pendingOf: (event: string) => number): boolean {
    return this.passes(plan, counted, key, at, pendingOf, '', undefined)
  }

  /**
   * `check`, given the entry of the event `known` when the caller found it already (`''`, never an
   * event name, when it did not). Rules that count one event look it up, and its reservations, once.
   */
  private passes(plan: CountPlan, counted: Counted, key: string, at: number, pendingOf: (event: string) => number, known: string, knownEntry: Entry | undefined): boolean {
    const numbers = plan.numbers
    let event = known
    let entry = knownEntry
    let pending = -1 // not asked yet
    for (let n = 0; n < numbers.length; n += 4) {
      const counts = countedBy(counted, n >> 2, key)
      if (counts !== event) {
        event = counts
        entry = this.find(event)
        pending = -1
      }
      const atLeast = numbers[n] === 1
      const count = this.countOf(entry, numbers[n + 1]!, at, numbers[n + 2]!)
      if (!atLeast && pending < 0) pending = pendingOf(event)
      if (!admits(atLeast, numbers[n + 3]!, count, atLeast ? 0 : pending)) return false
    }
    return true
  }

  /**
   * Records one `key` at `at` in place and returns true when its entry is open and `check` passes;
   * returns false, having changed nothing, otherwise (the store then decides the long way).
   */
  checkAndRecord(plan: CountPlan, counted: Counted, key: string, at: number, pendingOf: (event: string) => number): boolean {
    const entry = this.find(key)
    if (entry === undefined || entry.owned === undefined || !this.passes(plan, counted, key, at, pendingOf, key, entry)) return false
    if (this.byRecency) this.recorded(key, entry)
    // A clock that stepped back: counted in each unit's newest bucket, where `check` read (see `record`).
    recordInPlace(entry.owned, at, 1, true, this.compiled)
    changed(entry)
    return true
  }
}

/** The plain counter of an entry, made from its private copy (and kept) when it has none. */
const counterOf = (entry: Entry): Counter => (entry.counter ??= toCounter(entry.owned!))

/** After a record in place: the plain counter and the remembered sum no longer hold. */
const changed = (entry: Entry): void => {
  entry.counter = undefined
  entry.unit = ''
}

/** `counter`, frozen to the last array (it is already immutable by contract: this makes it so by force). */
const frozen = (counter: Counter): Counter => {
  if (Object.isFrozen(counter)) return counter
  for (const row of counter.older) Object.freeze(row)
  Object.freeze(counter.older)
  Object.freeze(counter.heads)
  Object.freeze(counter.newest)
  return Object.freeze(counter)
}
