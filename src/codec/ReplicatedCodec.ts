/**
 * io-ts codecs describing replicated counters and version vectors from the outside: decoding
 * checks everything a replicated counter promises (a valid layout, one head per unit or none, each
 * within its unit's instant range, replicas sorted by id, each with a valid id and version, one
 * list of `[index, count]` pairs per unit, newest first, every index within its unit's buckets,
 * every count positive), so nothing invalid reaches a store or a merge. Law: `decode(encode(r))`
 * is `right(r)`.
 */
import * as E from '#fp-ts/Either'
import * as t from '#io-ts'
import type { Replicated as ReplicatedT, VersionVector as VersionVectorT } from '../Replicated.js'
import { isReplicaId } from '../Replicated.js'
import { isInstant } from '../Counter.js'
import { DecodeError } from './errors.js'
import { firstDecodeError } from './internal/decodeErrors.js'
import { BucketIndex, Layout } from './CounterCodec.js'
import { headProblem } from './internal/bounds.js'
import { replicaOf, versionOfReplica } from '../internal/versions.js'
import { plainLayout } from './internal/plain.js'
import { refine } from './internal/refine.js'

/** A replica id: a string of 1 to 256 characters, without a lone surrogate (`Replicated.isReplicaId`). */
export const ReplicaId = refine('ReplicaId', isReplicaId)

/** A positive safe integer: a replica's sequence number, a bucket's count in a replica. */
const Positive = refine('Positive', (u): u is number => Number.isSafeInteger(u) && (u as number) > 0)

/** An integer epoch millisecond within ±8.64e15. */
const Instant = refine('Instant', isInstant)

const VersionShape = t.strict({ id: ReplicaId, born: Instant, seq: Positive }, 'Version')

/**
 * A version vector: the versions of the replicas a copy holds, each id once (in any order).
 *
 * @example
 * import { ReplicatedCodec } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * assert.ok(E.isRight(ReplicatedCodec.VersionVector.decode([{ id: 'phone', born: 0, seq: 3 }])))
 * assert.ok(E.isLeft(ReplicatedCodec.VersionVector.decode([{ id: 'phone', born: 0, seq: 0 }])))
 * assert.ok(E.isLeft(ReplicatedCodec.VersionVector.decode([{ id: 'a', born: 0, seq: 1 }, { id: 'a', born: 0, seq: 2 }])))
 */
export const VersionVector: t.Type<VersionVectorT, VersionVectorT, unknown> = new t.Type<VersionVectorT, VersionVectorT, unknown>(
  'VersionVector',
  (u): u is VersionVectorT => E.isRight(VersionVectorShape.decode(u)),
  (u, c) =>
    E.flatMap(VersionVectorShape.validate(u, c), (versions) => {
      const seen = new Set<string>()
      for (let i = 0; i < versions.length; i++) {
        const id = versions[i]!.id
        if (seen.has(id)) return t.failure(versions[i], t.appendContext(c, String(i), VersionShape, versions[i]), `replica ${JSON.stringify(id)} is listed twice`)
        seen.add(id)
      }
      return t.success(versions.map(versionOfReplica))
    }),
  (versions) => versions.map(versionOfReplica)
)

const VersionVectorShape = t.readonlyArray(VersionShape)

/** A number of a `[index, count]` pair: a safe integer (each half is checked against the layout below). */
const PairNumber = refine('SafeInteger', (u): u is number => Number.isSafeInteger(u))

const ReplicaShape = t.strict({ id: ReplicaId, born: Instant, seq: Positive, buckets: t.readonlyArray(t.readonlyArray(PairNumber)) }, 'Replica')

const ReplicatedShape = t.strict({ layout: Layout, heads: t.readonlyArray(BucketIndex), replicas: t.readonlyArray(ReplicaShape) }, 'Replicated')

/**
 * A replicated counter `{ layout, heads, replicas }`, validated whole: the layout as
 * `CounterCodec.Layout` checks it; `heads` one per tracked unit, or none (and then no replica),
 * each within the instant range of its unit (as `CounterCodec` checks a counter's);
 * replicas sorted by id, each id once; each replica's `buckets` one list per unit of pairs
 * `[index, count]`, indices falling newest first within the unit's buckets (`heads[u] - buckets + 1
 * .. heads[u]`), counts positive safe integers, at least one pair in some unit. Encoding writes
 * exactly these fields as fresh plain data.
 *
 * @example
 * import { Layout, Replicated, ReplicatedCodec } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const r = Replicated.record(Replicated.empty(Layout.utc), 'phone', Date.UTC(2026, 0, 1, 9), 3)
 * assert.ok(E.isRight(r))
 * const decoded = ReplicatedCodec.Replicated.decode(JSON.parse(JSON.stringify(ReplicatedCodec.Replicated.encode(r.right))))
 * assert.ok(E.isRight(decoded) && Replicated.Eq.equals(decoded.right, r.right))
 * const tooOld = { ...r.right, replicas: [{ ...r.right.replicas[0]!, buckets: [[1, 1], [], [], []] }] }
 * const refused = ReplicatedCodec.Replicated.decode(tooOld)
 * assert.ok(E.isLeft(refused) && /outside/.test(refused.left[0]?.message ?? ''))
 */
export const Replicated: t.Type<ReplicatedT, ReplicatedT, unknown> = new t.Type<ReplicatedT, ReplicatedT, unknown>(
  'Replicated',
  (u): u is ReplicatedT => E.isRight(Replicated.decode(u)),
  (u, c) => E.flatMap(ReplicatedShape.validate(u, c), (r) => validateReplicated(r, c)),
  (r) => ({
    layout: plainLayout(r.layout),
    heads: r.heads.slice(),
    replicas: r.replicas.map((replica) => replicaOf(replica.id, replica, replica.buckets.map((pairs) => pairs.slice())))
  })
)

function validateReplicated(r: ReplicatedT, c: t.Context): t.Validation<ReplicatedT> {
  const { props } = ReplicatedShape.type
  const fail = (message: string, value: unknown, ...path: ReadonlyArray<string>): t.Validation<ReplicatedT> => {
    let context = c
    for (const key of path) context = t.appendContext(context, key, t.unknown, value)
    return t.failure(value, context, message)
  }
  const units = r.layout.tracks.length
  if (r.heads.length === 0) {
    return r.replicas.length === 0 ? t.success({ layout: r.layout, heads: [], replicas: [] }) : fail('a replicated counter without heads holds no replica', r.replicas, 'replicas')
  }
  if (r.heads.length !== units) return t.failure(r.heads, t.appendContext(c, 'heads', props.heads, r.heads), `expected ${units} heads, one per tracked unit, or none`)
  // As CounterCodec: a head no instant falls in would give a value no calendar can place or rotate.
  const outside = headProblem(r.layout, r.heads)
  if (outside !== undefined) return fail(outside.message, r.heads[outside.unit], 'heads', String(outside.unit))
  for (let i = 0; i < r.replicas.length; i++) {
    const replica = r.replicas[i]!
    const at = ['replicas', String(i)]
    if (i > 0 && !(r.replicas[i - 1]!.id < replica.id)) return fail(`replicas must be sorted by id, each once: ${JSON.stringify(replica.id)} comes after ${JSON.stringify(r.replicas[i - 1]!.id)}`, replica.id, ...at, 'id')
    if (replica.buckets.length !== units) return fail(`expected ${units} lists of [index, count] pairs, one per tracked unit`, replica.buckets, ...at, 'buckets')
    let held = false
    for (let u = 0; u < units; u++) {
      const pairs = replica.buckets[u]!
      const where = [...at, 'buckets', String(u)]
      const { unit, buckets } = r.layout.tracks[u]!
      const head = r.heads[u]!
      if (pairs.length % 2 !== 0) return fail('expected [index, count] pairs: an even number of numbers', pairs, ...where)
      for (let k = 0; k < pairs.length; k += 2) {
        const index = pairs[k]!
        const count = pairs[k + 1]!
        if (index > head || index <= head - buckets) return fail(`bucket ${index} is outside the ${buckets} ${unit} buckets ending at ${head}`, index, ...where, String(k))
        if (k > 0 && !(index < pairs[k - 2]!)) return fail('bucket indices must fall, newest first, each once', index, ...where, String(k))
        if (!Number.isSafeInteger(count) || count <= 0) return fail(`a count must be a positive safe integer, got ${count}`, count, ...where, String(k + 1))
      }
      if (pairs.length > 0) held = true
    }
    if (!held) return fail('a replica holds at least one count (one whose buckets all expired is dropped)', replica.buckets, ...at, 'buckets')
  }
  return t.success(r)
}

/**
 * Decodes a replicated counter, turning io-ts's errors into one `DecodeError` that names `key` and
 * the path of the first offending field.
 *
 * @example
 * import { Layout, ReplicatedCodec } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const refused = ReplicatedCodec.decode('launch', { layout: Layout.utc, heads: [1, 1, 1, 1], replicas: [{ id: '', born: 0, seq: 1, buckets: [[], [], [], []] }] })
 * assert.ok(E.isLeft(refused) && refused.left.key === 'launch' && refused.left.path === 'replicas.0.id')
 */
export const decode = (key: string, input: unknown): E.Either<DecodeError, ReplicatedT> =>
  E.mapLeft((errors: t.Errors) => firstDecodeError(key, errors, 'a replicated counter'))(Replicated.decode(input))

/**
 * Decodes a version vector (a peer's `since`), turning io-ts's errors into one `DecodeError` that
 * names `key` (the event) and the path of the first offending field.
 *
 * @example
 * import { ReplicatedCodec } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * assert.ok(E.isRight(ReplicatedCodec.decodeVersionVector('launch', [{ id: 'phone', born: 0, seq: 3 }])))
 * const refused = ReplicatedCodec.decodeVersionVector('launch', [{ id: 'phone', born: Number.NaN, seq: 3 }])
 * assert.ok(E.isLeft(refused) && refused.left.key === 'launch' && refused.left.path === '0.born')
 */
export const decodeVersionVector = (key: string, input: unknown): E.Either<DecodeError, VersionVectorT> =>
  E.mapLeft((errors: t.Errors) => firstDecodeError(key, errors, 'a version vector'))(VersionVector.decode(input))

/**
 * A peer's `since` (version vectors by event name, as `exportReplicated({ since })` takes it), each
 * decoded as a `VersionVector`: it comes over the network as the messages do, and a delta trusts
 * what it is given. A `DecodeError` names the event and the field, or `since` for what is no object.
 *
 * @example
 * import { ReplicatedCodec } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const since = ReplicatedCodec.decodeSince({ launch: [{ id: 'phone', born: 0, seq: 3 }] })
 * assert.ok(E.isRight(since) && since.right.get('launch')?.[0]?.seq === 3)
 * assert.ok(E.isLeft(ReplicatedCodec.decodeSince([])))
 */
export const decodeSince = (since: unknown): E.Either<DecodeError, ReadonlyMap<string, VersionVectorT>> => {
  if (typeof since !== 'object' || since === null || Array.isArray(since)) return E.left(new DecodeError('since', '', 'expected version vectors by event name (an object)'))
  const vectors = new Map<string, VersionVectorT>()
  for (const [event, vector] of Object.entries(since)) {
    const decoded = decodeVersionVector(event, vector)
    if (E.isLeft(decoded)) return decoded
    vectors.set(event, decoded.right)
  }
  return E.right(vectors)
}
