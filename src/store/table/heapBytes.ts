/**
 * What the counter table's values take on the V8 heap, as `memoryUsage()` reports it: a model of
 * V8's layout in 64-bit Node (which runs without pointer compression): 8-byte references, small
 * integers and doubles; a 24-byte object header (map, properties, elements); a 32-byte array
 * object over a 16-byte element header; numbers held in a field as doubles boxed in 16 bytes.
 * `npm run bench` checks it against the measured heap (within 15%). Engines that compress
 * pointers (Chrome, Electron) take about half of it.
 */
import type { Counter } from '../../Counter.js'
import type { Owned } from './rings.js'

/** An object with `fields` properties in the object itself. */
export const objectBytes = (fields: number): number => 24 + 8 * fields

/** One entry of a `Map` (V8's ordered hash table: three slots, its share of the buckets and of the free room). */
export const MAP_ENTRY_BYTES = 32

/** One entry of a `Set` (two slots and the same shares). */
export const SET_ENTRY_BYTES = 22

/** A number held in a field as a double rather than a small integer takes a box of its own. */
export const BOXED_NUMBER_BYTES = 16

/** Whether V8 holds `n` in a field as a small integer (32 bits) rather than a boxed double. */
export const isSmall = (n: number): boolean => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31

/** An array of `length` numbers or references. */
const arrayBytes = (length: number): number => (length === 0 ? 32 : 48 + 8 * length)

/** A string: one byte a character while every character is Latin-1, else two; 16 bytes of header. */
export const stringBytes = (text: string): number => {
  // eslint-disable-next-line no-control-regex
  const wide = /[^\u0000-\u00ff]/.test(text)
  return (16 + (wide ? 2 : 1) * text.length + 7) & ~7
}

/** A plain counter: the object, its heads and newest counts, and its older buckets. */
export const counterBytes = (counter: Counter): number => {
  let bytes = objectBytes(4) + arrayBytes(counter.heads.length) + arrayBytes(counter.newest.length) + arrayBytes(counter.older.length)
  for (const older of counter.older) if (older.length !== 0) bytes += arrayBytes(older.length)
  return bytes
}

/** A private copy (`rings.ts`): the rings array is shared (nothing) while every unit's is empty. */
export const ownedBytes = (owned: Owned, sharedRings: boolean): number => {
  let bytes = objectBytes(4) + arrayBytes(owned.heads.length) + arrayBytes(owned.newest.length)
  if (!sharedRings) bytes += arrayBytes(owned.rings.length)
  for (const ring of owned.rings) if (ring.length !== 0) bytes += arrayBytes(ring.length)
  return bytes
}
