/**
 * The persistence section of `npm run bench` (issue 5): with the default layout (60 minutes,
 * 24 hours, 32 days, 12 months) in Europe/Berlin and the default format (Bincode),
 *
 * - `persist`: `await store.persist()` of 10,000 dirty events, each recorded a few times;
 * - `load`: `await EventStore.builder()...withStorage(storage).build()` of 10,000 stored events;
 *
 * each with SQLite (`Sqlite.open`, a database file) and with files (`FilePerEvent.open(dir, '.bin')`),
 * in a fresh temporary directory of `os.tmpdir()` on the real disk, removed afterwards. Every case
 * runs in its own child process (this file is also that process's entry, through `harness.ts`),
 * one case after the other so that no two compete for the disk. A case times each operation itself
 * (a persist needs its 10,000 events made dirty again first, which is not part of the figure) and
 * reports the milliseconds of every timed repetition; the table shows their median.
 *
 * Loading reads files the operating system has in its cache (the files were just written): this is
 * the cost of the library and of the system calls, not of the device.
 *
 * Also printed: the bytes a typical event takes in each format (an event recorded once, one used
 * daily for 60 days, one with every bucket of every unit full), and the floor of the files backend
 * on this machine: the same system calls a persist and a load make, timed without the library.
 */
import { execFileSync } from 'node:child_process'
import * as callbackFs from 'node:fs'
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs'
import * as fs from 'node:fs/promises'
import os from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import * as E from 'fp-ts/lib/Either.js'
import type { Formatter, Storage } from 'tiny-counter'
import { BincodeFormat, Counter, EventStore, JsonFormat, Layout } from 'tiny-counter'
import { FilePerEvent } from 'tiny-counter/files'
import { Sqlite } from 'tiny-counter/sqlite'
import type { Figures, Prepared } from './harness.ts'
import type { TableRow } from './readme.ts'
import { median, serve, startCase } from './harness.ts'

export const TIME_ZONE = 'Europe/Berlin'
export const EVENTS = 10_000
/** How many times each event is recorded before the first persist. */
const RECORDS_PER_EVENT = 3
/** DESIGN.md: persist or load 10,000 events in at most 150 ms each (SQLite; loading files). */
const TARGET_MS = 150
/**
 * DESIGN.md: a persist of files within 1.3× the raw durable file-system floor measured in the same
 * run (the same creates, writes, renames and syncs with plain node:fs): 10,000 durable file
 * replacements take seconds on an ext4 disk, beyond any per-file design's reach of 150 ms.
 */
const FLOOR_RATIO_TARGET = 1.3

export type Backend = 'sqlite' | 'files'
export type PersistOp = 'persist' | 'load'
const backends: ReadonlyArray<Backend> = ['sqlite', 'files']
const ops: ReadonlyArray<PersistOp> = ['persist', 'load']

/** What the parent hands a case process. */
interface CaseData {
  readonly op: PersistOp
  readonly backend: Backend
  /** A fresh directory for the case's database or files (the parent removes it). */
  readonly directory: string
}

const names = (): ReadonlyArray<string> => Array.from({ length: EVENTS }, (_, i) => `event_${String(i).padStart(5, '0')}`)

const openStorage = (backend: Backend, directory: string): Promise<Storage> =>
  backend === 'sqlite' ? Sqlite.open(join(directory, 'events.db')) : FilePerEvent.open(join(directory, 'events'), '.bin')

const builder = () => EventStore.builder().timeZone(TIME_ZONE)

const orThrow = <A>(result: E.Either<Error, A>): A => {
  if (E.isLeft(result)) throw result.left
  return result.right
}

/** A store on `storage` holding every event, each recorded `RECORDS_PER_EVENT` times: all dirty. */
const filledStore = async (storage: Storage): Promise<EventStore> => {
  const store = await builder().withStorage(storage).build()
  for (const name of names()) for (let r = 0; r < RECORDS_PER_EVENT; r++) orThrow(store.record(name))
  return store
}

/** Makes every event dirty again (one more record each). */
const touchAll = (store: EventStore, all: ReadonlyArray<string>): void => {
  for (const name of all) orThrow(store.record(name))
}

/**
 * A case: the first call of its body sets the store up; each operation is timed alone and kept in
 * `samples` (milliseconds), which `report` hands to the parent.
 */
const prepare = ({ op, backend, directory }: CaseData): Prepared => {
  const samples: number[] = []
  let timed = false
  let setup: Promise<() => Promise<number>> | undefined
  const time = async (operation: () => Promise<number>): Promise<number> => {
    const t0 = process.hrtime.bigint()
    const sink = await operation()
    const ms = Number(process.hrtime.bigint() - t0) / 1e6
    if (timed) samples.push(ms)
    return sink
  }

  const persistCase = async (): Promise<() => Promise<number>> => {
    const storage = await openStorage(backend, directory)
    // The storage as it is, but for a count of what its batches and updates write (to check the
    // work done: a persist adds through `update` where the storage has it).
    let written = 0
    const { update } = storage
    const counted: Storage = {
      ...storage,
      batch: (writes) => ((written += writes.length), storage.batch(writes)),
      ...(update === undefined ? {} : { update: (keys, compute) => update(keys, (current) => { const writes = compute(current); written += writes.length; return writes }) })
    }
    const store = await filledStore(counted)
    const all = names()
    let first = true
    return async () => {
      if (!first) touchAll(store, all) // untimed: the next persist finds 10,000 dirty events
      first = false
      written = 0
      await time(async () => {
        orThrow(await store.persist())
        return 1
      })
      if (written !== EVENTS || store.isDirty()) throw new Error(`a persist wrote ${written} events, expected ${EVENTS}, and left the store ${store.isDirty() ? 'dirty' : 'clean'}`)
      return written
    }
  }

  const loadCase = async (): Promise<() => Promise<number>> => {
    const storage = await openStorage(backend, directory)
    const writer = await filledStore(storage)
    orThrow(await writer.persist())
    // No `close()`: it would close the storage, which every load below reuses as it is.
    return async () => {
      let loaded: EventStore | undefined
      await time(async () => {
        loaded = await builder().withStorage(storage).build()
        return 1
      })
      const events = loaded!.events().length
      if (events !== EVENTS || loaded!.loadErrors.length > 0) throw new Error(`loaded ${events} events, ${loaded!.loadErrors.length} errors`)
      return events
    }
  }

  return {
    async: true,
    body: async (n) => {
      setup ??= op === 'persist' ? persistCase() : loadCase()
      const run = await setup
      let sink = 0
      for (let i = 0; i < n; i++) sink += await run()
      return sink
    },
    afterWarmup: () => {
      timed = true
    },
    report: (): Figures => Object.fromEntries(samples.map((ms, i) => [String(i), ms]))
  }
}

// -------------------------------------------------------------------------------------------------
// bytes per event
// -------------------------------------------------------------------------------------------------

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

const recordAll = (layout: Layout.Layout, instants: ReadonlyArray<number>): Counter.Counter => {
  let c = Counter.empty(layout)
  for (const t of instants) c = orThrow(Counter.record(c, t, 1))
  return c
}

/** Typical counters, ending at `now`: recorded once; daily for 60 days; every bucket full. */
export const typicalCounters = (now: number): ReadonlyArray<readonly [string, Counter.Counter]> => {
  const layout = Layout.standard({ timeZone: TIME_ZONE })
  const daily = Array.from({ length: 60 }, (_, d) => now - (59 - d) * DAY)
  // Once a minute for a year: every minute, hour, day and month bucket holds a count.
  const everyMinute = Array.from({ length: 366 * 24 * 60 }, (_, m) => now - (366 * 24 * 60 - 1 - m) * MINUTE)
  return [
    ['recorded once', recordAll(layout, [now])],
    ['used daily for 60 days', recordAll(layout, daily)],
    ['every bucket full (once a minute for a year)', recordAll(layout, everyMinute)]
  ]
}

const formats: ReadonlyArray<Formatter> = [JsonFormat, BincodeFormat]

/** Bytes of the value of each typical counter in each format, checked to decode back to it. */
const bytesPerEvent = (): ReadonlyArray<readonly [string, ReadonlyArray<number>]> =>
  typicalCounters(Date.now()).map(([what, counter]) => {
    const full = Counter.toBuckets(counter).every((counts, u) => counts.length === counter.layout.tracks[u]!.buckets && counts.every((n) => n > 0))
    if (what.startsWith('every bucket') && !full) throw new Error('the full counter has an empty bucket')
    return [
      what,
      formats.map((format) => {
        const bytes = format.serialize(counter)
        const back = format.deserialize('event', bytes)
        if (E.isLeft(back) || !Counter.Eq.equals(back.right, counter)) throw new Error(`${format.name} does not round-trip the ${what} counter`)
        return bytes.length
      })
    ] as const
  })

// -------------------------------------------------------------------------------------------------
// parent side
// -------------------------------------------------------------------------------------------------

const self = fileURLToPath(import.meta.url)

/**
 * One PASS, MISS or INFO line of `run.ts`: `ok` undefined for a figure that is not a target; a
 * target may give its README row itself (else `run.ts` words it from `what`).
 */
export type Check = readonly [what: string, ok: boolean | undefined, value: string, row?: Omit<TableRow, 'ok'>]

export interface PersistenceOptions {
  /** Untimed operations before the timed ones, per case. */
  readonly warmup: number
  /** Timed operations per case, by backend. */
  readonly reps: Readonly<Record<Backend, number>>
}

/** Options from the command line: `--persist-reps N` (default 15 with SQLite, 5 with files), `--persist-warmup N` (default 1). */
export const persistenceOptions = (args: ReadonlyArray<string>): PersistenceOptions => {
  const option = (name: string): number | undefined => {
    const i = args.indexOf(`--${name}`)
    if (i < 0) return undefined
    const value = Number(args[i + 1])
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} needs a non-negative integer`)
    return value
  }
  const reps = option('persist-reps')
  return { warmup: option('persist-warmup') ?? 1, reps: { sqlite: Math.max(1, reps ?? 15), files: Math.max(1, reps ?? 5) } }
}

/** Runs one case in a fresh process, in a fresh temporary directory; the milliseconds of each timed operation. */
const measure = async (op: PersistOp, backend: Backend, options: PersistenceOptions): Promise<ReadonlyArray<number>> => {
  const base = mkdtempSync(join(os.tmpdir(), `tiny-counter-bench-${op}-${backend}-`))
  try {
    const data: CaseData = { op, backend, directory: base }
    const child = await startCase(`${op}/${backend}`, self, ['persistence-case'], data)
    try {
      await child.request({ type: 'warmup', rounds: 1, ops: Math.max(1, options.warmup) })
      await child.request({ type: 'round', ops: options.reps[backend] })
      return Object.values(await child.figures())
    } finally {
      await child.close()
    }
  } finally {
    rmSync(base, { recursive: true, force: true })
  }
}

// -------------------------------------------------------------------------------------------------
// the floor: what the disk and Node's file system calls cost, without the library
// -------------------------------------------------------------------------------------------------

/** Files of the smaller measures of the floor. */
const FLOOR_FILES = 2_000
const tinyFile = new Uint8Array(49).fill(7)

/** Runs `task(0)` … `task(n - 1)`, `limit` at a time. */
const pool = async (n: number, limit: number, task: (i: number) => Promise<void>): Promise<void> => {
  let next = 0
  await Promise.all(Array.from({ length: Math.min(n, limit) }, async () => {
    while (next < n) await task(next++)
  }))
}

const since = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6

/** `sync -f dir`: syncfs(2) of the file system, as FilePerEvent runs it for a large batch. */
const syncfs = (dir: string): void => {
  execFileSync('sync', ['-f', dir], { stdio: 'ignore' })
}

/** Creates `path` with `data`, blocking: open (new file), write, close. */
const createSync = (path: string, data: Uint8Array): void => {
  const fd = openSync(path, 'wx')
  writeSync(fd, data)
  closeSync(fd)
}

const fsyncDirectory = (dir: string): void => {
  const fd = openSync(dir, 'r')
  fsyncSync(fd)
  closeSync(fd)
}

/** Microseconds per file (or milliseconds in all) of the raw operations a persist and a load of files make. */
const floor = async (): Promise<Record<string, number>> => {
  const dir = mkdtempSync(join(os.tmpdir(), 'tiny-counter-bench-floor-'))
  try {
    // One fsync of a small new file, alone (sync calls, one after the other).
    const fsyncs: number[] = []
    for (let i = 0; i < 300; i++) {
      const fd = openSync(join(dir, `f${i}`), 'wx')
      writeSync(fd, tinyFile)
      const t0 = process.hrtime.bigint()
      fsyncSync(fd)
      fsyncs.push(Number(process.hrtime.bigint() - t0) / 1e3)
      closeSync(fd)
    }
    // A persist of EVENTS files as FilePerEvent makes it, with raw blocking calls: temporary files
    // (create, write, close), one syncfs, renames over the files, a fsync of the directory. Twice:
    // the second round replaces the files of the first, as the persists of the benchmark do.
    const events = join(dir, 'events')
    mkdirSync(events)
    for (let i = 0; i < EVENTS; i++) createSync(join(events, `e${i}.bin`), tinyFile)
    syncfs(events)
    const persistRound = (prefix: string): Record<string, number> => {
      let t0 = process.hrtime.bigint()
      for (let i = 0; i < EVENTS; i++) createSync(join(events, `.${prefix}${i}.tmp`), tinyFile)
      const create = since(t0)
      t0 = process.hrtime.bigint()
      syncfs(events)
      const flush = since(t0)
      t0 = process.hrtime.bigint()
      for (let i = 0; i < EVENTS; i++) renameSync(join(events, `.${prefix}${i}.tmp`), join(events, `e${i}.bin`))
      const rename = since(t0)
      t0 = process.hrtime.bigint()
      fsyncDirectory(events)
      return { create: (create * 1e3) / EVENTS, flush, rename: (rename * 1e3) / EVENTS, directory: since(t0) }
    }
    persistRound('t')
    const persist = persistRound('u')
    // The same files made durable one by one instead: a fsync each, 16 at once through the pool.
    const perFile = join(dir, 'per-file')
    mkdirSync(perFile)
    for (let i = 0; i < FLOOR_FILES; i++) createSync(join(perFile, `p${i}`), tinyFile)
    let t0 = process.hrtime.bigint()
    await pool(FLOOR_FILES, 16, async (i) => {
      const handle = await fs.open(join(perFile, `p${i}`), 'r')
      await handle.sync()
      await handle.close()
    })
    const fsyncEach = (since(t0) * 1e3) / FLOOR_FILES
    // Where a replacement goes: removing a file that holds a block (which the file system frees,
    // and discards when mounted with -o discard) against an empty one; renaming to a new name.
    const each = (n: number, task: (i: number) => void): number => {
      const t = process.hrtime.bigint()
      for (let i = 0; i < n; i++) task(i)
      return (since(t) * 1e3) / n
    }
    const sample = 500
    for (let i = 0; i < sample; i++) createSync(join(perFile, `full${i}`), tinyFile)
    for (let i = 0; i < sample; i++) createSync(join(perFile, `empty${i}`), new Uint8Array(0))
    syncfs(perFile)
    const unlinkFull = each(sample, (i) => unlinkSync(join(perFile, `full${i}`)))
    const unlinkEmpty = each(sample, (i) => unlinkSync(join(perFile, `empty${i}`)))
    const renameNew = each(sample, (i) => renameSync(join(perFile, `p${i}`), join(perFile, `q${i}`)))
    // Reading the files back: blocking calls one after the other (open, pread, close, as
    // FilePerEvent reads), and, for comparison, 64 at once through the pool with callbacks.
    const paths = Array.from({ length: EVENTS }, (_, i) => join(events, `e${i}.bin`))
    const buffer = new Uint8Array(64 * 1024)
    const blocking: number[] = []
    const reads: number[] = []
    for (let r = 0; r < 5; r++) {
      t0 = process.hrtime.bigint()
      for (const path of paths) {
        const fd = openSync(path, 'r')
        readSync(fd, buffer, 0, buffer.length, 0)
        closeSync(fd)
      }
      blocking.push((since(t0) * 1e3) / EVENTS)
      t0 = process.hrtime.bigint()
      await pool(EVENTS, 64, (i) =>
        new Promise<void>((resolve, reject) =>
          callbackFs.open(paths[i]!, 'r', (e, fd) => {
            if (e !== null) return reject(e)
            callbackFs.read(fd, new Uint8Array(64), 0, 64, 0, (e2) => callbackFs.close(fd, () => (e2 !== null ? reject(e2) : resolve())))
          })
        )
      )
      reads.push((since(t0) * 1e3) / EVENTS)
    }
    return {
      fsync: median(fsyncs),
      ...Object.fromEntries(Object.entries(persist).map(([k, v]) => [`persist.${k}`, v])),
      fsyncEach,
      unlinkFull,
      unlinkEmpty,
      renameNew,
      blocking: median(blocking),
      read: median(reads)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const quartiles = (values: ReadonlyArray<number>): string => {
  const sorted = [...values].sort((x, y) => x - y)
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
  return `${at(0.25).toFixed(0)}-${at(0.75).toFixed(0)}`
}

/**
 * The persistence section of `npm run bench`: measures persist and load with both backends, the
 * floor of the files backend and the bytes per event of each format; prints the tables and returns
 * the PASS/MISS/INFO lines.
 */
export const persistenceSection = async (args: ReadonlyArray<string> = process.argv.slice(2)): Promise<ReadonlyArray<Check>> => {
  const options = persistenceOptions(args)
  console.log(`persistence: default layout (60 minutes, 24 hours, 32 days, 12 months), ${TIME_ZONE}, ${BincodeFormat.name} format,`)
  console.log(`${EVENTS} events recorded ${RECORDS_PER_EVENT} times each; SQLite (Sqlite.open, WAL, synchronous=FULL) and files (FilePerEvent, '.bin')`)
  console.log(`in fresh directories of ${os.tmpdir()}; ${options.warmup} untimed + ${options.reps.sqlite} (SQLite) or ${options.reps.files} (files) timed operations,`)
  console.log('one process per case, one case at a time\n')

  const results = {} as Record<PersistOp, Record<Backend, ReadonlyArray<number>>>
  for (const op of ops) {
    results[op] = {} as Record<Backend, ReadonlyArray<number>>
    for (const backend of backends) {
      results[op][backend] = await measure(op, backend, options)
      process.stderr.write('.')
    }
  }
  const raw = await floor()
  process.stderr.write('\n')

  const ms = (op: PersistOp, backend: Backend): number => median(results[op][backend])
  const labels: Record<PersistOp, string> = {
    persist: `store.persist(), ${EVENTS} dirty events`,
    load: `builder()...build(), ${EVENTS} stored events`
  }
  const widths = [44, 10, 10, 12, 12]
  const row = (cells: ReadonlyArray<string>): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[0]!) : c.padStart(widths[i]!))).join(' ')
  console.log(row(['operation (ms, median)', 'SQLite', 'files', 'SQLite IQR', 'files IQR']))
  console.log(widths.map((w) => '-'.repeat(w)).join(' '))
  for (const op of ops) console.log(row([labels[op], ...backends.map((b) => ms(op, b).toFixed(1)), ...backends.map((b) => quartiles(results[op][b]))]))
  console.log('')

  const byteWidths = [44, 10, 10]
  const byteRow = (cells: ReadonlyArray<string>): string => cells.map((c, i) => (i === 0 ? c.padEnd(byteWidths[0]!) : c.padStart(byteWidths[i]!))).join(' ')
  const sizes = bytesPerEvent()
  console.log(byteRow(['bytes per event (the stored value)', ...formats.map((f) => f.name)]))
  console.log(byteWidths.map((w) => '-'.repeat(w)).join(' '))
  for (const [what, bytes] of sizes) console.log(byteRow([what, ...bytes.map(String)]))
  console.log('')

  const us = (n: number): string => `${n.toFixed(0)} µs`
  const floorMs = EVENTS * (raw['persist.create']! + raw['persist.rename']!) / 1e3 + raw['persist.flush']! + raw['persist.directory']!
  console.log(`the files floor (raw node:fs calls on the same disk, files of ${tinyFile.length} bytes, no library code):`)
  console.log(`  fsync of a small new file, alone: ${us(raw.fsync!)} per call (median of 300)`)
  console.log(`  a persist of ${EVENTS} files as FilePerEvent makes it, replacing the files of the persist before:`)
  console.log(`    create + write + close (blocking): ${us(raw['persist.create']!)} per file; one syncfs (sync -f): ${raw['persist.flush']!.toFixed(0)} ms;`)
  console.log(`    rename over the old file (blocking): ${us(raw['persist.rename']!)} per file; fsync of the directory: ${raw['persist.directory']!.toFixed(1)} ms`)
  console.log(`    => a durable persist of ${EVENTS} files cannot take less than about ${floorMs.toFixed(0)} ms here`)
  console.log(`  a fsync per file instead of the syncfs (16 at once through the pool): ${us(raw.fsyncEach!)} per file => about ${((EVENTS * raw.fsyncEach!) / 1e3).toFixed(0)} ms`)
  console.log(`  where a replacement goes: unlink of a ${tinyFile.length}-byte file ${us(raw.unlinkFull!)}, of an empty file ${us(raw.unlinkEmpty!)}; rename to a new name ${us(raw.renameNew!)}`)
  console.log(`  open + pread + close, blocking, one after the other: ${us(raw.blocking!)} per file => about ${((EVENTS * raw.blocking!) / 1e3).toFixed(0)} ms for ${EVENTS} files`)
  console.log(`  (through the thread pool, 64 at once with callbacks, for comparison: ${us(raw.read!)} per file)\n`)

  const target = (op: PersistOp, backend: Backend): Check => {
    const value = ms(op, backend)
    if (op === 'persist' && backend === 'files') {
      const ratio = value / floorMs
      return [
        `persist ${EVENTS} events (files) within ${FLOOR_RATIO_TARGET}× the raw durable file-system floor measured in the same run`,
        ratio <= FLOOR_RATIO_TARGET,
        `${value.toFixed(0)} ms, ${ratio.toFixed(2)}× the floor (${floorMs.toFixed(0)} ms)`,
        {
          operation: `\`store.persist()\`, ${EVENTS.toLocaleString('en-US')} events, files`,
          ours: `${value.toFixed(0)} ms`,
          peers: `raw durable node:fs floor ${floorMs.toFixed(0)} ms`,
          ratio: `${ratio.toFixed(2)}× the floor`,
          target: `≤ ${FLOOR_RATIO_TARGET}× the floor`
        }
      ]
    }
    return [`${op} ${EVENTS} events (${backend === 'sqlite' ? 'SQLite' : 'files'}) within ${TARGET_MS} ms`, value <= TARGET_MS, `${value.toFixed(1)} ms`]
  }
  return [
    ...ops.flatMap((op) => backends.map((backend) => target(op, backend))),
    ...formats.map((format, f): Check => [`bytes per event (${format.name}): recorded once / used daily for 60 days / every bucket full`, undefined, sizes.map(([, bytes]) => bytes[f]).join(' / ')]),
    [`files floor: durable persist of ${EVENTS} files (create+write+close, syncfs, rename over, directory fsync)`, undefined, `${floorMs.toFixed(0)} ms`],
    [`files floor per file: create+write+close / rename over / unlink of a ${tinyFile.length}-byte file / fsync alone`, undefined, `${us(raw['persist.create']!)} / ${us(raw['persist.rename']!)} / ${us(raw.unlinkFull!)} / ${us(raw.fsync!)}`]
  ]
}

// The entry of a case process: `persistence.bench.ts persistence-case`, started by `measure`.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === 'persistence-case') {
  serve((data: CaseData) => prepare(data))
}
