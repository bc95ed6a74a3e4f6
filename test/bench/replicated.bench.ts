/**
 * The replicated section of `npm run bench` (issue 16), on the default layout (60 minutes, 24
 * hours, 32 days, 12 months) in Europe/Berlin, calendar alignment:
 *
 * - `record`: `Replicated.record(r, 'phone', at, 1)` on a value of three replicas (phone, laptop,
 *   server) that share the core bench's year of history (every third event each), `at` moving one
 *   second per operation, beside `Counter.record(c, at, 1)` on the counter of that whole history;
 * - `merge`: `Replicated.merge(server, phone)` of two such values (the phone's holds a minute more
 *   of its own records: a sync that brings news), beside `Counter.merge(a, b)` of two full counters;
 * - bytes per replica per event, in both formats (untimed, computed here): an event recorded three
 *   times by each replica, and one whose every bucket is non-zero in every replica, beside a plain
 *   counter of the same events.
 *
 * The timed cases run in child processes side by side (`harness.ts`), as the core section's do.
 */
import * as E from 'fp-ts/lib/Either.js'
import * as Counter from 'tiny-counter/Counter'
import * as Replicated from 'tiny-counter/Replicated'
import { BincodeFormat, JsonFormat, ReplicatedBincodeFormat, ReplicatedJsonFormat } from 'tiny-counter'
import type { Body } from './harness.ts'
import { START, history, layoutOf } from './core.bench.ts'
import type { TableRow } from './readme.ts'

const SECOND = 1_000
const IDS = ['laptop', 'phone', 'server'] as const

/** The shared starting point of the replicated cases, as plain data. */
export interface ReplicatedHistory {
  /** The three replicas, each with every third event of the history. */
  readonly server: Replicated.Replicated
  /** The same, the phone having recorded one event a second for one more minute. */
  readonly phone: Replicated.Replicated
  /** The counter of the whole history, and of the phone's minute more. */
  readonly counter: Counter.Counter
  readonly counterLater: Counter.Counter
}

const orThrow = <A>(either: E.Either<Error, A>): A => {
  if (E.isLeft(either)) throw either.left
  return either.right
}

export const buildReplicatedHistory = (): ReplicatedHistory => {
  const layout = layoutOf('calendar')
  let server = Replicated.empty(layout)
  let counter = Counter.empty(layout)
  history().forEach(([t, n], i) => {
    server = orThrow(Replicated.record(server, IDS[i % IDS.length]!, t, n))
    counter = orThrow(Counter.record(counter, t, n))
  })
  let phone = server
  let counterLater = counter
  for (let t = START + SECOND; t <= START + 60 * SECOND; t += SECOND) {
    phone = orThrow(Replicated.record(phone, 'phone', t, 1))
    counterLater = orThrow(Counter.record(counterLater, t, 1))
  }
  return { server, phone, counter, counterLater }
}

export type ReplicatedOp = 'record' | 'merge'
export type ReplicatedVariant = 'replicated' | 'counter'

/** A body recording one event a second from `START` on with `record`, keeping its state between rounds. */
const recordBody = <A extends { readonly heads: ReadonlyArray<number> }>(start: A, record: (a: A, at: number) => E.Either<Error, A>): Body => {
  let state = start
  let at = START
  return (ops) => {
    for (let i = 0; i < ops; i++) {
      at += SECOND
      const recorded = record(state, at)
      if (recorded._tag === 'Left') throw recorded.left
      state = recorded.right
    }
    return state.heads[0]!
  }
}

const mergeBody =
  <A extends { readonly heads: ReadonlyArray<number> }>(merge: (a: A, b: A) => A, a: A, b: A): Body =>
  (ops) => {
    let s = 0
    for (let i = 0; i < ops; i++) s += merge(a, b).heads.length
    return s
  }

export const replicatedCaseId = (op: ReplicatedOp, v: ReplicatedVariant): string => `replicated-${op}/${v}`

export const replicatedCases: ReadonlyArray<{ readonly id: string; readonly prepare: (h: ReplicatedHistory) => Body }> = [
  { id: replicatedCaseId('record', 'replicated'), prepare: (h) => recordBody(h.server, (r, at) => Replicated.record(r, 'phone', at, 1)) },
  { id: replicatedCaseId('record', 'counter'), prepare: (h) => recordBody(h.counter, (c, at) => Counter.record(c, at, 1)) },
  { id: replicatedCaseId('merge', 'replicated'), prepare: (h) => mergeBody(Replicated.merge, h.server, h.phone) },
  { id: replicatedCaseId('merge', 'counter'), prepare: (h) => mergeBody(Counter.merge, h.counter, h.counterLater) }
]

// -------------------------------------------------------------------------------------------------
// bytes per replica per event
// -------------------------------------------------------------------------------------------------

/** Bytes of one event in each format. */
export interface EventBytes {
  readonly counterBincode: number
  readonly counterJson: number
  /** Per replica: (bytes of k replicas - bytes of 1 replica) / (k - 1), and the bytes of 1 replica. */
  readonly perReplicaBincode: number
  readonly perReplicaJson: number
  readonly oneReplicaBincode: number
  readonly oneReplicaJson: number
}

const REPLICAS = 10

/** An event recorded by `replicas` writers with `records(replica)` as its history, and the counter of all of it. */
const eventOf = (replicas: number, records: ReadonlyArray<readonly [number, number]>) => {
  const layout = layoutOf('calendar')
  let r = Replicated.empty(layout)
  let c = Counter.empty(layout)
  for (let k = 0; k < replicas; k++) {
    for (const [t, n] of records) {
      r = orThrow(Replicated.record(r, `device-${String(k).padStart(2, '0')}`, t, n))
      c = orThrow(Counter.record(c, t, n))
    }
  }
  return { r, c }
}

const bytesOf = (records: ReadonlyArray<readonly [number, number]>): EventBytes => {
  const one = eventOf(1, records)
  const many = eventOf(REPLICAS, records)
  return {
    counterBincode: BincodeFormat.serialize(one.c).length,
    counterJson: JsonFormat.serialize(one.c).length,
    perReplicaBincode: (ReplicatedBincodeFormat.serialize(many.r).length - ReplicatedBincodeFormat.serialize(one.r).length) / (REPLICAS - 1),
    perReplicaJson: (ReplicatedJsonFormat.serialize(many.r).length - ReplicatedJsonFormat.serialize(one.r).length) / (REPLICAS - 1),
    oneReplicaBincode: ReplicatedBincodeFormat.serialize(one.r).length,
    oneReplicaJson: ReplicatedJsonFormat.serialize(one.r).length
  }
}

/** An event recorded three times now; one with every bucket of every unit non-zero. */
export const eventBytes = (): { readonly typical: EventBytes; readonly full: EventBytes } => {
  const HOUR = 3_600_000
  const typical: Array<readonly [number, number]> = [
    [START - 2 * SECOND, 1],
    [START - SECOND, 1],
    [START, 1]
  ]
  const full: Array<readonly [number, number]> = []
  for (let h = 366 * 24; h >= 0; h--) full.push([START - h * HOUR, 1])
  for (let m = 59; m >= 0; m--) full.push([START - m * 60 * SECOND, 1])
  return { typical: bytesOf(typical), full: bytesOf(full) }
}

/**
 * DESIGN.md: targets of the replicated counters (issue 16). A pure record within a reducer's budget
 * (1 µs); the merge of one event's copies fast enough that a sync of 1,000 events fits in a 16 ms
 * frame; and each replica of an event costing no more bytes than a plain counter of it.
 */
export const TARGET_RECORD_NS = 1_000
export const TARGET_MERGE_NS = 16_000

/** The README rows of the replicated section, from its figures. */
export const replicatedRows = (ns: (op: ReplicatedOp, v: ReplicatedVariant) => number, ratio: (op: ReplicatedOp) => number, bytes: EventBytes): ReadonlyArray<TableRow> => [
  {
    operation: '`Replicated.record(r, replica, at, 1)`, three replicas with a year of history',
    ours: `${ns('record', 'replicated').toFixed(0)} ns`,
    peers: `\`Counter.record\` ${ns('record', 'counter').toFixed(0)} ns`,
    ratio: `${ratio('record').toFixed(2)}× Counter.record`,
    target: `≤ ${TARGET_RECORD_NS.toLocaleString('en-US')} ns`,
    ok: ns('record', 'replicated') <= TARGET_RECORD_NS
  },
  {
    operation: '`Replicated.merge(a, b)`, three replicas with a year of history, one with news',
    ours: `${ns('merge', 'replicated').toFixed(0)} ns`,
    peers: `\`Counter.merge\` ${ns('merge', 'counter').toFixed(0)} ns`,
    ratio: `${ratio('merge').toFixed(2)}× Counter.merge`,
    target: `≤ ${TARGET_MERGE_NS.toLocaleString('en-US')} ns`,
    ok: ns('merge', 'replicated') <= TARGET_MERGE_NS
  },
  {
    operation: 'bytes per replica per event recorded 3 times (Bincode)',
    ours: `${bytes.perReplicaBincode.toFixed(0)} B`,
    peers: `plain counter ${bytes.counterBincode} B`,
    ratio: `${(bytes.perReplicaBincode / bytes.counterBincode).toFixed(2)}× a plain counter`,
    target: '≤ 1× a plain counter',
    ok: bytes.perReplicaBincode <= bytes.counterBincode
  }
]
