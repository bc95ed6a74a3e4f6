/**
 * CRC-32 (IEEE 802.3, the checksum of zip, gzip and PNG): the checksum the replicated envelopes
 * carry, so that a stored or received value whose bytes were damaged is refused instead of read.
 * (`crc32('123456789') = 0xcbf43926`, checked in test/replicated.test.ts.)
 */

const TABLE: ReadonlyArray<number> = (() => {
  const table: number[] = []
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table.push(c >>> 0)
  }
  return table
})()

/** The CRC-32 of some bytes, as an unsigned 32-bit integer. */
export const crc32 = (bytes: Uint8Array): number => {
  let c = 0xffffffff
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

/** A CRC-32 written as eight lowercase hexadecimal digits, as the JSON envelopes carry it. */
export const hex = (checksum: number): string => checksum.toString(16).padStart(8, '0')
