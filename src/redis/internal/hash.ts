/**
 * The Redis data model seen from the client: key names, and the conversion between an event's hash
 * (its meta field and its bucket counts) and an ordinary `Counter` of the same layout.
 */
import type { Counter } from '../../Counter.js'
import { empty, fromBuckets, toBuckets } from '../../Counter.js'
import type { Layout } from '../../Layout.js'
import { Eq as LayoutEq } from '../../Layout.js'
import type { InvalidEventName } from '../../store/errors.js'
import { nameError } from '../../store/internal/eventNames.js'
import { invalidStorageKey } from '../../store/Storage.js'
import { unitLetter } from './scripts.js'

/**
 * Why a value cannot name an event in Redis, as the error the store answers; `undefined` when it
 * can: a non-empty string without lone surrogates. Key names are bytes, and ioredis writes a name in
 * UTF-8, which turns every lone surrogate into U+FFFD: `'\uD800'`, `'\uDC00'` and `'\uFFFD'` would
 * share one hash and count together (one user's calls using up another's limit), which `events()`
 * would list as `'\uFFFD'`. So such a name is refused, as files and SQLite refuse it.
 */
export const refusedName = (event: unknown): InvalidEventName | undefined => nameError(event, invalidStorageKey)

/**
 * The key names of one prefix, made once per store. The prefix is escaped once, here: each ':' and
 * backslash in it preceded by a backslash, so that no prefix's keys are another's (prefix `a` with
 * event `b:c` against prefix `a:b` with event `c`: `{a:b:c}` and `{a\:b:c}`); a prefix without
 * either is written as it is. The names of an event's keys are then made on every call with no work
 * but the text itself.
 */
export class KeyNames {
  /** The prefix as key names hold it. */
  private readonly escaped: string

  constructor(
    /** The prefix as the store was given it. */
    readonly prefix: string
  ) {
    this.escaped = prefix.replace(/[\\:]/g, (c) => `\\${c}`)
  }

  /** The hash of an event: `{prefix:event}` (the braces keep every key of the event in one cluster slot). */
  hash(event: string): string {
    return `{${this.escaped}:${event}}`
  }

  /** The sorted set of an event's reservations, in the same slot as its hash. */
  held(event: string): string {
    return `{${this.escaped}:${event}}:held`
  }

  /** The keys of a script that reads `events`: their hashes, then their reservation sets, in the same order. */
  scriptKeys(events: ReadonlyArray<string>): ReadonlyArray<string> {
    return [...events.map((e) => this.hash(e)), ...events.map((e) => this.held(e))]
  }

  /** Where the layout of the prefix is kept, so that stores of different layouts never share one. */
  layout(): string {
    return `{${this.escaped}}:layout`
  }

  /**
   * Where versions before the escaping of prefixes kept the layout of a prefix that holds ':' or a
   * backslash (`undefined` for any other prefix, whose key names did not change): found, the prefix
   * is refused, so that its counts are never silently left behind.
   */
  legacyLayout(): string | undefined {
    return this.escaped === this.prefix ? undefined : `{${this.prefix}}:layout`
  }

  /**
   * The SCAN pattern of every event hash of the prefix, behind `before` (the client's own
   * `keyPrefix`, which ioredis puts before the keys it sends but not into a SCAN pattern); glob
   * characters escaped in both.
   */
  scanPattern(before = ''): string {
    const glob = (text: string): string => text.replace(/[*?[\]\\]/g, (c) => `\\${c}`)
    return `${glob(before)}{${glob(this.escaped)}:*}`
  }

  /** The event a hash key belongs to, or `undefined` for a key of another kind. */
  eventOf(key: string): string | undefined {
    const head = this.escaped
    return key.startsWith(`{${head}:`) && key.endsWith('}') && key.length > head.length + 3 ? key.slice(head.length + 2, -1) : undefined
  }
}

/**
 * The data model of the hashes: 3 since the counts of the head buckets joined the heads in the meta
 * field (2 kept them in fields of their own; 1 also kept a field per head). A prefix recorded under
 * another model is refused, as another layout is.
 */
const DATA_MODEL = 3

/** What the layout key holds: the data model and the layout, as JSON. */
export const layoutRecord = (layout: Layout): string => JSON.stringify({ dataModel: DATA_MODEL, layout })

/** Whether a stored layout record (whatever it holds) names this data model and a layout equal to `layout`. */
export const recordsLayout = (stored: string, layout: Layout): boolean => {
  try {
    const record = JSON.parse(stored) as { readonly dataModel?: unknown; readonly layout?: Layout } | null
    return record?.dataModel === DATA_MODEL && record.layout !== undefined && LayoutEq.equals(record.layout, layout)
  } catch {
    return false
  }
}

/** The field of an event's hash that says it holds an event: its meta field "x h1 .. hU c1 .. cU" (see `scripts.ts`). */
export const META_FIELD = '_'

/** A count as Redis writes one: digits without a leading zero (at most `Number.MAX_SAFE_INTEGER`, checked apart). */
const COUNT_TEXT = /^(?:0|[1-9]\d*)$/

/** A word of the meta field as the scripts write it: an integer in decimal, negative only for a head (before 1970). */
const META_WORD = /^\d+$/
const META_HEAD = /^-?\d+$/

/**
 * The count of an older bucket: its field's value (`undefined`: the hash has none, 0). Throws on a
 * value that is no count (written by something other than this store), naming the hash `key` and
 * the field, as the scripts stop on one (`bucketCount` in `scripts.ts`): its callers answer a
 * `StorageError`.
 */
const bucketCount = (key: string, name: string, value: string | undefined): number => {
  if (value === undefined) return 0
  const count = Number(value)
  if (COUNT_TEXT.test(value) && count <= Number.MAX_SAFE_INTEGER) return count
  throw new Error(`damaged bucket field ${name} of ${key}: ${JSON.stringify(value)}`)
}

/**
 * The counter that hash `key` holds, from its fields: per unit its head and the head's count (the
 * meta field's words after the first: the heads, then their counts), then the older buckets from
 * their fields; the empty counter when the meta field names no heads (an event created with nothing
 * in it); `undefined` without a meta field (a hash that only marks the reservations held on an
 * event never recorded: the event does not exist yet). Throws on a meta field of other words, or a
 * field of a bucket in range that holds no count (a damaged hash), as the scripts stop on one: its
 * callers answer a `StorageError`.
 */
const counterOf = (layout: Layout, key: string, fields: ReadonlyMap<string, string>): Counter | undefined => {
  const meta = fields.get(META_FIELD)
  if (meta === undefined) return undefined
  const units = layout.tracks.length
  const all = meta.split(' ')
  const written = (word: string, i: number): boolean => (i > 0 && i <= units ? META_HEAD : META_WORD).test(word) && Number.isSafeInteger(Number(word))
  if ((all.length !== 1 && all.length !== 1 + 2 * units) || !all.every(written))
    throw new Error(`damaged meta field of ${key}: ${JSON.stringify(meta)}`)
  const words = all.slice(1).map(Number)
  if (words.length === 0) return empty(layout)
  const heads = words.slice(0, units)
  const buckets = layout.tracks.map(({ unit, buckets: length }, u) => {
    const letter = unitLetter[unit]
    const head = heads[u]!
    const counts: number[] = [words[units + u]!]
    for (let j = 1; j < length; j++) {
      const name = `${letter}${head - j}`
      counts.push(bucketCount(key, name, fields.get(name)))
    }
    return counts
  })
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

/**
 * The counter of an event as a refusal on the decide script's short path shows it: its current
 * bucket of each unit (indices `index`, counts `counts`) and nothing older, which is all that its
 * constraints read; `undefined` without a meta field (no event), the empty counter for an event with
 * nothing in it.
 */
export const currentCounterOf = (layout: Layout, meta: string | null, index: ReadonlyArray<number>, counts: ReadonlyArray<number>): Counter | undefined => {
  if (meta === null) return undefined
  return meta.includes(' ') ? fromBuckets(layout, index, counts.map((n) => [n])) : empty(layout)
}

/**
 * The counter held by hash `key`, from its HGETALL (a flat array of names and values); `undefined`
 * when it holds no event. Throws on a damaged hash (see `counterOf`).
 */
export const storedCounterOf = (layout: Layout, key: string, flat: ReadonlyArray<string>): Counter | undefined => {
  const fields = new Map<string, string>()
  for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i]!, flat[i + 1]!)
  return counterOf(layout, key, fields)
}
