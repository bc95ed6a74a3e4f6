/**
 * The bytes of a replicated counter: the compact binary writing (version 1) that the Bincode format
 * stores, and whose CRC-32 is the checksum every replicated envelope carries, whatever its format.
 * Reading never validates: it gives plain data for `ReplicatedCodec` to check.
 */
import type { Replicated } from '../Replicated.js'
import { Malformed, Reader, Writer, endsEarly, readLayout, writeLayout } from './BincodeFormat.js'
import { crc32 } from './crc32.js'
import { checksumMismatch, hex } from './internal/checksum.js'
import { strictUtf8, utf8 } from './internal/bytes.js'

// Layout of the bytes (varint: unsigned LEB128 of a safe integer; zigzag: the sign in the lowest bit):
//   'T' 'R'                      magic
//   version                      1 byte: 1
//   alignment                    1 byte: 0 calendar, 1 uniform
//   zone                         varint byte length, UTF-8
//   tracks                       varint n, then n × (unit byte 0 = seconds … 6 = years, varint buckets)
//   heads                        varint n, then n × zigzag varint
//   replicas                     varint n, then n × replica, sorted by id:
//     id                         varint byte length, UTF-8
//     born                       zigzag varint
//     seq                        varint
//     buckets                    varint n (one per unit), then n × (varint k, then k × (varint age,
//                                varint count)): the age of the first pair is heads[u] - index, of
//                                each next one (previous index) - index - 1, so a dense unit takes
//                                one byte of index per bucket
//   checksum                     4 bytes, big-endian: the CRC-32 of every byte before it

const MAGIC = [0x54, 0x52] as const

/** The version of the bytes this library writes and reads. */
export const VERSION = 1

/** The bytes of a replicated counter without their checksum. */
const body = (r: Replicated): Writer => {
  const out = new Writer()
  out.byte(MAGIC[0])
  out.byte(MAGIC[1])
  out.byte(VERSION)
  writeLayout(out, r.layout)
  out.varint(r.heads.length)
  for (const head of r.heads) out.zigzag(head)
  out.varint(r.replicas.length)
  for (const replica of r.replicas) {
    const id = utf8.encode(replica.id)
    out.varint(id.length)
    out.bytes(id)
    out.zigzag(replica.born)
    out.varint(replica.seq)
    out.varint(replica.buckets.length)
    replica.buckets.forEach((pairs, u) => {
      out.varint(pairs.length / 2)
      let previous = r.heads[u]! + 1
      for (let k = 0; k < pairs.length; k += 2) {
        out.varint(previous - pairs[k]! - 1)
        out.varint(pairs[k + 1]!)
        previous = pairs[k]!
      }
    })
  }
  return out
}

/**
 * The CRC-32 of a replicated counter's bytes (without the checksum itself): what both formats'
 * envelopes carry, so a value is checked the same way whichever format brought it.
 *
 * @example
 * import { Layout, Replicated, ReplicatedBincode } from 'tiny-counter'
 * const r = Replicated.empty(Layout.utc)
 * assert.equal(ReplicatedBincode.checksumOf(r), ReplicatedBincode.checksumOf(Replicated.empty(Layout.utc)))
 * assert.notEqual(ReplicatedBincode.checksumOf(r), ReplicatedBincode.checksumOf(Replicated.empty(Layout.standard({ timeZone: 'Europe/Berlin' }))))
 */
export const checksumOf = (r: Replicated): number => crc32(body(r).finish())

/**
 * The bytes of a replicated counter, its checksum last. Throws a `RangeError` for a value that is
 * not a replicated counter (a bug in the caller: decode outside data first).
 *
 * @example
 * import { Layout, Replicated, ReplicatedBincode } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const r = Replicated.record(Replicated.empty(Layout.utc), 'phone', Date.UTC(2026, 0, 1, 9), 2)
 * assert.ok(E.isRight(r))
 * const bytes = ReplicatedBincode.write(r.right)
 * assert.deepEqual([...bytes.subarray(0, 3)], [0x54, 0x52, 1]) // 'T' 'R', version 1
 */
export const write = (r: Replicated): Uint8Array => {
  const out = body(r)
  const bytes = out.finish()
  const checksum = crc32(bytes)
  const whole = new Uint8Array(bytes.length + 4)
  whole.set(bytes)
  new DataView(whole.buffer).setUint32(bytes.length, checksum)
  return whole
}

/**
 * Reads bytes into the plain data of a replicated counter, `{ version, layout, heads, replicas }`,
 * for `ReplicatedCodec` to validate; a version other than 1 gives `{ version }` alone. Throws
 * `Malformed` (with the path of the field) for bytes that are not a replicated counter or whose
 * checksum does not match.
 *
 * @example
 * import { Layout, Replicated, ReplicatedBincode } from 'tiny-counter'
 * const bytes = ReplicatedBincode.write(Replicated.empty(Layout.utc))
 * assert.deepEqual(ReplicatedBincode.read(bytes), { version: 1, layout: Layout.utc, heads: [], replicas: [] })
 * bytes[5] = bytes[5]! ^ 1 // one bit flipped in the time zone
 * assert.throws(() => ReplicatedBincode.read(bytes), /checksum/)
 */
export const read = (bytes: Uint8Array): unknown => {
  if (!(bytes instanceof Uint8Array)) throw new Malformed('', 'expected the bytes of a replicated counter (a Uint8Array)')
  if (bytes[0] !== MAGIC[0] || bytes[1] !== MAGIC[1]) throw new Malformed('', 'not the Bincode format of a tiny-counter replicated counter: the bytes do not start with "TR"')
  const version = bytes[2]
  if (version === undefined) throw new Malformed('version', endsEarly(bytes))
  if (version !== VERSION) return { version }
  if (bytes.length < 7) throw new Malformed('', endsEarly(bytes))
  const data = bytes.subarray(0, bytes.length - 4)
  const stored = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(bytes.length - 4)
  const computed = crc32(data)
  if (stored !== computed) throw new Malformed('checksum', checksumMismatch(hex(stored), hex(computed)))
  const input = new Reader(data)
  for (let i = 0; i < 3; i++) input.byte('')
  const layout = readLayout(input, 'layout')
  const heads: number[] = []
  const headCount = input.length('heads', 1)
  for (let i = 0; i < headCount; i++) heads.push(input.zigzag('heads', i))
  const replicas: unknown[] = []
  const replicaCount = input.length('replicas', 4)
  for (let i = 0; i < replicaCount; i++) {
    const path = `replicas.${i}`
    const idLength = input.length(path, 1, 0)
    const idBytes = new Uint8Array(idLength)
    for (let k = 0; k < idLength; k++) idBytes[k] = input.byte(path, 'id')
    let id: string
    try {
      id = strictUtf8.decode(idBytes)
    } catch {
      throw new Malformed(`${path}.id`, 'the replica id is not valid UTF-8')
    }
    const born = input.zigzag(`${path}.born`)
    const seq = input.varint(`${path}.seq`)
    const buckets: number[][] = []
    const unitCount = input.length(`${path}.buckets`, 1)
    for (let u = 0; u < unitCount; u++) {
      const pairCount = input.length(`${path}.buckets`, 2, u)
      const head = heads[u]
      if (head === undefined && pairCount > 0) throw new Malformed(`${path}.buckets.${u}`, `unit ${u} has buckets but the value has ${heads.length} heads`)
      const pairs: number[] = []
      let previous = (head ?? 0) + 1
      for (let k = 0; k < pairCount; k++) {
        const index = previous - input.varint(`${path}.buckets`, u, 2 * k) - 1
        pairs.push(index, input.varint(`${path}.buckets`, u, 2 * k + 1))
        previous = index
      }
      buckets.push(pairs)
    }
    replicas.push({ id, born, seq, buckets })
  }
  input.end()
  return { version, layout, heads, replicas }
}
