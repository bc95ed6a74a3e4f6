/**
 * CRC-32 (IEEE 802.3, the checksum of zip, gzip and PNG: polynomial 0xEDB88320, reflected, initial
 * and final value 0xFFFFFFFF), over bytes. The stored formats end with it, so a value changed after
 * it was written (a flipped bit, a torn sector) is refused on load instead of read as another
 * counter. It detects every single-bit error and every burst of up to 32 bits.
 */

const TABLE = ((): Uint32Array => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

/**
 * The CRC-32 of `bytes[start, end)`, as an unsigned 32-bit integer.
 *
 * @example
 * import { crc32 } from 'tiny-counter'
 * assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926)
 * assert.equal(crc32(new Uint8Array(0)), 0)
 */
export const crc32 = (bytes: Uint8Array, start = 0, end = bytes.length): number => {
  let c = 0xffffffff
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
