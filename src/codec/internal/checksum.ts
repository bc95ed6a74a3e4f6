/**
 * The CRC-32 of the envelopes (`../crc32.ts`, IEEE 802.3) as the JSON envelopes of replicated
 * counters write it. (`crc32('123456789') = 0xcbf43926`, checked in test/replicated.test.ts.)
 */

/** A CRC-32 written as eight lowercase hexadecimal digits, as the JSON envelopes carry it. */
export const hex = (checksum: number): string => checksum.toString(16).padStart(8, '0')
