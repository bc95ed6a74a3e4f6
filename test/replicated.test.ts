// Replicated counters at their edges: every refusal of the codecs and formats says what is wrong and
// where; conversions between layouts; a replica that expires everywhere and records again (a new
// incarnation) reaches a peer that still holds the old one.
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { describe, expect, it } from 'vitest'
import { crc32 } from '../src/codec/crc32.js'
import { hex } from '../src/codec/internal/checksum.js'
import { Layout, Query, Replicated, ReplicatedBincode, ReplicatedBincodeFormat, ReplicatedCodec, ReplicatedEnvelope, ReplicatedJsonFormat, Window } from 'tiny-counter'

const orThrow = <A>(e: E.Either<Error, A>): A => E.getOrElseW((error: Error) => { throw error })(e)
const DAY = 86_400_000
const at = Date.UTC(2026, 4, 20, 10)
const layout = Layout.utc // 60 minutes, 24 hours, 32 days, 12 months

const twoReplicas = (): Replicated.Replicated =>
  orThrow(E.flatMap(Replicated.record('phone', at - DAY, 2))(Replicated.record(Replicated.empty(layout), 'laptop', at, 1)))

/** The path and message of the first error of a refused decode. */
const refusal = (input: unknown): readonly [string, string] => {
  const decoded = ReplicatedCodec.decode('launch', input)
  if (E.isRight(decoded)) throw new Error('accepted')
  return [decoded.left.path, decoded.left.message]
}

describe('ReplicatedCodec refuses what a replicated counter cannot be, naming the field', () => {
  const r = twoReplicas()
  const plain = JSON.parse(JSON.stringify(r)) as { heads: number[]; replicas: Array<{ id: string; born: number; seq: number; buckets: number[][] }> }
  const withReplicas = (replicas: unknown) => ({ ...plain, replicas })
  const laptop = plain.replicas[0]!
  const phone = plain.replicas[1]!

  it('accepts the value itself', () => {
    expect(Replicated.Eq.equals(orThrow(ReplicatedCodec.decode('launch', plain)), r)).toBe(true)
  })
  it('heads: one per unit or none, and no replica without heads', () => {
    expect(refusal({ ...plain, heads: [1, 2] })).toEqual(['heads', expect.stringMatching(/expected 4 heads/)])
    expect(refusal({ ...plain, heads: [] })).toEqual(['replicas', expect.stringMatching(/without heads holds no replica/)])
  })
  it('heads: each within the instant range of its unit, as CounterCodec checks (JSON and Bincode)', () => {
    const far = 8e15 // a minute index of the year 15,000,000,000: no instant falls in it
    const beyond = { ...plain, heads: [far, ...plain.heads.slice(1)], replicas: [{ ...laptop, buckets: [[far, 1], [], [], []] }] }
    expect(refusal(beyond)).toEqual(['heads.0', expect.stringMatching(/outside the instant range of minutes/)])
    const bytes = ReplicatedBincode.write({ ...beyond, layout } as Replicated.Replicated)
    const read = ReplicatedBincodeFormat.deserialize('launch', bytes)
    expect(E.isLeft(read) && read.left.path).toBe('heads.0')
  })
  it('replicas sorted by id, each once, with a valid id and version', () => {
    expect(refusal(withReplicas([phone, laptop]))).toEqual(['replicas.1.id', expect.stringMatching(/sorted by id/)])
    expect(refusal(withReplicas([laptop, laptop]))).toEqual(['replicas.1.id', expect.stringMatching(/each once/)])
    expect(refusal(withReplicas([{ ...laptop, id: '' }]))[0]).toBe('replicas.0.id')
    expect(refusal(withReplicas([{ ...laptop, seq: 0 }]))[0]).toBe('replicas.0.seq')
    expect(refusal(withReplicas([{ ...laptop, born: 1.5 }]))[0]).toBe('replicas.0.born')
  })
  it('pairs: even, newest first, within the unit, positive counts, at least one', () => {
    const days = (pairs: number[]) => withReplicas([{ ...laptop, buckets: [[], [], pairs, []] }])
    const today = r.heads[2]!
    expect(refusal(days([today]))).toEqual(['replicas.0.buckets.2', expect.stringMatching(/even number/)])
    expect(refusal(days([today + 1, 1]))).toEqual(['replicas.0.buckets.2.0', expect.stringMatching(/outside the 32 days buckets/)])
    expect(refusal(days([today - 32, 1]))).toEqual(['replicas.0.buckets.2.0', expect.stringMatching(/outside/)])
    expect(refusal(days([today - 1, 1, today, 1]))).toEqual(['replicas.0.buckets.2.2', expect.stringMatching(/newest first/)])
    expect(refusal(days([today, 0]))).toEqual(['replicas.0.buckets.2.1', expect.stringMatching(/positive/)])
    expect(refusal(days([]))).toEqual(['replicas.0.buckets', expect.stringMatching(/at least one count/)])
    expect(refusal(withReplicas([{ ...laptop, buckets: [[], []] }]))).toEqual(['replicas.0.buckets', expect.stringMatching(/expected 4 lists/)])
  })
})

describe('the formats refuse damaged, foreign and newer bytes', () => {
  const bytes = ReplicatedBincodeFormat.serialize(twoReplicas())
  const refused = (b: Uint8Array) => {
    const back = ReplicatedBincodeFormat.deserialize('launch', b)
    if (E.isRight(back)) throw new Error('accepted')
    expect(back.left.key).toBe('launch')
    return [back.left.path, back.left.message] as const
  }
  it('Bincode: wrong magic, a newer version, truncation, a wrong checksum', () => {
    expect(refused(new TextEncoder().encode('TC\u0002'))[1]).toMatch(/do not start with "TR"/)
    const newer = bytes.slice()
    newer[2] = 2
    expect(refused(newer)).toEqual(['version', expect.stringMatching(/version 2 was written by a newer tiny-counter/)])
    expect(refused(bytes.subarray(0, bytes.length - 1))).toEqual(['checksum', expect.stringMatching(/checksum mismatch/)])
    expect(refused(bytes.subarray(0, 5))[1]).toMatch(/end too early/)
  })
  it('JSON: not JSON, a checksum that does not match, an unknown version', () => {
    const text = new TextDecoder().decode(ReplicatedJsonFormat.serialize(twoReplicas()))
    const json = (s: string) => ReplicatedJsonFormat.deserialize('launch', new TextEncoder().encode(s))
    const notJson = json(text.slice(0, 40))
    expect(E.isLeft(notJson) && notJson.left.path).toBe('')
    const wrong = json(text.replace(/"checksum":"[0-9a-f]{8}"/, '"checksum":"00000000"'))
    expect(E.isLeft(wrong) && [wrong.left.path, /damaged/.test(wrong.left.message)]).toEqual(['checksum', true])
    const unknown = ReplicatedEnvelope.decode('launch', { version: 'one', checksum: '00000000', replicated: {} })
    expect(E.isLeft(unknown) && unknown.left.path).toBe('version')
  })
})

describe('the checksum', () => {
  it('is CRC-32 (IEEE), as zip and gzip compute it', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926)
    expect(crc32(new Uint8Array(0))).toBe(0)
    expect(hex(7)).toBe('00000007')
  })
})

describe('conversions and incarnations', () => {
  it('merging a copy of another layout converts it first, replica by replica', () => {
    const weekly = orThrow(Layout.make({ days: 7, weeks: 4 }, { timeZone: 'UTC' }))
    const mine = orThrow(Replicated.record(Replicated.empty(weekly), 'server', at, 5))
    const merged = Replicated.merge(mine, twoReplicas())
    expect(merged.layout).toBe(weekly)
    expect(merged.replicas.map((replica) => replica.id)).toEqual(['laptop', 'phone', 'server'])
    expect(Query.sum(Replicated.value(merged), Window.last(7, 'days'), at)).toEqual(O.some(8))
    expect(Query.sum(Replicated.valueOf(merged, 'phone'), Window.last(1, 'days'), at)).toEqual(O.some(0))
    expect(Query.sum(Replicated.valueOf(merged, 'phone'), Window.last(2, 'days'), at)).toEqual(O.some(2))
  })

  it('a replica that expired everywhere records again: peers holding the old incarnation take the new one', () => {
    const small = orThrow(Layout.make({ days: 2 }, { timeZone: 'UTC' }))
    // The phone records five times; the server learns of it at seq 5.
    let phone = Replicated.empty(small)
    for (let i = 0; i < 5; i++) phone = orThrow(Replicated.record(phone, 'phone', at + i, 1))
    const server = Replicated.merge(Replicated.empty(small), phone)
    // Three days later the phone's replica has expired on the phone: dropped, with its version.
    phone = Replicated.rotate(phone, at + 3 * DAY)
    expect(phone.replicas).toEqual([])
    // It records once more: a new incarnation, born later, whose seq restarts at 1.
    phone = orThrow(Replicated.record(phone, 'phone', at + 3 * DAY, 1))
    expect(Replicated.versionVector(phone)).toEqual([{ id: 'phone', born: at + 3 * DAY, seq: 1 }])
    // The server, still holding seq 5 of the old incarnation, asks for news: it gets the new one.
    const news = Replicated.delta(phone, Replicated.versionVector(server))
    expect(news.replicas.map((replica) => replica.seq)).toEqual([1])
    const synced = Replicated.merge(server, news)
    expect(Query.sum(Replicated.value(synced), Window.last(2, 'days'), at + 3 * DAY)).toEqual(O.some(1))
    expect(Replicated.Eq.equals(synced, phone)).toBe(true)
  })

  it('a replica id is well-formed Unicode: one with a lone surrogate is refused (UTF-8 would write both of these as U+FFFD)', () => {
    for (const id of ['\uD800', '\uDC00', 'dev\uD800', '\uDE00\uD83D']) {
      expect(Replicated.isReplicaId(id)).toBe(false)
      const recorded = Replicated.record(Replicated.empty(layout), id, at, 1)
      expect(E.isLeft(recorded) && recorded.left._tag).toBe('InvalidReplicaId')
    }
    expect(Replicated.isReplicaId('phone \uD83D\uDCF1')).toBe(true) // a surrogate pair is a character
    const lone = JSON.parse(JSON.stringify(twoReplicas()))
    lone.replicas[0].id = '\uD800'
    expect(refusal(lone)[0]).toBe('replicas.0.id')
    const text = new TextDecoder().decode(ReplicatedJsonFormat.serialize(twoReplicas())).replace('"laptop"', '"\\ud800"')
    const json = ReplicatedJsonFormat.deserialize('launch', new TextEncoder().encode(text))
    expect(E.isLeft(json) && json.left.path).toBe('replicated.replicas.0.id')
    expect(E.isLeft(ReplicatedCodec.VersionVector.decode([{ id: '\uDC00', born: 0, seq: 1 }]))).toBe(true)
  })

  it('a record into a replica whose seq is the largest safe integer starts a new incarnation, born later, instead of an unsafe seq', () => {
    const forged = (born: number): Replicated.Replicated => {
      const r = orThrow(Replicated.record(Replicated.empty(layout), 'phone', at, 1))
      return { ...r, replicas: [{ ...r.replicas[0]!, born, seq: Number.MAX_SAFE_INTEGER }] }
    }
    const next = orThrow(Replicated.record(forged(at), 'phone', at, 1))
    expect(Replicated.versionVector(next)).toEqual([{ id: 'phone', born: at + 1, seq: 1 }])
    expect(Replicated.includes(next, forged(at))).toBe(true) // later than the old version: merges and deltas take it
    expect(Replicated.Eq.equals(orThrow(ReplicatedCodec.decode('launch', JSON.parse(JSON.stringify(next)))), next)).toBe(true)
    expect(Replicated.versionVector(orThrow(Replicated.record(forged(at - DAY), 'phone', at, 1)))).toEqual([{ id: 'phone', born: at, seq: 1 }])
    // Born at the last instant there is no later version: it stays (only a forged value gets there).
    const last = orThrow(Replicated.record(forged(8.64e15), 'phone', at, 1))
    expect(Replicated.versionVector(last)).toEqual([{ id: 'phone', born: 8.64e15, seq: Number.MAX_SAFE_INTEGER }])
    expect(Query.sum(Replicated.value(last), Window.ever, at)).toEqual(O.some(2))
  })

  it('ofCounter refuses a bad replica id (a bug in the caller)', () => {
    expect(() => Replicated.ofCounter(Replicated.value(twoReplicas()), { id: '', born: 0, seq: 1 })).toThrow(/replica id/)
  })
})
