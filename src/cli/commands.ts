/**
 * The commands of the `tiny-counter` CLI as functions: each takes paths and options and returns
 * what a user would see (stdout, stderr) and the exit code, so that they run in-process as well as
 * from `tiny-counter inspect|export|merge`. Exit codes: 0 done, 1 usage error or a store that
 * cannot be opened or read, 2 a store with values that do not decode (each reported with its key).
 */
import { chmodSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, resolve, sep } from 'node:path'
import * as E from '#fp-ts/Either'
import * as O from '#fp-ts/Option'
import { bucketIndex, bucketStart } from '../Calendar.js'
import type { Counter } from '../Counter.js'
import { MAX_BUCKETS } from '../Layout.js'
import * as Query from '../Query.js'
import type { Replicated } from '../Replicated.js'
import { empty as emptyReplicated, merge as mergeReplicated, value as replicatedValue } from '../Replicated.js'
import type { TimeUnit } from '../TimeUnit.js'
import * as Window from '../Window.js'
import type { DecodeError } from '../codec/errors.js'
import type { Write } from '../store/Storage.js'
import { bars } from './chart.js'
import type { Opened, Read } from './internal/stores.js'
import { CliError, buildStore, closeQuietly, decodeReplicated, openStore, readCounters } from './internal/stores.js'

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
Exit codes: 0 done, 1 usage error or unreadable store, 2 some values do not decode.`

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

/**
 * `tiny-counter merge <target> <source...>`: merges every counter of the sources into the target's
 * (creating the target if it does not exist, in the sources' format) and persists it. Plain
 * counters are added, and the command says so: running the same merge again adds the sources
 * again. Replicated counters (stores built with `.replicaId(id)`) are joined by their maximum per
 * replica and bucket, in one read-modify-write of the target's storage: running the same merge
 * again, or merging a source twice, changes nothing (docs/SYNC.md). Plain and replicated stores
 * are not merged together (exit code 1). Nothing is written when a store cannot be read or has
 * values that do not decode (exit code 2).
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
      if (replicatedAt >= 0) return await joinReplicated(opened, target, read, existing, output)
      const layout = (existing.counters[0] ?? read.flatMap((values) => values.counters)[0])?.[1].layout
      const store = await buildStore(opened, layout, target)
      const incoming = read.reduce((n, values) => n + values.counters.length, 0)
      for (const { counters } of read) {
        const merged = store.mergeAll(new Map(counters))
        if (E.isLeft(merged)) throw new CliError(`cannot merge: ${merged.left.message}`)
      }
      if (incoming > 1000) output.progress(`${target}: writing ${plural(store.events().length, 'event')}`)
      const closed = await store.close()
      if (E.isLeft(closed)) throw new CliError(`${target}: cannot persist (${closed.left.message})`)
      output.out.push(`merged ${plural(incoming, 'counter')} from ${plural(sources.length, 'store')} into ${target} (${plural(store.events().length, 'event')})`)
      output.out.push(ADDED_NOTE)
      return output.done(0)
    } finally {
      await closeQuietly(opened)
    }
  } catch (error) {
    return output.fail(error)
  }
}

/**
 * The replicated part of `merge`: each event's copies joined (in the layout of the target's first
 * event, else the first source's), then joined again with what the target stores, in one
 * read-modify-write (`Storage.update`) when the storage has it, so that a store persisting into the
 * target meanwhile loses nothing.
 */
const joinReplicated = async (opened: Opened, target: string, read: ReadonlyArray<Read>, existing: Read, output: Output): Promise<Outcome> => {
  const incoming = read.flatMap((values) => values.replicated)
  const layout = (existing.replicated[0] ?? incoming[0])![1].layout
  const joined = new Map<string, Replicated>()
  for (const [event, r] of [...existing.replicated, ...incoming]) joined.set(event, mergeReplicated(joined.get(event) ?? emptyReplicated(layout), r))
  const events = [...joined.keys()]
  const writes = (stored: ReadonlyArray<Uint8Array | undefined>): ReadonlyArray<Write> =>
    events.map((event, i) => {
      const bytes = stored[i]
      const now = bytes === undefined ? undefined : decodeReplicated(event, bytes)
      const value = now !== undefined && E.isRight(now) ? mergeReplicated(joined.get(event)!, now.right) : joined.get(event)!
      return { key: event, data: opened.replicatedFormat.serialize(value) }
    })
  if (events.length > 1000) output.progress(`${target}: writing ${plural(events.length, 'event')}`)
  try {
    const { update } = opened.storage
    if (update !== undefined) await update(events, writes)
    else await opened.storage.batch(writes([]))
  } catch (cause) {
    throw new CliError(`${target}: cannot persist (${cause instanceof Error ? cause.message : String(cause)})`)
  }
  output.out.push(`merged ${plural(incoming.length, 'replicated counter')} from ${plural(read.length, 'store')} into ${target} (${plural(events.length, 'event')})`)
  output.out.push(JOINED_NOTE)
  return output.done(0)
}
