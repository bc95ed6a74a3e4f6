/**
 * The replicated part of a store built with `.replicaId(id)`: its counters (in the table) hold
 * everything; beside them it keeps, per event, what the other replicas recorded (as merged in), so
 * that what it recorded itself is its counter minus theirs, and the version under which it last
 * published that. Also how such a store's events are stored: as replicated counters
 * (`ReplicatedEncoding`), joined with what is stored by their maximum, which is idempotent, so that
 * several processes (each with its own replica id) persisting into one storage lose nothing.
 */
import * as E from '#fp-ts/Either'
import * as O from '../../internal/option.js'
import type { Counter } from '../../Counter.js'
import { empty as emptyCounter, merge as mergeCounters } from '../../Counter.js'
import type { Layout } from '../../Layout.js'
import type { Replicated, Version } from '../../Replicated.js'
import { convert, empty, merge, ofCounter, rotate, value, valueOf, versionOf, withoutReplica } from '../../Replicated.js'
import type { ReplicatedFormat } from '../../codec/ReplicatedFormat.js'
import { nextVersion } from '../../internal/versions.js'
import { ReplicaIdConflict, StorageError } from '../errors.js'
import { difference, hasCounts } from './delta.js'
import type { Encoding, Reading, Taken } from './persister.js'

/** Later incarnations first, then more records (as `Replicated` orders versions). */
const later = (a: Version, b: Version | undefined): boolean => b === undefined || a.born > b.born || (a.born === b.born && a.seq > b.seq)

/** What a merge did to an event: its new counter, and the part of it that came from elsewhere. */
export interface Merged {
  readonly counter: Counter
  readonly came: Counter
}

/** The replicated part of a store (see the top of this module). */
export class ReplicaState {
  /** Per event, what the other replicas recorded, as merged in. */
  private readonly others = new Map<string, Replicated>()
  /** Per event, the version under which this store last published its own counts. */
  private readonly versions = new Map<string, Version>()
  /** Events recorded into since their version was last published. */
  private readonly recorded = new Set<string>()

  /** A replica `id` starting from the stored `loaded` values (each the whole event, this replica's counts included). */
  constructor(
    readonly id: string,
    loaded: Iterable<readonly [string, Replicated]> = []
  ) {
    for (const [event, replicated] of loaded) {
      const others = withoutReplica(replicated, id)
      if (others.replicas.length > 0) this.others.set(event, others)
      const own = versionOf(replicated, id)
      if (O.isSome(own)) this.versions.set(event, own.value)
    }
  }

  /** The events the others recorded into. */
  names(): Iterable<string> {
    return this.others.keys()
  }

  /** Notes a change of this store's own counts of `event` (a record, an import, a plain merge): its next publication has a later version. */
  noteRecord(event: string): void {
    this.recorded.add(event)
  }

  /** Forgets `event` (dropped from the store): a later record starts a new incarnation of this replica. */
  forget(event: string): void {
    this.others.delete(event)
    this.versions.delete(event)
    this.recorded.delete(event)
  }

  /**
   * `event` as a replicated counter, whose store counter is `total`: the others' replicas, and this
   * store's own (`total` minus the others), under a version that goes up when it recorded since
   * the last publication.
   */
  publish(event: string, total: Counter | undefined, layout: Layout, now: number): Replicated {
    const others = this.others.get(event) ?? empty(layout)
    if (total === undefined) return others
    const own = difference(total, value(others))
    let version = this.versions.get(event)
    if (hasCounts(own) && (version === undefined || this.recorded.has(event))) {
      const { born, seq } = version === undefined ? { born: now, seq: 1 } : nextVersion(version, now)
      version = { id: this.id, born, seq }
      this.versions.set(event, version)
    }
    this.recorded.delete(event)
    return merge(others, ofCounter(own, version ?? { id: this.id, born: 0, seq: 1 }))
  }

  /**
   * Merges `incoming` (validated, in the store's layout) into `event`, whose store counter is
   * `total`, by maximum; `undefined` when nothing changes. `incoming` is first advanced to `now`:
   * buckets that expired by this store's clock stay out (the cut-off of an event this store swept
   * is its clock). This replica's own buckets in `incoming` count where they exceed what this
   * store holds of them: it lost them (an event evicted, a crash before a persist) and a peer kept
   * them; its version then moves past the peer's.
   */
  merge(event: string, incoming: Replicated, total: Counter | undefined, now: number): Merged | undefined {
    const fresh = rotate(incoming, now)
    const previous = this.others.get(event) ?? empty(fresh.layout)
    const others = merge(previous, withoutReplica(fresh, this.id))
    let own = total === undefined ? undefined : difference(total, value(previous))
    let ownChanged = false
    const theirs = versionOf(fresh, this.id)
    if (O.isSome(theirs)) {
      const known = this.versions.get(event)
      const mine = own === undefined ? empty(fresh.layout) : ofCounter(own, known ?? { id: this.id, born: 0, seq: 0 })
      const joined = merge(mine, { layout: fresh.layout, heads: fresh.heads, replicas: fresh.replicas.filter((replica) => replica.id === this.id) })
      if (later(theirs.value, known)) this.versions.set(event, theirs.value)
      if (joined !== mine) {
        own = valueOf(joined, this.id)
        ownChanged = true
        this.recorded.add(event) // published next under a later version than any copy holds
      }
    }
    if (!ownChanged && others === previous) return undefined
    if (others.replicas.length > 0) this.others.set(event, others)
    else this.others.delete(event)
    const counter = own === undefined ? value(others) : mergeCounters(own, value(others))
    return { counter, came: difference(counter, total ?? emptyCounter(counter.layout)) }
  }
}

/**
 * The stored replicated counters of a `ReplicatedFormat`, converted to `layout`.
 *
 * @internal
 */
export const replicatedReading = (format: ReplicatedFormat, layout: Layout): Reading<Replicated> => ({
  decode: (key, bytes) => E.map((replicated: Replicated) => convert(replicated, layout))(format.deserialize(key, bytes)),
  kind: 'replicated'
})

/** A replicated event as a persist took it: the store's counter, and the event as a replicated counter. */
interface ReplicatedTaken extends Taken {
  readonly value: Replicated
}

/**
 * A replicated store's events as replicated counters in a `ReplicatedFormat`, joined with what is
 * stored by their maximum (the join of the semilattice: idempotent, so rewriting what another
 * process wrote loses nothing). It remembers, per event, the version of its own replica as it last
 * read or wrote it: a stored copy whose version of this replica differs was written by another
 * store with the same replica id, and the write is refused (`ReplicaIdConflict`).
 */
export class ReplicatedEncoding implements Encoding<ReplicatedTaken> {
  private readonly ownVersions = new Map<string, Version>()

  constructor(
    readonly format: ReplicatedFormat,
    readonly replicaId: string,
    /** The event as a replicated counter, now (the store's `ReplicaState.publish`). */
    private readonly publish: (name: string, counter: Counter) => Replicated,
    loaded: Iterable<readonly [string, Replicated]> = []
  ) {
    for (const [name, replicated] of loaded) this.noteOwn(name, replicated)
  }

  private noteOwn(name: string, replicated: Replicated): void {
    const own = versionOf(replicated, this.replicaId)
    if (O.isSome(own)) this.ownVersions.set(name, own.value)
  }

  take(name: string, counter: Counter): ReplicatedTaken {
    const value = this.publish(name, counter)
    return { name, counter, value, whole: this.format.serialize(value), steps: 1 }
  }

  /** The join with what is stored, unless that holds this replica under a version this store did not write (`ReplicaIdConflict`). */
  over({ name, value, whole }: ReplicatedTaken, bytes: Uint8Array, mayDecode: () => boolean): Uint8Array | undefined {
    if (!mayDecode()) return undefined
    const stored = this.format.deserialize(name, bytes)
    if (E.isLeft(stored)) return whole // a value no one can read: replaced
    const own = versionOf(stored.right, this.replicaId)
    const known = this.ownVersions.get(name)
    if (O.isSome(own) && (known === undefined || own.value.born !== known.born || own.value.seq !== known.seq)) {
      throw new StorageError(name, new ReplicaIdConflict(this.replicaId, name), 'persist')
    }
    return this.format.serialize(merge(value, stored.right))
  }

  written({ name, value }: ReplicatedTaken): void {
    this.noteOwn(name, value)
  }

  counterOf(name: string, stored: Uint8Array): Counter | undefined {
    const decoded = this.format.deserialize(name, stored)
    return E.isRight(decoded) ? value(decoded.right) : undefined
  }

  deleted(name: string): void {
    this.ownVersions.delete(name)
  }

  /** Nothing to note: replicated counters are always joined with what is stored, never written over it. */
  replace(): void {}
}
