/**
 * The Redis data model seen from the client: key names, and the conversion between an event's hash
 * (heads and bucket counts by field) and an ordinary `Counter` of the same layout.
 */
import type { Counter } from '../../Counter.js'
import { empty, fromBuckets, toBuckets } from '../../Counter.js'
import type { Layout } from '../../Layout.js'
import { unitLetter } from './scripts.js'

/** The hash of an event: `{prefix:event}` (the braces keep every key of the event in one cluster slot). */
export const hashKey = (prefix: string, event: string): string => `{${prefix}:${event}}`

/** The sorted set of an event's reservations, in the same slot as its hash. */
export const heldKey = (prefix: string, event: string): string => `{${prefix}:${event}}:held`

/** Where the layout of a prefix is kept, so that stores of different layouts never share one. */
export const layoutKey = (prefix: string): string => `{${prefix}}:layout`

/** The SCAN pattern of every event hash of a prefix (glob characters of the prefix escaped). */
export const scanPattern = (prefix: string): string => `{${prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}:*}`

/** The event a hash key belongs to, or `undefined` for a key of another kind. */
export const eventOfKey = (prefix: string, key: string): string | undefined =>
  key.startsWith(`{${prefix}:`) && key.endsWith('}') && key.length > prefix.length + 3 ? key.slice(prefix.length + 2, -1) : undefined

/** The fields of an HGETALL reply (a flat array of names and values) as a map. */
export const fieldsOf = (flat: ReadonlyArray<string>): Map<string, number> => {
  const fields = new Map<string, number>()
  for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i]!, Number(flat[i + 1]))
  return fields
}

/**
 * The fields that say a hash holds an event: the head of each unit, and `_` (an event created with
 * nothing in it). A hash with none of them only marks the reservations held on an event never
 * recorded (`_r`): the event does not exist yet.
 */
export const eventFields = (layout: Layout): ReadonlyArray<string> => [...layout.tracks.map((t) => unitLetter[t.unit]), '_']

/** Whether the fields of a hash (as `fieldsOf` gives them) hold an event (see `eventFields`). */
export const holdsEvent = (layout: Layout, fields: ReadonlyMap<string, number>): boolean => eventFields(layout).some((name) => fields.has(name))

/**
 * The counter an event's hash holds: per unit its head and its buckets newest first; the empty
 * counter when the hash has no heads (an event created with nothing in it).
 */
export const counterOf = (layout: Layout, fields: ReadonlyMap<string, number>): Counter => {
  const heads: number[] = []
  const buckets: number[][] = []
  for (const { unit, buckets: length } of layout.tracks) {
    const letter = unitLetter[unit]
    const head = fields.get(letter)
    if (head === undefined) return empty(layout)
    heads.push(head)
    const counts: number[] = []
    for (let j = 0; j < length; j++) counts.push(fields.get(`${letter}${head - j}`) ?? 0)
    buckets.push(counts)
  }
  return fromBuckets(layout, heads, buckets)
}

/**
 * The per-unit arguments of the record script that add `counter` to a hash: "head i n i n ..."
 * (non-zero buckets only); `''` for each unit of an empty counter.
 */
export const countsOf = (counter: Counter): ReadonlyArray<string> => {
  if (counter.heads.length === 0) return counter.layout.tracks.map(() => '')
  return toBuckets(counter).map((counts, u) => {
    const head = counter.heads[u]!
    const parts = [String(head)]
    counts.forEach((n, j) => {
      if (n > 0) parts.push(String(head - j), String(n))
    })
    return parts.join(' ')
  })
}

/** The counter held by a hash, from its HGETALL (a flat array of names and values); `undefined` when it holds no event. */
export const storedCounterOf = (layout: Layout, flat: ReadonlyArray<string>): Counter | undefined => {
  const fields = fieldsOf(flat)
  return holdsEvent(layout, fields) ? counterOf(layout, fields) : undefined
}
