/**
 * The CRC-32 of the envelopes (`../crc32.ts`, IEEE 802.3) as the JSON envelopes of replicated
 * counters write it, and what the byte formats say when it does not match. (`crc32('123456789') =
 * 0xcbf43926`, checked in test/replicated.test.ts.)
 */

/** A CRC-32 written as eight lowercase hexadecimal digits, as the JSON envelopes carry it. */
export const hex = (checksum: number): string => checksum.toString(16).padStart(8, '0')

/** What the byte formats (Bincode, JSON, replicated Bincode) say of a value whose checksum does not match. */
export const checksumMismatch = (stored: number | string, computed: number | string): string =>
  `checksum mismatch: the value changed after it was written (CRC-32 ${stored} stored, ${computed} computed)`
