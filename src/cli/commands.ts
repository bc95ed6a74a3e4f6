/**
 * The commands of the `tiny-counter` CLI as functions: each takes paths and options and returns
 * what a user would see (stdout, stderr) and the exit code, so that they run in-process as well as
 * from `tiny-counter inspect|export|merge`. Exit codes: 0 done, 1 usage error or a store that
 * cannot be opened, read or written (nothing written), 2 a store with values that do not decode
 * (each reported with its key), 3 a merge that wrote some events and not others (each named).
 */
import { chmodSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, resolve, sep } from 'node:path'
import * as E from '#fp-ts/Either'
import * as O from '#fp-ts/Option'
import { bucketIndex, bucketStart } from '../Calendar.js'
import type { Counter } from '../Counter.js'
import { merge as mergeCounters } from '../Counter.js'
import { MAX_BUCKETS } from '../Layout.js'
import * as Query from '../Query.js'
import type { Replicated } from '../Replicated.js'
import { empty as emptyReplicated, merge as mergeReplicated, value as replicatedValue } from '../Replicated.js'
import type { TimeUnit } from '../TimeUnit.js'
import * as Window from '../Window.js'
import type { DecodeError } from '../codec/errors.js'
import type { Write } from '../store/Storage.js'
import { StorageError } from '../store/errors.js'
import { bars } from './chart.js'
import type { Opened, Read } from './internal/stores.js'
import { CliError, closeQuietly, decodePlain, decodeReplicated, memoryStore, openStore, readCounters } from './internal/stores.js'

/** What a command printed and how it exits. */
export interface Outcome {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Options shared by the commands. */
export interface CommandOptions {
  /** Hears progress lines of long work (more than 1,000 events); default: added to `stderr`. */
  readonly progress?: (line: string) => void
}

/** Options of {@link inspect}. */
export interface InspectOptions extends CommandOptions {
  /** The instant the windows end at (default: now). */
  readonly now?: number
  /** How many buckets the chart shows (default 14). */
  readonly buckets?: number
  /** Cells of the longest bar (default 40). */
  readonly width?: number
}

/** Options of {@link exportStore}. */
export interface ExportOptions extends CommandOptions {
  /**
   * A file to write the JSON to instead of stdout: written to a temporary file in its directory,
   * then renamed over it (a failed write leaves what was there); a file replaced keeps its
   * permissions (mode), a new one gets the default (0o666 less the umask). Refused (exit code 1, nothing
   * written) when it is the store, a file inside a store directory, or a SQLite database's journal,
   * compared by real path (symbolic links followed).
   */
  readonly out?: string
}

/** The usage text of the CLI. */
export const USAGE = `Usage:
  tiny-counter inspect <db-file|dir> [--days N] [--now ISO-8601] [--width N]
      List the events with their sums per tracked unit and a bar chart of the last N
      buckets (days when tracked; default 14): N from 1 to ${MAX_BUCKETS} (the most buckets a unit
      holds; a unit with fewer shows all it has). --now: an ISO-8601 instant or integer epoch
      milliseconds (default: now); --width: cells of the longest bar, 1 to 500 (default 40).
  tiny-counter export <db-file|dir> [--out file]
      Write every counter as JSON (to stdout, or to the file: written whole, through a
      temporary file renamed over it, keeping the permissions of a file replaced; never
      the store itself or a file inside it).
  tiny-counter merge <target> <source...>
      Merge the counters of the sources into the target (created if missing) and persist.
      Plain counters are added: running the same merge again adds them again.
      Replicated counters (stores built with .replicaId) are joined by maximum: running
      the same merge again changes nothing.

A path ending in .db/.sqlite (or any existing file) is a SQLite store; a directory is a store
of one file per event (.bin, .rbin or .json, detected).
Exit codes: 0 done, 1 usage error or a store that cannot be read or written (nothing
written), 2 some values do not decode, 3 a merge wrote some events and not others (it
says which, and why). A merge into SQLite is one transaction: all of it, or nothing.`

class Output {
  readonly out: string[] = []
  readonly err: string[] = []
  constructor(private readonly options: CommandOptions) {}
  readonly progress = (line: string): void => {
    if (this.options.progress !== undefined) this.options.progress(line)
    else this.err.push(line)
  }
  decodeErrors(path: string, errors: ReadonlyArray<DecodeError>): void {
    for (const error of errors) this.err.push(`${path}: corrupt event ${JSON.stringify(error.key)}: ${error.message}`)
  }
  done(code: number): Outcome {
    return { code, stdout: this.out.map((line) => `${line}\n`).join(''), stderr: this.err.map((line) => `${line}\n`).join('') }
  }
  fail(error: unknown): Outcome {
    if (!(error instanceof CliError)) throw error
    this.err.push(`tiny-counter: ${error.message}`)
    return this.done(1)
  }
}

/** Opens the store at `path`, reads every counter, runs `body`, and closes the store again. */
const readingStore = async (
  path: string,
  output: Output,
  body: (read: Read & { readonly describe: string }) => void
): Promise<Outcome> => {
  try {
    const opened = await openStore(path)
    try {
      const read = await readCounters(opened, path, output.progress)
      body({ describe: opened.describe, ...read })
      output.decodeErrors(path, read.errors)
      return output.done(read.errors.length > 0 ? 2 : 0)
    } finally {
      await closeQuietly(opened)
    }
  } catch (error) {
    return output.fail(error)
  }
}

/**
 * The real path of `path` (symbolic links followed); for a path that does not exist yet, the real
 * path of its directory joined with its name (else the path resolved).
 */
const realPath = (path: string): string => {
  try {
    return realpathSync(path)
  } catch {
    try {
      return join(realpathSync(dirname(resolve(path))), basename(path))
    } catch {
      return resolve(path)
    }
  }
}

/** The permission bits of the file at `path`, or `undefined` when there is none. */
const modeOf = (path: string): number | undefined => {
  try {
    return statSync(path).mode & 0o7777
  } catch {
    return undefined
  }
}

/**
 * Writes `text` to `path` whole or not at all: into a temporary file in the same directory, then
 * renamed over `path` (through a symbolic link, over its target), so that a failed write (a full
 * disk) leaves what was there. A file replaced keeps its permissions, as `cp` and editors keep
 * them (the rename would give it the temporary file's); a new file gets the default (0o666 less
 * the umask).
 */
const writeWhole = (path: string, text: string): void => {
  const real = realPath(path)
  const temporary = join(dirname(real), `.${basename(real)}.${process.pid}.${Date.now().toString(36)}.tmp`)
  const mode = modeOf(real)
  try {
    // Owner-only until its mode is set: the old file may have been readable by its owner alone.
    writeFileSync(temporary, text, { flag: 'wx', mode: mode === undefined ? 0o666 : 0o600 })
    if (mode !== undefined) chmodSync(temporary, mode)
    renameSync(temporary, real)
  } catch (cause) {
    rmSync(temporary, { force: true })
    throw new CliError(`${path}: cannot write (${cause instanceof Error ? cause.message : String(cause)}); nothing was changed`)
  }
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`

const ago = (millis: number): string => {
  const steps: ReadonlyArray<readonly [number, string]> = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1000, 'second']
  ]
  for (const [size, name] of steps) if (millis >= size) return `${plural(Math.round(millis / size), name)} ago`
  return 'just now'
}

const dateLabel = (unit: TimeUnit, start: number, timeZone: string): string => {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
      .formatToParts(start)
      .map((part) => [part.type, part.value])
  )
  const date = `${parts.year}-${parts.month}-${parts.day}`
  switch (unit) {
    case 'years':
      return `${parts.year}`
    case 'months':
      return `${parts.year}-${parts.month}`
    case 'weeks':
    case 'days':
      return date
    case 'hours':
      return `${date} ${parts.hour}:00`
    default:
      return `${parts.hour}:${parts.minute}:${parts.second}`
  }
}

/** The chart unit of a counter: days when tracked, else its finest unit. */
const chartUnit = (counter: Counter): O.Option<{ readonly unit: TimeUnit; readonly buckets: number }> => {
  const tracks = counter.layout.tracks
  const track = tracks.find((t) => t.unit === 'days') ?? tracks[0]
  return track === undefined ? O.none : O.some(track)
}

const describeCounter = (event: string, counter: Counter, now: number, options: InspectOptions): ReadonlyArray<string> => {
  const { layout } = counter
  const ever = O.getOrElse(() => 0)(Query.sum(counter, Window.ever, now))
  const seen = Query.lastSeen(counter, now)
  const lines = [`${event}: ${ever} in all, last seen ${O.isSome(seen) ? ago(seen.value) : 'never'} (${layout.timeZone}, ${layout.alignment})`]
  const sums = layout.tracks.map((track) => `last ${plural(track.buckets, track.unit.replace(/s$/, ''))}: ${O.getOrElse(() => 0)(Query.sum(counter, Window.last(track.buckets, track.unit), now))}`)
  lines.push(`  ${sums.join(' · ')}`)
  const chart = chartUnit(counter)
  if (O.isSome(chart)) {
    const { unit, buckets } = chart.value
    const n = Math.min(options.buckets ?? 14, buckets)
    const counts = O.getOrElse((): ReadonlyArray<readonly [number, number]> => [])(Query.buckets(counter, Window.last(n, unit), now))
    const current = bucketIndex(layout.alignment, layout.timeZone, unit, now)
    const rows = [...counts].reverse().map(([i, count]) => [dateLabel(unit, bucketStart(layout.alignment, layout.timeZone, unit, current - i), layout.timeZone), count] as const)
    lines.push(`  last ${plural(n, unit.replace(/s$/, ''))}, oldest first:`)
    for (const line of bars(rows, { width: options.width ?? 40 })) lines.push(`    ${line}`)
  }
  return lines
}

/**
 * `tiny-counter inspect <path>`: every event of the store with its sums per tracked unit and a bar
 * chart of its last buckets. Values that do not decode are reported on stderr with their key (exit
 * code 2); the other events are still listed.
 *
 * @example
 * import { inspect } from 'tiny-counter/cli/commands'
 * import { EventStore, TestClock } from 'tiny-counter'
 * import { FilePerEvent } from 'tiny-counter/files'
 * import { mkdtempSync, rmSync } from 'node:fs'
 * import { tmpdir } from 'node:os'
 * import { join } from 'node:path'
 * const dir = mkdtempSync(join(tmpdir(), 'tiny-counter-'))
 * const now = Date.UTC(2026, 0, 10, 12)
 * const store = await EventStore.builder().withStorage(await FilePerEvent.open(dir, '.bin')).withClock(TestClock.at(now)).timeZone('UTC').build()
 * store.recordCount('app_launch', 3)
 * await store.close()
 * const shown = await inspect(dir, { now })
 * assert.equal(shown.code, 0)
 * assert.match(shown.stdout, /^app_launch: 3 in all/m)
 * assert.match(shown.stdout, /2026-01-10 │█+ 3$/m)
 * assert.equal((await inspect(join(dir, 'missing'))).code, 1)
 * rmSync(dir, { recursive: true })
 */
export const inspect = async (path: string, options: InspectOptions = {}): Promise<Outcome> => {
  const output = new Output(options)
  return readingStore(path, output, ({ describe, counters: plain, replicated, errors }) => {
    const now = options.now ?? Date.now()
    // A replicated counter is shown as its replicas summed (what a store with a replica id counts).
    const counters = [...plain, ...replicated.map(([event, r]) => [event, replicatedValue(r)] as const)]
    const kind = replicated.length === 0 ? '' : plain.length === 0 ? ' of replicated counters' : ` (${replicated.length} replicated)`
    output.out.push(`${path}: ${describe}, ${plural(counters.length, 'event')}${kind}${errors.length > 0 ? ` (${errors.length} corrupt)` : ''}`)
    for (const [event, counter] of counters) {
      output.out.push('')
      output.out.push(...describeCounter(event, counter, now, options))
    }
  })
}

/**
 * `tiny-counter export <path> [--out file]`: every counter of the store as JSON, by event name, in
 * the shape of `exportAll()` (counters as stored, each with its layout), so `importAll` or
 * `mergeAll` take it back; a replicated store's in the shape of `exportReplicated()`, which
 * `mergeReplicated` takes back. Printed to stdout, or written to `out` (see `ExportOptions.out`).
 *
 * @example
 * import { exportStore } from 'tiny-counter/cli/commands'
 * import { EventStore, TestClock } from 'tiny-counter'
 * import { FilePerEvent } from 'tiny-counter/files'
 * import * as O from 'fp-ts/lib/Option.js'
 * import { mkdtempSync, rmSync } from 'node:fs'
 * import { tmpdir } from 'node:os'
 * import { join } from 'node:path'
 * const dir = mkdtempSync(join(tmpdir(), 'tiny-counter-'))
 * const clock = TestClock.at(Date.UTC(2026, 0, 10, 12))
 * const store = await EventStore.builder().withStorage(await FilePerEvent.open(dir, '.json')).withClock(clock).build()
 * store.recordCount('purchase', 2)
 * await store.close()
 * const exported = await exportStore(dir)
 * assert.equal(exported.code, 0)
 * const copy = EventStore.builder().withClock(clock).build()
 * copy.importAll(JSON.parse(exported.stdout))
 * assert.deepEqual(copy.query('purchase').lastDays(1).sum(), O.some(2))
 * rmSync(dir, { recursive: true })
 */
export const exportStore = async (path: string, options: ExportOptions = {}): Promise<Outcome> => {
  const output = new Output(options)
  if (options.out !== undefined) {
    const [store, out] = [realPath(path), realPath(options.out)]
    // The store itself, a file inside its directory, or a SQLite database's journal.
    if (out === store || out.startsWith(store + sep) || ['-wal', '-shm', '-journal'].some((suffix) => out === store + suffix)) {
      return output.fail(new CliError(`${options.out}: --out is the store ${path} or inside it; nothing was written`))
    }
  }
  return readingStore(path, output, ({ counters: plain, replicated }) => {
    const counters = [...plain, ...replicated]
    const json = JSON.stringify(Object.fromEntries(counters), null, 2)
    if (options.out === undefined) return void output.out.push(json)
    writeWhole(options.out, `${json}\n`)
    output.out.push(`wrote ${plural(counters.length, 'event')} to ${options.out}`)
  })
}

/** Said after every merge of plain stores: their counts add up, so a merge must not be repeated. */
const ADDED_NOTE = 'counts were added (plain counters merge by addition): merging the same sources again would add them again'

/** Said after every merge of replicated stores: they join by maximum, so a merge may be repeated. */
const JOINED_NOTE = 'replicated counters were joined (by maximum per replica and bucket): merging the same sources again changes nothing'

/** The exit code of a merge that wrote some events and not others (or wrote them not known durable). */
const PARTLY_MERGED = 3

/**
 * `tiny-counter merge <target> <source...>`: merges every counter of the sources into the target's
 * (creating the target if it does not exist, in the sources' format) and persists it. Plain
 * counters are added, and the command says so: running the same merge again adds the sources
 * again. Replicated counters (stores built with `.replicaId(id)`) are joined by their maximum per
 * replica and bucket: running the same merge again, or merging a source twice, changes nothing
 * (docs/SYNC.md). Plain and replicated stores are not merged together (exit code 1). Nothing is
 * written when a store cannot be read or has values that do not decode (exit code 2).
 *
 * Every event is written in one read-modify-write of the target's storage, each added to (or
 * joined with) what the target stores then. Into SQLite that is one transaction: every event is
 * merged, or none (exit code 1). Into a directory each event's file is written on its own: when
 * some fail, the others are merged, and the command says which events were merged, which were not
 * and why, with exit code 3 (docs/CLI.md).
 *
 * @example
 * import { merge } from 'tiny-counter/cli/commands'
 * import { EventStore, TestClock } from 'tiny-counter'
 * import { FilePerEvent } from 'tiny-counter/files'
 * import * as O from 'fp-ts/lib/Option.js'
 * import { mkdtempSync, rmSync } from 'node:fs'
 * import { tmpdir } from 'node:os'
 * import { join } from 'node:path'
 * const dir = mkdtempSync(join(tmpdir(), 'tiny-counter-'))
 * const clock = TestClock.at(Date.UTC(2026, 0, 10, 12))
 * for (const [name, n] of [['phone', 2], ['laptop', 5]] as const) {
 *   const store = await EventStore.builder().withStorage(await FilePerEvent.open(join(dir, name), '.bin')).withClock(clock).build()
 *   store.recordCount('app_launch', n)
 *   await store.close()
 * }
 * const merged = await merge(join(dir, 'all'), [join(dir, 'phone'), join(dir, 'laptop')])
 * assert.equal(merged.code, 0)
 * assert.match(merged.stdout, /merging the same sources again would add them again/)
 * const all = await EventStore.builder().withStorage(await FilePerEvent.open(join(dir, 'all'), '.bin')).withClock(clock).build()
 * assert.deepEqual(all.query('app_launch').lastDays(1).sum(), O.some(7))
 * rmSync(dir, { recursive: true })
 */
export const merge = async (target: string, sources: ReadonlyArray<string>, options: CommandOptions = {}): Promise<Outcome> => {
  const output = new Output(options)
  try {
    if (sources.length === 0) throw new CliError('merge needs at least one source store')
    const read: Read[] = []
    let corrupt = 0
    let fallbackExtension: string | undefined
    const seen = new Set<string>()
    for (const source of sources) {
      // Compared by real path: a symbolic link to the target is the target (its counts would double),
      // and a source named twice (or through a link) would be added twice.
      const real = realPath(source)
      if (real === realPath(target)) throw new CliError(`${source}: cannot merge a store into itself`)
      if (seen.has(real)) throw new CliError(`${source}: given twice (its counts would be added twice)`)
      seen.add(real)
      const opened = await openStore(source)
      try {
        fallbackExtension ??= opened.extension
        const values = await readCounters(opened, source, output.progress)
        output.decodeErrors(source, values.errors)
        corrupt += values.errors.length
        read.push(values)
      } finally {
        await closeQuietly(opened)
      }
    }
    const opened = await openStore(target, { create: true, fallbackExtension: fallbackExtension ?? '.bin' })
    try {
      const existing = await readCounters(opened, target, output.progress)
      output.decodeErrors(target, existing.errors)
      corrupt += existing.errors.length
      if (corrupt > 0) {
        output.err.push(`tiny-counter: nothing merged: ${plural(corrupt, 'value')} do not decode`)
        return output.done(2)
      }
      const paths = [...sources, target]
      const stores = [...read, existing]
      const replicatedAt = stores.findIndex((values) => values.replicated.length > 0)
      const plainAt = stores.findIndex((values) => values.counters.length > 0)
      if (replicatedAt >= 0 && plainAt >= 0) {
        throw new CliError(`cannot merge plain and replicated counters (${paths[plainAt]} holds plain ones, ${paths[replicatedAt]} replicated ones): plain counters add up, replicated ones join by maximum (docs/SYNC.md)`)
      }
      return replicatedAt >= 0 ? await joinReplicated(opened, target, read, existing, output) : await addPlain(opened, target, read, existing, output)
    } finally {
      await closeQuietly(opened)
    }
  } catch (error) {
    return output.fail(error)
  }
}

/**
 * The plain part of `merge`: the sources added up in memory, in the layout of the target's first
 * event (else the first source's), every name and counter checked as a store checks them; then
 * each event added to what the target stores (`writeEvents`).
 */
const addPlain = async (opened: Opened, target: string, read: ReadonlyArray<Read>, existing: Read, output: Output): Promise<Outcome> => {
  const layout = (existing.counters[0] ?? read.flatMap((values) => values.counters)[0])?.[1].layout
  const sum = memoryStore(layout)
  for (const { counters } of read) {
    const merged = sum.mergeAll(new Map(counters))
    if (E.isLeft(merged)) throw new CliError(`cannot merge: ${merged.left.message}; nothing was merged`)
  }
  const incoming = new Map(Object.entries(sum.exportAll()))
  const bytesFor = (event: string, stored: Uint8Array | undefined): Uint8Array => {
    const counter = incoming.get(event)!
    if (stored === undefined) return opened.format.serialize(counter)
    const now = decodePlain(event, stored, opened.format)
    if (E.isLeft(now)) throw changedMeanwhile(target, now.left)
    return opened.format.serialize(mergeCounters(counter, now.right))
  }
  const events = [...incoming.keys()].sort()
  const failure = await writeEvents(opened, target, events, bytesFor, output)
  const counters = read.reduce((n, values) => n + values.counters.length, 0)
  return reportMerge(output, {
    target,
    what: `${plural(counters, 'counter')} from ${plural(read.length, 'store')}`,
    events,
    total: new Set([...existing.counters.map(([event]) => event), ...events]).size,
    failure,
    note: ADDED_NOTE,
    again: `do not run the same merge again: the counts of the ${plural(events.length - (failure?.failedKeys.length ?? 0), 'event')} merged would be added twice`
  })
}

/**
 * The replicated part of `merge`: each event's copies joined (in the layout of the target's first
 * event, else the first source's), then joined with what the target stores (`writeEvents`).
 */
const joinReplicated = async (opened: Opened, target: string, read: ReadonlyArray<Read>, existing: Read, output: Output): Promise<Outcome> => {
  const incoming = read.flatMap((values) => values.replicated)
  const layout = (existing.replicated[0] ?? incoming[0])![1].layout
  const joined = new Map<string, Replicated>()
  for (const [event, r] of incoming) joined.set(event, mergeReplicated(joined.get(event) ?? emptyReplicated(layout), r))
  const bytesFor = (event: string, stored: Uint8Array | undefined): Uint8Array => {
    const value = joined.get(event)!
    if (stored === undefined) return opened.replicatedFormat.serialize(value)
    const now = decodeReplicated(event, stored)
    if (E.isLeft(now)) throw changedMeanwhile(target, now.left)
    return opened.replicatedFormat.serialize(mergeReplicated(value, now.right))
  }
  const events = [...joined.keys()].sort()
  const failure = await writeEvents(opened, target, events, bytesFor, output)
  return reportMerge(output, {
    target,
    what: `${plural(incoming.length, 'replicated counter')} from ${plural(read.length, 'store')}`,
    events,
    total: new Set([...existing.replicated.map(([event]) => event), ...events]).size,
    failure,
    note: JOINED_NOTE,
    again: 'once the cause is fixed, run the same merge again: it merges the others and changes nothing of the events merged'
  })
}

/** A stored value of the target that no longer decodes (it did when the merge read it): the merge writes nothing. */
const changedMeanwhile = (target: string, error: DecodeError): CliError =>
  new CliError(`${target}: ${error.message} (it changed since the merge read it); nothing was merged`)

/**
 * Writes `events` into the target, each as `bytesFor` makes it of what is stored then, in one
 * read-modify-write (`Storage.update`), so that a store persisting into the target meanwhile loses
 * nothing. In SQLite that is one transaction: all is written or nothing. A directory writes each
 * event's file on its own: resolves to the storage's error when some were written, whose
 * `failedKeys` were not (and whose `landedKeys` were, not known durable); `undefined` when every
 * event was written. Throws a `CliError` when nothing was written.
 */
const writeEvents = async (
  opened: Opened,
  target: string,
  events: ReadonlyArray<string>,
  bytesFor: (event: string, stored: Uint8Array | undefined) => Uint8Array,
  output: Output
): Promise<StorageError | undefined> => {
  if (events.length === 0) return undefined
  if (events.length > 1000) output.progress(`${target}: writing ${plural(events.length, 'event')}`)
  const writes = (stored: ReadonlyArray<Uint8Array | undefined>): ReadonlyArray<Write> => events.map((key, i) => ({ key, data: bytesFor(key, stored[i]) }))
  try {
    const { update } = opened.storage
    if (update !== undefined) await update(events, writes)
    else await opened.storage.batch(writes([]))
    return undefined
  } catch (cause) {
    // A stored value that changed meanwhile refused the write (SQLite wraps what `bytesFor` threw).
    const refusal = cause instanceof StorageError && cause.cause instanceof CliError ? cause.cause : cause
    if (refusal instanceof CliError) throw refusal
    const failure = cause instanceof StorageError ? cause : new StorageError(undefined, cause)
    // Keys named neither failed nor landed: nothing was written (a rolled-back transaction, a lock not taken).
    const failed = new Set(failure.failedKeys)
    if (failure.landedKeys.length === 0 && (failed.size === 0 || events.every((event) => failed.has(event)))) {
      throw new CliError(`${target}: cannot persist (${failure.message}); nothing was merged`)
    }
    return failure
  }
}

/** A list of event names for a message: `"a", "b"`. */
const names = (events: ReadonlyArray<string>): string => events.map((event) => JSON.stringify(event)).join(', ')

/**
 * What a merge says: on stdout what it merged and how (`note`); when the storage wrote some events
 * and not others, on stderr which were not and why, and what running it `again` would do (exit
 * code 3).
 */
const reportMerge = (
  output: Output,
  merged: {
    readonly target: string
    /** What was merged: `6 counters from 3 stores`. */
    readonly what: string
    /** The events written (or meant to be). */
    readonly events: ReadonlyArray<string>
    /** The target's events after the merge. */
    readonly total: number
    readonly failure: StorageError | undefined
    readonly note: string
    readonly again: string
  }
): Outcome => {
  const { target, what, events, total, failure, note, again } = merged
  if (failure === undefined) {
    output.out.push(`merged ${what} into ${target} (${plural(total, 'event')})`, note)
    return output.done(0)
  }
  const failed = new Set(failure.failedKeys)
  const written = events.filter((event) => !failed.has(event))
  const notWritten = events.filter((event) => failed.has(event))
  output.out.push(`merged ${what} into ${target}, but only ${written.length} of ${plural(events.length, 'event')}: ${names(written)}`, note)
  if (notWritten.length > 0) {
    output.err.push(`tiny-counter: ${target}: ${notWritten.length} of ${plural(events.length, 'event')} not merged (nothing was written for ${notWritten.length === 1 ? 'it' : 'them'}): ${names(notWritten)}`)
  }
  if (failure.landedKeys.length > 0) {
    output.err.push(`tiny-counter: ${target}: ${plural(failure.landedKeys.length, 'event')} merged but not known to be durable (the directory could not be synced): ${names(failure.landedKeys)}`)
  }
  output.err.push(`tiny-counter: ${target}: why: ${failure.message}`, `tiny-counter: ${again}`)
  return output.done(PARTLY_MERGED)
}
