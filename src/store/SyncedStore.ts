/**
 * What a store shares with the world: its counters exported and imported by event, with the
 * baselines that make `exportDirty` send only what the store recorded itself (deltas for sync),
 * and its persistence (the set of events not yet written, persist, compact, close). `EventStore`
 * extends it with recording, queries and limits, and tells it of each change (`noteChange`).
 */
import * as E from '#fp-ts/Either'
import type { Clock } from '../Clock.js'
import type { Counter } from '../Counter.js'
import { Eq as CounterEq, convert, merge } from '../Counter.js'
import type { Replicated, VersionVector } from '../Replicated.js'
import { convert as convertReplicated, delta, versionVector } from '../Replicated.js'
import { InvalidReplicaId } from '../errors.js'
import { decode as decodeReplicated, decodeSince } from '../codec/ReplicatedCodec.js'
import type { Layout } from '../Layout.js'
import { decode } from '../codec/CounterCodec.js'
import { DecodeError } from '../codec/errors.js'
import { difference, hasCounts } from './internal/delta.js'
import type { ImportRefusal } from './errors.js'
import { InvalidEventName, StorageError } from './errors.js'
import type { Encoding, Persisted } from './internal/persister.js'
import { Persister } from './internal/persister.js'
import { ReplicaState } from './internal/replicas.js'
import { futureHeadCheck } from './internal/futureHeads.js'
import type { Storage } from './Storage.js'
import { CounterTable, WAS_OPEN } from './table/CounterTable.js'
import { MAP_ENTRY_BYTES, SET_ENTRY_BYTES } from './table/heapBytes.js'
import { nameError } from './internal/eventNames.js'
import { SLICE_STEPS, inSlices } from './internal/slices.js'
// The declarations of Symbol.dispose and Symbol.asyncDispose travel with this module's (no code).
export type {} from './disposable.js'
import { invalidStorageKey } from './Storage.js'

/** Counters by event name, as exported and imported (a plain object, or a `Map`). */
export type Counters = Readonly<Record<string, Counter>>

/** What a store starts with (the builder fills it in after loading from storage). */
export interface StoreOptions {
  /**
   * Where the store persists, and how it writes its events (`encoding` gets the store's way of
   * publishing an event as a replicated counter, for a store with a replica id).
   */
  readonly persistence?: { readonly storage: Storage; readonly encoding: (publish: (event: string, counter: Counter) => Replicated) => Encoding }
  /** What a store with a replica id loaded: each event as a replicated counter (its counter comes with `adoptLoaded`). */
  readonly replicas?: Iterable<readonly [string, Replicated]>
  readonly loadErrors?: ReadonlyArray<DecodeError>
  /** Persist every so many milliseconds (an unref'ed timer, stopped by `close`). */
  readonly autoPersistMillis?: number
  /** At most so many events (a store without storage): see `EventStoreBuilder.maxEvents`. */
  readonly maxEvents?: number
  /** The replica id this store records under, for replicated sync (`exportReplicated`, `mergeReplicated`). */
  readonly replicaId?: string
}

/** Replicated counters by event name, as `exportReplicated` gives them and `mergeReplicated` takes them. */
export type ReplicatedCounters = Readonly<Record<string, Replicated>>

/** Version vectors by event name: what a store has seen, for `exportReplicated({ since })`. */
export type VersionVectors = Readonly<Record<string, VersionVector>>

/**
 * The automatic sweep: a pass over every event starts at most once a minute of the store's clock
 * (nothing expires faster than time passes) and examines `SWEEP_SLICE` events every `SWEEP_EVERY`
 * records (four per record) until it has seen them all. Between passes a record costs a countdown.
 */
const SWEEP_EVERY = 16
const SWEEP_SLICE = 64
const SWEEP_INTERVAL_MILLIS = 60_000
/** The longest delay a timer holds (2^31 - 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1

const DONE: E.Either<never, void> = E.right(undefined)

/**
 * The exports, imports, merges and persistence of an `EventStore` (which extends it: see there).
 *
 * @example
 * import { EventStore, SyncedStore } from 'tiny-counter'
 * import * as O from 'fp-ts/lib/Option.js'
 * const phone = EventStore.create()
 * const laptop = EventStore.create()
 * assert.ok(phone instanceof SyncedStore)
 * phone.recordCount('app_launch', 2)
 * laptop.mergeAll(phone.exportDirty())
 * assert.deepEqual(laptop.query('app_launch').ever().sum(), O.some(2))
 */
export abstract class SyncedStore {
  /** Every event's counter, held as the table holds them. @internal */
  protected readonly table: CounterTable
  /** Events changed since they were last persisted (kept only when the store has storage). */
  private readonly dirty = new Set<string>()
  /** Events deleted since the last persist (kept only when the store has storage): persisted as deletes. */
  private readonly deleted = new Set<string>()
  /**
   * Events changed since the last `resetDirty`, each with its baseline: its counter before the
   * first change since then, plus everything merged or imported into it from elsewhere. The
   * counter minus its baseline is what this store recorded itself: what `exportDirty` sends.
   */
  private readonly changes = new Map<string, Counter | undefined>()
  private readonly persister: Persister | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private readonly maxEvents: number | undefined
  /** Swept events whose stored copy the next `compact()` deletes (unless recorded again). */
  private readonly sweptStored = new Set<string>()
  /** Records left until the next slice of the automatic sweep. */
  private untilSweep = SWEEP_EVERY
  /** When the last pass of the automatic sweep started (the store's clock), and whether it goes on. */
  private passStartedAt = -Infinity
  private sweeping = false
  /** Whether an event has pending reservations (set by `EventStore`): never evicted. @internal */
  protected held: (event: string) => boolean = () => false
  /** Stored values that did not decode when the store was opened, one per key (see `docs/`). */
  readonly loadErrors: ReadonlyArray<DecodeError>
  /** The replicated part, for a store built with `.replicaId(id)`. */
  private readonly replica: ReplicaState | undefined

  constructor(
    /** What every counter of this store tracks. */
    readonly layout: Layout,
    /** Where the store reads the time. */
    readonly clock: Clock,
    options: StoreOptions
  ) {
    this.maxEvents = options.maxEvents
    this.table = new CounterTable(layout, { byRecency: options.maxEvents !== undefined })
    this.loadErrors = options.loadErrors ?? []
    this.replica = options.replicaId === undefined ? undefined : new ReplicaState(options.replicaId, options.replicas)
    const { persistence } = options
    this.persister = persistence === undefined ? undefined : new Persister(persistence.storage, persistence.encoding((event, counter) => this.published(event, counter)))
    if (this.persister !== undefined && options.autoPersistMillis !== undefined) this.schedule(options.autoPersistMillis, options.autoPersistMillis)
  }

  /**
   * Fills the table of a store being built with what loading found (each event's counter is
   * `counterOf` its loaded value), in slices (100,000 events take ~100 ms): the builder calls it
   * before it hands the store out. @internal
   */
  async adoptLoaded<A>(loaded: ReadonlyMap<string, A>, counterOf: (value: A) => Counter): Promise<void> {
    const entries = loaded.entries()
    await inSlices(loaded.size, () => {
      const [name, value] = entries.next().value!
      this.table.set(name, counterOf(value))
    }, SLICE_STEPS)
  }

  /** Whether `close()` was called: records are refused from then on. @internal */
  protected closed = false

  /**
   * Persists in `wait` ms, then `interval` ms after each persist ends (never two at once). Timers hold at most 2^31 - 1 ms (24.8 days;
   * Node fires a longer one at once, every millisecond): a longer wait is made of several.
   */
  private schedule(wait: number, interval: number): void {
    const step = Math.min(wait, MAX_TIMER_MS)
    this.timer = setTimeout(() => {
      if (wait > step) return this.schedule(wait - step, interval)
      // The next tick counts from the end of this persist: a slow storage would queue them without end.
      void this.persist().finally(() => this.closed || this.schedule(interval, interval))
    }, step)
    if (typeof this.timer === 'object' && 'unref' in this.timer) this.timer.unref()
  }

  /**
   * Why `event` cannot be an event of this store, or `undefined`: not a non-empty string, or (with
   * storage) a name the storage cannot hold (`Storage.invalidKey`, else `invalidStorageKey`: a
   * lone surrogate, for one). Checked when an event is recorded or imported, so that one name
   * never stops the others from being persisted. @internal
   */
  protected refusedName(event: string): InvalidEventName | undefined {
    const storage = this.persister?.storage
    return nameError(event, storage === undefined ? undefined : (storage.invalidKey ?? invalidStorageKey))
  }

  /**
   * What came from elsewhere (`came`) into `event`, whose counter was `before`, joins the baseline
   * of `exportDirty` (or becomes it, when `replaced`), so that it is never sent back.
   */
  private cameIn(event: string, before: Counter | undefined, came: Counter, replaced = false): void {
    const baseline = this.changes.has(event) ? this.changes.get(event) : before
    this.changes.set(event, replaced || baseline === undefined ? came : merge(baseline, came))
  }

  /** The bytes the store's counters and its sets of names take on the V8 heap (see `memoryUsage`). @internal */
  protected heldBytes(): number {
    return 200 + this.table.heapBytes() + MAP_ENTRY_BYTES * this.changes.size + SET_ENTRY_BYTES * (this.dirty.size + this.sweptStored.size)
  }

  /**
   * Notes a change to `event`: dirty until persisted and, when the table says the change is the
   * first since the entry was sealed (`before`: the counter it held), `before` becomes its
   * baseline unless it has one. @internal
   */
  protected noteChange(event: string, before: Counter | undefined | typeof WAS_OPEN): void {
    if (this.persister !== undefined) this.dirty.add(event)
    if (before !== WAS_OPEN && !this.changes.has(event)) this.changes.set(event, before)
    this.replica?.noteRecord(event)
    if (--this.untilSweep === 0) this.sweepSlice()
    if (before === undefined) this.bound(event)
  }

  /** Evicts down to `maxEvents`, when the store has the bound, keeping `kept`. */
  private bound(kept?: string): void {
    if (this.maxEvents !== undefined && this.table.size > this.maxEvents) {
      this.forget(this.table.evict(this.maxEvents, (name) => name !== kept && !this.held(name)))
    }
  }

  /** One slice of the automatic sweep (see `SWEEP_EVERY`). */
  private sweepSlice(): void {
    this.untilSweep = SWEEP_EVERY
    const now = this.clock.now()
    if (!this.sweeping) {
      // A clock that stepped back a long way starts a pass too: it cannot wait for the old time.
      if (Math.abs(now - this.passStartedAt) < SWEEP_INTERVAL_MILLIS) return
      this.passStartedAt = now
    }
    this.forget(this.table.sweep(now, this.mayDrop, SWEEP_SLICE))
    this.sweeping = this.table.midPass()
  }

  /** What may be dropped from memory: an event with nothing to persist and no pending reservation. */
  private readonly mayDrop = (event: string): boolean => !this.dirty.has(event) && !this.held(event)

  /**
   * Forgets the sync baselines and the replicated state of events the table dropped (and notes
   * their stored copies for `compact`).
   */
  private forget(dropped: ReadonlyArray<string>): number {
    for (const event of dropped) {
      this.changes.delete(event)
      this.replica?.forget(event)
      if (this.persister !== undefined) this.sweptStored.add(event)
    }
    return dropped.length
  }

  /**
   * Drops from memory every event whose buckets have all left their windows (each would answer
   * 0 for every window ending now), and returns how many it dropped. A dropped event is unknown
   * afterwards (queries answer `none`), its sync baseline goes with it (what `exportDirty` would
   * have sent for it counts in no window), and so does its replicated state in a store with a
   * replica id (a stale copy merged later brings no expired bucket back); recording it again
   * starts it afresh. With storage, an event not yet persisted is kept until it is (nothing
   * unsaved is lost), and its stored copy stays stored until the next `compact()` deletes it
   * (unless the event was recorded again). An event with a pending reservation is kept. The store also sweeps by itself: once a minute of its clock at most, a
   * few events at a time as it records (`docs/DESIGN.md`, "Bounded memory"), so that a store whose
   * keys went idle shrinks back.
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const clock = TestClock.at(Date.UTC(2026, 0, 1, 12))
   * const store = EventStore.builder().forRateLimiting().withClock(clock).timeZone('UTC').build()
   * store.record('ip:203.0.113.7')
   * clock.advance({ hours: 1 })
   * store.record('ip:198.51.100.2')
   * assert.equal(store.sweep(), 0) // the first key still counts in the last 24 hours
   * clock.advance({ hours: 24 })
   * assert.equal(store.sweep(), 2)
   * assert.deepEqual(store.events(), [])
   * assert.deepEqual(store.query('ip:203.0.113.7').lastHours(24).sum(), O.none)
   */
  sweep(): number {
    return this.forget(this.table.sweep(this.clock.now(), this.mayDrop))
  }

  // -----------------------------------------------------------------------------------------------
  // export, import, merge
  // -----------------------------------------------------------------------------------------------

  /**
   * Every counter by event name: plain values (`JSON.stringify` them as they are), frozen, that
   * never change afterwards whatever the store records.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * const store = EventStore.create()
   * store.record('app_launch')
   * store.recordCount('api_call', 5)
   * const saved = store.exportAll()
   * assert.deepEqual(Object.keys(saved), ['app_launch', 'api_call'])
   * assert.deepEqual(JSON.parse(JSON.stringify(saved)), saved)
   * assert.ok(Object.isFrozen(saved.api_call) && Object.isFrozen(saved.api_call!.newest))
   * store.recordCount('api_call', 2)
   * assert.deepEqual(saved.api_call!.newest.slice(0, 1), [5]) // the export keeps what it was
   */
  exportAll(): Counters {
    return Object.fromEntries(Array.from(this.table.names(), (event) => [event, this.table.export(event)!]))
  }

  /**
   * The counter of `event` as the store holds it now (`undefined` when unknown): what
   * `withBroadcast` measures a write against, since the bytes a persist hands to its storage were
   * taken when persist was called. @internal
   */
  heldCounter(event: string): Counter | undefined {
    return this.table.get(event)
  }

  /**
   * What this store recorded itself since the last `resetDirty`, by event, as delta counters:
   * merging them into another store adds exactly those events. Counts that were merged or imported
   * from elsewhere are left out, so exchanging `exportDirty` between devices never counts an event
   * twice. An event created here with a count of 0 is included (with no counts), so that it exists
   * elsewhere too.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const phone = EventStore.create()
   * const laptop = EventStore.create()
   * phone.recordCount('app_launch', 2)
   * laptop.mergeAll(phone.exportDirty())
   * phone.resetDirty()
   * laptop.recordCount('app_launch', 3)
   * phone.mergeAll(laptop.exportDirty()) // only the 3 new launches, not the 2 phone sent
   * assert.deepEqual(phone.query('app_launch').ever().sum(), O.some(5))
   * assert.deepEqual(laptop.query('app_launch').ever().sum(), O.some(5))
   */
  exportDirty(): Counters {
    const out: Array<readonly [string, Counter]> = []
    for (const [event, baseline] of this.changes) {
      const counter = this.table.export(event)
      if (counter === undefined) continue
      const delta = difference(counter, baseline)
      if (baseline === undefined || hasCounts(delta)) out.push([event, delta])
    }
    return Object.fromEntries(out)
  }

  /**
   * Replaces the counters of the given events (other events stay). Every counter is validated and
   * converted to this store's layout first; if one is refused, none is imported.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const phone = EventStore.create()
   * phone.recordCount('app_launch', 4)
   * const backup = JSON.parse(JSON.stringify(phone.exportAll()))
   * const restored = EventStore.create()
   * restored.recordCount('app_launch', 100)
   * restored.importAll(backup)
   * assert.deepEqual(restored.query('app_launch').ever().sum(), O.some(4))
   */
  importAll(events: Counters | ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>): E.Either<ImportRefusal, void> {
    return this.bring(events, (_existing, incoming) => incoming, true)
  }

  /**
   * Replaces one event's counter (validated and converted to this store's layout).
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const phone = EventStore.create()
   * phone.recordCount('app_launch', 4)
   * const laptop = EventStore.create()
   * laptop.recordCount('app_launch', 100)
   * assert.ok(E.isRight(laptop.importEvent('app_launch', phone.exportAll().app_launch!)))
   * assert.deepEqual(laptop.query('app_launch').ever().sum(), O.some(4))
   * const refused = laptop.importEvent('app_launch', JSON.parse('{"heads":[]}'))
   * assert.ok(E.isLeft(refused) && refused.left._tag === 'DecodeError')
   */
  importEvent(event: string, counter: Counter): E.Either<ImportRefusal, void> {
    return this.bring(new Map([[event, counter]]), (_existing, incoming) => incoming, true)
  }

  /**
   * Adds the given counters to this store's (100 + 50 = 150): commutative and associative.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const server1 = EventStore.create()
   * const server2 = EventStore.create()
   * server1.recordCount('request', 100)
   * server2.recordCount('request', 50)
   * const aggregate = EventStore.create()
   * aggregate.mergeAll(server1.exportAll())
   * aggregate.mergeAll(server2.exportAll())
   * assert.deepEqual(aggregate.query('request').lastHours(1).sum(), O.some(150))
   */
  mergeAll(events: Counters | ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>): E.Either<ImportRefusal, void> {
    return this.bring(events, (existing, incoming) => (existing === undefined ? incoming : merge(existing, incoming)))
  }

  /**
   * Adds one counter to this store's counter of that event.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const phone = EventStore.create()
   * phone.recordCount('app_launch', 4)
   * const laptop = EventStore.create()
   * laptop.recordCount('app_launch', 100)
   * laptop.mergeEvent('app_launch', phone.exportAll().app_launch!)
   * assert.deepEqual(laptop.query('app_launch').ever().sum(), O.some(104))
   */
  mergeEvent(event: string, counter: Counter): E.Either<ImportRefusal, void> {
    return this.mergeAll(new Map([[event, counter]]))
  }

  /** Every value of `events` decoded and converted to this store's layout, or why the first one is refused (then none is taken). */
  private decodedAll<A>(
    events: ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>,
    decodeOne: (event: string, value: unknown) => E.Either<DecodeError, A>,
    convertOne: (value: A, layout: Layout) => A
  ): E.Either<ImportRefusal, Array<readonly [string, A]>> {
    const incoming: Array<readonly [string, A]> = []
    for (const [event, value] of events instanceof Map ? events : Object.entries(events)) {
      const refused = this.refusedName(event)
      if (refused !== undefined) return E.left(refused)
      const decoded = decodeOne(event, value)
      if (E.isLeft(decoded)) return decoded
      incoming.push([event, convertOne(decoded.right, this.layout)])
    }
    return E.right(incoming)
  }

  /**
   * Adds every counter of another store to this one.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const server1 = EventStore.create()
   * const server2 = EventStore.create()
   * server1.recordCount('request', 100)
   * server2.recordCount('request', 50)
   * server2.recordCount('error', 2)
   * server1.merge(server2)
   * assert.deepEqual(server1.query('request').ever().sum(), O.some(150))
   * assert.deepEqual(server1.query('error').ever().sum(), O.some(2))
   * assert.deepEqual(server2.query('request').ever().sum(), O.some(50)) // unchanged
   */
  merge(other: SyncedStore): E.Either<ImportRefusal, void> {
    return this.mergeAll(other.exportAll())
  }

  private bring(
    events: ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>,
    combine: (existing: Counter | undefined, incoming: Counter) => Counter,
    /** Whether the incoming counters replace the events' (an import): persisted over what is stored. */
    replacing = false
  ): E.Either<ImportRefusal, void> {
    const decoded = this.decodedAll(events, decode, convert)
    if (E.isLeft(decoded)) return decoded
    for (const [event, counter] of decoded.right) {
      const before = this.table.get(event)
      const after = combine(before, counter)
      this.table.set(event, after)
      // In a store with a replica id, counts imported or added are its own replica's: its version
      // goes up, as after a record, or a delta since a peer's version vectors would leave them out.
      if (before === undefined || !CounterEq.equals(before, after)) this.replica?.noteRecord(event)
      if (this.persister !== undefined) {
        this.dirty.add(event)
        if (replacing) this.persister.replace(event)
      }
      this.cameIn(event, before, counter, after === counter)
    }
    this.bound()
    return DONE
  }

  // -----------------------------------------------------------------------------------------------
  // replicated sync (a store built with `.replicaId(id)`)
  // -----------------------------------------------------------------------------------------------

  /**
   * `answer` of every event (of the table, or of the replicated state alone) as a replicated
   * counter: the others' replicas, and this store's own, published.
   */
  private everyReplicated<T>(replica: ReplicaState, answer: (whole: Replicated, event: string) => T): Record<string, T> {
    const names = new Set([...this.table.names(), ...replica.names()])
    return Object.fromEntries(
      Array.from(names, (event) => [event, answer(replica.publish(event, this.table.export(event), this.layout, this.clock.now()), event)] as const)
    )
  }

  /** What a store with a replica id persists of `event`, whose counter is `counter` (`ReplicatedEncoding`). */
  private published(event: string, counter: Counter): Replicated {
    if (this.replica === undefined) throw new InvalidReplicaId(undefined) // a bug: only a replicated store's encoding asks
    return this.replica.publish(event, counter, this.layout, this.clock.now())
  }

  /**
   * Every event as a replicated counter (what this store recorded under its replica id, and what
   * it merged from the others), or with `since` (the `versionVectors()` of a peer, now or earlier)
   * only what that peer lacks. Merging the result into a peer with `mergeReplicated` is idempotent:
   * sending it twice, late, through a hub or after a newer one changes nothing. Refused with
   * `InvalidReplicaId` on a store built without `.replicaId(id)`, and with a `DecodeError` naming
   * the event when `since` holds something that is not a version vector (it comes from a peer:
   * each is decoded as `ReplicatedCodec.VersionVector`).
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const clock = TestClock.at(Date.UTC(2026, 4, 20, 9))
   * const phone = EventStore.builder().withClock(clock).timeZone('UTC').replicaId('phone').build()
   * const server = EventStore.builder().withClock(clock).timeZone('UTC').replicaId('server').build()
   * phone.recordCount('song_played', 2)
   * const upload = phone.exportReplicated()
   * assert.ok(E.isRight(upload))
   * server.mergeReplicated(upload.right)
   * server.mergeReplicated(upload.right) // a retry: counted once
   * assert.deepEqual(server.query('song_played').lastDays(1).sum(), O.some(2))
   * const news = phone.exportReplicated({ since: server.versionVectors() })
   * assert.ok(E.isRight(news) && news.right.song_played!.replicas.length === 0) // nothing new
   * const bad = phone.exportReplicated({ since: JSON.parse('{"song_played":[{"id":"server","born":null,"seq":1}]}') })
   * assert.ok(E.isLeft(bad) && bad.left._tag === 'DecodeError' && bad.left.path === '0.born')
   */
  exportReplicated(options: { readonly since?: VersionVectors } = {}): E.Either<InvalidReplicaId | DecodeError, ReplicatedCounters> {
    const replica = this.replica
    if (replica === undefined) return E.left(new InvalidReplicaId(undefined))
    const since = options.since === undefined ? E.right(undefined) : decodeSince(options.since)
    if (E.isLeft(since)) return since
    return E.right(
      this.everyReplicated(replica, (whole, event) => {
        const seen = since.right?.get(event)
        return seen === undefined ? whole : delta(whole, seen)
      })
    )
  }

  /**
   * What this store has seen of each event, per replica: send it to a peer, which answers with
   * `exportReplicated({ since })`. Empty for a store built without `.replicaId(id)`.
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * const clock = TestClock.at(Date.UTC(2026, 4, 20, 9))
   * const phone = EventStore.builder().withClock(clock).timeZone('UTC').replicaId('phone').build()
   * phone.record('song_played')
   * assert.deepEqual(phone.versionVectors(), { song_played: [{ id: 'phone', born: Date.UTC(2026, 4, 20, 9), seq: 1 }] })
   */
  versionVectors(): VersionVectors {
    const replica = this.replica
    if (replica === undefined) return {}
    return this.everyReplicated(replica, (whole) => versionVector(whole))
  }

  /**
   * Merges replicated counters (from `exportReplicated` of another store, or any copy of one) by
   * their maximum per replica and bucket: a message merged twice, late or out of order changes
   * nothing, and what came through a hub counts once. Every value is validated
   * (`ReplicatedCodec`), its event name checked as a recorded one is, and converted to this store's
   * layout first; a value whose heads lie more than a day ahead of the store's clock (a peer whose
   * clock runs years ahead: merged, it would expire every bucket the store holds) is refused with a
   * `DecodeError` naming the event at `heads`, as loading refuses such a plain counter. If one is
   * refused, none is merged. Each value is advanced to the store's clock before it is merged, so
   * buckets that expired (of an event this store swept, say) stay out. This store's own replica in
   * the incoming values counts where it holds more than the store (counts the store lost, as after
   * an eviction, that a peer kept). An event new to a store with `maxEvents` may evict another.
   * Refused with `InvalidReplicaId` on a store built without `.replicaId(id)`.
   *
   * @example
   * import { EventStore, TestClock } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * import * as O from 'fp-ts/lib/Option.js'
   * const clock = TestClock.at(Date.UTC(2026, 4, 20, 9))
   * const [phone, laptop, server] = ['phone', 'laptop', 'server'].map((id) => EventStore.builder().withClock(clock).timeZone('UTC').replicaId(id).build())
   * phone!.recordCount('song_played', 2)
   * laptop!.recordCount('song_played', 1)
   * for (const device of [phone!, laptop!]) server!.mergeReplicated(E.getOrElseW(() => ({}))(device.exportReplicated()))
   * laptop!.mergeReplicated(E.getOrElseW(() => ({}))(server!.exportReplicated())) // through the hub
   * assert.deepEqual(laptop!.query('song_played').lastDays(1).sum(), O.some(3))
   * assert.ok(E.isLeft(server!.mergeReplicated({ song_played: { heads: 'nope' } })))
   */
  mergeReplicated(events: ReplicatedCounters | ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>): E.Either<ImportRefusal | InvalidReplicaId, void> {
    const replica = this.replica
    if (replica === undefined) return E.left(new InvalidReplicaId(undefined))
    const decoded = this.decodedAll(events, decodeReplicated, convertReplicated)
    if (E.isLeft(decoded)) return decoded
    const now = this.clock.now()
    // Heads far ahead of this store's clock (a peer's clock years ahead) would expire every bucket
    // it holds and take its records into the future: refused, as loading refuses them, before any
    // event is merged.
    const ahead = futureHeadCheck(this.layout, now)
    for (const [event, theirs] of decoded.right) {
      const refused = ahead(event, theirs)
      if (refused !== undefined) return E.left(refused)
    }
    for (const [event, theirs] of decoded.right) {
      const before = this.table.get(event)
      const merged = replica.merge(event, theirs, before, now)
      if (merged === undefined) continue
      this.table.set(event, merged.counter)
      if (this.persister !== undefined) this.dirty.add(event)
      this.cameIn(event, before, merged.came)
    }
    this.bound()
    return DONE
  }

  /**
   * Whether something waits: with storage, changes not yet persisted; without, changes not yet
   * exported and reset.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * const store = EventStore.create()
   * assert.equal(store.isDirty(), false)
   * store.record('app_launch')
   * assert.equal(store.isDirty(), true)
   * store.resetDirty()
   * store.recordCount('app_launch', -1) // refused: nothing changes
   * assert.equal(store.isDirty(), false)
   */
  isDirty(): boolean {
    return this.persister === undefined ? this.changes.size > 0 : this.dirty.size > 0
  }

  /**
   * Forgets what `exportDirty` would send (call it once the export was delivered). It never makes a
   * store skip persisting: changes not yet written stay dirty for `persist()` and `close()`.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const store = EventStore.create()
   * store.recordCount('app_launch', 2)
   * store.resetDirty()
   * assert.equal(store.isDirty(), false)
   * assert.deepEqual(store.exportDirty(), {})
   * assert.deepEqual(store.query('app_launch').ever().sum(), O.some(2)) // the counts stay
   */
  resetDirty(): void {
    this.changes.clear()
    this.table.seal() // the next record into each event tells its counter before: a new baseline
  }

  /**
   * Drops an event: its counter, its unpersisted changes, what `exportDirty` would send and its
   * replicated state (a peer's copy brings a replicated event back); with storage, the next
   * persist deletes it there too. Returns whether the store had it. Recording
   * the name again starts a new counter (persisted over whatever was stored).
   *
   * @example
   * import { EventStore, MemoryStorage } from 'tiny-counter'
   * import * as O from 'fp-ts/lib/Option.js'
   * const storage = new MemoryStorage()
   * const store = await EventStore.builder().withStorage(storage).build()
   * store.record('spam')
   * store.record('launch')
   * await store.persist()
   * assert.equal(store.delete('spam'), true)
   * assert.equal(store.delete('spam'), false)
   * assert.deepEqual(store.query('spam').ever().sum(), O.none)
   * await store.persist()
   * assert.deepEqual(await storage.listKeys(), ['launch'])
   */
  delete(event: string): boolean {
    if (!this.table.has(event)) return false
    this.table.delete(event)
    this.dirty.delete(event)
    this.changes.delete(event)
    this.replica?.forget(event)
    if (this.persister !== undefined) {
      this.deleted.add(event)
      this.persister.replace(event) // a new counter of this name is written as it is
    }
    return true
  }

  /**
   * Drops every event whose name `predicate` accepts (see `delete`); returns how many were dropped.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * const store = EventStore.create()
   * for (const user of ['alice', 'bob', 'carol']) store.record(`api:${user}`)
   * store.record('launch')
   * assert.equal(store.deleteAll((event) => event.startsWith('api:')), 3)
   * assert.deepEqual(store.events(), ['launch'])
   */
  deleteAll(predicate: (event: string) => boolean): number {
    const names = Array.from(this.table, ([name]) => name).filter((name) => predicate(name))
    for (const name of names) this.delete(name)
    return names.length
  }

  // -----------------------------------------------------------------------------------------------
  // persistence
  // -----------------------------------------------------------------------------------------------

  private persistWith(names: (state: Persisted) => Iterable<string>): Promise<E.Either<StorageError, void>> {
    if (this.persister === undefined) return Promise.resolve(E.left(new StorageError(undefined, 'this store has no storage: build it with withStorage(...)')))
    // A name deleted and recorded again is written whole (it replaces what was stored), not deleted.
    const deletes = [...this.deleted].filter((name) => !this.table.has(name))
    const persisted = this.persister.write(this.persisted(), names, deletes)
    return persisted.then((result) => {
      // Deleting again is harmless: after a failed persist the deletes wait for the next one.
      if (E.isRight(result)) for (const name of deletes) this.deleted.delete(name)
      for (const name of this.deleted) if (this.table.has(name)) this.deleted.delete(name)
      return result
    })
  }

  /** What persistence reads and updates: the table (whose counters never change once handed out) and the dirty set. */
  private persisted(): Persisted {
    return { counters: this.table, dirty: this.dirty }
  }

  /**
   * Writes the events dirty at the call (each counter as it is when its turn comes, in slices
   * between which the store keeps recording) and clears the flag of each one written; an event
   * changed after it was written stays dirty, for the next persist. Two persists never interleave.
   * A failed write returns a `StorageError` and leaves dirty the events it did not write.
   *
   * @example
   * import { EventStore, MemoryStorage } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * const storage = new MemoryStorage()
   * const store = await EventStore.builder().withStorage(storage).build()
   * store.record('event1')
   * store.record('event2')
   * assert.ok(E.isRight(await store.persist())) // writes both
   * store.record('event3')
   * await store.persist() // writes only event3
   * assert.deepEqual([...(await storage.listKeys())].sort(), ['event1', 'event2', 'event3'])
   * assert.equal(store.isDirty(), false)
   */
  persist(): Promise<E.Either<StorageError, void>> {
    return this.persistWith((state) => [...state.dirty])
  }

  /**
   * Writes every event, dirty or not.
   *
   * @example
   * import { EventStore, MemoryStorage } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * const storage = new MemoryStorage()
   * const store = await EventStore.builder().withStorage(storage).build()
   * store.record('event')
   * store.resetDirty()
   * assert.ok(E.isRight(await store.persistAll()))
   * assert.deepEqual(await storage.listKeys(), ['event'])
   */
  persistAll(): Promise<E.Either<StorageError, void>> {
    return this.persistWith((state) => state.counters.names())
  }

  /**
   * Advances every counter to now, drops those left without any count from memory, and persists
   * the dirty rest. The stored copy of a dropped (or swept) event is deleted only if it holds no
   * count now either: what another process sharing the storage recorded into it stays. A store without storage has nothing to persist: it sweeps
   * (`sweep()`) and succeeds.
   *
   * @example
   * import { EventStore, MemoryStorage, TestClock } from 'tiny-counter'
   * const clock = TestClock.at(Date.UTC(2026, 0, 1))
   * const storage = new MemoryStorage()
   * const store = await EventStore.builder().withClock(clock).timeZone('UTC').withStorage(storage).build()
   * store.record('old')
   * await store.persist()
   * clock.advance({ days: 400 }) // past the 12 months the default layout keeps
   * store.record('new')
   * await store.compact()
   * assert.deepEqual(store.events(), ['new'])
   * assert.deepEqual(await storage.listKeys(), ['new'])
   */
  compact(): Promise<E.Either<StorageError, void>> {
    if (this.persister === undefined) {
      this.sweep()
      return Promise.resolve(DONE)
    }
    const persister = this.persister
    const swept = [...this.sweptStored].filter((event) => !this.table.has(event))
    this.sweptStored.clear()
    // An event left without counts is dropped with what `exportDirty` would have sent for it and its replicated state.
    const compacted = persister.compact(
      this.persisted(),
      this.clock.now(),
      (event) => {
        this.changes.delete(event)
        this.replica?.forget(event)
      },
      swept
    )
    return compacted.then((result) => {
      if (E.isLeft(result)) for (const event of swept) if (!this.table.has(event)) this.sweptStored.add(event)
      return result
    })
  }

  /**
   * Stops auto-persistence, persists the dirty events and closes the storage (JavaScript has no
   * destructors: call it, or use `await using`). Without storage it succeeds at once.
   *
   * @example
   * import { EventStore, MemoryStorage } from 'tiny-counter'
   * import * as E from 'fp-ts/lib/Either.js'
   * const storage = new MemoryStorage()
   * const store = await EventStore.builder().withStorage(storage).autoPersist({ seconds: 30 }).build()
   * store.record('event')
   * assert.ok(E.isRight(await store.close()))
   * assert.deepEqual(await storage.listKeys(), ['event'])
   */
  async close(): Promise<E.Either<StorageError, void>> {
    this.closed = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    if (this.persister === undefined) return DONE
    const persisted = await this.persist()
    if (E.isLeft(persisted)) return persisted
    try {
      await this.persister.storage.close()
    } catch (cause) {
      return E.left(new StorageError(undefined, cause))
    }
    return DONE
  }

  /**
   * `await using store = await EventStore.builder()...build()` closes the store at the end of scope.
   *
   * @example
   * import { EventStore, MemoryStorage } from 'tiny-counter'
   * const storage = new MemoryStorage()
   * {
   *   const store = await EventStore.builder().withStorage(storage).build()
   *   store.record('event')
   *   await store[Symbol.asyncDispose]() // what `await using` does at the end of the block
   * }
   * assert.deepEqual(await storage.listKeys(), ['event'])
   */
  async [Symbol.asyncDispose](): Promise<void> {
    const closed = await this.close()
    if (E.isLeft(closed)) throw closed.left
  }

}
