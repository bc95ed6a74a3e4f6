/**
 * The compact binary format, the default: a few bytes of header, the layout, then heads and counts
 * as variable-length integers, so a counter with a handful of recent events takes a few dozen
 * bytes, and a CRC-32 of them all at the end. Writes version 3; reads versions 3, 2 (the same
 * without the checksum) and 1 (tiny-counter 0.1.0), whose counts are converted. Decoding never
 * throws: it checks the checksum, reads the bytes into plain data and ends with the envelope codec.
 */
import * as E from '#fp-ts/Either'
import type { Counter } from '../Counter.js'
import type { Layout } from '../Layout.js'
import type { TimeUnit } from '../TimeUnit.js'
import { all as allUnits } from '../TimeUnit.js'
import { DecodeError } from './errors.js'
import { crc32 } from './crc32.js'
import { checksumMismatch } from './internal/checksum.js'
import { VERSION, decode } from './Envelope.js'
import type { Formatter } from './Formatter.js'
import { sameBytes, strictUtf8, utf8 } from './internal/bytes.js'

// Layout of the bytes (varint: unsigned LEB128 of a safe integer, at most 8 bytes; zigzag: the
// sign in the lowest bit):
//   'T' 'C'                      magic
//   version                      1 byte, the envelope version: 3 is written, 1 to 3 are read
//   alignment                    1 byte: 0 calendar, 1 uniform
//   zone                         varint byte length, UTF-8
//   tracks                       varint n, then n × (unit byte 0 = seconds … 6 = years, varint buckets)
//   heads                        varint n, then n × zigzag varint
// then, in versions 3 and 2:
//   newest                       varint n, then n × varint (each unit's newest bucket)
//   older                        varint n, then n × (varint length, then length × varint): each
//                                unit's older buckets, newest first, no trailing zeros
// or, in version 1 (read only; converted with `Counter.fromBuckets`):
//   counts                       varint n, then n × (varint length, then length × varint): each
//                                unit's buckets, the newest included, newest first
// then, in version 3 only:
//   crc32                        4 bytes, big-endian: the CRC-32 of every byte before it
// Nothing follows. Every varint is written in its fewest bytes; a reader refuses longer writings.

const MAGIC = [0x54, 0x43] as const
const ALIGNMENTS = ['calendar', 'uniform'] as const

/**
 * Bincode, the compact default format (extension `.bin`). Counts up to `Number.MAX_SAFE_INTEGER`
 * round-trip exactly; truncated or garbage bytes give a `DecodeError` naming the key and the field
 * where reading failed.
 *
 * @example
 * import { BincodeFormat, Counter, JsonFormat, Layout } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const counter = Counter.singleton(Layout.utc, Date.UTC(2026, 0, 1, 9), Number.MAX_SAFE_INTEGER)
 * assert.ok(E.isRight(counter))
 * const bytes = BincodeFormat.serialize(counter.right)
 * assert.ok(bytes.length < JsonFormat.serialize(counter.right).length / 3)
 * assert.deepEqual(BincodeFormat.deserialize('launch', bytes), E.right(counter.right))
 * const flipped = bytes.slice()
 * flipped[bytes.length - 6]! ^= 4
 * const refused = BincodeFormat.deserialize('launch', flipped)
 * assert.ok(E.isLeft(refused) && refused.left.key === 'launch' && /checksum/.test(refused.left.message))
 */
export const BincodeFormat: Formatter = {
  name: 'bincode',
  extension: '.bin',
  serialize: (counter) => write(counter),
  deserialize: (key, bytes) => {
    try {
      return decode(key, read(bytes))
    } catch (error) {
      return E.left(unreadable(key, error))
    }
  }
}

// -------------------------------------------------------------------------------------------------
// writing
// -------------------------------------------------------------------------------------------------

/** The UTF-8 bytes of the time zones written lately (a store writes one zone, again and again). */
const zoneBytes = new Map<string, Uint8Array>()

const encodedZone = (timeZone: string): Uint8Array => {
  let bytes = zoneBytes.get(timeZone)
  if (bytes === undefined) {
    bytes = utf8.encode(timeZone)
    if (zoneBytes.size >= 64) zoneBytes.clear()
    zoneBytes.set(timeZone, bytes)
  }
  return bytes
}

const write = (counter: Counter): Uint8Array => {
  // The shared writer, unless a getter of the counter is itself writing a counter with it.
  const out = Writer.shared.busy ? new Writer() : Writer.shared
  out.busy = true
  try {
    return writeTo(out, counter)
  } finally {
    out.busy = false
  }
}

const writeTo = (out: Writer, counter: Counter): Uint8Array => {
  out.reset()
  out.byte(MAGIC[0])
  out.byte(MAGIC[1])
  out.byte(VERSION)
  writeLayout(out, counter.layout)
  out.varint(counter.heads.length)
  for (const head of counter.heads) out.zigzag(head)
  out.varint(counter.newest.length)
  for (const n of counter.newest) out.varint(n)
  out.varint(counter.older.length)
  for (const older of counter.older) {
    out.varint(older.length)
    for (const n of older) out.varint(n)
  }
  out.checksum()
  return out.finish()
}

/** The layout: alignment, zone and tracks (shared with the other binary formats of the codec layer). */
const writeLayout = (out: Writer, { tracks, alignment, timeZone }: Layout): void => {
  out.byte(alignment === 'uniform' ? 1 : 0)
  const zone = encodedZone(timeZone)
  out.varint(zone.length)
  out.bytes(zone)
  out.varint(tracks.length)
  for (const { unit, buckets } of tracks) {
    const code = allUnits.indexOf(unit)
    if (code < 0) throw new RangeError(`cannot write unknown unit ${JSON.stringify(unit)}`)
    out.byte(code)
    out.varint(buckets)
  }
}

/** The bytes of a writer's first buffer. */
const INITIAL_BYTES = 1024
/** A writer's buffer grown past this for a large counter is dropped after it. */
const KEPT_BYTES = 64 * 1024

/** Bytes written one at a time into a buffer reused from one counter to the next (writing is synchronous). */
class Writer {
  /** The one writer of the module: `write` resets it, fills it and copies the bytes out. */
  static readonly shared = new Writer()

  private buffer = new Uint8Array(INITIAL_BYTES)
  private length = 0
  /** Whether a `write` is using this writer. */
  busy = false

  reset(): void {
    this.length = 0
  }

  byte(b: number): void {
    if (this.length === this.buffer.length) this.grow(1)
    this.buffer[this.length++] = b
  }

  bytes(bytes: Uint8Array): void {
    if (this.length + bytes.length > this.buffer.length) this.grow(bytes.length)
    this.buffer.set(bytes, this.length)
    this.length += bytes.length
  }

  /** Unsigned LEB128 with arithmetic, not 32-bit bitwise operators, so all 53 bits survive. */
  varint(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`cannot write ${n}: not a non-negative safe integer`)
    while (n >= 128) {
      this.byte((n % 128) + 128)
      n = Math.floor(n / 128)
    }
    this.byte(n)
  }

  /**
   * Zigzag (`2n` for n ≥ 0, `-2n - 1` below) as LEB128. `2|n|` may exceed 2^53, so the first byte
   * is computed from |n| = 64q + r instead: zigzag = 128q + (2r - sign).
   */
  zigzag(n: number): void {
    if (!Number.isSafeInteger(n)) throw new RangeError(`cannot write ${n}: not a safe integer`)
    const sign = n < 0 ? 1 : 0
    const magnitude = Math.abs(n)
    const q = Math.floor(magnitude / 64)
    let low = 2 * (magnitude - q * 64) - sign
    let rest = q
    if (low < 0) {
      low = 127
      rest = q - 1
    }
    if (rest === 0) this.byte(low)
    else {
      this.byte(low + 128)
      this.varint(rest)
    }
  }

  /** Appends the CRC-32 of the bytes written since `reset`, big-endian. */
  checksum(): void {
    const sum = crc32(this.buffer, 0, this.length)
    this.byte(sum >>> 24)
    this.byte((sum >>> 16) & 0xff)
    this.byte((sum >>> 8) & 0xff)
    this.byte(sum & 0xff)
  }

  /** A copy of the bytes written since `reset`. */
  finish(): Uint8Array {
    const bytes = this.buffer.slice(0, this.length)
    if (this.buffer.length > KEPT_BYTES) this.buffer = new Uint8Array(INITIAL_BYTES)
    return bytes
  }

  private grow(needed: number): void {
    const bigger = new Uint8Array(Math.max(this.buffer.length * 2, this.length + needed))
    bigger.set(this.buffer.subarray(0, this.length))
    this.buffer = bigger
  }
}

// -------------------------------------------------------------------------------------------------
// reading
// -------------------------------------------------------------------------------------------------

/** Why the bytes could not be read, and where (thrown inside `read` only, caught by `deserialize`). */
class Malformed extends Error {
  constructor(readonly path: string, message: string) {
    super(message)
  }
}

/** Why `bytes` cannot be read: they end before what they announce. */
const endsEarly = (bytes: Uint8Array): string => `the bytes end too early (after ${bytes.length} bytes)`

/** The `DecodeError` of `key` for what reading its bytes threw: a `Malformed` names its field. */
const unreadable = (key: string, error: unknown): DecodeError =>
  error instanceof Malformed
    ? new DecodeError(key, error.path, error.message)
    : new DecodeError(key, '', `unreadable bytes: ${error instanceof Error ? error.message : String(error)}`)

/** Reads the bytes into the plain data of an envelope, for the envelope codec to validate. */
const read = (bytes: Uint8Array): unknown => {
  if (!(bytes instanceof Uint8Array)) throw new Malformed('', 'expected the bytes of a counter (a Uint8Array)')
  if (bytes.length >= 2 && (bytes[0] !== MAGIC[0] || bytes[1] !== MAGIC[1])) throw notBincode()
  const input = new Reader(bytes[2] === VERSION ? checked(bytes) : bytes)
  if (input.byte('') !== MAGIC[0] || input.byte('') !== MAGIC[1]) throw notBincode()
  const version = input.byte('version')
  if (version !== VERSION && version !== 2 && version !== 1) return { version } // the envelope codec refuses it, naming the version
  const layout = readLayout(input, 'counter.layout')
  const heads: number[] = []
  const headCount = input.length('counter.heads', 1)
  for (let i = 0; i < headCount; i++) heads.push(input.zigzag('counter.heads', i))
  if (version === 1) {
    const counts = readTable(input, 'counter.counts')
    input.end()
    return { version, counter: { layout, heads, counts } }
  }
  const newestCount = input.length('counter.newest', 1)
  const newest = new Array<number>(newestCount)
  for (let i = 0; i < newestCount; i++) newest[i] = input.varint('counter.newest', i)
  const older = readTable(input, 'counter.older')
  input.end()
  return { version, counter: { layout, heads, newest, older } }
}

/** The plain data of a layout written by `writeLayout`, its fields named under `path`. */
const readLayout = (input: Reader, path: string): unknown => {
  const alignmentCode = input.byte(`${path}.alignment`)
  const zoneLength = input.length(`${path}.timeZone`, 1)
  const timeZone = input.text(zoneLength, `${path}.timeZone`)
  const tracks: Array<{ unit: TimeUnit | number; buckets: number }> = []
  const trackCount = input.length(`${path}.tracks`, 2)
  for (let i = 0; i < trackCount; i++) {
    const code = input.byte(`${path}.tracks`, i, 'unit')
    tracks.push({ unit: allUnits[code] ?? code, buckets: input.varint(`${path}.tracks`, i, 'buckets') })
  }
  return { tracks, alignment: ALIGNMENTS[alignmentCode] ?? alignmentCode, timeZone }
}

const notBincode = (): Malformed => new Malformed('', 'not the Bincode format of tiny-counter: the bytes do not start with "TC"')

/** The bytes of a version 3 value without their checksum, once it matches. */
const checked = (bytes: Uint8Array): Uint8Array => {
  const end = bytes.length - 4
  if (end < 3) throw new Malformed('crc32', endsEarly(bytes))
  const stored = ((bytes[end]! << 24) | (bytes[end + 1]! << 16) | (bytes[end + 2]! << 8) | bytes[end + 3]!) >>> 0
  const computed = crc32(bytes, 0, end)
  if (stored !== computed) throw new Malformed('', checksumMismatch(stored, computed))
  return bytes.subarray(0, end)
}

/** A varint n, then n arrays (each a varint length, then that many varints). */
const readTable = (input: Reader, path: string): number[][] => {
  const table: number[][] = []
  const rows = input.length(path, 1)
  for (let u = 0; u < rows; u++) {
    const length = input.length(path, 1, u)
    const row = new Array<number>(length)
    for (let i = 0; i < length; i++) row[i] = input.varint(path, u, i)
    table.push(row)
  }
  return table
}

/** The text read last and its bytes: the counters of a store mostly share one time zone. */
let lastText: { readonly bytes: Uint8Array; readonly text: string } = { bytes: new Uint8Array(0), text: '' }

/**
 * Reads the bytes in order. Each read names the field it reads (a path and up to two indices or
 * names), from which the path of an error is made only when one happens.
 */
class Reader {
  #offset = 0

  constructor(private readonly bytes: Uint8Array) {}

  byte(path: string, a?: number | string, b?: number | string): number {
    const value = this.bytes[this.#offset]
    if (value === undefined) throw this.#fail(endsEarly(this.bytes), path, a, b)
    this.#offset++
    return value
  }

  varint(path: string, a?: number | string, b?: number | string): number {
    let value = 0
    let scale = 1
    for (let i = 0; ; i++) {
      const byte = this.byte(path, a, b)
      value += (byte % 128) * scale
      if (byte < 128) {
        if (byte === 0 && i > 0) throw this.#fail('a number is written with needless bytes', path, a, b)
        break
      }
      if (i === 7) throw this.#fail('a number is longer than 8 bytes', path, a, b)
      scale *= 128
    }
    if (value > Number.MAX_SAFE_INTEGER) throw this.#fail(`${value} is beyond Number.MAX_SAFE_INTEGER`, path, a, b)
    return value
  }

  zigzag(path: string, a?: number): number {
    const first = this.byte(path, a)
    const low = first % 128
    const rest = first < 128 ? 0 : this.varint(path, a)
    if (first >= 128 && rest === 0) throw this.#fail('a number is written with needless bytes', path, a)
    const sign = low % 2
    const magnitude = (low + sign) / 2 + 64 * rest
    if (magnitude > Number.MAX_SAFE_INTEGER) throw this.#fail(`${sign === 1 ? '-' : ''}${magnitude} is beyond the safe integers`, path, a)
    return sign === 1 ? -magnitude : magnitude
  }

  /** A count of items that take at least `itemBytes` bytes each: more than the bytes left is a truncation. */
  length(path: string, itemBytes: number, a?: number): number {
    const n = this.varint(path, a)
    const left = this.bytes.length - this.#offset
    if (n * itemBytes > left) throw this.#fail(`the bytes end too early (${n} entries announced, ${left} bytes left)`, path, a)
    return n
  }

  text(length: number, path: string): string {
    const slice = this.bytes.subarray(this.#offset, this.#offset + length)
    this.#offset += length
    if (sameBytes(slice, lastText.bytes)) return lastText.text
    let text: string
    try {
      text = strictUtf8.decode(slice)
    } catch {
      throw this.#fail('the time zone is not valid UTF-8', path)
    }
    lastText = { bytes: slice.slice(), text }
    return text
  }

  end(): void {
    const left = this.bytes.length - this.#offset
    if (left > 0) throw this.#fail(`${left} unexpected bytes after the counter`, '')
  }

  #fail(message: string, path: string, a?: number | string, b?: number | string): Malformed {
    return new Malformed([path, a, b].filter((part) => part !== undefined && part !== '').join('.'), message)
  }
}

// The byte writer and reader serve the other binary formats of the codec layer (ReplicatedBincode).
export { Malformed, Reader, Writer, endsEarly, readLayout, unreadable, writeLayout }
