/**
 * How the CLI finds and reads a store: a path ending in `.db`/`.sqlite` (or an existing regular
 * file) is a SQLite database, a directory is a `FilePerEvent` store whose extension (`.bin`,
 * `.rbin` or `.json`) is detected from its files. Values are read as stored, in their own layout:
 * plain counters, or replicated ones (a store built with `.replicaId(id)`), told apart by their bytes.
 */
import { readdirSync, statSync } from 'node:fs'
import * as E from '#fp-ts/Either'
import type { Counter } from '../../Counter.js'
import type { Replicated } from '../../Replicated.js'
import type { ReplicatedFormat } from '../../codec/ReplicatedFormat.js'
import { ReplicatedBincodeFormat, ReplicatedJsonFormat } from '../../codec/ReplicatedFormat.js'
import type { Layout } from '../../Layout.js'
import { BincodeFormat } from '../../codec/BincodeFormat.js'
import type { Formatter } from '../../codec/Formatter.js'
import { JsonFormat } from '../../codec/JsonFormat.js'
import { DecodeError } from '../../codec/errors.js'
import { FilePerEvent } from '../../storage/FilePerEvent.js'
import type { Storage, UnreadableValue } from '../../store/Storage.js'
import { Sqlite } from '../../storage/Sqlite.js'
import { EventStore } from '../../store/EventStore.js'
import type { EventStoreBuilder } from '../../store/EventStoreBuilder.js'
import type { TimeUnit } from '../../TimeUnit.js'

/** A failure the CLI reports as one line and exit code 1. */
export class CliError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CliError'
  }
}

export interface Opened {
  readonly storage: Storage
  readonly kind: 'sqlite' | 'files'
  /** The format new counters are written in (existing values are read by their first bytes). */
  readonly format: Formatter
  /** The format new replicated counters are written in. */
  readonly replicatedFormat: ReplicatedFormat
  readonly describe: string
  /** The extension of the files (a `FilePerEvent` directory). */
  readonly extension?: string
}

const isSqlitePath = (path: string): boolean => /\.(db|sqlite3?)$/i.test(path)

const statOf = (path: string): ReturnType<typeof statSync> | undefined => {
  try {
    return statSync(path)
  } catch {
    return undefined
  }
}

const messageOf = (cause: unknown): string => {
  const text = cause instanceof Error ? cause.message : String(cause)
  const inner = cause instanceof Error && cause.cause instanceof Error ? cause.cause.message : undefined
  return inner !== undefined && !text.includes(inner) ? `${text}: ${inner}` : text
}

/** The extensions the CLI looks for in a directory, in the order that wins a tie. */
const EXTENSIONS = ['.bin', '.rbin', '.json'] as const

/** The extension of the files of a `FilePerEvent` directory: the most common of `.bin`/`.rbin`/`.json`. */
const detectExtension = (directory: string, fallback: string): string => {
  const counts = new Map<string, number>(EXTENSIONS.map((extension) => [extension, 0]))
  for (const name of readdirSync(directory)) {
    if (name.startsWith('.')) continue
    const extension = EXTENSIONS.find((e) => name.endsWith(e))
    if (extension !== undefined) counts.set(extension, counts.get(extension)! + 1)
  }
  let best: string | undefined
  for (const [extension, n] of counts) if (n > 0 && (best === undefined || n > counts.get(best)!)) best = extension
  return best ?? fallback
}

/**
 * Opens the store at `path`. With `create` (a target to write), a missing path becomes a new store
 * (SQLite for a `.db`/`.sqlite` name, else a directory of `fallbackExtension` files); without, it
 * is a store to read: an error when missing, and a SQLite database is opened read-only.
 */
export const openStore = async (path: string, options: { readonly create?: boolean; readonly fallbackExtension?: string } = {}): Promise<Opened> => {
  const stat = statOf(path)
  if (stat === undefined && options.create !== true) throw new CliError(`${path}: no such file or directory`)
  const sqlite = stat === undefined ? isSqlitePath(path) : stat.isFile()
  if (stat !== undefined && !stat.isFile() && !stat.isDirectory()) throw new CliError(`${path}: neither a SQLite file nor a directory`)
  try {
    if (sqlite) {
      // A store that is only read is opened read-only: inspecting a database changes nothing in it
      // (not even its journal mode), and a file that is not ours gets no table.
      const storage = await Sqlite.open(path, { readOnly: options.create !== true })
      return { storage, kind: 'sqlite', format: BincodeFormat, replicatedFormat: ReplicatedBincodeFormat, describe: 'SQLite' }
    }
    const extension = stat === undefined ? (options.fallbackExtension ?? '.bin') : detectExtension(path, options.fallbackExtension ?? '.bin')
    // Read-only unless it is a target to write: inspecting or exporting changes nothing in the
    // directory, not even the temporary files a crashed writer left (those are the writer's).
    const storage = await FilePerEvent.open(path, extension, { readOnly: options.create !== true })
    const json = extension === '.json'
    return { storage, kind: 'files', format: json ? JsonFormat : BincodeFormat, replicatedFormat: json ? ReplicatedJsonFormat : ReplicatedBincodeFormat, describe: `directory of ${extension} files`, extension }
  } catch (cause) {
    throw new CliError(`${path}: cannot open the store (${messageOf(cause)})`)
  }
}

/** The format of one stored value, by its first byte (`{` is JSON; Bincode starts with "TC"). */
const formatOf = (bytes: Uint8Array, fallback: Formatter): Formatter =>
  bytes[0] === 0x7b ? JsonFormat : bytes[0] === 0x54 ? BincodeFormat : fallback

/**
 * One stored value decoded: a replicated counter when its bytes say so (replicated Bincode starts
 * with "TR"; replicated JSON is the envelope with a `replicated` field), else a plain counter.
 */
const decodeStored = (key: string, bytes: Uint8Array, fallback: Formatter): E.Either<DecodeError, { readonly counter: Counter } | { readonly replicated: Replicated }> => {
  const asReplicated = E.map((replicated: Replicated) => ({ replicated }))
  if (bytes[0] === 0x54 && bytes[1] === 0x52) return asReplicated(ReplicatedBincodeFormat.deserialize(key, bytes))
  const plain = formatOf(bytes, fallback).deserialize(key, bytes)
  if (E.isRight(plain) || bytes[0] !== 0x7b) return E.map((counter: Counter) => ({ counter }))(plain)
  // JSON that is no plain counter: a replicated one, or (damaged) whichever it says it is.
  const replicated = ReplicatedJsonFormat.deserialize(key, bytes)
  return E.isRight(replicated) || new TextDecoder().decode(bytes).includes('"replicated":') ? asReplicated(replicated) : plain
}

/** A stored value as a replicated counter, or why it is not one. */
export const decodeReplicated = (key: string, bytes: Uint8Array): E.Either<DecodeError, Replicated> =>
  bytes[0] === 0x7b ? ReplicatedJsonFormat.deserialize(key, bytes) : ReplicatedBincodeFormat.deserialize(key, bytes)

export interface Read {
  readonly counters: ReadonlyArray<readonly [string, Counter]>
  /** The replicated counters (a store built with `.replicaId(id)`). */
  readonly replicated: ReadonlyArray<readonly [string, Replicated]>
  readonly errors: ReadonlyArray<DecodeError>
}

/** Reads and decodes every stored counter; `progress` hears about long reads (over 1,000 keys). */
export const readCounters = async (opened: Opened, path: string, progress: (line: string) => void): Promise<Read> => {
  const { storage } = opened
  let entries: ReadonlyArray<readonly [string, Uint8Array]>
  try {
    if (storage.loadAll !== undefined) entries = await storage.loadAll()
    else {
      const loaded: Array<readonly [string, Uint8Array]> = []
      for (const key of await storage.listKeys()) {
        const bytes = await storage.load(key)
        if (bytes !== undefined) loaded.push([key, bytes])
      }
      entries = loaded
    }
  } catch (cause) {
    throw new CliError(`${path}: cannot read the store (${messageOf(cause)})`)
  }
  const counters: Array<readonly [string, Counter]> = []
  const replicated: Array<readonly [string, Replicated]> = []
  const errors: DecodeError[] = []
  const long = entries.length > 1000
  entries.forEach(([key, bytes], i) => {
    // A value the storage could not give as bytes (a SQLite row of TEXT) is reported by why, as a store reports it.
    const { unreadable } = bytes as Partial<UnreadableValue>
    const decoded = unreadable === undefined ? decodeStored(key, bytes, opened.format) : E.left(new DecodeError(key, '', unreadable))
    if (E.isLeft(decoded)) errors.push(decoded.left)
    else if ('counter' in decoded.right) counters.push([key, decoded.right.counter])
    else replicated.push([key, decoded.right.replicated])
    if (long && ((i + 1) % 1000 === 0 || i + 1 === entries.length)) progress(`${path}: decoded ${i + 1}/${entries.length} events`)
  })
  const byKey = ([a]: readonly [string, unknown], [b]: readonly [string, unknown]): number => (a < b ? -1 : a > b ? 1 : 0)
  counters.sort(byKey)
  replicated.sort(byKey)
  return { counters, replicated, errors }
}

const trackers: Readonly<Record<TimeUnit, (builder: EventStoreBuilder<false>, n: number) => EventStoreBuilder<false>>> = {
  seconds: (b, n) => b.trackSeconds(n),
  minutes: (b, n) => b.trackMinutes(n),
  hours: (b, n) => b.trackHours(n),
  days: (b, n) => b.trackDays(n),
  weeks: (b, n) => b.trackWeeks(n),
  months: (b, n) => b.trackMonths(n),
  years: (b, n) => b.trackYears(n)
}

/**
 * A store in memory with `layout` (or the default layout): merging into it checks every event name
 * and counter as a store does, and converts each counter to the layout, before anything is written.
 */
export const memoryStore = (layout: Layout | undefined): EventStore => {
  let builder = EventStore.builder()
  if (layout !== undefined) {
    builder = builder.timeZone(layout.timeZone).alignment(layout.alignment)
    for (const track of layout.tracks) builder = trackers[track.unit](builder, track.buckets)
  }
  const built = builder.buildEither()
  if (E.isLeft(built)) throw new CliError(`cannot merge: ${built.left.message}`)
  return built.right
}

/** A stored value as a plain counter, or why it is not one (a replicated counter, or bytes that do not decode). */
export const decodePlain = (key: string, bytes: Uint8Array, fallback: Formatter): E.Either<DecodeError, Counter> => {
  const decoded = decodeStored(key, bytes, fallback)
  if (E.isLeft(decoded)) return decoded
  return 'counter' in decoded.right ? E.right(decoded.right.counter) : E.left(new DecodeError(key, '', 'a replicated counter, where plain ones are merged'))
}

export const closeQuietly = async (opened: Opened): Promise<void> => {
  try {
    await opened.storage.close()
  } catch {
    // already reported or nothing to do
  }
}
